"""Working with TF Serving exports: check them, configure TF Serving, predict.

- `check_export(path)` verifies what TF Serving needs from a version folder
  (see its docstring for the full list) and returns an `ExportCheck`.
- `write_serving_config(root)` writes a TF Serving `models.config` for every
  model under an export root, plus a copy with container paths for
  `docker run tensorflow/serving`, and returns the command lines to run them.
- `predict(path, inputs)` loads a SavedModel in-process (with TensorFlow Text's
  ops registered) and calls a signature; `parse_inputs`, `rest_request_body`
  and `to_json` turn command-line values into tensors and tensors into the
  JSON TF Serving's REST API speaks.

A *model folder* holds integer *version folders*; a path to a model folder
means its highest version, the one TF Serving serves by default.
"""

import base64
import collections
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import subprocess
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path

from seqapps.export import (
    DEFAULT_SIGNATURE,
    MAX_WARMUP_RECORDS,
    TEMP_PREFIX,
    WARMUP_RELATIVE_PATH,
    is_version_name,
)

SERVE_TAG = "serve"
# The ops tf.py_function / tf.numpy_function / tf.compat.v1.py_func compile to:
# they call back into the Python interpreter, which TF Serving does not have.
PYTHON_CALLBACK_OPS = ("EagerPyFunc", "PyFunc", "PyFuncStateless")
# Signature methods TF Serving's Predict API accepts (predict_util.cc).
SERVING_METHODS = ("tensorflow/serving/predict", "tensorflow/serving/classify", "tensorflow/serving/regress")
INIT_OP_SIGNATURE = "__saved_model_init_op"
# Names TensorFlow invents for unnamed signature tensors.
_AUTOMATIC_NAME = re.compile(r"(output|args|inputs?)_[0-9]+")
CONFIG_FILENAME = "models.config"
DOCKER_CONFIG_FILENAME = "models.docker.config"
CONTAINER_ROOT = "/models"
GRPC_PORT = 8500
REST_PORT = 8501
MAX_EXAMPLE_ROWS = 3  # instances in a printed curl example
CACHE_DIR_VARIABLE = "SEQAPPS_CACHE_DIR"


class ServingError(Exception):
    """A path, export or input that cannot be used; the message says why and what to do."""


# --- finding versions --------------------------------------------------------


def version_dirs(model_dir):
    """[(version, path)] of the integer-named folders in `model_dir`, by version."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        return []
    found = [(int(entry.name), entry) for entry in model_dir.iterdir() if is_version_name(entry.name) and entry.is_dir()]
    return sorted(found)


def _has_saved_model(directory):
    return (Path(directory) / "saved_model.pb").is_file() or (Path(directory) / "saved_model.pbtxt").is_file()


def resolve_version_dir(path):
    """The version folder `path` designates: itself when it holds a SavedModel,
    else, for a model folder, its highest integer version (as TF Serving)."""
    path = Path(path)
    if not path.exists():
        raise ServingError(f"{path} does not exist")
    if not path.is_dir():
        raise ServingError(f"{path} is not a folder")
    if _has_saved_model(path):
        return path
    versions = version_dirs(path)
    if versions:
        return versions[-1][1]
    raise ServingError(
        f"{path} is neither a SavedModel version folder (no saved_model.pb) nor a model "
        f"folder with integer version subfolders (e.g. {path}/1/saved_model.pb)"
    )


def read_saved_model(version_dir):
    """The `SavedModel` proto of `version_dir` (saved_model.pb or .pbtxt)."""
    from google.protobuf import message, text_format
    from tensorflow.core.protobuf import saved_model_pb2

    version_dir = Path(version_dir)
    saved_model = saved_model_pb2.SavedModel()
    binary, text = version_dir / "saved_model.pb", version_dir / "saved_model.pbtxt"
    try:
        if binary.is_file():
            saved_model.ParseFromString(binary.read_bytes())
        elif text.is_file():
            text_format.Parse(text.read_text(), saved_model)
        else:
            raise ServingError(f"{version_dir} has no saved_model.pb: not a SavedModel")
    except (message.DecodeError, text_format.ParseError) as error:
        raise ServingError(f"{version_dir}: saved_model.pb does not parse as a SavedModel ({error})") from error
    return saved_model


def serve_meta_graph(saved_model):
    """The MetaGraphDef TF Serving loads: the one whose tag set is exactly {"serve"}."""
    for meta_graph in saved_model.meta_graphs:
        if set(meta_graph.meta_info_def.tags) == {SERVE_TAG}:
            return meta_graph
    return None


def _dtype(enum_value):
    import tensorflow as tf

    try:
        return tf.dtypes.as_dtype(enum_value)
    except TypeError:
        return None


def _shape(tensor_shape_proto):
    """A TensorShapeProto as a list with -1 for unknown dims, or None for unknown rank."""
    if tensor_shape_proto.unknown_rank:
        return None
    return [dim.size for dim in tensor_shape_proto.dim]


@dataclass
class TensorSpecInfo:
    """One named input or output of a SignatureDef."""

    name: str
    dtype: str  # e.g. "string", "float32"; "invalid" when unset
    shape: list | None  # -1 for unknown dims, None for unknown rank
    tensor_name: str  # graph tensor, e.g. "serving_default_text:0"; "" for composite encodings

    def describe(self):
        shape = "?" if self.shape is None else "[" + ", ".join("None" if d < 0 else str(d) for d in self.shape) + "]"
        return f"{self.name} ({self.dtype}{shape})"


def signature_summary(meta_graph):
    """{signature name: {"inputs": [TensorSpecInfo], "outputs": [...], "method": str}}."""
    summary = {}
    for signature_name, signature in sorted(meta_graph.signature_def.items()):
        if signature_name == INIT_OP_SIGNATURE:
            continue
        entry = {"method": signature.method_name, "inputs": [], "outputs": []}
        for kind in ("inputs", "outputs"):
            for alias, info in sorted(getattr(signature, kind).items()):
                dtype = _dtype(info.dtype) if info.dtype else None
                entry[kind].append(
                    TensorSpecInfo(
                        name=alias,
                        dtype=dtype.name if dtype is not None else "invalid",
                        shape=_shape(info.tensor_shape),
                        tensor_name=info.name,
                    )
                )
        summary[signature_name] = entry
    return summary


def read_signature(path, signature_name=DEFAULT_SIGNATURE):
    """(version_dir, signature entry of `signature_summary`) without loading the model."""
    version_dir = resolve_version_dir(path)
    meta_graph = serve_meta_graph(read_saved_model(version_dir))
    if meta_graph is None:
        raise ServingError(f"{version_dir}: no MetaGraph tagged 'serve'")
    summary = signature_summary(meta_graph)
    if signature_name not in summary:
        raise ServingError(
            f"{version_dir}: no signature {signature_name!r}; available: {', '.join(sorted(summary)) or 'none'}"
        )
    return version_dir, summary[signature_name]


# --- ops TF Serving ships ----------------------------------------------------

_OP_LIST_SCRIPT = r"""
import json
import tensorflow as tf
from tensorflow.core.framework import op_def_pb2
from tensorflow.python.client import pywrap_tf_session as c_api

