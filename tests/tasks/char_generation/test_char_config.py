"""char_generation/config.py: the recipe's settings."""

import pytest

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


def test_quick_shrinks_the_run():
    config = CharGenerationConfig(quick=True)
    assert (config.epochs, config.layers, config.ensemble, config.max_characters) == (1, 1, 1, 200_000)
    assert config.units <= 64 and config.batch_size <= 32
