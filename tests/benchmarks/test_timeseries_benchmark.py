"""benchmarks/timeseries_forecasting.py: variant rows and their run folders."""

from benchmarks import timeseries_forecasting as benchmark


def metrics(mae):
    return {"mae": mae, "mse": mae**2, "normalized_mae": mae / 10, "normalized_mse": mae**2 / 100}


def record(linear_component, model_mae):
    return {
        "config": {"cell": "gru", "units": 64, "linear_component": linear_component},
        "metrics": {split: {"model": metrics(model_mae), "linear": metrics(1.0)} for split in ("validation", "test")},
        "best_baseline": "linear",
        "improvement_percent": 100 * (1 - model_mae),
        "epochs": 3,
        "training_minutes": 1.0,
        "date": "2026-11-28",
    }


def test_variant_rows_name_their_flags_and_the_model():
    rows = benchmark.default_rows({"etth1": record(True, 0.8), "etth1 --no-linear-component": record(False, 1.2)})
    assert rows[0].startswith("| etth1 | **gru 64 + linear component** | 0.8000 |") and "target met: yes" in rows[0]
    assert rows[2].startswith("| etth1 --no-linear-component | **gru 64** | 1.2000 |")
    assert "-20.0%, target met: **no**" in rows[2]
