"""The README's examples and commands work when pasted."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
# The "Serving" section (Python and shell blocks together) runs in tests/test_cli_serving.py.
OTHER_SECTIONS = re.sub(r"^## Serving\n.*?(?=^## )", "", README, flags=re.MULTILINE | re.DOTALL)


def _blocks(language, text=README):
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


@pytest.mark.parametrize("index", range(len(_blocks("python", OTHER_SECTIONS))))
def test_python_examples_run(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = _blocks("python", OTHER_SECTIONS)[index]
    exec(compile(code, f"README.md python block {index}", "exec"), {})


def test_serving_section_is_tested_elsewhere():
    assert "## Serving" in README and "## Serving" not in OTHER_SECTIONS
    assert "README" in (ROOT / "tests" / "test_cli_serving.py").read_text()


def test_make_targets_named_in_readme_exist():
    targets = set(re.findall(r"^make ([\w-]+)", "\n".join(_blocks("bash")), flags=re.MULTILINE))
    targets |= set(re.findall(r"`make ([\w-]+)`", README))
    assert {"demo", "test", "test-large"} <= targets
    for target in targets:
        result = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
