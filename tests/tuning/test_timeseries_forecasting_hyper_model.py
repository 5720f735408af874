"""Searches over the forecaster on a tiny synthetic CSV: results, time budget, resume, the served best model."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
import search_files

from seqapps import cli
from seqapps.tuning import search
from seqapps.tuning.timeseries_forecasting_hyper_model import TimeseriesForecastingHyperModel
from seqapps.tuning.tuning_config import TuningConfig

SPACE = {
    "cells": ["gru", "keras_gru"],
    "units": [8],
    "batch_sizes": [32],
    "choices": {"input_steps": ["24", "48"], "segment_length": ["12", "24"]},
}


class Interrupted(BaseException):
    """Stands for Ctrl-C or a killed process (keras-tuner only catches `Exception`s in a trial)."""


def write_series(path, rows=400, seed=0):
    """Hourly `date, driver, OT`: a daily cycle, the target following the driver."""
    rng = np.random.default_rng(seed)
    hours = np.arange(rows)
    driver = np.sin(2 * np.pi * hours / 24) + 0.1 * rng.normal(size=rows)
    target = 20 + 5 * driver + 0.2 * rng.normal(size=rows)
    times = np.datetime64("2021-03-01T00:00") + hours * np.timedelta64(1, "h")
    lines = ["date,driver,OT"] + [
        f"{str(time).replace('T', ' ')},{d:.4f},{t:.4f}" for time, d, t in zip(times, driver, target)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def recipe_options(tmp_path):
    return {
        "csv": str(write_series(tmp_path / "series.csv")),
        "target": ["OT"],
        "horizon": 6,
        "max_train_windows": 64,
        "export_root": str(tmp_path / "export"),
        "verbose": 0,
    }


def _config(tmp_path, **overrides):
    arguments = dict(
        max_trials=2,
        max_epochs=1,
        directory=str(tmp_path / "tuning"),
        space=SPACE,
        recipe_options=recipe_options(tmp_path),
        retrain=False,
        verbose=0,
    )
    return TuningConfig("timeseries_forecasting", **{**arguments, **overrides})


def test_two_trial_search_minimizes_validation_mae_and_writes_the_results(tmp_path, eager_functions):
    result = search.tune(_config(tmp_path))
    project = result.project_dir
    trials = search_files.trials(project)
    assert sorted(trials) == ["0", "1"]
    for trial in trials.values():
        values = trial["hyperparameters"]["values"]
        assert trial["status"] == "COMPLETED" and values["layers"] == 1
        assert values["input_steps"] in (24, 48) and values["segment_length"] in (12, 24)
    scores = {trial_id: trial["score"] for trial_id, trial in trials.items()}
    assert result.best["objective"]["name"] == "val_mae" and result.best["objective"]["direction"] == "min"
    assert result.best["trial"] == min(scores, key=scores.get)
    with open(project / "results.csv") as file:
        rows = list(csv.DictReader(file))
    assert [row["cut_short"] for row in rows] == ["", ""]  # no time budget
    assert "_hparams_/experiment" in search_files.summary_tags(project / "logs")


def test_a_trial_stopped_by_its_time_budget_is_marked_cut_short(tmp_path, eager_functions):
    # A budget of 0.06 s: each trial stops after its first epoch of three.
    result = search.tune(_config(tmp_path, max_trials=1, max_epochs=3, trial_minutes=0.001))
    with open(result.project_dir / "results.csv") as file:
        [row] = list(csv.DictReader(file))
    assert row["status"] == "COMPLETED" and row["cut_short"] == "yes" and row["epochs"] == "1"
    assert "| yes |" in result.table


def test_rerun_resumes_an_interrupted_search(tmp_path, monkeypatch, eager_functions):
    trained = []
    fit_model = TimeseriesForecastingHyperModel.fit_model

    def interrupting_fit_model(self, values, model, **arguments):
        trained.append(values)
        if len(trained) == 2:
            raise Interrupted
        return fit_model(self, values, model, **arguments)

    monkeypatch.setattr(TimeseriesForecastingHyperModel, "fit_model", interrupting_fit_model)
    config = _config(tmp_path)
    with pytest.raises(Interrupted):
        search.tune(config)
    assert search_files.statuses(config.project_dir) == {"0": "COMPLETED", "1": "RUNNING"}
    interrupted = search_files.trials(config.project_dir)["1"]["hyperparameters"]["values"]

    trained.clear()
    result = search.tune(config)
    assert [values["input_steps"] for values in trained] == [interrupted["input_steps"]]
    assert search_files.statuses(config.project_dir) == {"0": "COMPLETED", "1": "COMPLETED"}
    assert result.table.count("| COMPLETED |") == 2


def test_space_and_options_are_checked_before_the_search(tmp_path):
    options = recipe_options(tmp_path)
    with pytest.raises(ValueError, match="input_steps=36 is invalid"):
        TimeseriesForecastingHyperModel(options, space={"choices": {"input_steps": ["48", "36"]}})
    with pytest.raises(ValueError, match="`units` is a hyperparameter of the search"):
        TimeseriesForecastingHyperModel({**options, "units": 8})
    with pytest.raises(ValueError, match="layers"):
        TimeseriesForecastingHyperModel(options, space={"layers": [1, 2]})  # the segment model has one layer
    window = TimeseriesForecastingHyperModel({**options, "model": "window"})
    assert window.space.layers == (1, 2) and "segment_length" not in window.space.choices


# Loads the export argv[1] and prints the forecasts of the JSON windows argv[2] in one batch and one by one.
SERVE = """
import json, sys
import numpy as np
import tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
windows = np.array(json.loads(sys.argv[2]), dtype=np.float32)
together = serve(window=tf.constant(windows))
alone = [serve(window=tf.constant(window[None]))["forecast"].numpy()[0] for window in windows]
print(json.dumps({"forecast": together["forecast"].numpy().tolist(), "alone": np.stack(alone).tolist(),
                  "lower": together["lower"].numpy().tolist(), "upper": together["upper"].numpy().tolist()}))
