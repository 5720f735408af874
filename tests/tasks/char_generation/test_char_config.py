"""char_generation/config.py: the recipe's settings."""

import pytest

from seqapps import configs
from seqapps.tasks.char_generation import CharGenerationConfig


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        (dict(cell="transformer"), "Unknown cell"),
        (dict(units=0), "`units` must be a positive integer"),
        (dict(ensemble=0), "`ensemble` must be a positive integer"),
        (dict(dropout=1.0), "`dropout`"),
        (dict(temperature=0.0), "`temperature`"),
        (dict(top_p=1.5), "`top_p`"),
        (dict(top_k=0), "`top_k`"),
        (dict(max_characters=10), "`max_characters`"),
        (dict(time_budget_minutes=-1), "`time_budget_minutes`"),
        (dict(decode_errors="ignore"), "`decode_errors`"),
        (dict(weight_decay=-0.1), "`weight_decay` must be in \\[0, 1\\), got -0.1"),
        (dict(recurrent_dropout=1.0), "`recurrent_dropout` must be in \\[0, 1\\), got 1.0"),
        (dict(ema_momentum=1.0), "`ema_momentum` must be in \\[0, 1\\), got 1.0"),
        (dict(ema_momentum=None), "`ema_momentum` must be in \\[0, 1\\), got None"),
        (dict(ema_momentum="0.9"), "`ema_momentum` must be in"),
    ],
)
def test_bad_config(arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        CharGenerationConfig(**arguments)


# What `quick=True` set in `CharGenerationConfig.__post_init__` before it became a preset (from the defaults).
OLD_QUICK = {
    "epochs": 1,
    "ensemble": 1,
    "units": 64,
    "layers": 1,
    "embedding_dim": 16,
    "batch_size": 32,
    "max_characters": 200_000,
    "sample_length": 100,
}


def test_quick_preset_shrinks_the_run_as_the_quick_flag_did():
    assert configs.with_preset(CharGenerationConfig, "quick") == CharGenerationConfig(**OLD_QUICK)
    assert configs.with_preset(CharGenerationConfig, "quick", units=32).units == 32


@pytest.mark.parametrize("flags", [["--quick"], ["--preset", "quick"]])
def test_recipe_quick_flag_resolves_to_the_old_quick_settings(flags, monkeypatch, capsys):
    from seqapps.recipes import char_generation as recipe

    resolved = []
    monkeypatch.setattr(recipe, "train", lambda config, strategy=None: resolved.append(config))
    assert recipe.main(flags + ["--run-dir", "runs/x"]) == 0
    assert resolved == [CharGenerationConfig(**OLD_QUICK, run_dir="runs/x")]
    assert "Preset quick: ensemble=1, units=64, layers=1" in capsys.readouterr().out
