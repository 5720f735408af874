"""char_generation/training.py: the optimizer, the weight average, ensembles, resuming, the recipe script."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from char_generation_helpers import RECIPES, TEXT, small_config

from seqapps import configs
from seqapps.layers.char_vocabulary import CharVocabulary
from seqapps.tasks import char_generation as task
from seqapps.tasks.char_generation import CharGenerator


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_weight_decay_shrinks_the_kernels_and_embedding_but_not_the_biases(weight_decay):
    config = small_config(learning_rate=0.01, weight_decay=weight_decay)
    model = task.build_language_model(config, vocabulary_size=5)
    before = {variable.path: np.array(variable) for variable in model.trainable_variables}
    model.get_layer("logits").bias.assign(np.ones(5, np.float32))
    before[model.get_layer("logits").bias.path] = np.ones(5, np.float32)
    optimizer = task.build_optimizer(config, config.learning_rate)
    # Zero gradients: Adam moves nothing, so any change is the weight decay's.
    optimizer.apply_gradients([(tf.zeros_like(variable), variable) for variable in model.trainable_variables])
    for variable in model.trainable_variables:
        expected = before[variable.path]
        if weight_decay and variable.name != "bias":
            expected = expected * (1 - weight_decay * 0.01)
        np.testing.assert_allclose(np.array(variable), expected, rtol=1e-6, err_msg=variable.path)


@pytest.mark.parametrize("momentum", [0.0, 0.96])
def test_the_optimizer_averages_the_weights_when_given_a_momentum(momentum):
    optimizer = task.build_optimizer(small_config(), 0.01, momentum)
    assert optimizer.use_ema == bool(momentum)
    if momentum:
        assert optimizer.ema_momentum == pytest.approx(momentum)


@pytest.mark.large  # 30 s; the interrupted-ensemble test below covers reuse and resuming in `make test`
def test_an_ensemble_trains_its_members_and_a_rerun_reuses_the_finished_ones(tmp_path, caplog):
    caplog.set_level("INFO", logger="seqapps")
    config = small_config(tmp_path, ensemble=2, time_budget_minutes=30, max_characters=1000)
    result = task.train(config)
    printed = caplog.messages
    assert result.epochs_trained == 2 and len(result.epoch_seconds) == 2
    assert sum("--- member" in line for line in printed) == 2
    assert configs.load_run_config(task.CharGenerationConfig, result.run_dir) == config
    for member, seed in ((1, config.seed), (2, config.seed + 1)):
        folder = result.run_dir / f"member_{member}"
        assert (folder / "model.keras").exists() and (folder / "history.png").exists()
        # A member is a one-model run in its folder, with its seed and its share of the time budget.
        saved = configs.load_run_config(task.CharGenerationConfig, folder)
        assert (saved.seed, saved.ensemble, saved.run_dir) == (seed, 1, str(folder))
        assert json.loads((folder / "member.json").read_text())["epochs"] == 1
        assert any(f"member {member} of 2 (seed {seed}, " in line for line in printed)
    # Member 2 shares out what member 1 left of the budget.
    assert any(
        f"member 2 of 2 (seed 1338, {30 - result.epoch_seconds[0] / 60:.1f} minutes)" in line for line in printed
    ), printed
    members = [keras.saving.load_model(result.run_dir / f"member_{k}" / "model.keras") for k in (1, 2)]
    vocabulary = CharVocabulary(json.loads((result.run_dir / "vocabulary.json").read_text())["characters"])
    generator = CharGenerator(config, vocabulary)
    generator.copy_weights_from(members)
    assert generator.stream_loss(vocabulary.encode_text(TEXT[:200]))[0] > 0
    step = tf.saved_model.load(str(result.export_path)).signatures["step"]
    assert step(text=tf.constant(["RO"]), state=tf.zeros([1, generator.state_size]), temperature=tf.constant([1.0]))[
        "state"
    ].shape == (1, generator.state_size)

    caplog.clear()
    again = task.train(dataclasses.replace(config, sample_length=5))
    printed = caplog.messages
    assert sum("reusing the finished model" in line for line in printed) == 2
    assert not any("--- member" in line for line in printed)
    assert again.metrics == result.metrics and again.epoch_seconds == result.epoch_seconds

    for changed in (dict(restart=True), dict(learning_rate=0.01)):  # a restart, or other settings: trained again
        caplog.clear()
        task.train(dataclasses.replace(config, **changed))
        assert sum("--- member" in line for line in caplog.messages) == 2, changed
    Path(config.text).write_text(TEXT.replace("ROMEO", "JULIET"), encoding="utf-8")  # the same path, another text
    caplog.clear()
    task.train(dataclasses.replace(config, learning_rate=0.01))
    assert sum("--- member" in line for line in caplog.messages) == 2


@pytest.mark.large  # trains two members twice: about 25 s on 2 cores
def test_an_interrupted_ensemble_keeps_its_finished_member_and_resumes_the_other(tmp_path, monkeypatch, caplog):
    config = small_config(tmp_path, ensemble=2, epochs=2, max_characters=1000)
    uninterrupted = task.train(dataclasses.replace(config, run_dir=str(tmp_path / "uninterrupted")))

    def stop_in_member_2(sampler, epoch, logs=None):  # after the epoch's checkpoint, as a kill there would
        if sampler.config.seed == config.seed + 1:
            raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(task.PrintSample, "on_epoch_end", stop_in_member_2)
        with pytest.raises(KeyboardInterrupt):
            task.train(config)

    member_2 = configs.load_run_config(task.CharGenerationConfig, tmp_path / "run" / "member_2")
    assert (member_2.seed, member_2.ensemble) == (config.seed + 1, 1)
    caplog.set_level("INFO", logger="seqapps")
    resumed = task.train(dataclasses.replace(config, sample_length=5))  # an output setting may change
    assert sum("reusing the finished model" in line for line in caplog.messages) == 1
    assert f"Resuming the interrupted run in {tmp_path / 'run' / 'member_2'} after epoch 1" in caplog.text
    assert resumed.metrics == uninterrupted.metrics


@pytest.mark.large  # trains twice and runs the recipe: about 23 s on 2 cores
def test_windows_mode_and_the_recipe_script(tmp_path):
    config = small_config(tmp_path)
    completed = subprocess.run(
        [
            sys.executable,
            str(RECIPES / "char_generation.py"),
            "--text",
            config.text,
            "--no-tbptt",
            "--cell",
            "gru",
            "--units",
            "8",
            "--layers",
            "1",
            "--embedding-dim",
            "4",
            "--sequence-length",
            "16",
            "--batch-size",
            "4",
            "--epochs",
            "1",
            "--sample-length",
            "10",
            "--recurrent-dropout",
            "0.2",
            "--run-dir",
            config.run_dir,
            "--export-root",
            config.export_root,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "independent windows" in completed.stdout
    assert "test:" in completed.stdout and "Exported to" in completed.stdout
    assert "Ensemble of 2 models, seeds 1337 to 1338" in completed.stdout  # the default
    assert (Path(config.export_root) / task.MODEL_NAME / "1" / "saved_model.pb").exists()
    model = keras.saving.load_model(Path(config.run_dir) / "member_2" / "model.keras", safe_mode=True)
    assert model.get_layer("gru_1").cell.recurrent_dropout == 0.2


def test_recipe_rejects_bad_flags(capsys):
    from seqapps.recipes import char_generation as recipe

    with pytest.raises(SystemExit):
        recipe.main(["--temperature", "0"])
    assert "temperature" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        recipe.main(["--help"])
    assert "--tbptt" in capsys.readouterr().out
