"""The forecaster's prediction intervals: pinball outputs, conformalized quantile regression, their export."""

import json

import keras
import numpy as np
import pytest
from test_timeseries_forecasting import HORIZON, INPUT_STEPS, RELOAD, config

from benchmarks import forecast_intervals
from seqapps.data import timeseries
from seqapps.tasks import timeseries_forecasting as task
from seqapps.tasks.timeseries_forecasting import TimeseriesForecastingConfig, backtest, intervals


def test_pinball_loss_and_the_training_loss_on_a_hand_example():
    truth, bound = np.ones(3), np.array([0.0, 1.0, 3.0])  # residuals 1, 0, -2
    np.testing.assert_allclose(intervals.pinball_loss(truth, bound, 0.1), [0.1, 0.0, 1.8])
    np.testing.assert_allclose(intervals.pinball_loss(truth, bound, 0.9), [0.9, 0.0, 0.2])
    y_true = np.array([[[1.0, 2.0]]], "float32")
    # Target 1: forecast 0.5, bounds 0 and 3 -> |0.5| + 0.1 * 1 + 0.1 * 2 = 0.8.
    # Target 2: forecast 2, bounds 2.5 and 2 -> 0 + 0.9 * 0.5 + 0 = 0.45.
    y_pred = np.array([[[[0.5, 0.0, 3.0], [2.0, 2.5, 2.0]]]], "float32")
    loss = task.PointAndPinballLoss("mae", (0.1, 0.9))
    assert float(loss(y_true, y_pred)) == pytest.approx((0.8 + 0.45) / 2)
    assert float(task.PointAndPinballLoss("mse", (0.1, 0.9))(y_true, y_pred)) == pytest.approx((0.55 + 0.45) / 2)
    assert float(task.PointAndPinballLoss("mae", (0.1, 0.9), pinball_weight=2)(y_true, y_pred)) == pytest.approx(1.0)
    restored = task.PointAndPinballLoss.from_config(loss.get_config())
    assert (restored.point, restored.quantiles, restored.pinball_weight) == ("mae", (0.1, 0.9), 1.0)
    with pytest.raises(ValueError, match="mse, mae, got .huber."):
        task.PointAndPinballLoss("huber")


@pytest.mark.parametrize("model", ["segment", "window"])
def test_quantile_outputs_never_cross_the_forecast_and_leave_it_as_the_conformal_models(model):
    mean, std = np.array([1.0, 20.0, 3.0], np.float32), np.array([2.0, 5.0, 0.5], np.float32)
    settings = dict(model=model, input_steps=8, horizon=5, segment_length=4, units=6)
    forecaster, trained = task.build_model(
        TimeseriesForecastingConfig(**settings, interval="pinball"), 3, 2, mean, std, [2, 1]
    )
    rng = np.random.default_rng(0)
    for weight in trained.trainable_weights:
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    windows = rng.normal(size=(4, 8, 3)).astype(np.float32) * 10
    outputs = {name: np.asarray(value) for name, value in forecaster(windows).items()}
    assert set(outputs) == {"forecast", "lower", "upper"}
    assert np.all(outputs["lower"] <= outputs["forecast"]) and np.all(outputs["forecast"] <= outputs["upper"])
    assert np.mean(outputs["upper"] - outputs["lower"]) > 0.1
    # The trained model stacks the standardized forecast, lower and upper bound for the loss.
    stacked = np.asarray(trained(windows))
    assert stacked.shape == (4, 5, 2, 3)
    for index, name in enumerate(task.model.OUTPUTS):
        np.testing.assert_allclose(stacked[..., index] * std[[2, 1]] + mean[[2, 1]], outputs[name], rtol=1e-4)
    # The conformal model with the same weights (but the interval head) forecasts the same.
    conformal, conformal_trained = task.build_model(TimeseriesForecastingConfig(**settings), 3, 2, mean, std, [2, 1])
    shared = [weight for weight in trained.weights if "interval" not in weight.path]
    assert 0 < len(shared) == len(conformal_trained.weights) < len(trained.weights)
    for weight, value in zip(conformal_trained.weights, shared):
        weight.assign(value)
    np.testing.assert_allclose(np.asarray(conformal(windows)), outputs["forecast"], rtol=1e-5, atol=1e-4)


