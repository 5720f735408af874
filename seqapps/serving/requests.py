"""Requests: command-line values and JSON to input tensors, tensors to TF
Serving's REST JSON, and `predict`, which calls a signature in-process."""

import base64
import json

from seqapps.serving.reading import SERVE_TAG, ServingError, resolve_version_dir
from seqapps.serving_layout import DEFAULT_SIGNATURE


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
                raise ServingError(
                    f"input {spec.name!r} is {spec.dtype}: values must be JSON numbers/lists ({error})"
                ) from error
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
