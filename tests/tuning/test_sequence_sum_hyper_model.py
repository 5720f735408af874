"""Searches over the sequence-sum recipe on tiny generated data: results, resume, hyperband, objectives."""

import csv
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import search_files

from seqapps import cli
from seqapps.tuning import search
from seqapps.tuning.sequence_sum_hyper_model import SequenceSumHyperModel
from seqapps.tuning.tuning_config import TuningConfig, TuningError

TINY = {"length": 4, "train_size": 64, "validation_size": 32, "test_size": 32, "verbose": 0}
SPACE = {"cells": ["lstm", "keras_gru"], "units": [4, 8], "layers": [1], "batch_sizes": [32]}


class Interrupted(BaseException):
    """Stands for Ctrl-C or a killed process (keras-tuner only catches `Exception`s in a trial)."""


def _config(tmp_path, **overrides):
    arguments = dict(
        max_trials=2,
        max_epochs=1,
        directory=str(tmp_path / "tuning"),
        space=SPACE,
        recipe_options=TINY,
        retrain=False,
        verbose=0,
    )
    return TuningConfig("sequence_sum", **{**arguments, **overrides})


@pytest.fixture
def fits(monkeypatch):
    """Records the hyperparameters of every trial trained; `fits.interrupt_at = n` interrupts the n-th."""

    class Fits(list):
        interrupt_at = None

    calls = Fits()
    fit_model = SequenceSumHyperModel.fit_model

    def recording_fit_model(self, values, model, **arguments):
        calls.append(values)
        if len(calls) == calls.interrupt_at:
            raise Interrupted
        return fit_model(self, values, model, **arguments)

    monkeypatch.setattr(SequenceSumHyperModel, "fit_model", recording_fit_model)
    return calls


def test_cli_tune_runs_two_trials_writes_the_results_and_retrains_the_best(tmp_path, capsys, eager_functions):
    directory = tmp_path / "tuning"
    arguments = [
        "tune",
        "sequence_sum",
        "--max-trials",
        "2",
        "--max-epochs",
        "1",
        "--directory",
        str(directory),
        "--cells",
        "lstm",
        "keras_gru",
        "--units-range",
        "4",
        "8",
        "--layers-range",
        "1",
        "--batch-sizes",
        "32",
    ]
    for name, value in TINY.items():
        arguments += ["--set", f"{name}={value}"]
    assert cli.main(arguments) == 0
    project = directory / "sequence_sum"
    trials = search_files.trials(project)
    assert sorted(trials) == ["0", "1"]
    scores = {}
    for trial_id, trial in trials.items():
        values = trial["hyperparameters"]["values"]
        assert trial["status"] == "COMPLETED"
        assert values["cell"] in ("lstm", "keras_gru") and values["units"] in (4, 8) and values["layers"] == 1
        assert search_files.training_runs(project, trial_id) == 1
        scores[trial_id] = trial["score"]

    with open(project / "results.csv") as file:
        rows = list(csv.DictReader(file))
    assert [row["trial"] for row in rows] == ["0", "1"]
    for row in rows:
        assert row["status"] == "COMPLETED" and float(row["seconds"]) > 0 and row["epochs"] == "1"
        assert float(row["val_accuracy"]) == pytest.approx(scores[row["trial"]])
    markdown = (project / "results.md").read_text()
    assert markdown.startswith("| trial | status | cell | units | layers | dropout | learning_rate | batch_size |")
    assert markdown in capsys.readouterr().out

    best = json.loads((project / "best_hyperparameters.json").read_text())
    assert best["trial"] == max(scores, key=scores.get)
    assert best["objective"] == {
        "name": "val_accuracy",
        "direction": "max",
        "value": pytest.approx(max(scores.values())),
    }
    assert best["epochs"] == 1 and best["hyperparameters"] == trials[best["trial"]]["hyperparameters"]["values"]

    assert "_hparams_/experiment" in search_files.summary_tags(project / "logs")
    for trial_id in trials:
        assert "_hparams_/session_start_info" in search_files.summary_tags(project / "logs" / trial_id / "execution0")

    final = json.loads((project / "best_model.json").read_text())
    assert final["trial"] == best["trial"] and final["epochs"] == 1 and 0 <= final["test_accuracy"] <= 1
    assert 0 < final["baseline_test_accuracy"] < 1 and "export_path" not in final
    model = keras.saving.load_model(final["model_path"])
    assert model.name == f"sequence_sum_{best['hyperparameters']['cell']}"
    probabilities = model.predict(np.ones((2, 4, 1), "float32"), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)


