"""`seqapps tune` and the recipes' `--tune`: flags, and bad flags rejected before anything runs."""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from seqapps import cli
from seqapps.tuning import RECIPES
from seqapps.tuning.tuning_config import TuningConfig


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--units-range", "0"], "`units` (--units-range) must be at least 1, got 0."),
        (["--units", "0"], "`units` (--units-range) must be at least 1, got 0."),  # argparse's prefix matching
        (["--units-range", "32", "8"], "min 32 is greater than max 8; pass MIN MAX with MIN <= MAX."),
        (["--layers-range", "2", "1"], "`layers` (--layers-range): min 2 is greater than max 1"),
        (["--dropout-range", "0", "1"], "`dropout` (--dropout-range) must be below 1.0, got 1.0."),
        (["--learning-rate-range", "0"], "`learning_rate` (--learning-rate-range) must be positive"),
        (["--cells", "lstm", "transformer"], "Unknown cells ['transformer'] (--cells): choose from elman, lstm"),
        (["--batch-sizes", "0"], "`batch_sizes` (--batch-sizes) must be positive integers, got [0]."),
        (
            ["--choice", "attention=dot"],
            "Unknown choice 'attention' (--choice): this recipe's choices are bidirectional.",
        ),
        (["--set", "units=8"], "`units` is a hyperparameter of the search, not a recipe option"),
        (["--set", "lenght=8"], "Unknown option 'lenght' for sequence_sum: its options are epochs, length"),
        (["--objective", "val_mae"], "Unknown objective 'val_mae' for sequence_sum"),
        (["--max-trials", "0"], "`max_trials` must be an integer of at least 1, got 0."),
        (["--workers", "2", "--units-range", "8", "4"], "min 8 is greater than max 4"),
        (["--project-name", ".."], "`project_name` (--project-name) must be a plain folder name, got '..'"),
        (["--workers", "2", "--project-name", "../x"], "must be a plain folder name, got '../x'"),
    ],
)
def test_bad_flags_exit_2_with_the_problem_before_the_search(flags, message, tmp_path, capsys):
    directory = tmp_path / "tuning"
    assert cli.main(["tune", "sequence_sum", "--directory", str(directory), *flags]) == 2
    error = capsys.readouterr().err
    assert error.startswith("seqapps tune: error: ") and message in error
    assert not directory.exists()


def test_bad_flags_report_the_whole_message(tmp_path, capsys):
    assert cli.main(["tune", "sequence_sum", "--directory", str(tmp_path), "--units-range", "0"]) == 2
    assert capsys.readouterr().err == "seqapps tune: error: `units` (--units-range) must be at least 1, got 0.\n"


def test_an_incomplete_distributed_environment_is_an_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.delenv("KERASTUNER_ORACLE_PORT", raising=False)
    monkeypatch.delenv("KERASTUNER_TUNER_ID", raising=False)
    assert cli.main(["tune", "sequence_sum", "--directory", str(tmp_path / "tuning")]) == 2
    assert "KERASTUNER_ORACLE_PORT and KERASTUNER_TUNER_ID not" in capsys.readouterr().err


def test_unknown_recipe_and_tuner_are_argparse_errors(capsys):
    with pytest.raises(SystemExit):
        cli.main(["tune", "translation"])
    assert "invalid choice: 'translation'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["tune", "sequence_sum", "--tuner", "grid"])
    assert "invalid choice: 'grid'" in capsys.readouterr().err


def test_tune_help_lists_the_recipes_and_flags():
    # `import seqapps` imports TensorFlow (it registers the Keras classes); the help is still one short process.
    code = "from seqapps import cli\ntry:\n    cli.main(['tune', '--help'])\nexcept SystemExit:\n    pass\n"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0 and completed.stderr == "", completed.stderr
    for text in (
        *RECIPES,
        "--tuner",
        "--max-trials",
        "--max-epochs",
        "--directory",
        "--project-name",
        "--overwrite",
        "--objective",
        "--workers",
        "--timeout",
        "--cells",
        "--units-range",
        "--choice",
        "--set",
        "--export-root",
        "--no-retrain",
    ):
        assert text in completed.stdout


@pytest.mark.parametrize("recipe", ["imdb_sentiment", "sequence_sum"])
def test_recipe_help_has_the_tuning_flags(recipe, monkeypatch, capsys):
    module = importlib.import_module(f"seqapps.recipes.{recipe}")
    with pytest.raises(SystemExit):
        module.main(["--help"])
    out = capsys.readouterr().out
    for flag in (
        "--tune",
        "--tuner",
        "--max-trials",
        "--directory",
        "--overwrite",
        "--workers",
        "--cells",
        "--units-range",
        "--choice",
    ):
        assert flag in out


def test_config_round_trips_through_json_for_the_worker_processes():
    config = TuningConfig(
        "sequence_sum",
        tuner="hyperband",
        space={"cells": ["lstm"], "choices": {"bidirectional": ["true"]}},
        recipe_options={"length": 4},
        workers=2,
    )
    assert TuningConfig.from_json(config.to_json()) == config
    assert config.project_dir == Path("runs/tuning/sequence_sum")
    for project_name in ("../elsewhere", "..", ".", "nested/search"):
        with pytest.raises(ValueError, match=r"`project_name` \(--project-name\) must be a plain folder name"):
            TuningConfig("sequence_sum", project_name=project_name)
    with pytest.raises(ValueError, match=r"Unknown search space fields \['heads'\]"):
        TuningConfig("sequence_sum", space={"heads": [2]})
