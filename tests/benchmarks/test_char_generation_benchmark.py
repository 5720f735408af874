"""benchmarks/char_generation.py: rows that say what they trained, and the target's two conditions."""

import dataclasses

from benchmarks import char_generation as benchmark
from seqapps.tasks.char_generation import CharGenerationConfig


def record(test_nats, minutes, **settings):
    config = dataclasses.asdict(CharGenerationConfig(**settings))
    scores = {"nats_per_character": test_nats, "bits_per_character": test_nats / 0.6931, "perplexity": 4.5}
    return {
        "config": config,
        "metrics": {"test": scores, "validation": scores},
        "epochs": config["epochs"],
        "training_minutes": minutes,
        "characters_per_second": {"1": 1000.0, "32": 9000.0},
        "date": "2026-11-28",
        "cpu_extensions": "AVX2, AVX-512",
        "sample": "ROMEO:",
    }


def test_rows_name_the_configuration_and_the_target_needs_loss_and_time():
    runs = {
        "default": record(1.49, 59.0),
        "default --dropout 0.1 --jit-compile": record(1.51, 55.0, dropout=0.1, jit_compile=True),
        "default --batch-size 64 --sequence-length 100": record(1.45, 61.0, batch_size=64, sequence_length=100),
        "default --recurrent-dropout 0.1 --ema-momentum 0.995": record(
            1.5, 20.0, recurrent_dropout=0.1, ema_momentum=0.995
        ),
        "default --ensemble 1 --ema-momentum 0.0 --seed 2": record(1.5, 20.0, ensemble=1, ema_momentum=0.0, seed=2),
    }
    del runs["default --dropout 0.1 --jit-compile"]["cpu_extensions"]  # a run from before the CPU was recorded
    body = benchmark.body(runs)
    rows = [line for line in body.splitlines() if line.startswith(("| lstm", "| ensemble"))]
    defaults = CharGenerationConfig()
    assert rows[0].startswith(
        f"| ensemble of {defaults.ensemble}: lstm 2x384, dropout {defaults.dropout:g}, "
        "weight average (EMA "
        f"{defaults.ema_momentum:g}), batch {defaults.batch_size} x "
        f"{defaults.sequence_length} characters, TBPTT, {defaults.epochs} epochs at most | "
        "**1.4900** |"
    )
    assert rows[0].endswith("| yes | 2026-11-28 | AVX2, AVX-512 |")
    assert "dropout 0.1," in rows[1] and rows[1].endswith("| **no** | 2026-11-28 | not recorded |")
    assert "epochs at most, XLA |" in rows[1] and "XLA" not in rows[0]
    assert "batch 64 x 100 characters" in rows[2]
    assert rows[2].endswith("| **no** | 2026-11-28 | AVX2, AVX-512 |")  # over 60 min
    assert "recurrent dropout 0.1, weight average (EMA 0.995), batch 32" in rows[3] and "| yes |" in rows[3]
    assert "recurrent dropout" not in rows[0] and "weight average" not in rows[4]
    assert "9 epochs at most, seed 2 |" in rows[4] and "seed" not in rows[0]
    assert rows[4].startswith("| lstm 2x384")  # one model: no "ensemble of 1"
    assert body.count("Sample (") == 1


def test_a_rerun_of_the_same_settings_keeps_the_earlier_scores():
    first = {**record(1.4999, 30.0, run_dir="runs/a"), "date": "2026-11-28"}
    second = benchmark.with_earlier_runs(record(1.5012, 31.0, run_dir="runs/b"), first)
    third = benchmark.with_earlier_runs(record(1.5006, 29.0), second)
    assert [run["test_nats_per_character"] for run in third["earlier_runs"]] == [1.4999, 1.5012]
    assert third["earlier_runs"][0] == {
        "date": "2026-11-28",
        "training_minutes": 30.0,
        "test_nats_per_character": 1.4999,
        "validation_nats_per_character": 1.4999,
    }
    row = next(line for line in benchmark.body({"default": third}).splitlines() if line.startswith("| ensemble"))
    assert "| **1.5006 (earlier: 1.4999, 1.5012)** |" in row and "| 1.5006 (earlier: 1.4999, 1.5012) |" in row
    changed = benchmark.with_earlier_runs(record(1.52, 30.0, dropout=0.1), third)
    assert "earlier_runs" not in changed  # other settings: a new result, not a rerun
