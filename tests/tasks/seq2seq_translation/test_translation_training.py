"""seq2seq_translation/training.py: evaluate-only runs, the recipe's flags."""

import dataclasses

import pytest

from seqapps import configs
from seqapps.tasks import seq2seq_translation as task
from seqapps.tasks.seq2seq_translation import TranslationConfig


def test_evaluate_only_needs_a_trained_run(tmp_path):
    with pytest.raises(
        FileNotFoundError, match="holds no config.json or vocabulary.json or best.weights.h5: train there first"
    ):
        task.load_run(tmp_path)
    with pytest.raises(configs.SettingsError, match="config.json does not exist"):
        task.evaluation_config(tmp_path)


def test_evaluation_config_reads_the_run_and_changes_only_evaluation_settings(tmp_path):
    trained = TranslationConfig(cell="lstm", units=32, attention="bahdanau", beam_width=5, run_dir="elsewhere")
    configs.save_run_config(trained, tmp_path)
    config = task.evaluation_config(tmp_path, beam_width=8, evaluation_pairs=100, units=32)  # units: the run's
    assert config == dataclasses.replace(
        trained, beam_width=8, evaluation_pairs=100, evaluate_only=True, run_dir=str(tmp_path)
    )
    with pytest.raises(configs.SettingsError) as error:
        task.evaluation_config(tmp_path, units=64, attention="luong", beam_width=8)
    message = str(error.value)
    assert "units: the run's 32, given 64; attention: the run's 'bahdanau', given 'luong'" in message
    assert "only data, validation_data, test_data, evaluation_pairs, beam_width, max_length, export_root" in message
    with pytest.raises(configs.SettingsError, match="units: the run's 32, given 64"):
        task.train(dataclasses.replace(config, units=64))  # train checks a config made otherwise too


def test_recipe_rejects_bad_flags(capsys):
    from seqapps.recipes import seq2seq_translation as recipe

    with pytest.raises(SystemExit):
        recipe.main(["--beam-width", "40"])
    assert "beam_width" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        recipe.main(["--help"])
    assert "--attention" in capsys.readouterr().out
