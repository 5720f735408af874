"""seq2seq_translation/training.py: evaluate-only runs, the recipe's flags."""

import pytest
from translation_helpers import RECIPES

from seqapps.tasks import seq2seq_translation as task
from seqapps.tasks.seq2seq_translation import TranslationConfig


def test_evaluate_only_needs_a_trained_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no vocabulary.json or best.weights.h5: train there first"):
        task.load_run(tmp_path, TranslationConfig())


def test_recipe_rejects_bad_flags(capsys):
    from importlib import util

    spec = util.spec_from_file_location("seq2seq_translation_recipe", RECIPES / "seq2seq_translation.py")
    recipe = util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    with pytest.raises(SystemExit):
        recipe.main(["--beam-width", "40"])
    assert "beam_width" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        recipe.main(["--help"])
    assert "--attention" in capsys.readouterr().out