def test_conformalized_quantile_regression_moves_the_bounds_by_the_conformal_quantile_of_the_scores():
    # One step, two targets, four validation windows, a 50% interval: the correction is the
    # ceil((4 + 1) * 0.5) = 3rd smallest score max(lower - truth, truth - upper).
    lower = np.zeros((4, 1, 2))
    upper = np.concatenate([np.ones((4, 1, 1)), np.full((4, 1, 1), 10.0)], axis=2)
    forecast = np.concatenate([np.full((4, 1, 1), 0.5), np.full((4, 1, 1), 4.0)], axis=2)
    truth = np.stack([[1.5, 0.5, -1.0, 3.0], [5.0, 5.0, 5.0, 5.0]], axis=-1)[:, None]
    # Scores of target 1: 0.5, -0.5, 1.0, 2.0 (3rd smallest 1.0: widened); target 2: all -5 (narrowed).
    interval = intervals.calibrate("pinball_conformal", (forecast, lower, upper), truth, (0.25, 0.75))
    assert interval.method == "pinball_conformal" and interval.calibration_windows == 4
    np.testing.assert_allclose(interval.upper, [[1.0, -5.0]])
    np.testing.assert_allclose(interval.lower, [[-1.0, 5.0]])
    bounds = interval.bounds(forecast[:1], lower[:1], upper[:1])
    # Target 1: [0 - 1, 1 + 1]; target 2: [0 + 5, 10 - 5] = [5, 5], held on the forecast 4 for the lower bound.
    np.testing.assert_allclose(bounds[0], [[[-1.0, 4.0]]])
    np.testing.assert_allclose(bounds[1], [[[2.0, 5.0]]])
    restored = intervals.from_json(json.loads(json.dumps(interval.to_json())))
    assert (restored.method, restored.quantiles, restored.calibration_windows) == ("pinball_conformal", (0.25, 0.75), 4)
    np.testing.assert_array_equal(restored.bounds(forecast, lower, upper), interval.bounds(forecast, lower, upper))
    plain = intervals.calibrate("pinball", (forecast, lower, upper), truth, (0.25, 0.75))
    assert plain.calibration_windows is None and not np.any(plain.upper)
    np.testing.assert_allclose(plain.bounds(forecast, lower, upper)[1], upper)
    assert "pinball loss)" in plain.describe() and "conformalized on 4 validation windows" in interval.describe()
    with pytest.raises(ValueError, match="needs a model with quantile outputs.*--interval conformal"):
        intervals.calibrate("pinball", (forecast,), truth)


def test_a_bad_interval_is_an_error_naming_the_choices(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"`interval` must be one of conformal, pinball, pinball_conformal, got 'cqr'"):
        config(tmp_path, interval="cqr")
    from seqapps.recipes import timeseries_forecasting as recipe

    resolved = []
    monkeypatch.setattr(recipe, "train", lambda config, strategy=None: resolved.append(config))
    recipe.main(["--interval", "pinball_conformal", "--quantiles", "0.05", "0.95"])
    assert resolved[-1] == TimeseriesForecastingConfig(interval="pinball_conformal", quantiles=(0.05, 0.95))
    # The recipe docstring's example, as pasted.
    (example,) = [line for line in recipe.__doc__.splitlines() if "--interval" in line and "seqapps train" in line]
    recipe.main(example.split("seqapps train timeseries_forecasting")[1].split())
    assert resolved[-1] == TimeseriesForecastingConfig(
        epochs=1, units=16, max_train_windows=2000, interval="pinball_conformal"
    )
    assert resolved[-1].quantile_outputs and not TimeseriesForecastingConfig().quantile_outputs


