"""benchmarks/imdb_sentiment.py's variant settings: `--set FIELD=VALUE` typed like the recipe's defaults."""

import argparse

import pytest

from benchmarks import imdb_sentiment


def test_settings_take_the_type_of_the_default():
    assert imdb_sentiment._setting("max_tokens=600") == ("max_tokens", 600)
    assert imdb_sentiment._setting("learning_rate=1e-3") == ("learning_rate", 0.001)
    assert imdb_sentiment._setting("bidirectional=false") == ("bidirectional", False)
    assert imdb_sentiment._setting("pooling=max") == ("pooling", "max")


@pytest.mark.parametrize("text", ["max_tokens", "max_tokens=many", "bidirectional=no", "cell=lstm", "colour=red"])
def test_bad_settings_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError):
        imdb_sentiment._setting(text)
