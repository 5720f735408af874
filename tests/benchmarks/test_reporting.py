"""benchmarks/reporting.py: `--set FIELD=VALUE` variants typed like the recipe's defaults, and their row names."""

import argparse

import pytest

from benchmarks import reporting
from seqapps.tasks.imdb_sentiment import ImdbSentimentConfig
from seqapps.tasks.timeseries_forecasting import TimeseriesForecastingConfig

imdb_setting = reporting.setting_parser(ImdbSentimentConfig, excluded=("cell", "run_dir"))


def test_settings_take_the_type_of_the_default():
    assert imdb_setting("max_tokens=600") == ("max_tokens", 600)
    assert imdb_setting("learning_rate=1e-3") == ("learning_rate", 0.001)
    assert imdb_setting("bidirectional=false") == ("bidirectional", False)
    assert imdb_setting("pooling=max") == ("pooling", "max")
    timeseries_setting = reporting.setting_parser(TimeseriesForecastingConfig)
    assert timeseries_setting("linear_component=False") == ("linear_component", False)
    assert timeseries_setting("period=24") == ("period", "24")  # a default of None keeps the text


@pytest.mark.parametrize("text", ["max_tokens", "max_tokens=many", "bidirectional=no", "cell=lstm", "colour=red"])
def test_bad_settings_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="ImdbSentimentConfig|expected true or false|many"):
        imdb_setting(text)


def test_variant_flags_spell_settings_as_the_recipe_flags():
    assert reporting.variant_flags({"max_tokens": 600, "bag_of_words": False, "bidirectional": True}) == (
        "--max-tokens 600 --no-bag-of-words --bidirectional")
    assert reporting.variant_flags({}) == ""


def test_run_folders_drop_the_flag_dashes():
    assert reporting.run_folder("etth1 --no-linear-component") == "etth1_no-linear-component"
    assert reporting.run_folder("default --dropout 0.1 --batch-size 64") == "default_dropout_0.1_batch-size_64"