def test_recipe_tune_searches_with_the_recipes_flags(tmp_path, monkeypatch):
    from seqapps.recipes import sequence_sum as recipe

    searched = []
    monkeypatch.setattr(search, "tune", searched.append)
    assert (
        recipe.main(
            [
                "--tune",
                "--length",
                "4",
                "--train-size",
                "64",
                "--epochs",
                "2",
                "--units",
                "99",
                "--tuner",
                "hyperband",
                "--directory",
                str(tmp_path),
                "--cells",
                "gru",
                "elman",
                "--choice",
                "bidirectional=false",
            ]
        )
        == 0
    )
    [config] = searched
    assert (config.recipe, config.tuner, config.directory, config.max_epochs) == (
        "sequence_sum",
        "hyperband",
        str(tmp_path),
        None,
    )
    assert config.recipe_options == {"length": 4, "train_size": 64, "epochs": 2}  # --units is searched instead
    assert config.space == {"cells": ["gru", "elman"], "choices": {"bidirectional": ["false"]}}
    assert search.epochs_per_trial(config, search.make_hypermodel(config)) == 2


def test_rerun_resumes_an_interrupted_search(tmp_path, fits, eager_functions):
    config = _config(tmp_path)
    project = config.project_dir
    fits.interrupt_at = 2
    with pytest.raises(Interrupted):
        search.tune(config)
    assert search_files.statuses(project) == {"0": "COMPLETED", "1": "RUNNING"}
    interrupted = search_files.trials(project)["1"]["hyperparameters"]["values"]

    fits.clear()
    fits.interrupt_at = None
    result = search.tune(config)
    assert fits == [interrupted]  # only the interrupted trial runs again, with its hyperparameters
    assert search_files.statuses(project) == {"0": "COMPLETED", "1": "COMPLETED"}
    assert search_files.run_times(project) == {"0": 1, "1": 1}
    assert search_files.training_runs(project, "0") == 1
    assert result.table.count("| COMPLETED |") == 2


# Runs the search of the TuningConfig JSON file argv[1]; the second trial writes the file argv[2] once it has
# trained, then waits to be killed.
KILLED_SEARCH = """
import pathlib, sys, time
import tensorflow as tf
from seqapps.tuning import search
from seqapps.tuning.sequence_sum_hyper_model import SequenceSumHyperModel
from seqapps.tuning.tuning_config import TuningConfig

tf.config.run_functions_eagerly(True)
fit_model, trained = SequenceSumHyperModel.fit_model, []


def fit_then_wait_in_the_second_trial(self, values, model, **arguments):
    history = fit_model(self, values, model, **arguments)
    trained.append(values)
    if len(trained) == 2:
        pathlib.Path(sys.argv[2]).write_text("trained")
        time.sleep(600)
    return history


SequenceSumHyperModel.fit_model = fit_then_wait_in_the_second_trial
search.tune(TuningConfig.from_json(pathlib.Path(sys.argv[1]).read_text()))
"""


def test_a_search_killed_mid_trial_keeps_its_finished_trial_and_reruns_the_killed_one(tmp_path, fits, eager_functions):
    config = _config(tmp_path, max_trials=3)
    project = config.project_dir
    (tmp_path / "config.json").write_text(config.to_json())
    marker, log = tmp_path / "second_trial_trained", tmp_path / "search.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", KILLED_SEARCH, str(tmp_path / "config.json"), str(marker)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
        try:
            deadline = time.monotonic() + 240
            while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            assert marker.exists(), log.read_text()[-3000:]
        finally:
            process.kill()  # SIGKILL: nothing in the process runs after it
            process.wait()
    assert process.returncode == -signal.SIGKILL
    assert search_files.statuses(project) == {"0": "COMPLETED", "1": "RUNNING"}
    before = search_files.trials(project)
    killed = before["1"]["hyperparameters"]["values"]

    result = search.tune(config)
    assert fits[0] == killed and len(fits) == 2  # the killed trial runs again first, then the third trial
    after = search_files.trials(project)
    assert {trial_id: trial["status"] for trial_id, trial in after.items()} == {
        "0": "COMPLETED",
        "1": "COMPLETED",
        "2": "COMPLETED",
    }
    assert after["0"] == before["0"]  # the finished trial is kept as it was, score included
    assert after["1"]["hyperparameters"]["values"] == killed
    assert search_files.run_times(project) == {"0": 1, "1": 1, "2": 1}
    assert [search_files.training_runs(project, trial_id) for trial_id in "012"] == [1, 2, 1]
    assert result.table.count("| COMPLETED |") == 3


