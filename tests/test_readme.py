"""The README's examples and commands work when pasted."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


@pytest.mark.parametrize("index", range(len(_blocks("python"))))
def test_python_examples_run(index):
    exec(compile(_blocks("python")[index], f"README.md python block {index}", "exec"), {})


def test_make_targets_named_in_readme_exist():
    targets = set(re.findall(r"^make ([\w-]+)", "\n".join(_blocks("bash")), flags=re.MULTILINE))
    targets |= set(re.findall(r"`make ([\w-]+)`", README))
    assert {"demo", "test", "test-large"} <= targets
    for target in targets:
        result = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
