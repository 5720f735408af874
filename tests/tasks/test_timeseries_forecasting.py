"""The time-series forecasting recipe end to end on a tiny synthetic CSV."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from seqapps import configs
from seqapps.data import timeseries
from seqapps.tasks import timeseries_forecasting as task
from seqapps.tasks.timeseries_forecasting import TimeseriesForecastingConfig, baselines, intervals

RECIPES = Path(__file__).resolve().parents[2] / "recipes"
INPUT_STEPS, HORIZON = 24, 6


def write_series(path, rows=700, seed=0):
    """Hourly `date, driver, OT`: a daily cycle plus a driver that leads the target by 3 hours."""
    rng = np.random.default_rng(seed)
    hours = np.arange(rows + 3)
    driver = np.sin(2 * np.pi * hours / 24) + 0.1 * rng.normal(size=len(hours))
    target = 20 + 5 * driver[:-3] + 0.2 * rng.normal(size=rows)
    times = np.datetime64("2021-03-01T00:00") + np.arange(rows) * np.timedelta64(1, "h")
    lines = ["date,driver,OT"] + [
        f"{str(time).replace('T', ' ')},{d:.4f},{t:.4f}" for time, d, t in zip(times, driver[3:], target)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def config(tmp_path, **overrides):
    arguments = dict(
        csv=str(write_series(tmp_path / "series.csv")),
        target=["OT"],
        input_steps=INPUT_STEPS,
        horizon=HORIZON,
        cell="gru",
        units=8,
        epochs=2,
        batch_size=32,
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "export"),
        verbose=0,
    )
    return TimeseriesForecastingConfig(**{**arguments, **overrides})


# Malformed and extreme requests, run against the reloaded SavedModel in a fresh process; the script prints
# {case: forecast or error}. A tensor of the wrong dtype never reaches the graph: the runtime refuses it with an
# InvalidArgument error naming the argument by position and the expected dtype ("input #0(zero-based) was
# expected to be a float tensor"), as TF Serving does ("Expects arg[0] to be float"), whose answer is an
# INVALID_ARGUMENT status.
RELOAD = """
import json, sys
import numpy as np
import tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
windows = np.array(json.loads(sys.argv[2]), dtype=np.float32)
batch, steps, features = windows.shape
results = {}


def with_value(row, step, feature, value):
    window = windows.copy()
    window[row, step, feature] = value
    return window


cases = {
    "test windows": windows,
    "one window": windows[:1],
    "batch of 0": np.zeros((0, steps, features), np.float32),
    "batch of 1000": np.repeat(windows[:1], 1000, axis=0),
    "zeros": np.zeros((1, steps, features), np.float32),
    "negative": -windows[:1],
    "huge finite values": np.full((1, steps, features), 1e30, np.float32),
    "one huge value": with_value(0, 3, 0, 1e30),
    "float32 maximum": np.full((1, steps, features), np.finfo(np.float32).max, np.float32),
    "NaN": with_value(0, 3, 1, np.nan),
    "+Inf": with_value(1, 0, 0, np.inf),
    "-Inf": with_value(2, steps - 1, 1, -np.inf),
    "too few steps": windows[:, 1:],
    "too many steps": np.concatenate([windows, windows[:, :1]], axis=1),
    "too few features": windows[:, :, :1],
    "too many features": np.concatenate([windows, windows[:, :, :1]], axis=2),
    "no steps": np.zeros((1, 0, features), np.float32),
    "rank 2": windows[0],
    "rank 4": windows[None],
    "float64": windows.astype(np.float64),
    "int32": windows.astype(np.int32),
    "strings": np.full(windows.shape, "1.0"),
}
for name, window in cases.items():
    try:
        outputs = {key: value.numpy() for key, value in serve(window=tf.constant(window)).items()}
        results[name] = {key: value.tolist() for key, value in outputs.items()}
        results[name]["shape"] = list(outputs["forecast"].shape)
    except tf.errors.InvalidArgumentError as error:
        results[name] = "InvalidArgument: " + error.message
