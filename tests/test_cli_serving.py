"""The serving CLI: `seqapps check-export`, `predict` and `serving-config`.

The README's "## Serving" section is executed as written: its Python block,
then every `seqapps ...` line of its bash blocks, in a temporary folder.
"""

import contextlib
import io
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import tensorflow as tf

from seqapps import cli, serving

REPOSITORY = Path(__file__).resolve().parents[1]


def serving_section():
    """The README's "## Serving" section."""
    text = (REPOSITORY / "README.md").read_text()
    match = re.search(r"^## Serving\n.*?(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match, "README.md lost its '## Serving' section"
    return match.group(0)


def code_blocks(section, language):
    return re.findall(rf"^```{language}\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)


def run_cli(arguments):
    """Runs `seqapps ARGUMENTS` in-process; returns (exit status, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = cli.main(arguments)
        except SystemExit as exit:
            status = exit.code
    return status, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory):
    """Runs the section's Python, then its `seqapps` commands; returns [(command, stdout)]."""
    section = serving_section()
    python_blocks = code_blocks(section, "python")
    commands = [
        line.strip()
        for block in code_blocks(section, "bash")
        for line in block.splitlines()
        if line.strip().startswith("seqapps ")
    ]
    assert python_blocks and commands, "the Serving section needs a python block and seqapps commands"
    workdir = tmp_path_factory.mktemp("readme")
    results = []
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        for block in python_blocks:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(block, "README.md (Serving)", "exec"), {"__name__": "__readme__"})
        for command in commands:
            status, stdout, stderr = run_cli(shlex.split(command)[1:])
            assert status == 0, f"{command}\n{stdout}\n{stderr}"
            results.append((command, stdout))
    return workdir, results


def test_readme_commands_run(readme_run):
    workdir, results = readme_run
    subcommands = {shlex.split(command)[1] for command, _ in results}
    assert {"check-export", "predict", "serving-config"} <= subcommands
    for command, stdout in results:
        arguments = shlex.split(command)
        if arguments[1] == "check-export":
            assert "OK: ready for TF Serving" in stdout
        elif arguments[1] == "predict" and "--rest-json" in arguments:
            body = json.loads(stdout)
            assert body["signature_name"] == "serving_default" and ("instances" in body or "inputs" in body)
        elif arguments[1] == "predict":
            outputs = json.loads(stdout)["outputs"]
            assert outputs and all(isinstance(values, list) for values in outputs.values())
        elif arguments[1] == "serving-config":
            assert "tensorflow_model_server --port=8500 --rest_api_port=8501 --model_config_file=" in stdout
            assert "docker run --rm -p 8500:8500 -p 8501:8501 -v " in stdout
            request = re.search(r"^curl -d @(\S+) -X POST http://localhost:8501/v1/models/(\w+):predict$", stdout, re.M)
            assert request and request.group(1).endswith(f"{request.group(2)}.request.json")
            assert json.loads(Path(request.group(1)).read_text())["signature_name"] == "serving_default"
            assert (workdir / arguments[2] / "models.config").is_file()


def test_readme_outputs(readme_run):
    workdir, results = readme_run
    version_dir = serving.resolve_version_dir(workdir / "saved_models" / "sentiment")
    for command, stdout in results:
        arguments = shlex.split(command)
        if arguments[1] == "predict" and "--rest-json" not in arguments:
            texts = arguments[3:]
            loaded = tf.saved_model.load(str(version_dir)).signatures["serving_default"]
            expected = loaded(text=tf.constant(texts))["positive"].numpy().tolist()
            assert json.loads(stdout) == {"outputs": {"positive": pytest.approx(expected, rel=1e-6)}}
        if arguments[1] == "predict" and "--rest-json" in arguments:
            texts = [a for a in arguments[3:] if not a.startswith("--")]
            assert json.loads(stdout) == {"signature_name": "serving_default", "instances": texts}


def test_predict_options_may_follow_the_export_dir(readme_run):
    workdir, _ = readme_run
    model = str(workdir / "saved_models" / "sentiment")
    for arguments in (
        ["predict", model, "--rest-json", "it's fine", "meh"],
        ["predict", "--rest-json", model, "it's fine", "meh"],
        ["predict", model, "it's fine", "meh", "--rest-json", "--signature", "serving_default"],
        ["predict", model, "--rest-json", "--json", '{"text": ["it\'s fine", "meh"]}'],
    ):
        status, stdout, stderr = run_cli(arguments)
        assert status == 0, stderr
        assert json.loads(stdout) == {"signature_name": "serving_default", "instances": ["it's fine", "meh"]}


def test_cli_errors_exit_1_with_a_message(readme_run, tmp_path):
    workdir, _ = readme_run
    status, _, stderr = run_cli(["predict", str(tmp_path / "nowhere"), "text"])
    assert status == 1 and "does not exist" in stderr
    status, _, stderr = run_cli(["predict", str(workdir / "saved_models" / "sentiment"), "--signature", "nope", "x"])
    assert status == 1 and "no signature 'nope'" in stderr
    status, _, stderr = run_cli(["serving-config", str(tmp_path)])
    assert status == 1 and "no models under" in stderr
    status, _, stderr = run_cli(
        ["serving-config", str(workdir / "saved_models"), "--output", str(tmp_path / "models.config")]
    )
    assert status == 1 and "is outside the export root" in stderr and "--output" in stderr
    assert not (tmp_path / "models.config").exists()
    status, stdout, _ = run_cli(["check-export", str(tmp_path)])
    assert status == 1 and "FAILED" in stdout


def test_check_export_rejects_py_function_in_a_fresh_process(tmp_path):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def serve(x):
        return {"y": tf.py_function(lambda value: value * 2, [x], tf.float32)}

    tf.saved_model.save(tf.Module(), str(tmp_path / "pyfunc" / "1"), signatures={"serving_default": serve})
    script = Path(sys.executable).with_name("seqapps")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "seqapps.cli"]
    result = subprocess.run(
        [*command, "check-export", str(tmp_path / "pyfunc")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED" in result.stdout
    assert "op 'EagerPyFunc'" in result.stdout and "a tf.py_function cannot run in TF Serving" in result.stdout
