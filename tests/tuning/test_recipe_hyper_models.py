"""Searches over the character-generation, translation and text-classification recipes on tiny text: two trials,
resume, retraining, the retrained model served."""

import itertools
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import search_files

from seqapps.tuning import search
from seqapps.tuning.char_generation_hyper_model import CharGenerationHyperModel
from seqapps.tuning.seq2seq_translation_hyper_model import Seq2seqTranslationHyperModel
from seqapps.tuning.text_classification_hyper_model import TextClassificationHyperModel
from seqapps.tuning.tuning_config import TuningConfig

TEXT = "".join(f"ROMEO {index}: O, she doth teach the torches to burn bright!\n" for index in range(60))
CHAR_SPACE = {
    "cells": ["gru", "keras_lstm"],
    "units": [8],
    "layers": [1],
    "batch_sizes": [8],
    "choices": {"sequence_length": ["16"], "ema_momentum": ["0.9", "0"]},
}
TRANSLATION_SPACE = {
    "cells": ["gru", "keras_gru"],
    "units": [8],
    "batch_sizes": [64],
    "choices": {"attention": ["luong", "bahdanau"], "embedding_dim": ["8"]},
}
SUBJECTS = [("Yo", "I"), ("Tú", "You"), ("Ella", "She"), ("Nosotros", "We")]
VERBS = [("veo", "see"), ("quiero", "want"), ("tengo", "have"), ("busco", "look for")]
# 4 x 4 x 288 = 4,608 pairs, enough for the recipe's 2,000 test and 2,000 validation pairs.
OBJECTS = [(f"la cosa {number}", f"the thing {number}") for number in range(288)]

CLASSES = {"animals": "cat", "food": "bread", "weather": "rain"}
TEXT_CLASSIFICATION_SPACE = {"cells": ["gru", "keras_gru"], "units": [4], "layers": [1], "batch_sizes": [8]}
# Serves the texts argv[2:] with the export argv[1] in this fresh process, one text and all of them.
SERVE = (
    "import json, sys, tensorflow as tf, tensorflow_text\n"
    "serve = tf.saved_model.load(sys.argv[1]).signatures['serving_default']\n"
    "batches = (sys.argv[2:3], sys.argv[2:])\n"
    "outputs = [serve(text=tf.constant(texts))['probabilities'].numpy().tolist() for texts in batches]\n"
    "print(json.dumps(outputs))\n"
)


class Interrupted(BaseException):
    """Stands for Ctrl-C or a killed process (keras-tuner only catches `Exception`s in a trial)."""


