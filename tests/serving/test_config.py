"""seqapps.serving.config: models.config, its Docker twin, the commands and where the config may go."""

import json
import re
import shlex

import pytest
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from seqapps import serving


def test_serving_config(root):
    config = serving.write_serving_config(root)
    assert config.config_path == root / "models.config"
    host = text_format.Parse(config.config_path.read_text(), model_server_config_pb2.ModelServerConfig())
    models = {model.name: model for model in host.model_config_list.config}
    assert sorted(models) == ["pairs", "words"]  # not_a_model has no versions
    assert models["words"].base_path == str(root.resolve() / "words")
    assert all(model.model_platform == "tensorflow" for model in models.values())
    docker = text_format.Parse(config.docker_config_path.read_text(), model_server_config_pb2.ModelServerConfig())
    assert {model.base_path for model in docker.model_config_list.config} == {"/models/pairs", "/models/words"}

    commands = config.commands().splitlines()
    assert (
        f"tensorflow_model_server --port=8500 --rest_api_port=8501 --model_config_file={root}/models.config"
    ) in commands
    assert (
        f"docker run --rm -p 8500:8500 -p 8501:8501 -v {root}:/models tensorflow/serving "
        f"--model_config_file=/models/models.docker.config"
    ) in commands
    curls = {line.split("/v1/models/")[1]: shlex.split(line) for line in commands if line.startswith("curl ")}
    assert set(curls) == {"words:predict", "pairs:predict"}
    words = curls["words:predict"]
    assert words[:2] == ["curl", "-d"] and words[3:] == ["-X", "POST", "http://localhost:8501/v1/models/words:predict"]
    # The bodies are files beside the config (curl -d @FILE), not inlined in the command.
    assert words[2] == f"@{root.resolve() / 'words.request.json'}"
    body = json.loads((root / "words.request.json").read_text())
    assert body == {"signature_name": "serving_default", "instances": ["good film", "Bad bad day"]}
    assert json.loads((root / "pairs.request.json").read_text()) == {
        "signature_name": "serving_default",
        "instances": [{"steps": 0, "window": [0.0, 0.0]}],
    }
    assert curls["pairs:predict"][2] == f"@{root.resolve() / 'pairs.request.json'}"
    assert not (root / "not_a_model.request.json").exists()


def test_serving_config_output_option_and_empty_root(root, tmp_path):
    config = serving.write_serving_config(root, output=root / "configs" / "production.config")
    assert config.config_path == root.resolve() / "configs" / "production.config" and config.config_path.is_file()
    assert (root / "configs" / "words.request.json").is_file()
    (tmp_path / "empty").mkdir()
    with pytest.raises(serving.ServingError, match="no models under"):
        serving.write_serving_config(tmp_path / "empty")


def test_serving_config_output_stays_inside_the_export_root(root, tmp_path, monkeypatch):
    (tmp_path / "outside").mkdir()
    (root / "link_outside").symlink_to(tmp_path / "outside", target_is_directory=True)
    monkeypatch.chdir(root)
    before = {path: path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()}
    resolved = root.resolve()
    for output, message in [
        (tmp_path / "outside" / "models.config", f"is outside the export root {resolved}: write the config inside it"),
        ("../escape.config", f"{resolved.parent / 'escape.config'} is outside the export root"),
        (root / "link_outside" / "models.config", "is outside the export root"),
        (root / "words" / "models.config", f"is inside the model folder {resolved / 'words'}, which TF Serving reads"),
        (root / "words" / "1" / "saved_model.pb", "is inside the model folder"),
        (root / "not_a_model", "is a folder: name a file"),
        (root, "is a folder: name a file"),
        (root / "models.docker.config", "is where the Docker config goes"),
    ]:
        with pytest.raises(serving.ServingError, match=re.escape(message)):
            serving.write_serving_config(root, output=output)
    assert not any((tmp_path / "outside").iterdir()) and not (resolved.parent / "escape.config").exists()
    assert {path: path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()} == before
    (root / "link_outside").unlink()
