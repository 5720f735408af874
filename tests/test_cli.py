import subprocess
import sys
from pathlib import Path

import pytest

from seqapps import cli, layers
from seqapps.recipes import RECIPES


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


def test_train_runs_a_recipe_with_its_flags_and_help(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["train", "sequence_sum", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: seqapps train sequence_sum ") and "--kinds" in out and "--debug" in out
    with pytest.raises(SystemExit):
        cli.main(["train", "no_such_recipe"])
    error = capsys.readouterr().err
    assert "invalid choice: 'no_such_recipe' (choose from 'char_generation', 'imdb_sentiment'" in error


def test_train_reports_a_data_error_as_one_line_with_status_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the recipe's default run folder is relative
    path = tmp_path / "load.csv"
    path.write_bytes(b"\x1f\x8b\x08" + bytes(64))
    status = cli.main(["train", "timeseries_forecasting", "--csv", str(path), "--target", "load"])
    assert status == 2
    assert capsys.readouterr().err == (
        f"error: {str(path)!r} is a gzip-compressed file, not a CSV text file. "
        "Fix: pass a CSV file with a header row (or a zip holding exactly one).\n"
    )


@pytest.mark.parametrize("recipe", RECIPES)
def test_every_recipe_script_runs_the_packaged_recipe(recipe):
    """`recipes/<name>.py` is a launcher of `seqapps.recipes.<name>`: the same --help."""
    script = Path(__file__).resolve().parents[1] / "recipes" / f"{recipe}.py"
    assert f"from seqapps.recipes import {recipe}\n" in script.read_text()
    assert sorted(path.stem for path in script.parent.glob("*.py")) == sorted(RECIPES)


def test_a_recipe_script_and_seqapps_train_show_the_same_help(capsys):
    script = Path(__file__).resolve().parents[1] / "recipes" / "sequence_sum.py"
    result = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr == ""
    with pytest.raises(SystemExit):
        cli.main(["train", "sequence_sum", "--help"])
    assert result.stdout.split()[2:] == capsys.readouterr().out.split()[4:]  # after "usage: <prog>"