"""


@pytest.mark.large
def test_cli_tune_retrains_the_best_and_its_export_serves_in_a_fresh_process(tmp_path, eager_functions):
    directory = tmp_path / "tuning"
    arguments = ["tune", "timeseries_forecasting", "--max-trials", "2", "--max-epochs", "1", "--trial-minutes", "1"]
    arguments += ["--directory", str(directory), "--cells", "gru", "--units-range", "8", "--batch-sizes", "32"]
    arguments += ["--choice", "input_steps=24,48", "--choice", "segment_length=12,24"]
    for name, value in recipe_options(tmp_path).items():
        arguments += ["--set", f"{name}={','.join(value) if isinstance(value, list) else value}"]
    assert cli.main(arguments) == 0
    project = directory / "timeseries_forecasting"
    best = json.loads((project / "best_hyperparameters.json").read_text())
    final = json.loads((project / "best_model.json").read_text())
    assert final["trial"] == best["trial"] and final["test_mae"] > 0 and final["validation_mae"] > 0
    assert 0 <= final["test_interval_coverage"] <= 1
    run_config = json.loads((project / "best_model" / "config.json").read_text())
    assert run_config["input_steps"] == best["hyperparameters"]["input_steps"]
    assert run_config["time_budget_minutes"] == 1

    request = json.loads((project / "best_model" / "example_request.json").read_text())["window"]
    windows = request * 3  # a second batch size: three copies of the example window
    served = subprocess.run(
        [sys.executable, "-c", SERVE, final["export_path"], json.dumps(windows)],
        capture_output=True,
        text=True,
        check=True,
    )
    outputs = json.loads(served.stdout.strip().splitlines()[-1])
    forecast = np.array(outputs["forecast"])
    assert forecast.shape == (3, 6, 1)
    np.testing.assert_allclose(forecast, np.array(outputs["alone"]), rtol=1e-5, atol=1e-4)
    assert np.all(np.array(outputs["lower"]) <= forecast) and np.all(forecast <= np.array(outputs["upper"]))


@pytest.mark.parametrize("recipe", ["timeseries_forecasting", "char_generation", "seq2seq_translation"])
def test_recipe_tune_flag_searches_with_the_recipes_data_flags(tmp_path, monkeypatch, recipe):
    import importlib

    searched = []
    monkeypatch.setattr(search, "tune", searched.append)
    main = importlib.import_module(f"seqapps.recipes.{recipe}").main
    flags = ["--tune", "--quick", "--units", "99", "--trial-minutes", "2", "--directory", str(tmp_path)]
    assert main([*flags, "--cells", "gru", "--max-trials", "3"]) == 0
    [config] = searched
    assert (config.recipe, config.trial_minutes, config.max_trials, config.space) == (recipe, 2, 3, {"cells": ["gru"]})
    assert config.recipe_options["epochs"] == 1 and "units" not in config.recipe_options  # --units is searched


def test_a_search_with_calendar_features_feeds_them_to_every_trial(tmp_path, eager_functions):
    options = {**recipe_options(tmp_path), "calendar_features": True}
    result = search.tune(_config(tmp_path, max_trials=1, recipe_options=options))
    [trial] = search_files.trials(result.project_dir).values()
    assert trial["status"] == "COMPLETED" and trial["score"] is not None