def registered_ops():
    buffer = c_api.TF_GetAllOpList()
    try:
        op_list = op_def_pb2.OpList.FromString(c_api.TF_GetBuffer(buffer))
    finally:
        c_api.TF_DeleteBuffer(buffer)
    return {op.name for op in op_list.op}

core = registered_ops()
import tensorflow_text
text = registered_ops() - core

from tensorflow.python.framework import kernels
devices = {}
for kernel in kernels.get_all_registered_kernels().kernel:
    devices.setdefault(kernel.op, set()).add(kernel.device_type)
accelerator_only = {op: sorted(types) for op, types in devices.items() if not types & {"CPU", "DEFAULT"}}
print(json.dumps({"tensorflow": tf.__version__, "tensorflow_text": tensorflow_text.__version__,
                  "core": sorted(core), "text": sorted(text), "accelerator_only": accelerator_only}))
"""
_OP_LIST_FORMAT = 2  # bump when the script's output changes


class ServingOps(typing.NamedTuple):
    """Op names TF Serving's model server knows (see `serving_op_sets`)."""

    core: frozenset
    text: frozenset
    accelerator_only: dict  # op -> device types of its only kernels (e.g. ["GPU"])


def _cache_dir():
    explicit = os.environ.get(CACHE_DIR_VARIABLE, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "seqapps"


def _package_version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@functools.lru_cache(maxsize=None)
def serving_op_sets():
    """The ops TF Serving's model server can run, as a `ServingOps`.

    `core` is every op registered by `import tensorflow` (TF Serving links all
    of core TensorFlow's ops and kernels); `text` is every op that
    `import tensorflow_text` adds on top (TF Serving links TensorFlow Text's
    ops too). Both come from TensorFlow's op registry (`TF_GetAllOpList`) in a
    fresh Python process, so they match the installed versions exactly and do
    not include ops of other libraries loaded in this process. The Python
    callback ops (`PYTHON_CALLBACK_OPS`) are registered by core TensorFlow but
    cannot run in TF Serving; `check_export` rejects them separately.
    `accelerator_only` maps the ops whose kernels are all for GPUs (or other
    accelerators), none for the CPU, to those device types (from the kernel
    registry): e.g. `CudnnRNNV3`, which TF Serving's CPU build cannot run.

    The result is cached per TensorFlow / TensorFlow Text version in
    `$SEQAPPS_CACHE_DIR` (default `~/.cache/seqapps`).
    """
    import tensorflow as tf

    text_spec = importlib.util.find_spec("tensorflow_text")
    text_origin = text_spec.origin if text_spec and text_spec.origin else ""
    try:
        text_stamp = str(os.stat(text_origin).st_mtime_ns) if text_origin else ""
    except OSError:
        text_stamp = ""
    fingerprint = hashlib.sha256(
        f"{sys.executable}\0{sys.prefix}\0{tf.__file__}\0{text_origin}\0{text_stamp}".encode()
    ).hexdigest()[:10]
    key = (
        f"v{_OP_LIST_FORMAT}-tf-{tf.__version__}-text-{_package_version('tensorflow-text')}-"
        f"py{sys.version_info.major}.{sys.version_info.minor}-{fingerprint}"
    )
    cache_file = _cache_dir() / f"serving-ops-{key}.json"
    try:
        return _serving_ops(json.loads(cache_file.read_text()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", _OP_LIST_SCRIPT],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    try:
        data = json.loads(result.stdout.strip().splitlines()[-1])
        ops = _serving_ops(data)
    except (IndexError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise RuntimeError(
            "could not list the ops registered by tensorflow and tensorflow_text "
            f"(exit status {result.returncode}):\n{result.stderr[-3000:]}"
        ) from error
    if not ops.core or not ops.text:
        raise RuntimeError("listing registered ops gave an empty set; is tensorflow-text installed?")
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        partial = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(data))
        os.replace(partial, cache_file)
    except OSError:
        pass  # the cache is an optimisation
    return ops


def _serving_ops(data):
    return ServingOps(
        core=frozenset(data["core"]),
        text=frozenset(data["text"]),
        accelerator_only={op: list(devices) for op, devices in data["accelerator_only"].items()},
    )


def graph_ops(meta_graph):
    """{op name: sorted places it is used} over the graph and every library function.

    Calls of library functions by name are not ops and are left out.
    """
    graph = meta_graph.graph_def
    function_names = {function.signature.name for function in graph.library.function}
    uses = collections.defaultdict(set)
    for node in graph.node:
        uses[node.op].add("the graph")
    for function in graph.library.function:
        for node in function.node_def:
            uses[node.op].add(f"function {function.signature.name}")
    return {op: sorted(places) for op, places in uses.items() if op not in function_names}


def _places(places, limit=3):
    shown = ", ".join(places[:limit])
    return shown + (f" and {len(places) - limit} more" if len(places) > limit else "")


# --- check-export ------------------------------------------------------------


@dataclass
class ExportCheck:
    """What `check_export` found. `ok` when there are no problems."""

    path: Path
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    signatures: dict = field(default_factory=dict)
    ops: set = field(default_factory=set)
    text_ops: set = field(default_factory=set)
    warmup_records: int = 0
    warmup_replayed: bool = False
    warmup_outputs: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    def format(self):
        lines = [f"check-export {self.path}"]
        for signature_name, entry in self.signatures.items():
            inputs = ", ".join(spec.describe() for spec in entry["inputs"]) or "none"
            outputs = ", ".join(spec.describe() for spec in entry["outputs"]) or "none"
            lines.append(f"  signature {signature_name}: {inputs} -> {outputs}")
        if self.ops:
            text = f", TensorFlow Text: {', '.join(sorted(self.text_ops))}" if self.text_ops else ""
            lines.append(f"  ops: {len(self.ops)} distinct{text}")
        if self.warmup_records:
            replayed = ", replayed OK" if self.warmup_replayed else ""
            plural = "s" if self.warmup_records != 1 else ""
            lines.append(f"  warmup: {self.warmup_records} record{plural}{replayed}")
        lines.extend(f"warning: {warning}" for warning in self.warnings)
        if self.ok:
            lines.append("OK: ready for TF Serving")
        else:
            count = len(self.problems)
            lines.append(f"FAILED: {count} problem{'s' if count > 1 else ''}:")
            lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)


def check_export(path, *, layout=True, load=True):
    """Verifies that TF Serving can load and serve the export at `path`.

    Checks, collecting every problem rather than stopping at the first:

    - layout (when `layout`): `path` is `<model>/<integer version>/` (a model
      folder means its highest version, as TF Serving picks it); leftover
      temporary export folders are reported as warnings;
    - `saved_model.pb` parses and has a MetaGraph whose tag set is exactly
      `{"serve"}` (TF Serving's default);
    - `serving_default` exists; every signature uses a method TF Serving's
      Predict API accepts and has named dense inputs and outputs with known
      dtypes (automatic names like `output_0` are warnings);
    - variables and assets the graph refers to are present;
    - every op in the graph and in every function of its library is a core
      TensorFlow or TensorFlow Text op (`serving_op_sets`), with an explicit
      error for `tf.py_function` and friends;
    - `assets.extra/tf_serving_warmup_requests`, when present, is a TFRecord
      file of at most 1000 `PredictionLog`s whose requests name existing
      signatures and match their input names, dtypes and shapes;
    - when `load`: the SavedModel loads into a TF1 session the way TF
      Serving's `SavedModelBundle` does (variables restored, table
      initializers run) and every predict warmup request runs through its
      signature's tensors, as TF Serving replays them at load time. The
      outputs are kept in `warmup_outputs`.

    Returns:
        An `ExportCheck`; `.ok` is False when there are problems.
    """
    report = ExportCheck(path=Path(path))
    try:
        version_dir = resolve_version_dir(path) if layout else Path(path)
    except ServingError as error:
        report.problems.append(str(error))
        return report
    report.path = version_dir
    if layout:
        _check_layout(version_dir, report)
    try:
        saved_model = read_saved_model(version_dir)
    except ServingError as error:
        report.problems.append(str(error))
        return report
    meta_graph = serve_meta_graph(saved_model)
    if meta_graph is None:
        tag_sets = [sorted(meta.meta_info_def.tags) for meta in saved_model.meta_graphs]
        report.problems.append(
            f"no MetaGraph with exactly the tag set {{'serve'}} (found {tag_sets}); TF Serving loads "
            f"the 'serve' tag set (save with tf.saved_model.save or keras ExportArchive)"
        )
        return report
    report.signatures = signature_summary(meta_graph)
    _check_signatures(meta_graph, report)
    _check_files(version_dir, meta_graph, report)
    _check_ops(meta_graph, report)
    records = _check_warmup(version_dir, meta_graph, report)
    if load and not report.problems:
        try:
            report.warmup_outputs = replay_warmup(version_dir, records)
            report.warmup_replayed = bool(records)
        except Exception as error:  # noqa: BLE001 - any failure here is a failure in TF Serving
            report.problems.append(
                f"loading the SavedModel and replaying its warmup requests like TF Serving failed: "
                f"{type(error).__name__}: {_first_lines(str(error))}"
            )
    return report


def _first_lines(text, count=6):
    lines = text.strip().splitlines()
    return "\n    ".join(lines[:count]) + (" ..." if len(lines) > count else "")


def _check_layout(version_dir, report):
    if not is_version_name(version_dir.name):
        report.problems.append(
            f"version folder name {version_dir.name!r} is not an integer: TF Serving only loads "
            f"<model>/<integer version>/ folders (export with seqapps.export.export_for_serving)"
        )
        return
    leftovers = sorted(entry.name for entry in version_dir.parent.iterdir() if entry.name.startswith(TEMP_PREFIX))
    if leftovers:
        report.warnings.append(
            f"temporary export folders in {version_dir.parent}: {', '.join(leftovers)} (from an interrupted "
            f"or running export; TF Serving ignores them; delete them when no export is running)"
        )


def _check_signatures(meta_graph, report):
    signatures = report.signatures
    node_names = {node.name for node in meta_graph.graph_def.node}
    if DEFAULT_SIGNATURE not in signatures:
        report.problems.append(
            f"no {DEFAULT_SIGNATURE!r} signature (found: {', '.join(signatures) or 'none'}); TF Serving uses "
            f"it for every request that names no signature"
        )
    for signature_name, entry in signatures.items():
        where = f"signature {signature_name!r}"
        if entry["method"] not in SERVING_METHODS:
            report.problems.append(
                f"{where}: method {entry['method']!r} is not one TF Serving's Predict API accepts "
                f"({', '.join(SERVING_METHODS)})"
            )
        for kind in ("inputs", "outputs"):
            if not entry[kind]:
                report.problems.append(f"{where}: has no {kind}")
            for spec in entry[kind]:
                what = f"{where}: {kind[:-1]} {spec.name!r}"
                if not spec.tensor_name:
                    report.problems.append(
                        f"{what} is not a plain tensor (composite/sparse encoding); TF Serving's Predict API "
                        f"feeds and fetches dense tensors"
                    )
                elif spec.tensor_name.split(":")[0] not in node_names:
                    report.problems.append(f"{what} refers to tensor {spec.tensor_name!r}, which is not in the graph")
                if spec.dtype == "invalid":
                    report.problems.append(f"{what} has no dtype")
                if _AUTOMATIC_NAME.fullmatch(spec.name):
                    report.warnings.append(
                        f"{what} has an automatic name; name it (return a dict of outputs, name the "
                        f"input_signature TensorSpecs) so clients see meaningful names"
                    )


def _check_files(version_dir, meta_graph, report):
    if meta_graph.saver_def.restore_op_name:
        index = version_dir / "variables" / "variables.index"
        if not index.is_file():
            report.problems.append("variables/variables.index is missing: the graph restores variables from it")
        else:
            shards = list((version_dir / "variables").glob("variables.data-*-of-*"))
            match = re.search(r"-of-([0-9]+)$", shards[0].name) if shards else None
            expected = int(match.group(1)) if match else 1
            for shard in range(expected):
                name = f"variables.data-{shard:05d}-of-{expected:05d}"
                if not (version_dir / "variables" / name).is_file():
                    report.problems.append(f"variables/{name} is missing")
    for asset in meta_graph.asset_file_def:
        if not (version_dir / "assets" / asset.filename).is_file():
            report.problems.append(f"asset assets/{asset.filename} (tensor {asset.tensor_info.name}) is missing")


def _check_ops(meta_graph, report):
    uses = graph_ops(meta_graph)
    report.ops = set(uses)
    try:
        known = serving_op_sets()
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        report.problems.append(f"could not list the ops TF Serving ships, so the ops were not checked: {error}")
        return
    for op in sorted(uses):
        places = _places(uses[op])
        if op in PYTHON_CALLBACK_OPS:
            report.problems.append(
                f"op {op!r} in {places} calls back into Python (tf.py_function / tf.numpy_function): a "
                f"tf.py_function cannot run in TF Serving, which has no Python interpreter; express that "
                f"step with TensorFlow or TensorFlow Text ops"
            )
        elif op in known.accelerator_only:
            hint = (
                " Keras LSTM/GRU layers emit it when the serving function is traced with a GPU visible; "
                "export_for_serving traces them with use_cudnn=False"
                if op.startswith("CudnnRNN")
                else ""
            )
            report.problems.append(
                f"op {op!r} in {places} only has {'/'.join(known.accelerator_only[op])} kernels: TF "
                f"Serving's CPU model server (the tensorflow/serving image) cannot run it.{hint}"
            )
        elif op in known.text:
            report.text_ops.add(op)
        elif op not in known.core:
            report.problems.append(
                f"op {op!r} in {places} is neither a core TensorFlow op nor a TensorFlow Text op, so "
                f"TF Serving's model server does not ship it (custom op library?)"
            )


def read_warmup_records(version_dir):
    """The `PredictionLog`s of `version_dir`'s warmup file ([] when there is none).

    Raises:
        ServingError: the file is not a TFRecord file of PredictionLog records.
    """
    import tensorflow as tf
    from google.protobuf import message
    from tensorflow_serving.apis import prediction_log_pb2

    path = Path(version_dir) / WARMUP_RELATIVE_PATH
    if not path.is_file():
        return []
    records = []
    try:
        for index, raw in enumerate(tf.data.TFRecordDataset(str(path))):
            try:
                log = prediction_log_pb2.PredictionLog.FromString(raw.numpy())
            except message.DecodeError as error:
                raise ServingError(f"{WARMUP_RELATIVE_PATH}: record {index} is not a PredictionLog ({error})") from error
            if log.WhichOneof("log_type") is None:
                raise ServingError(f"{WARMUP_RELATIVE_PATH}: record {index} is not a PredictionLog (no request in it)")
            records.append(log)
    except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as error:
        raise ServingError(
            f"{WARMUP_RELATIVE_PATH} is not a valid TFRecord file ({_first_lines(error.message, 1)})"
        ) from error
    return records


def _check_warmup(version_dir, meta_graph, report):
    import tensorflow as tf

    if not (version_dir / WARMUP_RELATIVE_PATH).is_file():
        report.warnings.append(
            f"no {WARMUP_RELATIVE_PATH}: TF Serving will initialise the model lazily and the first "
            f"requests will be slow (pass warmup_examples to export_for_serving)"
        )
        return []
    try:
        records = read_warmup_records(version_dir)
    except ServingError as error:
        report.problems.append(str(error))
        return []
    report.warmup_records = len(records)
    if not records:
        report.warnings.append(f"{WARMUP_RELATIVE_PATH} is empty")
    if len(records) > MAX_WARMUP_RECORDS:
        report.problems.append(
            f"{WARMUP_RELATIVE_PATH} holds {len(records)} records; TF Serving refuses more than "
            f"{MAX_WARMUP_RECORDS}"
        )
    signature_defs = meta_graph.signature_def
    for index, log in enumerate(records):
        where = f"warmup record {index}"
        kind = log.WhichOneof("log_type")
        if kind == "session_run_log":
            report.problems.append(f"{where}: session_run_log records are not supported by TF Serving's warmup")
            continue
        request = getattr(log, kind).request
        signature_name = request.model_spec.signature_name or DEFAULT_SIGNATURE
        if signature_name not in signature_defs or signature_name == INIT_OP_SIGNATURE:
            report.problems.append(f"{where}: names signature {signature_name!r}, which the SavedModel lacks")
            continue
        if kind != "predict_log":
            continue  # classify/regress/multi-inference requests carry tf.Examples, checked by TF Serving
        signature = signature_defs[signature_name]
        given, expected = set(request.inputs), set(signature.inputs)
        optional = set(signature.defaults)
        if given - expected or (expected - given) - optional:
            report.problems.append(
                f"{where}: inputs {sorted(given)} do not match the inputs of {signature_name!r}: "
                f"{sorted(expected)}"
            )
            continue
        for input_name in sorted(given):
            proto, info = request.inputs[input_name], signature.inputs[input_name]
            if proto.dtype != info.dtype:
                report.problems.append(
                    f"{where}: input {input_name!r} is {_dtype(proto.dtype).name}, the signature expects "
                    f"{_dtype(info.dtype).name}"
                )
                continue
            try:
                value = tf.make_ndarray(proto)
            except Exception as error:  # noqa: BLE001 - malformed TensorProto
                report.problems.append(f"{where}: input {input_name!r} is a malformed tensor ({error})")
                continue
            expected_shape = _shape(info.tensor_shape)
            if expected_shape is not None and (
                len(expected_shape) != value.ndim
                or any(want >= 0 and want != got for want, got in zip(expected_shape, value.shape))
            ):
                report.problems.append(
                    f"{where}: input {input_name!r} has shape {list(value.shape)}, the signature "
                    f"expects {expected_shape} (-1: any size)"
                )
    return records


def replay_warmup(version_dir, records):
    """Loads `version_dir` like TF Serving and runs each predict warmup request.

    The SavedModel is loaded into a TF1 session (as `SavedModelBundle` does:
    restore variables, run the init op, e.g. lookup-table initializers) and
    each request's inputs are fed to its signature's input tensors, fetching
    the signature's (or the request's `output_filter`) output tensors, as TF
    Serving's Predict does. Returns one {output: numpy array} per predict
    record (None for other request kinds).
    """
    import tensorflow as tf
    import tensorflow_text  # noqa: F401 - registers TF Text kernels, as TF Serving links them

    logger = tf.get_logger()
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
        level = logger.level
        logger.setLevel("ERROR")  # tf.compat.v1.saved_model.load's deprecation notice
        try:
            meta_graph = tf.compat.v1.saved_model.load(session, [SERVE_TAG], str(version_dir))
        finally:
            logger.setLevel(level)
        outputs = []
        for log in records:
            if log.WhichOneof("log_type") != "predict_log":
                outputs.append(None)
                continue
            request = log.predict_log.request
            signature = meta_graph.signature_def[request.model_spec.signature_name or DEFAULT_SIGNATURE]
            feed = {signature.inputs[key].name: tf.make_ndarray(value) for key, value in request.inputs.items()}
            names = list(request.output_filter) or list(signature.outputs)
            fetch = {name: signature.outputs[name].name for name in names}
            outputs.append(session.run(fetch, feed_dict=feed))
    return outputs


# --- serving config ----------------------------------------------------------


@dataclass
class ServedModel:
    name: str
    base_path: Path
    versions: list
    request_body: dict | None = None
    body_from_warmup: bool = False
    note: str = ""


@dataclass
class ServingConfig:
    root: Path
    config_path: Path
    docker_config_path: Path
    models: list

    def commands(self):
        """The command lines to serve the models and query them, as text."""
        lines = [
            "# TF Serving installed locally (tensorflow_model_server):",
            f"tensorflow_model_server --port={GRPC_PORT} --rest_api_port={REST_PORT} "
            f"--model_config_file={_quote(self.config_path)}",
            "",
            f"# Docker: the export root is mounted at {CONTAINER_ROOT}; "
            f"{self.docker_config_path.name} has the same models with paths inside the container:",
            f"docker run --rm -p {GRPC_PORT}:{GRPC_PORT} -p {REST_PORT}:{REST_PORT} "
            f"-v {_quote(str(self.root) + ':' + CONTAINER_ROOT)} tensorflow/serving "
            f"--model_config_file={CONTAINER_ROOT}/{self.docker_config_path.name}",
        ]
        for model in self.models:
            lines.append("")
            if model.request_body is None:
                lines.append(f"# {model.name}: {model.note}")
                continue
            origin = "its first warmup request" if model.body_from_warmup else "placeholder values; put real inputs in"
            lines.append(f"# REST predict for {model.name} (versions {_versions_text(model.versions)}; body from {origin}):")
            lines.append(
                f"curl -d {_quote(json.dumps(model.request_body))} -X POST "
                f"http://localhost:{REST_PORT}/v1/models/{model.name}:predict"
            )
        return "\n".join(lines)


def _versions_text(versions):
    return ", ".join(str(version) for version in versions)


def _quote(text):
    import shlex

    return shlex.quote(str(text))


def find_models(root):
    """[(name, model_dir, versions)] for every folder of `root` with integer version folders."""
    root = Path(root)
    models = []
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and not entry.name.startswith("."):
            versions = [version for version, _ in version_dirs(entry)]
            if versions:
                models.append((entry.name, entry, versions))
    return models


def _model_config_text(entries):
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    config = model_server_config_pb2.ModelServerConfig()
    for name, base_path in entries:
        model = config.model_config_list.config.add()
        model.name = name
        model.base_path = base_path
        model.model_platform = "tensorflow"
    return text_format.MessageToString(config)


def write_serving_config(root, output=None):
    """Writes TF Serving model config files for every model under `root`.

    Writes `output` (default `root/models.config`; a file inside `root`,
    outside its model folders) with absolute host paths, for
    `tensorflow_model_server --model_config_file`, and
    `root/models.docker.config` with the same models under `/models`, for
    `docker run -v <root>:/models tensorflow/serving`. Each model's REST
    example body comes from the first warmup request of its latest version,
    or from placeholder values matching `serving_default`.

    Returns:
        A `ServingConfig`; `.commands()` gives the command lines.

    Raises:
        ServingError: `root` is not a folder or holds no model, or `output`
            is outside `root`, inside a model folder, a folder, or the Docker
            config's path (nothing is written).
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise ServingError(f"{root} is not a folder")
    root = root.resolve()
    found = find_models(root)
    if not found:
        raise ServingError(
            f"no models under {root}: a model is a folder holding integer version folders "
            f"(e.g. {root}/<name>/1/saved_model.pb), as export_for_serving writes"
        )
    config_path = _config_output_path(root, output, [model_dir for _, model_dir, _ in found])
    docker_config_path = root / DOCKER_CONFIG_FILENAME
    models = []
    for name, model_dir, versions in found:
        model = ServedModel(name=name, base_path=model_dir, versions=versions)
        try:
            model.request_body, model.body_from_warmup = _example_body(model_dir)
        except ServingError as error:
            model.note = f"latest version unusable ({error}); run seqapps check-export {_quote(model_dir)}"
        models.append(model)
    _write_text(config_path, _model_config_text([(m.name, str(m.base_path)) for m in models]))
    _write_text(docker_config_path, _model_config_text([(m.name, f"{CONTAINER_ROOT}/{m.name}") for m in models]))
    return ServingConfig(root=root, config_path=config_path, docker_config_path=docker_config_path, models=models)


def _config_output_path(root, output, model_dirs):
    """The resolved path `output` names (`root/models.config` if `None`), checked before anything is written.

    The config file must lie inside the export root (symbolic links
    resolved), so the command never writes elsewhere, and outside the model
    folders, which TF Serving reads.
    """
    if output is None:
        return root / CONFIG_FILENAME
    path = Path(output).expanduser().resolve()
    example = root / CONFIG_FILENAME
    if not path.is_relative_to(root):
        raise ServingError(
            f"the output file {path} is outside the export root {root}: write the config inside it "
            f"(e.g. --output {example}, the default) and copy it elsewhere if you need to"
        )
    for model_dir in model_dirs:
        if path.is_relative_to(model_dir):
            raise ServingError(
                f"the output file {path} is inside the model folder {model_dir}, which TF Serving reads: "
                f"write the config next to the model folders (e.g. --output {example}, the default)"
            )
    if path == root or path.is_dir():
        raise ServingError(f"the output {path} is a folder: name a file (e.g. --output {example}, the default)")
    if path == root / DOCKER_CONFIG_FILENAME:
        raise ServingError(
            f"the output file {path} is where the Docker config goes: pick another name "
            f"(e.g. --output {example}, the default)"
        )
    return path


def _write_text(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(text)
    os.replace(partial, path)  # TF Serving may poll the config file: never show it half-written


def _example_body(model_dir):
    """(REST body, from warmup?) for the latest version of `model_dir`."""
    import tensorflow as tf

    version_dir, signature = read_signature(model_dir, DEFAULT_SIGNATURE)
    try:
        records = read_warmup_records(version_dir)
    except ServingError:
        records = []
    for log in records:
        if log.WhichOneof("log_type") == "predict_log":
            request = log.predict_log.request
            signature_name = request.model_spec.signature_name or DEFAULT_SIGNATURE
            inputs = {key: tf.make_ndarray(value) for key, value in request.inputs.items()}
            if all(value.ndim for value in inputs.values()):
                inputs = {key: value[:MAX_EXAMPLE_ROWS] for key, value in inputs.items()}
            return rest_request_body(signature_name, inputs), True
    return rest_request_body(DEFAULT_SIGNATURE, placeholder_inputs(signature)), False


def placeholder_inputs(signature):
    """One-instance inputs of the right dtypes and shapes ("text" for strings, zeros otherwise)."""
    import numpy as np

    inputs = {}
    for spec in signature["inputs"]:
        shape = [1] if spec.shape is None else [d if d >= 0 else 1 for d in spec.shape]
        if spec.dtype == "string":
            inputs[spec.name] = np.full(shape, b"text", dtype=object)
        else:
            inputs[spec.name] = np.zeros(shape, dtype=np.dtype(spec.dtype) if spec.dtype != "bfloat16" else np.float32)
    return inputs


# --- predict and JSON --------------------------------------------------------


def to_json(value):
    """A numpy value as JSON-ready Python data, bytes as text (TF Serving's REST
    convention: UTF-8 text, else {"b64": base64})."""
    import numpy as np

    if isinstance(value, np.ndarray):
        if value.dtype == object or value.dtype.kind == "S":
            return [to_json(item) for item in value] if value.ndim else to_json(value.item())
        return value.tolist()
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return {"b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    return value


def rest_request_body(signature_name, inputs):
    """The TF Serving REST predict body for `inputs` ({name: numpy array}).

    Row format (`"instances"`) when every input has the same batch size:
    plain values for a single input, {name: value} objects otherwise;
    columnar format (`"inputs"`) when batch sizes differ.
    """
    batch_sizes = {value.shape[0] if value.ndim else None for value in inputs.values()}
    if len(batch_sizes) != 1 or None in batch_sizes:
        return {"signature_name": signature_name, "inputs": {name: to_json(value) for name, value in inputs.items()}}
    if len(inputs) == 1:
        (value,) = inputs.values()
        instances = [to_json(row) for row in value]
    else:
        (batch,) = batch_sizes
        instances = [{name: to_json(value[row]) for name, value in inputs.items()} for row in range(batch)]
    return {"signature_name": signature_name, "instances": instances}


def _decode_b64(value):
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return [_decode_b64(item) for item in value]
    if isinstance(value, str):
        return value.encode("utf-8")
    return value


def _to_array(spec, value):
    """`value` (JSON data) as a numpy array of `spec`'s dtype, checked against its shape."""
    import numpy as np

    if spec.dtype == "string":
        value = _decode_b64(value)
        array = np.array(value, dtype=object)
        leaves = array.reshape(-1) if array.ndim else [array.item()]
        if any(not isinstance(leaf, bytes) for leaf in leaves):
            raise ServingError(f"input {spec.name!r}: expected strings in a rectangular nested list")
    else:
        try:
            array = np.array(value, dtype=np.dtype(spec.dtype) if spec.dtype != "bfloat16" else np.float32)
        except (TypeError, ValueError) as error:
            raise ServingError(f"input {spec.name!r}: not a rectangular {spec.dtype} value ({error})") from error
    if spec.shape is not None and (
        array.ndim != len(spec.shape) or any(want >= 0 and want != got for want, got in zip(spec.shape, array.shape))
    ):
        raise ServingError(
            f"input {spec.name!r} has shape {list(array.shape)}, the signature expects {spec.shape} (-1: any size)"
        )
    return array


def parse_inputs(signature, values=(), json_text=None):
    """Builds the inputs of a signature from command-line data.

    Args:
        signature: an entry of `signature_summary` (see `read_signature`).
        values: one value per batch element, for a single-input signature:
            raw text for string inputs, JSON (a number or nested list) otherwise.
        json_text: instead of `values`, JSON: an object {input name: batch
            values} (columnar), a list of instances (rows: values, or objects
            {input name: value}), or a TF Serving REST body with "instances"
            or "inputs".

    Returns:
        {input name: numpy array}, with the batch dimension first.
    """
    specs = {spec.name: spec for spec in signature["inputs"]}
    if bool(values) == (json_text is not None):
        raise ServingError("give either INPUT values or --json, not both and not neither")
    if values:
        if len(specs) != 1:
            example = json.dumps({name: ["..."] for name in specs})
            raise ServingError(
                f"the signature has {len(specs)} inputs ({', '.join(specs)}); pass them with --json '{example}'"
            )
        (spec,) = specs.values()
        if spec.dtype == "string":
            batch = list(values)
        else:
            try:
                batch = [json.loads(value) for value in values]
            except json.JSONDecodeError as error:
                raise ServingError(f"input {spec.name!r} is {spec.dtype}: values must be JSON numbers/lists ({error})") from error
        return {spec.name: _to_array(spec, batch)}
    try:
        data = json.loads(json_text)
    except json.JSONDecodeError as error:
        raise ServingError(f"--json is not valid JSON ({error})") from error
    if isinstance(data, dict) and "instances" in data:
        data = data["instances"]
    elif isinstance(data, dict) and "inputs" in data:
        data = data["inputs"]
        if not isinstance(data, dict) and len(specs) == 1:
            data = {next(iter(specs)): data}
    if isinstance(data, list):  # rows
        if data and all(isinstance(row, dict) and not set(row) <= {"b64"} for row in data):
            columns = {name: [row.get(name) for row in data] for name in specs}
            if any(set(row) != set(specs) for row in data):
                raise ServingError(f"every instance must have exactly the inputs {sorted(specs)}")
            data = columns
        elif len(specs) == 1:
            data = {next(iter(specs)): data}
        else:
            raise ServingError(f"with several inputs ({', '.join(specs)}) instances must be objects")
    if not isinstance(data, dict):
        raise ServingError("--json must be an object {input: values}, a list of instances, or a REST body")
    if set(data) != set(specs):
        raise ServingError(f"--json has inputs {sorted(data)}, the signature takes {sorted(specs)}")
    return {name: _to_array(specs[name], data[name]) for name in specs}


def load_signature(path, signature_name=DEFAULT_SIGNATURE):
    """(callable signature, version folder) of the SavedModel at `path`, loaded in-process.

    `tensorflow_text` is imported first so that its ops are registered.
    """
    import tensorflow as tf
    import tensorflow_text  # noqa: F401 - registers TF Text ops used by the graph

    version_dir = resolve_version_dir(path)
    loaded = tf.saved_model.load(str(version_dir), tags=[SERVE_TAG])
    if signature_name not in loaded.signatures:
        raise ServingError(
            f"{version_dir}: no signature {signature_name!r}; available: {', '.join(sorted(loaded.signatures))}"
        )
    signature = loaded.signatures[signature_name]
    signature._seqapps_loaded = loaded  # keep the loaded object (and its resources) alive
    return signature, version_dir


def predict(path, inputs, signature_name=DEFAULT_SIGNATURE):
    """Calls `signature_name` of the SavedModel at `path` on `inputs` ({name: array}).

    Returns:
        {output name: numpy array}.
    """
    import tensorflow as tf

    signature, _ = load_signature(path, signature_name)
    specs = signature.structured_input_signature[1]
    if set(inputs) != set(specs):
        raise ServingError(f"inputs {sorted(inputs)} do not match the signature's {sorted(specs)}")
    tensors = {name: tf.constant(value, dtype=specs[name].dtype) for name, value in inputs.items()}
    return {name: value.numpy() for name, value in signature(**tensors).items()}
