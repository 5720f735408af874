"""Configuring TF Serving for an export root: `models.config` (and its Docker
twin) for every model found, an example REST request body per model (a JSON
file beside the config) and the command lines to serve and query them."""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from seqapps.serving.reading import ServingError, read_signature
from seqapps.serving.requests import placeholder_inputs, rest_request_body
from seqapps.serving.warmup import read_warmup_records
from seqapps.serving_layout import DEFAULT_SIGNATURE, list_versions

CONFIG_FILENAME = "models.config"
DOCKER_CONFIG_FILENAME = "models.docker.config"
CONTAINER_ROOT = "/models"
GRPC_PORT = 8500
REST_PORT = 8501
MAX_EXAMPLE_ROWS = 3  # instances in an example request body
REQUEST_SUFFIX = ".request.json"  # <model name><suffix>, beside the config: the example REST body


@dataclass
class ServedModel:
    name: str
    base_path: Path
    versions: list
    request_body: dict | None = None
    request_path: Path | None = None
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
            versions = _versions_text(model.versions)
            lines.append(f"# REST predict for {model.name} (versions {versions}; body from {origin}):")
            lines.append(
                f"curl -d @{_quote(model.request_path)} -X POST "
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
            versions = list_versions(entry)
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
    `docker run -v <root>:/models tensorflow/serving`. Each model's example
    REST body (the first warmup request of its latest version, or placeholder
    values matching `serving_default`) is written beside `output` as
    `<model name>.request.json`, for `curl -d @FILE`.

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
        else:
            model.request_path = config_path.parent / f"{name}{REQUEST_SUFFIX}"
        models.append(model)
    _write_text(config_path, _model_config_text([(m.name, str(m.base_path)) for m in models]))
    _write_text(docker_config_path, _model_config_text([(m.name, f"{CONTAINER_ROOT}/{m.name}") for m in models]))
    for model in models:
        if model.request_path is not None:
            _write_text(model.request_path, json.dumps(model.request_body) + "\n")
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
