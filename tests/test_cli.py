import subprocess
import sys
from pathlib import Path

import pytest

from seqapps import cli, layers


def test_cells_lists_every_kind(capsys):
    assert cli.main(["cells"]) == 0
    assert capsys.readouterr().out.split() == list(layers.KINDS)


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "seqapps"
    result = subprocess.run([str(script), "cells"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "layer_norm_lstm" in result.stdout


def test_missing_subcommand_is_an_error(capsys):
    with pytest.raises(SystemExit):
        cli.main([])
