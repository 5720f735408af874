"""seq2seq_translation/config.py: the recipe's settings."""

import pytest

from seqapps import configs
from seqapps.tasks.seq2seq_translation import TranslationConfig


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        (dict(cell="transformer"), "Unknown cell"),
        (dict(attention="dot"), "Unknown attention"),
        (dict(units=0), "`units` must be a positive integer"),
        (dict(beam_width=17), "`beam_width` must be at most 16"),
        (dict(max_pairs=0), "`max_pairs`"),
        (dict(dropout=1.0), "`dropout`"),
        (dict(target_vocabulary_size=4), "`target_vocabulary_size`"),
        (dict(max_training_words=2), "`max_training_words`"),
    ],
)
def test_bad_config(arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        TranslationConfig(**arguments)


# What `quick=True` set in `TranslationConfig.__post_init__` before it became a preset (from the defaults).
OLD_QUICK = {
    "epochs": 1,
    "units": 64,
    "embedding_dim": 32,
    "max_pairs": 5_000,
    "evaluation_pairs": 200,
    "source_vocabulary_size": 2_000,
    "target_vocabulary_size": 2_000,
    "beam_width": 3,
}


def test_quick_preset_shrinks_the_run_as_the_quick_flag_did():
    assert configs.with_preset(TranslationConfig, "quick") == TranslationConfig(**OLD_QUICK)
    assert configs.with_preset(TranslationConfig, "quick", units=16).units == 16


@pytest.mark.parametrize("flags", [["--quick"], ["--preset", "quick"]])
def test_recipe_quick_flag_resolves_to_the_old_quick_settings(flags, monkeypatch, capsys):
    from seqapps.recipes import seq2seq_translation as recipe

    resolved = []
    monkeypatch.setattr(recipe, "train", lambda config, strategy=None: resolved.append(config))
    assert recipe.main(flags + ["--run-dir", "runs/x"]) == 0
    assert resolved == [TranslationConfig(**OLD_QUICK, run_dir="runs/x")]
    assert "Preset quick: epochs=1, units=64, embedding_dim=32, max_pairs=5000" in capsys.readouterr().out
