"""The ops TF Serving's model server ships (its op allow-list), read from
TensorFlow's and TensorFlow Text's registries, and the ops a graph uses."""

import collections
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import typing
from pathlib import Path

# The ops tf.py_function / tf.numpy_function / tf.compat.v1.py_func compile to:
# they call back into the Python interpreter, which TF Serving does not have.
PYTHON_CALLBACK_OPS = ("EagerPyFunc", "PyFunc", "PyFuncStateless")
CACHE_DIR_VARIABLE = "SEQAPPS_CACHE_DIR"

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
