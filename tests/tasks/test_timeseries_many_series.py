"""One global forecaster over many series of one long-layout CSV (--id-column)."""

import json

import numpy as np
import pytest

from seqapps.data import timeseries
from seqapps.tasks import timeseries_forecasting as task
from seqapps.tasks.timeseries_forecasting import TimeseriesForecastingConfig, backtest


def write_stores(path):
    """Hourly sales of three stores of very different sizes and start dates, and one store too short to split."""
    rng = np.random.default_rng(0)
    lines = ["store,date,sales,price"]
    for store, (rows, offset, scale) in {"small": (320, 0, 1.0), "big": (260, 30, 500.0), "new": (3, 0, 1.0)}.items():
        times = np.datetime64("2021-01-01T00:00") + (offset + np.arange(rows)) * np.timedelta64(1, "h")
        for index, time in enumerate(times):
            sales = scale * (10 + np.sin(2 * np.pi * (index + offset) / 24) + 0.05 * rng.normal())
            lines.append(f"{store},{str(time).replace('T', ' ')},{sales:.4f},{rng.normal():.3f}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("stores")
    config = TimeseriesForecastingConfig(
        csv=str(write_stores(tmp_path / "stores.csv")),
        id_column="store",
        target=["sales"],
        input_steps=48,
        horizon=12,
        segment_length=12,
        units=8,
        epochs=2,
        batch_size=32,
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "export"),
        verbose=0,
    )
    return config, task.train(config)


def test_a_global_model_over_every_series_reports_the_worst_series(trained, caplog):
    config, result = trained
    assert config.instance_scale  # on by default with an id column
    worst = result.metrics["test"]["model"]["worst_series"]
    assert worst["series"] in ("small", "big") and worst["windows"] > 0 and worst["scaled_mae"] > 0
    summary = json.loads((result.run_dir / "metrics.json").read_text())
    assert summary["metrics"]["test"]["model"]["worst_series"] == worst
    series = task.load_series(config)
    assert series.series_names == ("small", "big")
    assert any("Skipped 1 series too short to split: 'new' (3 row(s))" in note for note in series.notes)


def test_the_export_forecasts_windows_of_any_series(trained, tmp_path, run_in_fresh_process):
    config, result = trained
    series = task.load_series(config)
    starts = timeseries.window_starts(series, "test", 48, 12)
    owner = series.series_of_rows(starts)
    chosen = np.concatenate([starts[owner == 0][:2], starts[owner == 1][:2]])
    windows, _ = timeseries.gather_windows(series, chosen, 48, 12)
    code = (
        "import json, sys, numpy as np, tensorflow as tf\n"
        "serve = tf.saved_model.load(sys.argv[1]).signatures['serving_default']\n"
        "outputs = serve(window=tf.constant(np.array(json.loads(sys.argv[2]), np.float32)))\n"
        "print(json.dumps({key: value.numpy().tolist() for key, value in outputs.items()}))\n"
    )
    served = {
        key: np.asarray(value)
        for key, value in run_in_fresh_process(code, str(result.export_path), json.dumps(windows.tolist())).items()
    }
    assert served["forecast"].shape == (4, 12, 1)
    # Each series' forecast is in its own units: the big store's is about 500 times the small one's.
    assert 100 < served["forecast"][2:].mean() / served["forecast"][:2].mean() < 2000
    assert np.all(served["lower"] <= served["forecast"]) and np.all(served["forecast"] <= served["upper"])


def test_backtest_names_the_series_of_every_forecast(trained, tmp_path):
    _, result = trained
    outcome = backtest.backtest(result.run_dir, stride=1, folds=2)
    assert set(outcome.series_of_origin) == {"small", "big"}
    assert outcome.overall["model"]["mae"] == pytest.approx(result.metrics["test"]["model"]["mae"], rel=1e-5)
    path = backtest.write_csv(outcome, tmp_path / "backtest.csv")
    header, first = path.read_text().splitlines()[:2]
    assert header.startswith("series,origin,fold,") and first.split(",")[0] in ("small", "big")


def test_id_column_needs_a_csv_and_instance_scale_the_segment_model():
    with pytest.raises(ValueError, match=r"id_column \(--id-column\) names the series of your own file"):
        TimeseriesForecastingConfig(id_column="store")
    with pytest.raises(ValueError, match="`instance_scale`=True applies to model='segment' only"):
        TimeseriesForecastingConfig(model="window", instance_scale=True)
