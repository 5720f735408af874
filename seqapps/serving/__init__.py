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
means its highest version, the one TF Serving serves by default. The folder
layout itself (version names, warmup path, default signature) is
`seqapps.serving_layout`, shared with `seqapps.export`.

One module per job, each importing only the ones above it:

    reading.py    find the version folder, parse saved_model.pb, summarise signatures; ServingError
    ops.py        the op allow-list: ops TF Serving ships (from the op registries, cached), ops a graph uses
    warmup.py     read the warmup records and replay them like TF Serving
    checks.py     check_export and its ExportCheck report
    requests.py   command-line values / JSON -> inputs, REST bodies, load_signature, predict
    config.py     models.config (and its Docker twin) for an export root, example request bodies
"""

from seqapps.serving.checks import ExportCheck, check_export
from seqapps.serving.config import ServedModel, ServingConfig, find_models, write_serving_config
from seqapps.serving.ops import CACHE_DIR_VARIABLE, PYTHON_CALLBACK_OPS, ServingOps, graph_ops, serving_op_sets
from seqapps.serving.reading import (
    ServingError,
    TensorSpecInfo,
    read_saved_model,
    read_signature,
    resolve_version_dir,
    serve_meta_graph,
    signature_summary,
)
from seqapps.serving.requests import (
    load_signature,
    parse_inputs,
    placeholder_inputs,
    predict,
    rest_request_body,
    to_json,
)
from seqapps.serving.warmup import read_warmup_records, replay_warmup

__all__ = [
    "CACHE_DIR_VARIABLE",
    "PYTHON_CALLBACK_OPS",
    "ExportCheck",
    "ServedModel",
    "ServingConfig",
    "ServingError",
    "ServingOps",
    "TensorSpecInfo",
    "check_export",
    "find_models",
    "graph_ops",
    "load_signature",
    "parse_inputs",
    "placeholder_inputs",
    "predict",
    "read_saved_model",
    "read_signature",
    "read_warmup_records",
    "replay_warmup",
    "resolve_version_dir",
    "rest_request_body",
    "serve_meta_graph",
    "serving_op_sets",
    "signature_summary",
    "to_json",
    "write_serving_config",
]