def test_a_trial_started_just_before_the_kill_is_run_again(tmp_path, fits, eager_functions):
    config = _config(tmp_path)
    fits.interrupt_at = 2
    with pytest.raises(Interrupted):
        search.tune(config)
    # What a kill between writing trial_1/trial.json and oracle.json leaves: the oracle as the first trial
    # ended (still listing it as running), and a second trial only its own file knows.
    oracle_path = config.project_dir / "oracle.json"
    oracle = json.loads(oracle_path.read_text())
    first_hash = oracle["id_to_hash"]["0"]
    oracle.update(
        ongoing_trials={"tuner0": "0"}, start_order=["0"], id_to_hash={"0": first_hash}, tried_so_far=[first_hash]
    )
    oracle_path.write_text(json.dumps(oracle))
    started = search_files.trials(config.project_dir)["1"]["hyperparameters"]["values"]

    fits.clear()
    fits.interrupt_at = None
    result = search.tune(config)
    assert fits == [started]
    assert search_files.statuses(config.project_dir) == {"0": "COMPLETED", "1": "COMPLETED"}
    assert search_files.run_times(config.project_dir) == {"0": 1, "1": 1}
    assert result.table.count("| COMPLETED |") == 2


def test_rerun_of_a_finished_search_trains_nothing_and_overwrite_starts_over(tmp_path, fits, eager_functions):
    config = _config(tmp_path, max_trials=1)
    search.tune(config)
    # What keras-tuner leaves when a chief stops between the end of a trial and its next save:
    # the finished trial still listed as running.
    oracle_path = config.project_dir / "oracle.json"
    oracle = json.loads(oracle_path.read_text())
    oracle["ongoing_trials"] = {"tuner0": "0"}
    oracle_path.write_text(json.dumps(oracle))

    fits.clear()
    result = search.tune(config)
    assert fits == [] and result.best["trial"] == "0"
    assert search_files.run_times(config.project_dir) == {"0": 1}

    search.tune(dataclasses.replace(config, overwrite=True))
    assert len(fits) == 1
    assert search_files.training_runs(config.project_dir, "0") == 1  # the old logs went with the old search


def test_hyperband_with_a_named_objective(tmp_path, eager_functions):
    result = search.tune(_config(tmp_path, tuner="hyperband", max_epochs=2, objective="val_loss"))
    trials = search_files.trials(result.project_dir)
    assert trials and all(trial["status"] == "COMPLETED" for trial in trials.values())
    for trial in trials.values():
        assert trial["hyperparameters"]["values"]["tuner/epochs"] == 2
        assert 1 <= trial["metrics"]["metrics"]["epochs"]["observations"][0]["value"][0] <= 2
    losses = {trial_id: trial["score"] for trial_id, trial in trials.items()}
    assert result.best["objective"]["direction"] == "min"
    assert result.best["trial"] == min(losses, key=losses.get)
    assert "tuner/epochs" in result.table.splitlines()[0] and result.final is None


def test_bayesian_search(tmp_path, eager_functions):
    result = search.tune(_config(tmp_path, tuner="bayesian"))
    assert search_files.statuses(result.project_dir) == {"0": "COMPLETED", "1": "COMPLETED"}


def test_a_search_where_no_trial_completes_fails_clearly(tmp_path, monkeypatch):
    def failing_fit_model(self, values, model, **arguments):
        raise ValueError("this configuration cannot train")

    monkeypatch.setattr(SequenceSumHyperModel, "fit_model", failing_fit_model)
    config = _config(tmp_path)
    with pytest.raises(TuningError, match=r"No trial completed; the errors are in the trials' trial.json files"):
        search.tune(config)
    assert search_files.statuses(config.project_dir) == {"0": "FAILED", "1": "FAILED"}
    assert "this configuration cannot train" in search_files.trials(config.project_dir)["0"]["message"]
    assert (config.project_dir / "results.md").read_text().count("| FAILED |") == 2


def test_recipe_options_and_objective_are_checked():
    with pytest.raises(ValueError, match=r"`kinds` is a hyperparameter of the search.*--cells"):
        SequenceSumHyperModel({"kinds": "lstm"})
    with pytest.raises(ValueError, match=r"Unknown option 'lenght' for sequence_sum: its options are epochs, length"):
        SequenceSumHyperModel({"lenght": "4"})
    with pytest.raises(ValueError, match=r"sequence_sum has no servable export"):
        SequenceSumHyperModel({"export_root": "saved_models"})
    with pytest.raises(ValueError, match=r"Option 'length': 'four' is not a valid int"):
        SequenceSumHyperModel({"length": "four"})
    with pytest.raises(ValueError, match=r"Unknown objective 'val_mae' for sequence_sum: .*val_accuracy, val_loss"):
        SequenceSumHyperModel(objective="val_mae")
    assert SequenceSumHyperModel({"length": "4", "train_size": "10"}).config.length == 4
