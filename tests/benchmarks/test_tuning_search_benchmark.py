"""benchmarks/tuning_search.py: the table and the verdict follow the measured test MAE."""

import argparse

from benchmarks import tuning_search


def row(test_mae, **extra):
    metrics = {
        f"{split}_normalized_{name}": value
        for split in ("validation", "test")
        for name, value in (("mae", test_mae), ("mse", test_mae**2))
    }
    return {
        "metrics": metrics,
        "hyperparameters": {"units": 64, "learning_rate": 0.001},
        "epochs": 3,
        "minutes": 5.0,
        "date": "2026-12-06",
        "cpu": "test CPU",
        **extra,
    }


def arguments():
    return argparse.Namespace(dataset="etth1", target="OT", horizon=96, max_trials=2, max_epochs=4, trial_minutes=5.0)


def test_the_verdict_compares_test_mae():
    search = row(0.30, trials=2, table="| trial |")
    text = tuning_search.body(arguments(), {"default": row(0.40), "search": search})
    assert "The search beat the default on test: MAE 0.3000 against 0.4000 (-25.0%)." in text
    assert "| best of 2 trials (retrained) | 0.3000 |" in text and "learning_rate=0.001, units=64" in text
    text = tuning_search.body(arguments(), {"default": row(0.20), "search": search})
    assert "did not beat the default on test: MAE 0.3000 against 0.2000 (+50.0%)." in text


def test_a_row_alone_is_reported_without_a_verdict():
    text = tuning_search.body(arguments(), {"default": row(0.40)})
    assert "| default configuration | 0.4000 |" in text and "The search" not in text
