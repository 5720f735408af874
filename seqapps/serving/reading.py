"""Reading a SavedModel without loading it: find its version folder, parse
`saved_model.pb`, pick the `serve` MetaGraph and summarise its signatures."""

from dataclasses import dataclass
from pathlib import Path

from seqapps.serving_layout import DEFAULT_SIGNATURE, version_dirs

SERVE_TAG = "serve"
INIT_OP_SIGNATURE = "__saved_model_init_op"


class ServingError(Exception):
    """A path, export or input that cannot be used; the message says why and what to do."""


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


def proto_dtype(enum_value):
    """The `tf.DType` of a DataType enum value, or None when it is not one."""
    import tensorflow as tf

    try:
        return tf.dtypes.as_dtype(enum_value)
    except TypeError:
        return None


def proto_shape(tensor_shape_proto):
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
                dtype = proto_dtype(info.dtype) if info.dtype else None
                entry[kind].append(
                    TensorSpecInfo(
                        name=alias,
                        dtype=dtype.name if dtype is not None else "invalid",
                        shape=proto_shape(info.tensor_shape),
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


def first_lines(text, count=6):
    """The first `count` lines of `text`, indented for a problem message."""
    lines = text.strip().splitlines()
    return "\n    ".join(lines[:count]) + (" ..." if len(lines) > count else "")