def test_pinball_run_reports_and_exports_its_interval_and_serves_it_in_a_fresh_process(
    tmp_path, caplog, run_in_fresh_process
):
    caplog.set_level("INFO", logger="seqapps")
    result = task.train(config(tmp_path, interval="pinball", epochs=1))
    interval = result.metrics["test"]["model"]["interval"]
    assert 0 < interval["coverage"] <= 1 and interval["mean_width"] > 0
    assert "Prediction interval: 80% interval (quantile outputs 0.1 / 0.9 trained with the pinball loss)" in caplog.text
    assert f"test coverage {interval['coverage']:.1%} (nominal 80%)" in caplog.text
    saved = json.loads((result.run_dir / "metrics.json").read_text())["interval"]
    assert saved["interval"] == "pinball" and not np.any(saved["upper"])

    series = timeseries.load_csv(tmp_path / "series.csv", "date", "OT")
    starts = timeseries.window_starts(series, "test", INPUT_STEPS, HORIZON, lookback=24)
    windows, _ = timeseries.gather_windows(series, starts[:3], INPUT_STEPS, HORIZON)
    forecaster = keras.saving.load_model(result.run_dir / "model.keras", safe_mode=True)
    expected = {name: np.asarray(value) for name, value in forecaster(windows).items()}
    served = run_in_fresh_process(RELOAD, str(result.export_path), json.dumps(windows.tolist()))
    for case, rows in (("test windows", [0, 1, 2]), ("one window", [0]), ("batch of 1000", [0] * 1000)):
        outputs = {name: np.asarray(served[case][name]) for name in ("forecast", "lower", "upper")}
        assert np.all(outputs["lower"] <= outputs["forecast"]) and np.all(outputs["forecast"] <= outputs["upper"])
        assert np.all(outputs["upper"] - outputs["lower"] > 0), case
        for name, value in outputs.items():
            assert value.shape == (len(rows), HORIZON, 1), (case, name)
            np.testing.assert_allclose(value, expected[name][rows], atol=1e-4)
    assert "window holds NaN or Inf values" in served["NaN"]


@pytest.fixture(scope="module")
def conformalized(tmp_path_factory):
    """A tiny finished run of the window model with conformalized quantile outputs (seconds)."""
    tmp_path = tmp_path_factory.mktemp("pinball_conformal")
    return task.train(config(tmp_path, model="window", interval="pinball_conformal", epochs=1))


def test_pinball_conformal_run_of_the_window_model_backtests_with_its_corrected_bounds(conformalized):
    result = conformalized
    saved = json.loads((result.run_dir / "metrics.json").read_text())["interval"]
    assert saved["interval"] == "pinball_conformal" and saved["calibration_windows"] > 0
    assert np.shape(saved["upper"]) == (HORIZON, 1) and np.allclose(saved["lower"], -np.asarray(saved["upper"]))
    scored = backtest.backtest(result.run_dir, stride=1, folds=2)
    test = result.metrics["test"]["model"]["interval"]
    assert scored.overall["model"]["interval"]["coverage"] == pytest.approx(test["coverage"])
    assert scored.overall["model"]["interval"]["mean_width"] == pytest.approx(test["mean_width"], rel=1e-5)
    assert np.all(scored.lower <= scored.forecast) and np.all(scored.forecast <= scored.upper)


def test_a_search_trial_with_quantile_outputs_trains_on_the_pinball_loss_and_reports_val_mae(tmp_path):
    from seqapps.tuning.timeseries_forecasting_hyper_model import TimeseriesForecastingHyperModel

    settings = config(tmp_path)
    hypermodel = TimeseriesForecastingHyperModel(
        {"csv": settings.csv, "target": ["OT"], "horizon": HORIZON, "interval": "pinball", "verbose": 0}
    )
    values = dict(cell="gru", units=8, layers=1, dropout=0.0, learning_rate=1e-3, batch_size=32, loss="mse")
    values.update(input_steps=INPUT_STEPS, segment_length=24)
    model = hypermodel.build_model(values)
    assert isinstance(model.loss, task.PointAndPinballLoss) and model.loss.point == "mse"
    assert model.output_shape == (None, HORIZON, 1, 3)
    history = hypermodel.fit_model(values, model, epochs=1, initial_epoch=0, callbacks=[])
    assert np.isfinite(history.history["val_mae"][0]) and history.history["loss"][0] > 0


def test_the_intervals_benchmark_measures_every_method_on_a_run_with_quantile_outputs(conformalized):
    rows = forecast_intervals.measure(conformalized.run_dir)
    assert [row["interval"] for row in rows] == list(intervals.INTERVALS)
    assert {row["trained_interval"] for row in rows} == {"pinball_conformal"}
    by_method = {row["interval"]: row["metrics"]["test"] for row in rows}
    recipe = conformalized.metrics["test"]["model"]["interval"]
    assert by_method["pinball_conformal"]["coverage"] == pytest.approx(recipe["coverage"])
    assert by_method["pinball_conformal"]["mean_width"] == pytest.approx(recipe["mean_width"], rel=1e-5)
    assert by_method["pinball"]["mean_width"] != pytest.approx(by_method["pinball_conformal"]["mean_width"])
    table = forecast_intervals.body(rows)
    assert "| window | pinball | 80% |" in table and "| window | conformal | 80% |" in table
    only = forecast_intervals.measure(conformalized.run_dir, methods=("pinball",))
    assert [row["interval"] for row in only] == ["pinball"]
