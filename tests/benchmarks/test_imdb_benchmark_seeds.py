"""benchmarks/imdb_sentiment.py: runs of one configuration with several seeds summarized together."""

from benchmarks import imdb_sentiment


def run(seed, accuracy, minutes=10.0, label=None, **settings):
    record = {
        "config": {"cell": "gru", "max_tokens": 400, "seed": seed, **settings},
        "test_accuracy": accuracy,
        "training_minutes": minutes,
    }
    return {**record, "label": label} if label else record


def test_seed_summaries_group_runs_differing_only_in_seed():
    runs = {
        "gru": run(1337, 0.87, minutes=11.0),
        "gru --seed 2": run(2, 0.90),
        "gru --seed 3": run(3, 0.89),
        "gru --max-tokens 600": run(1337, 0.95, max_tokens=600),
        "gru_before_bucketing": run(1337, 0.10, label="older code"),
        "keras_io_bidirectional_lstm": {"test_accuracy": 0.84},
    }
    (line,) = imdb_sentiment.seed_summaries(runs)
    assert line.startswith("- `--cell gru` over 3 seeds (1337, 2, 3): test accuracy mean **0.8867**")
    assert "min 0.8700, max 0.9000; longest training 11.0 min" in line and line.endswith("**not met**")
    runs["gru --max-tokens 600 --seed 2"] = run(2, 0.93, max_tokens=600)
    lines = imdb_sentiment.seed_summaries(runs)
    assert lines[1].startswith("- `--cell gru --max-tokens 600` over 2 seeds (1337, 2): test accuracy mean **0.9400**")
    assert lines[1].endswith("on the mean: met")
