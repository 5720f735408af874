"""`check_export`: whether TF Serving can load and serve an export, every problem collected in an `ExportCheck`."""

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from seqapps.serving.ops import PYTHON_CALLBACK_OPS, graph_ops, serving_op_sets
from seqapps.serving.reading import (
    INIT_OP_SIGNATURE,
    ServingError,
    first_lines,
    proto_dtype,
    proto_shape,
    read_saved_model,
    resolve_version_dir,
    serve_meta_graph,
    signature_summary,
)
from seqapps.serving.warmup import read_warmup_records, replay_warmup
from seqapps.serving_layout import (
    DEFAULT_SIGNATURE,
    MAX_WARMUP_RECORDS,
    TEMP_PREFIX,
    WARMUP_RELATIVE_PATH,
    is_version_name,
)

# Signature methods TF Serving's Predict API accepts (predict_util.cc).
SERVING_METHODS = ("tensorflow/serving/predict", "tensorflow/serving/classify", "tensorflow/serving/regress")
# Names TensorFlow invents for unnamed signature tensors.
_AUTOMATIC_NAME = re.compile(r"(output|args|inputs?)_[0-9]+")


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
                f"{type(error).__name__}: {first_lines(str(error))}"
            )
    return report


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
            f"{WARMUP_RELATIVE_PATH} holds {len(records)} records; TF Serving refuses more than {MAX_WARMUP_RECORDS}"
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
                f"{where}: inputs {sorted(given)} do not match the inputs of {signature_name!r}: {sorted(expected)}"
            )
            continue
        for input_name in sorted(given):
            proto, info = request.inputs[input_name], signature.inputs[input_name]
            if proto.dtype != info.dtype:
                report.problems.append(
                    f"{where}: input {input_name!r} is {proto_dtype(proto.dtype).name}, the signature expects "
                    f"{proto_dtype(info.dtype).name}"
                )
                continue
            try:
                value = tf.make_ndarray(proto)
            except Exception as error:  # noqa: BLE001 - malformed TensorProto
                report.problems.append(f"{where}: input {input_name!r} is a malformed tensor ({error})")
                continue
            expected_shape = proto_shape(info.tensor_shape)
            if expected_shape is not None and (
                len(expected_shape) != value.ndim
                or any(want >= 0 and want != got for want, got in zip(expected_shape, value.shape))
            ):
                report.problems.append(
                    f"{where}: input {input_name!r} has shape {list(value.shape)}, the signature "
                    f"expects {expected_shape} (-1: any size)"
                )
    return records


def _places(places, limit=3):
    shown = ", ".join(places[:limit])
    return shown + (f" and {len(places) - limit} more" if len(places) > limit else "")