def char_options(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text(TEXT, encoding="utf-8")
    return {
        "text": str(text),
        "embedding_dim": 4,
        "ensemble": 1,
        "sample_length": 20,
        "export_root": str(tmp_path / "export"),
    }


def translation_options(tmp_path):
    lines = [
        f"{subject_en} {verb_en} {object_en}.\t{subject_es} {verb_es} {object_es}."
        for (subject_es, subject_en), (verb_es, verb_en), (object_es, object_en) in itertools.product(
            SUBJECTS, VERBS, OBJECTS
        )
    ]
    data = tmp_path / "spa.txt"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = {"data": str(data), "max_pairs": 128, "beam_width": 2, "evaluation_pairs": 8, "max_length": 8}
    return {**options, "export_root": str(tmp_path / "export")}


def text_classification_options(tmp_path):
    rows = [(f"the {word} is here number {index}", label) for index in range(6) for label, word in CLASSES.items()]
    data = tmp_path / "texts.csv"
    data.write_text("text,label\n" + "\n".join(f"{text},{label}" for text, label in rows) + "\n", encoding="utf-8")
    return {"data": str(data), "max_tokens": 8, "vocab_size": 40, "export_root": str(tmp_path / "export")}


def _config(tmp_path, recipe, **overrides):
    if recipe == "char_generation":
        space, options = CHAR_SPACE, char_options(tmp_path)
    elif recipe == "seq2seq_translation":
        space, options = TRANSLATION_SPACE, translation_options(tmp_path)
    else:
        space, options = TEXT_CLASSIFICATION_SPACE, text_classification_options(tmp_path)
    arguments = dict(
        max_trials=2,
        max_epochs=1,
        directory=str(tmp_path / "tuning"),
        space=space,
        recipe_options={**options, "verbose": 0},
        retrain=False,
        verbose=0,
    )
    return TuningConfig(recipe, **{**arguments, **overrides})


@pytest.mark.parametrize("recipe", ["char_generation", "seq2seq_translation"])
def test_two_trial_search_minimizes_the_validation_loss(tmp_path, recipe, eager_functions):
    result = search.tune(_config(tmp_path, recipe))
    trials = search_files.trials(result.project_dir)
    assert sorted(trials) == ["0", "1"]
    assert all(trial["status"] == "COMPLETED" for trial in trials.values())
    scores = {trial_id: trial["score"] for trial_id, trial in trials.items()}
    assert result.best["objective"]["name"] == "val_loss" and result.best["trial"] == min(scores, key=scores.get)
    assert "cut_short" in result.table.splitlines()[0]


@pytest.mark.parametrize(
    "hypermodel_class",
    [
        CharGenerationHyperModel,
        pytest.param(Seq2seqTranslationHyperModel, marks=pytest.mark.large),
        TextClassificationHyperModel,
    ],
)
def test_rerun_resumes_an_interrupted_search(tmp_path, monkeypatch, hypermodel_class, eager_functions):
    trained = []
    fit_model = hypermodel_class.fit_model

    def interrupting_fit_model(self, values, model, **arguments):
        trained.append(values)
        if len(trained) == 2:
            raise Interrupted
        return fit_model(self, values, model, **arguments)

    monkeypatch.setattr(hypermodel_class, "fit_model", interrupting_fit_model)
    config = _config(tmp_path, hypermodel_class.recipe)
    with pytest.raises(Interrupted):
        search.tune(config)
    assert search_files.statuses(config.project_dir) == {"0": "COMPLETED", "1": "RUNNING"}
    interrupted = search_files.trials(config.project_dir)["1"]["hyperparameters"]["values"]
    trained.clear()
    search.tune(config)
    assert [values["cell"] for values in trained] == [interrupted["cell"]]
    assert search_files.statuses(config.project_dir) == {"0": "COMPLETED", "1": "COMPLETED"}


def test_bad_space_values_fail_before_the_search(tmp_path):
    with pytest.raises(ValueError, match="layers=2 is invalid for seq2seq_translation"):
        Seq2seqTranslationHyperModel(translation_options(tmp_path), space={"layers": [1, 2]})
    with pytest.raises(ValueError, match="`sequence_length` is a hyperparameter of the search"):
        CharGenerationHyperModel({"sequence_length": 20})


@pytest.mark.large
@pytest.mark.parametrize("recipe", ["char_generation", "seq2seq_translation"])
def test_the_best_trial_is_retrained_by_the_recipe_and_exported(tmp_path, recipe, eager_functions):
    result = search.tune(_config(tmp_path, recipe, max_trials=1, retrain=True, trial_minutes=1))
    final = json.loads((result.project_dir / "best_model.json").read_text())
    assert final == result.final and final["trial"] == result.best["trial"]
    run_config = json.loads((result.project_dir / "best_model" / "config.json").read_text())
    assert run_config["cell"] == result.best["hyperparameters"]["cell"] and run_config["time_budget_minutes"] == 1
    assert (tmp_path / "export").is_dir() and final["export_path"].startswith(str(tmp_path / "export"))
    if recipe == "char_generation":
        assert final["test_nats_per_character"] > 0
    else:
        assert 0 <= final["test_bleu_beam"] <= 100


def test_text_classification_two_trial_search_maximizes_the_validation_accuracy(tmp_path, eager_functions):
    result = search.tune(_config(tmp_path, "text_classification"))
    trials = search_files.trials(result.project_dir)
    assert sorted(trials) == ["0", "1"] and all(trial["status"] == "COMPLETED" for trial in trials.values())
    scores = {trial_id: trial["score"] for trial_id, trial in trials.items()}
    assert result.best["objective"]["name"] == "val_accuracy" and result.best["trial"] == max(scores, key=scores.get)


# With retraining, 35 to 70 s on 2 shared cores, most of it the export (two signatures, warmed up and verified).
@pytest.mark.parametrize("retrain", [False, pytest.param(True, marks=pytest.mark.large)])
def test_text_classification_recipe_tune_retrains_the_best_and_its_export_serves_in_a_fresh_process(
    tmp_path, retrain, eager_functions
):
    from seqapps.recipes import text_classification as recipe

    options = text_classification_options(tmp_path)
    flags = ["--tune", "--max-trials", "2", "--max-epochs", "1", "--directory", str(tmp_path / "tuning")]
    flags += ["--cells", "gru", "keras_gru", "--units-range", "4", "--layers-range", "1", "--batch-sizes", "8"]
    flags += ["--choice", "embedding_dim=8", "--choice", "bidirectional=false", "--verbose", "0"]
    flags += ["--data", options["data"], "--max-tokens", "8", "--vocab-size", "40"]
    flags += ["--export-root", options["export_root"], *([] if retrain else ["--no-retrain"])]
    assert recipe.main(flags) == 0
    project = tmp_path / "tuning" / "text_classification"
    best = json.loads((project / "best_hyperparameters.json").read_text())
    assert best["hyperparameters"]["cell"] in ("gru", "keras_gru") and best["hyperparameters"]["embedding_dim"] == 8
    assert sorted(search_files.statuses(project).values()) == ["COMPLETED", "COMPLETED"]
    if not retrain:
        assert not (project / "best_model.json").exists() and not (tmp_path / "export").exists()
        return
    final = json.loads((project / "best_model.json").read_text())
    assert final["trial"] == best["trial"] and 0 <= final["test_accuracy"] <= 1
    assert final["export_path"] == str(tmp_path / "export" / "text_classification" / "1")

    texts = ["the cat is here", "the bread is here number 3", "rain"]
    model = keras.saving.load_model(final["model_path"])
    expected = np.asarray(model(np.array(texts, dtype=object)))
    assert expected.shape == (3, 3)
    served = subprocess.run(
        [sys.executable, "-c", SERVE, final["export_path"], *texts],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert served.returncode == 0, served.stderr[-3000:]
    one, every = json.loads(served.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(one, expected[:1], atol=1e-5)
    np.testing.assert_allclose(every, expected, atol=1e-5)


@pytest.mark.parametrize("trial_minutes", [None, 2.5])
def test_the_recipe_retrains_from_scratch_with_the_trials_time_budget(tmp_path, trial_minutes):
    options = {**char_options(tmp_path), "ensemble": 2, "time_budget_minutes": 7.0, "epochs": 9, "restart": False}
    hypermodel = CharGenerationHyperModel(options, space=CHAR_SPACE, trial_minutes=trial_minutes)
    values = {**hypermodel.space.first_values(), "cell": "keras_lstm"}
    config = hypermodel.recipe_retraining_config(
        values, 3, tmp_path / "best_model", ensemble=hypermodel.config.ensemble
    )
    assert (config.cell, config.epochs, config.run_dir, config.restart) == (
        "keras_lstm",
        3,
        str(tmp_path / "best_model"),
        True,
    )
    assert config.time_budget_minutes == (trial_minutes or 7.0) and config.ensemble == 2
    assert config.text == options["text"]
