"""Searches over the IMDB recipe on a tiny synthetic aclImdb folder."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import search_files

from seqapps import cli
from seqapps.tuning import search
from seqapps.tuning.imdb_sentiment_hyper_model import ImdbSentimentHyperModel
from seqapps.tuning.tuning_config import TuningConfig

POSITIVE = ["great wonderful film", "loved it, brilliant acting", "a superb and moving story"]
NEGATIVE = ["awful boring film", "hated it, terrible acting", "a dull and stupid story"]
SPACE = {
    "cells": ["gru", "keras_lstm"],
    "units": [4],
    "layers": [1],
    "batch_sizes": [8],
    "choices": {"embedding_dim": [8], "bidirectional": [False]},
}


def _write_folder(root):
    folder = root / "aclImdb"
    for split, count in (("train", 12), ("test", 4)):
        for label_folder, rating, texts in (("pos", 9, POSITIVE), ("neg", 2, NEGATIVE)):
            directory = folder / split / label_folder
            directory.mkdir(parents=True)
            for index in range(count):
                (directory / f"{index}_{rating}.txt").write_text(f"{texts[index % 3]} number {index}<br />")
    return folder


def _options(tmp_path):
    return {
        "data": str(_write_folder(tmp_path)),
        "max_tokens": 16,
        "vocab_size": 60,
        "epochs": 1,
        "verbose": 0,
        "export_root": str(tmp_path / "export"),
    }


def test_two_trial_search_loads_the_reviews_once(tmp_path, monkeypatch, eager_functions):
    loads = []
    prepare = ImdbSentimentHyperModel.prepare

    def counting_prepare(self):
        loads.append(self.data is None)
        return prepare(self)

    monkeypatch.setattr(ImdbSentimentHyperModel, "prepare", counting_prepare)
    config = TuningConfig(
        "imdb_sentiment",
        max_trials=2,
        directory=str(tmp_path / "tuning"),
        space=SPACE,
        recipe_options=_options(tmp_path),
        retrain=False,
        verbose=0,
    )
    result = search.tune(config)
    assert loads.count(True) == 1  # loaded before the first trial, reused by the second
    trials = search_files.trials(result.project_dir)
    assert sorted(trials) == ["0", "1"]
    for trial_id, trial in trials.items():
        values = trial["hyperparameters"]["values"]
        assert trial["status"] == "COMPLETED" and values["cell"] in ("gru", "keras_lstm")
        assert values["pooling"] in ("max_average", "max", "average") and values["bidirectional"] is False
        assert search_files.training_runs(result.project_dir, trial_id) == 1
    assert result.best["objective"]["name"] == "val_accuracy" and result.final is None
    assert "| pooling |" in result.table.splitlines()[0]


@pytest.mark.large
def test_cli_tune_retrains_the_best_and_exports_it_for_serving(tmp_path, capsys):
    options = _options(tmp_path)
    arguments = [
        "tune",
        "imdb_sentiment",
        "--max-trials",
        "2",
        "--directory",
        str(tmp_path / "tuning"),
        "--cells",
        "gru",
        "keras_lstm",
        "--units-range",
        "4",
        "--layers-range",
        "1",
        "--batch-sizes",
        "8",
        "--choice",
        "embedding_dim=8",
        "--export-root",
        options.pop("export_root"),
    ]
    for name, value in options.items():
        arguments += ["--set", f"{name}={value}"]
    assert cli.main(arguments) == 0
    project = tmp_path / "tuning" / "imdb_sentiment"
    best = json.loads((project / "best_hyperparameters.json").read_text())
    final = json.loads((project / "best_model.json").read_text())
    assert final["trial"] == best["trial"] and final["epochs"] == best["epochs"] == 1
    assert final["export_path"] == str(tmp_path / "export" / "imdb_sentiment" / "1")
    assert "Exported to" in capsys.readouterr().out

    reviews = ["a wonderful film", "a boring mess"]
    text_model = keras.saving.load_model(final["model_path"])
    expected = np.asarray(text_model(np.array(reviews, dtype=object))).reshape(-1)
    serve = (
        "import json, sys, tensorflow as tf, tensorflow_text\n"
        "out = tf.saved_model.load(sys.argv[1]).signatures['serving_default'](text=tf.constant(sys.argv[2:]))\n"
        "print(json.dumps(out['probability'].numpy().tolist()))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", serve, final["export_path"], *reviews],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    np.testing.assert_allclose(json.loads(completed.stdout.splitlines()[-1]), expected, atol=1e-5)


def test_the_quick_preset_does_not_shrink_the_units_of_a_trial():
    hypermodel = ImdbSentimentHyperModel({"preset": "quick", "epochs": "2"}, space={"units": [64]})
    assert (hypermodel.config.limit, hypermodel.config.epochs) == (1000, 2)  # the preset's subset, epochs overridden
    assert hypermodel.trial_config({**hypermodel.space.first_values()}).units == 64
    with pytest.raises(ValueError, match="Unknown preset 'tiny' for ImdbSentimentConfig: choose from quick"):
        ImdbSentimentHyperModel({"preset": "tiny"})


def test_recipe_tune_quick_passes_the_presets_settings(tmp_path, monkeypatch):
    from seqapps.recipes import imdb_sentiment as recipe
    from seqapps.tuning import arguments as tuning_arguments

    calls = []
    monkeypatch.setattr(
        tuning_arguments, "run_tuning", lambda arguments, name, options, program: calls.append(options) or 0
    )
    assert recipe.main(["--tune", "--quick", "--limit", "200"]) == 0
    assert calls == [{"limit": 200, "epochs": 1, "baseline_epochs": 1, "max_tokens": 128, "vocab_size": 5000}]


def test_recipe_tune_rejects_bad_ranges_before_loading_anything(tmp_path, monkeypatch, capsys):
    from seqapps.recipes import imdb_sentiment as recipe

    arguments = ["--tune", "--data", str(tmp_path / "missing"), "--directory", str(tmp_path / "tuning")]
    assert recipe.main(arguments + ["--units-range", "64", "16"]) == 2
    assert "min 64 is greater than max 16" in capsys.readouterr().err
    assert recipe.main(arguments + ["--choice", "pooling=attention"]) == 2
    assert "Unknown pooling 'attention'" in capsys.readouterr().err
    assert not (tmp_path / "tuning").exists()
