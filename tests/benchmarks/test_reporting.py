"""benchmarks/reporting.py: `--set FIELD=VALUE` variants typed like the recipe's fields, their row names, and the
machine line."""

import argparse
import json

import pytest

from benchmarks import reporting
from seqapps.tasks.imdb_sentiment import ImdbSentimentConfig
from seqapps.tasks.timeseries_forecasting import TimeseriesForecastingConfig

imdb_setting = reporting.setting_parser(ImdbSentimentConfig, excluded=("cell", "run_dir"))


def test_settings_take_the_type_of_the_field():
    assert imdb_setting("max_tokens=600") == ("max_tokens", 600)
    assert imdb_setting("learning_rate=1e-3") == ("learning_rate", 0.001)
    assert imdb_setting("bidirectional=false") == ("bidirectional", False)
    assert imdb_setting("pooling=max") == ("pooling", "max")
    timeseries_setting = reporting.setting_parser(TimeseriesForecastingConfig)
    assert timeseries_setting("linear_component=False") == ("linear_component", False)
    assert timeseries_setting("period=24") == ("period", 24)  # typed by the annotation when the default is None
    with pytest.raises(argparse.ArgumentTypeError, match="a list setting cannot be given with --set"):
        timeseries_setting("target=OT")


@pytest.mark.parametrize("text", ["max_tokens", "max_tokens=many", "bidirectional=no", "cell=lstm", "colour=red"])
def test_bad_settings_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="ImdbSentimentConfig|expected true or false|many"):
        imdb_setting(text)


def test_variant_flags_spell_settings_as_the_recipe_flags():
    assert reporting.variant_flags({"max_tokens": 600, "bag_of_words": False, "bidirectional": True}) == (
        "--max-tokens 600 --no-bag-of-words --bidirectional"
    )
    assert reporting.variant_flags({}) == ""


def test_run_folders_drop_the_flag_dashes():
    assert reporting.run_folder("etth1 --no-linear-component") == "etth1_no-linear-component"
    assert reporting.run_folder("default --dropout 0.1 --batch-size 64") == "default_dropout_0.1_batch-size_64"


def test_vector_extensions_read_the_cpu_flags():
    cpuinfo = "processor\t: 0\nmodel name\t: Xeon\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw amx_tile\n"
    assert reporting.vector_extensions(cpuinfo) == "AVX2, AVX-512, AMX"
    assert reporting.vector_extensions(cpuinfo.replace(" avx512f avx512bw amx_tile", "")) == "AVX2"
    assert reporting.vector_extensions("model name\t: Apple M2\n") == ""


def test_compact_json_puts_lists_of_numbers_on_one_line_and_reads_back_the_same():
    results = {
        "runs": {"etth1": {"per_step": [0.1, 2, None, float("inf")], "notes": ["a [b", "c"], "empty": {}}},
        "rows": [{"x": []}, [1, [2]]],
        "path": reporting.ROOT,
    }
    text = reporting.compact_json(results)
    assert '  "per_step": [0.1, 2, null, Infinity],\n' in text
    assert '  "notes": ["a [b", "c"],\n' in text
    assert json.loads(text) == {**results, "path": str(reporting.ROOT)}
    assert json.loads(text)["rows"] == [{"x": []}, [1, [2]]]