print(json.dumps(results))
"""


def test_train_evaluate_plot_export_and_serve_raw_windows(tmp_path, caplog, run_in_fresh_process):
    caplog.set_level("INFO", logger="seqapps")
    settings = config(tmp_path)
    result = task.train(settings)
    output = caplog.text
    assert set(result.metrics) == {"validation", "test"}
    assert set(result.metrics["test"]) == {"model", "persistence", "seasonal naive", "linear"}
    for metrics in result.metrics["test"].values():
        assert len(metrics["mae_per_step"]) == HORIZON and len(metrics["normalized_mse_per_step"]) == HORIZON
        assert np.isclose(np.mean(metrics["mae_per_step"]), metrics["mae"])
    best = min(
        result.metrics["test"]["linear"]["normalized_mae"],
        result.metrics["test"]["persistence"]["normalized_mae"],
        result.metrics["test"]["seasonal naive"]["normalized_mae"],
    )
    assert result.metrics["test"][result.best_baseline]["normalized_mae"] == best
    assert np.isclose(result.improvement_percent, 100 * (1 - result.metrics["test"]["model"]["normalized_mae"] / best))
    # The driver leads the target: the linear model on the window beats persistence by far.
    assert result.metrics["test"]["linear"]["mae"] < 0.5 * result.metrics["test"]["persistence"]["mae"]
    assert "| persistence |" in output and "step 6" in output and "vs best baseline" in output
    interval = result.metrics["test"]["model"]["interval"]
    assert (
        0 < interval["coverage"] <= 1 and interval["mean_width"] > 0 and len(interval["coverage_per_step"]) == HORIZON
    )
    assert "Prediction interval: 80% interval (quantiles 0.1 / 0.9 of the validation residuals" in output
    assert f"test coverage {interval['coverage']:.1%} (nominal 80%)" in output
    offsets = json.loads((result.run_dir / "metrics.json").read_text())["interval"]
    assert offsets["quantiles"] == [0.1, 0.9] and np.shape(offsets["lower"]) == (HORIZON, 1)
    assert np.all(np.asarray(offsets["lower"]) <= 0) and np.all(np.asarray(offsets["upper"]) >= 0)
    assert "linear component" not in output and "the model is the linear forecast" not in output
    assert result.export_path == tmp_path / "export" / "timeseries_forecast" / "1"
    assert (result.export_path / "assets.extra" / "tf_serving_warmup_requests").exists()
    for name in ("history.png", "forecast.png", "model.keras", "metrics.json", "series.json", "example_request.json"):
        assert (result.run_dir / name).stat().st_size > 0, name
    assert (result.run_dir / "logs").is_dir() and result.epochs_trained == 2
    assert "Training: 2 epoch(s)" in output and (result.run_dir / "history.json").exists()
    assert configs.load_run_config(TimeseriesForecastingConfig, result.run_dir) == settings

    series = timeseries.load_csv(tmp_path / "series.csv", "date", "OT")
    starts = timeseries.window_starts(series, "test", INPUT_STEPS, HORIZON, lookback=24)
    windows, truth = timeseries.gather_windows(series, starts[:3], INPUT_STEPS, HORIZON)
    forecaster = keras.saving.load_model(result.run_dir / "model.keras", safe_mode=True)
    expected = np.asarray(forecaster(windows))
    assert expected.shape == (3, HORIZON, 1)
    mae = np.mean(np.abs(expected - truth))
    assert mae < 5  # file units (the target swings by +-5 around 20), not standardized values

    served = run_in_fresh_process(RELOAD, str(result.export_path), json.dumps(windows.tolist()))
    assert len(served) >= 15
    # A window of float32's maximum overflows in the window model; the segment model forecasts the change from the
    # last value, so its forecast may stay finite: then it is served like any other.
    maximum = served.pop("float32 maximum")
    if isinstance(maximum, dict):
        assert np.all(np.isfinite(maximum["forecast"])) and maximum["shape"] == [1, HORIZON, 1]
    else:
        assert "forecast is NaN or Inf: the window's values are too large for float32 arithmetic" in maximum
    forecasts = {name: outputs for name, outputs in served.items() if isinstance(outputs, dict)}
    assert set(forecasts) == {
        "test windows",
        "one window",
        "batch of 0",
        "batch of 1000",
        "zeros",
        "negative",
        "huge finite values",
        "one huge value",
    }, served
    sizes = {"test windows": 3, "batch of 0": 0, "batch of 1000": 1000, "one huge value": 3}
    for name, outputs in forecasts.items():
        assert outputs["shape"] == [sizes.get(name, 1), HORIZON, 1], name
        assert np.all(np.isfinite(outputs["forecast"])), name
        # The interval comes with every forecast, in file units, never crossing it.
        assert set(outputs) == {"shape", "forecast", "lower", "upper"}, name
        assert np.all(np.asarray(outputs["lower"]) <= outputs["forecast"]), name
        assert np.all(np.asarray(outputs["forecast"]) <= outputs["upper"]), name
    test_windows = forecasts["test windows"]
    np.testing.assert_allclose(test_windows["lower"], expected + np.asarray(offsets["lower"]), atol=1e-4)
    np.testing.assert_allclose(test_windows["upper"], expected + np.asarray(offsets["upper"]), atol=1e-4)
    np.testing.assert_allclose(forecasts["test windows"]["forecast"], expected, atol=1e-4)
    np.testing.assert_allclose(forecasts["one window"]["forecast"], expected[:1], atol=1e-4)
    np.testing.assert_allclose(forecasts["batch of 1000"]["forecast"], np.repeat(expected[:1], 1000, axis=0), atol=1e-4)
    # Huge but finite windows are served as the Keras model computes them (no overflow check fires early).
    huge = np.full((1, INPUT_STEPS, 2), 1e30, np.float32)
    np.testing.assert_allclose(forecasts["huge finite values"]["forecast"], np.asarray(forecaster(huge)), rtol=1e-3)
    messages = {
        "NaN": "window holds NaN or Inf values",
        "+Inf": "window holds NaN or Inf values",
        "-Inf": "window holds NaN or Inf values",
    }
    for name in (
        "too few steps",
        "too many steps",
        "too few features",
        "too many features",
        "no steps",
        "rank 2",
        "rank 4",
    ):
        messages[name] = f"window must have shape [batch, {INPUT_STEPS}, 2]"
    for name, message in messages.items():
        assert served[name].startswith("InvalidArgument: ") and message in served[name], (name, served[name])
    for name, dtype in (("float64", "double"), ("int32", "int32"), ("strings", "string")):
        message = f"input #0(zero-based) was expected to be a float tensor but is a {dtype} tensor"
        assert served[name].startswith("InvalidArgument: ") and message in served[name], (name, served[name])

    request = json.loads((result.run_dir / "example_request.json").read_text())
    assert np.asarray(request["window"]).shape == (1, INPUT_STEPS, 2)


def test_diverging_training_raises_instead_of_exporting(tmp_path):
    with pytest.raises(RuntimeError, match=r"Training diverged: the loss of epoch 1 is (nan|inf).*no checkpoint"):
        task.train(config(tmp_path, model="window", learning_rate=1e30, epochs=3))
    assert not (tmp_path / "export").exists()
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_untrained_head_is_the_persistence_forecast_in_file_units():
    mean, std = np.array([1.0, 20.0, 3.0], np.float32), np.array([2.0, 5.0, 0.5], np.float32)
    model_config = TimeseriesForecastingConfig(model="window", input_steps=7, horizon=4, units=3, cell="lstm")
    forecaster, trained = task.build_model(model_config, 3, 2, mean, std, [2, 1])
    head = forecaster.get_layer("forecast_change")
    head.set_weights([np.zeros_like(weight) for weight in head.get_weights()])
    windows = np.random.default_rng(0).normal(size=(5, 7, 3)).astype(np.float32) * 10
    forecast = np.asarray(forecaster(windows))
    assert forecast.shape == (5, 4, 2)
    np.testing.assert_allclose(forecast, np.repeat(windows[:, -1:, [2, 1]], 4, axis=1), rtol=1e-5, atol=1e-4)
    standardized = np.asarray(trained(windows))
    np.testing.assert_allclose(standardized, (forecast - mean[[2, 1]]) / std[[2, 1]], rtol=1e-5, atol=1e-4)


def test_input_level_shift_moves_the_forecast_by_the_same_amount():
    """The encoder reads the window relative to its last row: a shift of every
    feature shifts the forecast and changes nothing else."""
    mean, std = np.zeros(2, np.float32), np.ones(2, np.float32)
    forecaster, _ = task.build_model(
        TimeseriesForecastingConfig(model="window", input_steps=5, horizon=3, units=4), 2, 1, mean, std, [1]
    )
    windows = np.random.default_rng(1).normal(size=(4, 5, 2)).astype(np.float32)
    shifted = np.asarray(forecaster(windows + 7.0))
    np.testing.assert_allclose(shifted, np.asarray(forecaster(windows)) + 7.0, atol=1e-4)


def series_of(values, period=4):
    values = np.asarray(values, np.float32).reshape(len(values), -1)
    rows = len(values)
    return timeseries.TimeSeries(
        values=values,
        timestamps=np.datetime64("2020-01-01") + np.arange(rows) * np.timedelta64(1, "h"),
        feature_names=tuple(f"f{index}" for index in range(values.shape[1])),
        target_names=("f0",),
        frequency=np.timedelta64(3600, "s"),
        segments=np.zeros(rows, np.int64),
        target_imputed=np.zeros(rows, bool),
        borders=(int(rows * 0.6), int(rows * 0.8), rows),
        period=period,
        source="test",
        notes=(),
    )


def test_persistence_and_seasonal_naive_golden_values():
    series = series_of(np.arange(20) * 10)
    starts = np.array([8, 12])
    np.testing.assert_array_equal(task.persistence_forecast(series, starts, 3)[:, :, 0], [[70] * 3, [110] * 3])
    # period 4: steps 0..3 look 4 rows back, steps 4..5 eight rows back
    np.testing.assert_array_equal(
        task.seasonal_naive_forecast(series, starts, 6, 4)[:, :, 0],
        [[40, 50, 60, 70, 40, 50], [80, 90, 100, 110, 80, 90]],
    )


def test_ridge_baseline_recovers_a_linear_process_and_picks_its_inputs():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(3000, 2))
    target = np.zeros(3000)
    for row in range(2, 3000):  # an AR(2) process: the target's own history is enough
        target[row] = 0.6 * target[row - 1] - 0.3 * target[row - 2] + noise[row, 0]
    series = series_of(np.stack([target, noise[:, 1]], axis=1))
    mean, std = series.statistics()
    starts = {split: timeseries.window_starts(series, split, 4, 1) for split in timeseries.SPLITS}
    ridge = task.RidgeForecaster(series, 4, 1, mean, std).fit(starts["train"], starts["validation"])
    _, truth = timeseries.gather_windows(series, starts["test"], 4, 1)
    expected = 0.6 * series.targets[starts["test"] - 1] - 0.3 * series.targets[starts["test"] - 2]
    forecast = ridge.predict(starts["test"])
    assert np.mean(np.abs(forecast[:, 0] - expected)) < 0.1  # the noise (std 1) is not predictable
    persistence = task.persistence_forecast(series, starts["test"], 1)
    assert np.mean(np.abs(forecast - truth)) < 0.85 * np.mean(np.abs(persistence - truth))
    assert ridge.inputs in task.RidgeForecaster.INPUT_SETS and ridge.penalty in task.RIDGE_PENALTIES


def test_training_with_a_linear_component_is_never_worse_than_it_on_validation(tmp_path, caplog):
    caplog.set_level("INFO", logger="seqapps")
    result = task.train(config(tmp_path, model="window", linear_component=True, epochs=1, max_train_windows=200))
    output = caplog.text
    assert "Recurrent correction kept" in output or "the model is the linear forecast" in output
    assert (
        result.metrics["validation"]["model"]["normalized_mae"]
        <= result.metrics["validation"]["linear"]["normalized_mae"] + 1e-5
    )
    forecaster = keras.saving.load_model(result.run_dir / "model.keras", safe_mode=True)
    assert not forecaster.get_layer("linear_forecast").trainable


def ar2_series_and_ridge(horizon=3):
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(3000, 2))
    target = np.zeros(3000)
    for row in range(2, 3000):
        target[row] = 0.6 * target[row - 1] - 0.3 * target[row - 2] + noise[row, 0]
    series = series_of(np.stack([target * 4 + 10, noise[:, 1]], axis=1))
    mean, std = series.statistics()
    starts = {split: timeseries.window_starts(series, split, 4, horizon) for split in timeseries.SPLITS}
    ridge = task.RidgeForecaster(series, 4, horizon, mean, std).fit(starts["train"], starts["validation"])
    return series, starts, ridge


def test_untrained_model_with_a_linear_component_is_the_ridge_forecast():
    series, starts, ridge = ar2_series_and_ridge()
    mean, std = series.statistics()
    model_config = TimeseriesForecastingConfig(model="window", input_steps=4, horizon=3, units=5)
    forecaster, trained = task.build_model(model_config, 2, 1, mean, std, [0], linear=ridge)
    windows, _ = timeseries.gather_windows(series, starts["test"], 4, 3)
    np.testing.assert_allclose(np.asarray(forecaster(windows)), ridge.predict(starts["test"]), rtol=1e-4, atol=1e-4)
    assert trained.get_layer("linear_forecast").trainable_weights == []
    assert not any("linear_forecast" in weight.path for weight in trained.trainable_weights)
    trained.compile(optimizer="adam", loss="mse")
    linear_weights = [weight.copy() for weight in trained.get_layer("linear_forecast").get_weights()]
    trained.fit(windows, np.asarray(forecaster(windows)) * 0 + 1.0, epochs=1, verbose=0)
    for before, after in zip(linear_weights, trained.get_layer("linear_forecast").get_weights()):
        np.testing.assert_array_equal(before, after)
    assert np.any(trained.get_layer("forecast_change").get_weights()[0] != 0)


@pytest.mark.parametrize("best_validation_mae, head_kept", [(0.0, True), (10.0, False)])
def test_the_head_is_zeroed_when_training_never_beat_the_linear_component(best_validation_mae, head_kept, caplog):
    caplog.set_level("INFO", logger="seqapps")
    series, starts, ridge = ar2_series_and_ridge()
    mean, std = series.statistics()
    model_config = TimeseriesForecastingConfig(model="window", input_steps=4, horizon=3, units=5)
    _, trained = task.build_model(model_config, 2, 1, mean, std, [0], linear=ridge)
    head = trained.get_layer("forecast_change")
    head.set_weights([np.full_like(weight, 0.5) for weight in head.get_weights()])
    task.keep_linear_if_better(trained, ridge, starts["validation"], best_validation_mae)
    lines = caplog.messages
    assert np.all(head.get_weights()[0] == 0.5) == head_kept
    assert np.all(head.get_weights()[0] == 0.0) == (not head_kept)
    assert ("Recurrent correction kept" in lines[0]) == head_kept


def test_error_metrics_and_improvement():
    forecast = np.array([[[1.0], [3.0]], [[2.0], [2.0]]])
    truth = np.zeros_like(forecast)
    metrics = task.error_metrics(forecast, truth, target_std=[2.0])
    assert metrics["mae"] == 2.0 and metrics["mse"] == 4.5
    assert metrics["mae_per_step"] == [1.5, 2.5] and metrics["normalized_mae"] == 1.0
    assert metrics["normalized_mse_per_step"] == [(0.25 + 1) / 2, (2.25 + 1) / 2]
    assert metrics["mae_per_target"] == [2.0] and metrics["mse_per_target"] == [4.5]
    assert task.improvement_percent({"normalized_mae": 0.8}, {"normalized_mae": 1.0}) == pytest.approx(20.0)


def test_error_metrics_per_target_are_in_file_units_and_average_to_the_mean():
    # Two windows, one step, two targets: target 0 is off by 1 and 3, target 1 by 10 in both windows.
    forecast = np.array([[[1.0, 10.0]], [[3.0, -10.0]]])
    truth = np.zeros_like(forecast)
    metrics = task.error_metrics(forecast, truth, target_std=[1.0, 10.0])
    assert metrics["mae_per_target"] == [2.0, 10.0]
    assert metrics["mse_per_target"] == [5.0, 100.0]
    assert metrics["mae"] == np.mean(metrics["mae_per_target"])
    assert metrics["normalized_mae"] == (2.0 / 1.0 + 10.0 / 10.0) / 2


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        ({"cell": "cnn"}, "cnn"),
        ({"units": 0}, "units"),
        ({"horizon": -1}, "horizon"),
        ({"dataset": "nope"}, "nope"),
        ({"csv": "x.csv"}, "--target"),
        ({"missing": "fill"}, "missing"),
        ({"dropout": 1.0}, "dropout"),
        ({"period": 0}, "period"),
        ({"loss": "huber"}, "loss"),
        ({"input_steps": 50}, r"input_steps=50 is not a multiple of segment_length=24.*use e.g. 24, 48, 360, 720"),
        ({"dataset": "ettm1", "input_steps": 744}, "segment_length=48"),
        ({"model": "rnn"}, "model"),
        ({"linear_component": True}, r"model='window'"),
        ({"layers": 2}, r"model='window'"),
        ({"target": ["all", "OT"]}, "all"),
        ({"windows_per_epoch": 0}, "windows_per_epoch"),
        ({"learning_rate_decay": 1.5}, "learning_rate_decay"),
        ({"ema_momentum": 1.0}, "ema_momentum"),
        ({"ensemble": 0}, "ensemble"),
    ],
)
def test_bad_config(arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        TimeseriesForecastingConfig(**arguments)


# What `quick=True` set in `TimeseriesForecastingConfig.__post_init__` before it became a preset.
OLD_QUICK = {"epochs": 1, "units": 16, "max_train_windows": 2000}


def test_quick_preset_shrinks_the_run_as_the_quick_flag_did():
    assert configs.with_preset(TimeseriesForecastingConfig, "quick") == TimeseriesForecastingConfig(**OLD_QUICK)


def test_recipe_flags_keep_their_meaning(monkeypatch, capsys):
    from seqapps.recipes import timeseries_forecasting as recipe

    resolved = []
    monkeypatch.setattr(recipe, "train", lambda config, strategy=None: resolved.append(config))
    assert recipe.main(["--dataset", "etth1", "--quick"]) == 0
    assert resolved[-1] == TimeseriesForecastingConfig(**OLD_QUICK)
    assert "Preset quick: epochs=1, units=16, max_train_windows=2000" in capsys.readouterr().out
    recipe.main(
        [
            "--csv",
            "my.csv",
            "--target",
            "load",
            "--target",
            "price",
            "--missing-value",
            "-9999",
            "--missing-value",
            "-1",
            "--split",
            "0.6",
            "0.2",
            "0.2",
            "--features",
            "a",
            "b",
            "--restart",
            "--no-linear-component",
            "--time-format",
            "%d.%m.%Y",
            "--missing",
            "interpolate",
            "--period",
            "12",
        ]
    )
    assert resolved[-1] == TimeseriesForecastingConfig(
        csv="my.csv",
        target=["load", "price"],
        missing_values=[-9999.0, -1.0],
        split=(0.6, 0.2, 0.2),
        features=["a", "b"],
        restart=True,
        linear_component=False,
        time_format="%d.%m.%Y",
        missing="interpolate",
        period=12,
    )


def test_recipe_model_and_every_column_flags(monkeypatch):
    from seqapps.recipes import timeseries_forecasting as recipe

    resolved = []
    monkeypatch.setattr(recipe, "train", lambda config, strategy=None: resolved.append(config))
    recipe.main(["--dataset", "weather", "--target", "all", "--windows-per-epoch", "8000", "--no-channel-embedding"])
    assert resolved[-1] == TimeseriesForecastingConfig(
        dataset="weather", target=["all"], windows_per_epoch=8000, channel_embedding=False
    )
    assert resolved[-1].segment_length == 48 and resolved[-1].input_steps == 720 and resolved[-1].loss == "mae"
    recipe.main(["--model", "window"])
    assert (resolved[-1].input_steps, resolved[-1].units, resolved[-1].learning_rate_decay) == (96, 64, 1.0)


def test_recipe_help_lists_the_flags(monkeypatch, capsys):
    from seqapps.recipes import timeseries_forecasting as recipe

    with pytest.raises(SystemExit):
        recipe.main(["--help"])
    out = capsys.readouterr().out
    for flag in (
        "--dataset",
        "--csv",
        "--target",
        "--input-steps",
        "--horizon",
        "--cell",
        "--units",
        "--epochs",
        "--quick",
        "--export-root",
        "--loss",
        "--linear-component",
        "--missing",
        "--duplicates",
        "--categorical",
        "--time-column",
        "--model",
        "--segment-length",
        "--windows-per-epoch",
    ):
        assert flag in out
    for name in ("etth1", "weather", "beijing_pm25", "jena_climate", "layer_norm_lstm", "interpolate"):
        assert name in out
    with pytest.raises(SystemExit):
        recipe.main(["--csv", "data.csv"])
    assert "--target" in capsys.readouterr().err


@pytest.mark.parametrize("model", ["segment", "window"])
def test_every_column_as_target_trains_and_serves_in_a_fresh_process(tmp_path, caplog, model, run_in_fresh_process):
    caplog.set_level("INFO", logger="seqapps")
    csv = write_series(tmp_path / "series.csv", rows=200)
    settings = config(
        tmp_path, csv=str(csv), model=model, target=["all"], input_steps=48, epochs=1, windows_per_epoch=40
    )
    assert settings.segment_length == 24 and settings.every_column
    result = task.train(settings)
    assert "Each epoch trains on 64 of the" in caplog.text  # 40 windows, rounded up to 2 batches of 32
    for metrics in result.metrics["test"].values():
        assert len(metrics["mae_per_step"]) == HORIZON
    series_info = json.loads((result.run_dir / "series.json").read_text())
    assert series_info["target_names"] == ["driver", "OT"] and series_info["model"] == model
    series = timeseries.load_csv(csv, "date", ["driver", "OT"])
    starts = timeseries.window_starts(series, "test", 48, HORIZON, lookback=24)
    windows, _ = timeseries.gather_windows(series, starts[:5], 48, HORIZON)
    expected = np.asarray(keras.saving.load_model(result.run_dir / "model.keras", safe_mode=True)(windows))
    assert expected.shape == (5, HORIZON, 2)
    served = run_in_fresh_process(RELOAD, str(result.export_path), json.dumps(windows.tolist()))
    np.testing.assert_allclose(served["test windows"]["forecast"], expected, atol=1e-4)
    np.testing.assert_allclose(served["one window"]["forecast"], expected[:1], atol=1e-4)
    offsets = json.loads((result.run_dir / "metrics.json").read_text())["interval"]
    assert np.shape(offsets["upper"]) == (HORIZON, 2)  # per step and column
    np.testing.assert_allclose(served["test windows"]["upper"], expected + np.asarray(offsets["upper"]), atol=1e-4)
    assert np.all(np.asarray(served["test windows"]["lower"]) <= served["test windows"]["forecast"])
    assert "window holds NaN or Inf values" in served["NaN"]
    assert "window must have shape [batch, 48, 2]" in served["too few steps"]


def test_untrained_segment_model_is_persistence_and_follows_level_shifts():
    mean, std = np.array([1.0, 20.0, 3.0], np.float32), np.array([2.0, 5.0, 0.5], np.float32)
    settings = TimeseriesForecastingConfig(input_steps=8, horizon=5, segment_length=4, units=6, cell="lstm")
    forecaster, trained = task.build_model(settings, 3, 2, mean, std, [2, 1])
    windows = np.random.default_rng(0).normal(size=(4, 8, 3)).astype(np.float32) * 10
    forecast = np.asarray(forecaster(windows))
    np.testing.assert_allclose(forecast, np.repeat(windows[:, -1:, [2, 1]], 5, axis=1), rtol=1e-5, atol=1e-4)
    layer = trained.get_layer("segment_forecaster")
    layer.segment_output.set_weights([np.full_like(weight, 0.1) for weight in layer.segment_output.get_weights()])
    shifted = np.asarray(forecaster(windows + 7.0))
    np.testing.assert_allclose(shifted, np.asarray(forecaster(windows)) + 7.0, atol=1e-3)
    # Channel independence: the non-target column does not change the forecast.
    changed = windows.copy()
    changed[:, :, 0] += 100.0
    np.testing.assert_allclose(np.asarray(forecaster(changed)), np.asarray(forecaster(windows)), atol=1e-5)


def test_channel_ridge_recovers_trends_relative_to_the_last_value():
    rows = np.arange(2000, dtype=np.float32)
    rng = np.random.default_rng(0)
    values = np.stack([0.5 * rows + 3, -2.0 * rows, rng.normal(size=2000)], axis=1)
    series = dataclasses.replace(series_of(values), target_names=("f0", "f1"))
    mean, std = series.statistics()
    starts = {split: timeseries.window_starts(series, split, 6, 3) for split in timeseries.SPLITS}
    ridge = task.ChannelRidgeForecaster(series, 6, 3, mean, std).fit(starts["train"], starts["validation"])
    _, truth = timeseries.gather_windows(series, starts["test"], 6, 3)
    np.testing.assert_allclose(ridge.predict(starts["test"]), truth, rtol=1e-3, atol=0.05)
    assert ridge.weights.shape == (6, 3) and ridge.penalty in task.RIDGE_PENALTIES
    linear, multivariate = task.fit_linear_baseline(series, starts, 6, 3, mean, std)
    assert isinstance(multivariate, task.RidgeForecaster)  # 6 steps x 3 columns: small enough to fit too
    errors = [baselines.validation_mae(candidate, starts["validation"]) for candidate in (ridge, multivariate)]
    assert baselines.validation_mae(linear, starts["validation"]) == pytest.approx(min(errors))


@pytest.mark.parametrize("model_mae, kept", [(0.5, True), (0.9, False)])
def test_the_output_layer_is_zeroed_unless_the_model_beat_persistence(model_mae, kept, caplog):
    caplog.set_level("INFO", logger="seqapps")
    settings = TimeseriesForecastingConfig(input_steps=8, horizon=4, segment_length=4, units=4)
    mean, std = np.zeros(2, np.float32), np.ones(2, np.float32)
    _, trained = task.build_model(settings, 2, 2, mean, std, [0, 1])
    output = trained.get_layer("segment_forecaster").segment_output
    output.set_weights([np.full_like(weight, 0.5) for weight in output.get_weights()])
    assert task.keep_persistence_if_better(trained, model_mae, 0.8) == kept
    assert np.all(output.get_weights()[0] == (0.5 if kept else 0.0))
    assert ("persistence forecast" in caplog.text) != kept


@pytest.mark.parametrize("momentum", [0.0, 0.7])
def test_the_optimizer_averages_the_weights_when_given_a_momentum(momentum):
    settings = TimeseriesForecastingConfig(input_steps=8, horizon=4, segment_length=4, units=4)
    _, trained = task.build_model(settings, 2, 2, np.zeros(2, np.float32), np.ones(2, np.float32), [0, 1])
    optimizer = task.compile_forecaster(trained, settings, momentum).optimizer
    assert optimizer.use_ema == bool(momentum)
    if momentum:
        assert optimizer.ema_momentum == pytest.approx(momentum)


@pytest.mark.large  # 25-40 s: two trainings
def test_validation_early_stopping_and_the_evaluation_use_the_weight_average(tmp_path, caplog):
    caplog.set_level("INFO", logger="seqapps")
    histories = {}
    for momentum in (0.0, 0.7):
        (tmp_path / str(momentum)).mkdir()
        settings = dict(ema_momentum=momentum, epochs=2, max_train_windows=320, learning_rate=0.01)
        result = task.train(config(tmp_path / str(momentum), **settings))
        histories[momentum] = json.loads((result.run_dir / "history.json").read_text())
    assert "Training with weight average (EMA 0.7)." in caplog.text
    assert "Model kept" in caplog.text.split("weight average")[-1]
    # The same training steps, but validation scored the averaged weights, and the evaluation the best of them.
    np.testing.assert_allclose(histories[0.7]["loss"], histories[0.0]["loss"], rtol=1e-4)
    assert np.abs(np.subtract(histories[0.7]["val_mae"], histories[0.0]["val_mae"])).max() > 1e-3
    assert result.metrics["validation"]["model"]["normalized_mae"] == pytest.approx(
        min(histories[0.7]["val_mae"]), rel=1e-4
    )


@pytest.mark.parametrize("interval", ["conformal", "pinball"])
def test_an_ensemble_forecasts_the_mean_of_its_members_and_saves_and_reloads(tmp_path, interval):
    mean, std = np.array([1.0, 20.0], np.float32), np.array([2.0, 5.0], np.float32)
    settings = TimeseriesForecastingConfig(input_steps=8, horizon=4, segment_length=4, units=4, interval=interval)
    members = []
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        forecaster, trained = task.build_model(settings, 2, 2, mean, std, [0, 1])
        output = trained.get_layer("segment_forecaster").segment_output
        output.set_weights([np.full_like(weight, 0.1 * seed) for weight in output.get_weights()])
        members.append(forecaster)
    windows = np.random.default_rng(0).normal(size=(3, 8, 2)).astype(np.float32) * 10
    expected = [task.predict_outputs(member, windows) for member in members]
    assert not np.allclose(expected[0][0], expected[1][0])
    ensemble = task.average_forecasters(members)
    ensemble.save(tmp_path / "ensemble.keras")
    for model in (ensemble, keras.saving.load_model(tmp_path / "ensemble.keras", safe_mode=True)):
        outputs = task.predict_outputs(model, windows)
        assert len(outputs) == (3 if interval == "pinball" else 1)
        for index, output in enumerate(outputs):
            np.testing.assert_allclose(output, (expected[0][index] + expected[1][index]) / 2, rtol=1e-5, atol=1e-5)


def test_the_linear_weight_is_chosen_on_validation_mae():
    truth = np.zeros((2, 3, 1), np.float32)
    target_std = np.array([2.0], np.float32)
    weight, errors = task.choose_linear_weight(truth + 1.0, truth + 3.0, truth, target_std)
    assert weight == 0.0 and errors[0.0] == pytest.approx(0.5) and errors[1.0] == pytest.approx(1.5)
    weight, _ = task.choose_linear_weight(truth + 1.0, truth - 1.5, truth, target_std)  # errors that cancel
    assert weight == 0.4
    assert task.choose_linear_weight(truth + 1.0, truth, truth, target_std)[0] == 1.0
    assert sorted(errors) == list(task.LINEAR_WEIGHTS)


@pytest.mark.parametrize("every_column", [True, False])
def test_the_linear_forecast_as_keras_layers_equals_the_ridge(every_column):
    rng = np.random.default_rng(0)
    rows = np.arange(600, dtype=np.float32)
    values = np.stack([np.sin(rows / 4) * 3 + 10, np.cos(rows / 7) - 5, rng.normal(size=600)], axis=1)
    series = series_of(values)
    if every_column:
        series = dataclasses.replace(series, target_names=("f0", "f1", "f2"))
    mean, std = series.statistics()
    starts = {split: timeseries.window_starts(series, split, 8, 4) for split in timeseries.SPLITS}
    kind = task.ChannelRidgeForecaster if every_column else task.RidgeForecaster
    ridge = kind(series, 8, 4, mean, std).fit(starts["train"], starts["validation"])
    window = keras.Input((8, 3), name="window")
    layers = keras.Model(window, task.linear_forecast(ridge, window, mean, std))
    windows, _ = timeseries.gather_windows(series, starts["test"], 8, 4)
    np.testing.assert_allclose(np.asarray(layers(windows)), ridge.predict(starts["test"]), rtol=1e-4, atol=1e-4)
    assert not layers.trainable_weights


@pytest.mark.parametrize("interval", ["conformal", "pinball"])
def test_a_blend_moves_the_forecast_and_its_bounds_toward_the_linear_one_and_reloads(tmp_path, interval):
    values = np.random.default_rng(1).normal(size=(400, 2)).cumsum(axis=0)
    series = dataclasses.replace(series_of(values), target_names=("f0", "f1"))
    mean, std = series.statistics()
    starts = {split: timeseries.window_starts(series, split, 8, 4) for split in timeseries.SPLITS}
    ridge = task.ChannelRidgeForecaster(series, 8, 4, mean, std).fit(starts["train"], starts["validation"])
    settings = TimeseriesForecastingConfig(input_steps=8, horizon=4, segment_length=4, units=4, interval=interval)
    forecaster, trained = task.build_model(settings, 2, 2, mean, std, [0, 1])
    output = trained.get_layer("segment_forecaster").segment_output
    output.set_weights([np.full_like(weight, 0.1) for weight in output.get_weights()])
    windows, _ = timeseries.gather_windows(series, starts["test"], 8, 4)
    network = task.predict_outputs(forecaster, windows)
    linear = ridge.predict(starts["test"])
    blend = task.blend_with_linear(forecaster, ridge, 0.3, mean, std)
    blend.save(tmp_path / "blend.keras")
    for model in (blend, keras.saving.load_model(tmp_path / "blend.keras", safe_mode=True)):
        outputs = task.predict_outputs(model, windows)
        expected = 0.7 * network[0] + 0.3 * linear
        np.testing.assert_allclose(outputs[0], expected, rtol=1e-4, atol=1e-4)
        assert len(outputs) == len(network)
        for bound, network_bound in zip(outputs[1:], network[1:]):
            np.testing.assert_allclose(bound - outputs[0], network_bound - network[0], rtol=1e-4, atol=1e-4)


def test_a_run_blended_with_the_linear_baseline_exports_the_blend(tmp_path, caplog):
    caplog.set_level("INFO", logger="seqapps")
    result = task.train(config(tmp_path, linear_blend=True, epochs=1, units=4, max_train_windows=64))
    assert "Blend with the linear baseline, chosen on validation MAE" in caplog.text
    weight = json.loads((result.run_dir / "metrics.json").read_text())["linear_weight"]
    assert weight in task.LINEAR_WEIGHTS and weight > 0  # one short epoch: the ridge helps
    assert result.linear_weight == weight
    validation = result.metrics["validation"]
    assert validation["model"]["normalized_mae"] <= validation["linear"]["normalized_mae"] + 1e-6
    saved = keras.saving.load_model(result.run_dir / "model.keras", safe_mode=True)
    assert saved.get_layer("linear_share").scale == pytest.approx(weight)


def test_by_default_a_run_keeps_the_network_alone(tmp_path, caplog):
    caplog.set_level("INFO", logger="seqapps")
    result = task.train(config(tmp_path, epochs=1, units=4, max_train_windows=64))
    assert "Blend with the linear baseline" not in caplog.text
    assert result.linear_weight == 0
    assert json.loads((result.run_dir / "metrics.json").read_text())["linear_weight"] == 0
    saved = keras.saving.load_model(result.run_dir / "model.keras", safe_mode=True)
    assert "linear_share" not in [layer.name for layer in saved.layers]


@pytest.mark.large  # 30-50 s: two members, then a rerun, and the export served in a fresh process
def test_an_ensemble_trains_its_members_and_a_rerun_reuses_them(tmp_path, caplog, run_in_fresh_process):
    caplog.set_level("INFO", logger="seqapps")
    settings = config(tmp_path, ensemble=2, epochs=2, max_train_windows=320, learning_rate=0.01, time_budget_minutes=30)
    result = task.train(settings)
    assert "member 1 of 2 (seed 1337, 15.0 minutes)" in caplog.text
    assert "member 2 of 2 (seed 1338, " in caplog.text
    assert result.epochs_trained == 4 and len(result.epoch_seconds) == 4
    members = [keras.saving.load_model(result.run_dir / f"member_{k}" / "model.keras") for k in (1, 2)]
    series = timeseries.load_csv(settings.csv, "date", ["OT"])
    starts = timeseries.window_starts(series, "test", INPUT_STEPS, HORIZON, lookback=24)
    windows, _ = timeseries.gather_windows(series, starts[:5], INPUT_STEPS, HORIZON)
    forecasts = [np.asarray(member(windows)) for member in members]
    assert not np.allclose(forecasts[0], forecasts[1])  # other seeds, other models
    ensemble = np.asarray(keras.saving.load_model(result.run_dir / "model.keras", safe_mode=True)(windows))
    np.testing.assert_allclose(ensemble, (forecasts[0] + forecasts[1]) / 2, rtol=1e-5, atol=1e-5)
    served = run_in_fresh_process(RELOAD, str(result.export_path), json.dumps(windows.tolist()))
    np.testing.assert_allclose(served["test windows"]["forecast"], ensemble, atol=1e-4)
    np.testing.assert_allclose(served["one window"]["forecast"], ensemble[:1], atol=1e-4)

    caplog.clear()
    rerun = task.train(dataclasses.replace(settings, export_root=str(tmp_path / "export_again")))
    assert caplog.text.count("reusing the finished model") == 2 and "--- member" not in caplog.text
    assert rerun.metrics["test"]["model"]["normalized_mae"] == pytest.approx(
        result.metrics["test"]["model"]["normalized_mae"], rel=1e-6
    )
    caplog.clear()
    task.train(dataclasses.replace(settings, learning_rate=0.02, epochs=1))  # other settings: trained again
    assert "reusing" not in caplog.text and "--- member 2 of 2" in caplog.text


def test_learning_rate_schedule_is_constant_for_two_epochs_then_decays():
    schedule = task.learning_rate_schedule(1e-3, 0.8)
    assert [round(schedule(epoch), 8) for epoch in range(4)] == [1e-3, 1e-3, 8e-4, 6.4e-4]


def write_random_walk(path, rows=1500, seed=3):
    rng = np.random.default_rng(seed)
    walk = 100 + np.cumsum(rng.normal(size=rows))
    times = np.datetime64("2021-03-01T00:00") + np.arange(rows) * np.timedelta64(1, "h")
    lines = ["date,rate"] + [f"{str(time).replace('T', ' ')},{value:.4f}" for time, value in zip(times, walk)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_random_walk_does_not_fool_the_default_model(tmp_path):
    csv = write_random_walk(tmp_path / "walk.csv")
    result = task.train(config(tmp_path, csv=str(csv), target=["rate"], input_steps=48, horizon=24, epochs=3))
    test = result.metrics["test"]
    assert test["model"]["mae"] <= 1.01 * test["persistence"]["mae"]


def test_recipe_data_error_is_one_error_line_with_status_2_and_debug_shows_the_traceback(tmp_path):
    path = tmp_path / "readings.csv"
    path.write_bytes(b"PAR1" + bytes(range(256)) * 64)
    command = [sys.executable, str(RECIPES / "timeseries_forecasting.py"), "--csv", str(path), "--target", "load"]
    environment = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"error: {str(path)!r} is a Parquet file, not a CSV text file. " + (
        "Fix: pass a CSV file with a header row (or a zip holding exactly one).\n"
    )
    debug = subprocess.run(command + ["--debug"], capture_output=True, text=True, env=environment, cwd=tmp_path)
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr and "DataFormatError: " in debug.stderr


def test_conformal_interval_offsets_cover_the_calibration_residuals_and_never_cross():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(2000, 3, 2))
    forecast = np.zeros_like(truth)
    forecast[:, :, 1] = 5.0  # a biased column: every residual is below zero
    interval = intervals.ConformalInterval.calibrate(forecast, truth, (0.1, 0.9))
    assert interval.coverage == pytest.approx(0.8) and interval.calibration_windows == 2000
    # Unbiased column: the offsets are the residuals' 10% and 90% quantiles (about -+1.28 for a unit normal).
    np.testing.assert_allclose(interval.lower[:, 0], -1.28, atol=0.1)
    np.testing.assert_allclose(interval.upper[:, 0], 1.28, atol=0.1)
    # Biased column: the upper offset is kept at zero, so the bounds never cross the forecast.
    assert np.all(interval.upper[:, 1] == 0) and np.all(interval.lower[:, 1] < -5)
    lower, upper = interval.bounds(forecast)
    assert np.all(lower <= forecast) and np.all(forecast <= upper)
    coverage = intervals.interval_metrics(lower[:, :, :1], upper[:, :, :1], truth[:, :, :1], [1.0])
    assert coverage["coverage"] == pytest.approx(0.8, abs=0.01)
    fresh = rng.normal(size=(4000, 3, 1))  # new draws from the same distribution: covered about 80% of the time
    lower, upper = interval.bounds(np.zeros_like(fresh))
    metrics = intervals.interval_metrics(lower[:, :, :1], upper[:, :, :1], fresh, [2.0])
    assert metrics["coverage"] == pytest.approx(0.8, abs=0.02)
    assert metrics["normalized_mean_width"] == pytest.approx(metrics["mean_width"] / 2)


@pytest.mark.parametrize("quantiles", [(0.9, 0.1), (0.0, 0.9), (0.1, 1.0), (0.1,), (0.1, 0.5, 0.9), ("a", "b"), 0.8])
def test_bad_quantiles_are_an_error_naming_them(quantiles, tmp_path):
    with pytest.raises(ValueError, match=r"`quantiles` must be two levels strictly between 0 and 1.*--quantiles"):
        config(tmp_path, quantiles=quantiles)
