"""The forecasting recipe with covariates known in advance (future columns, calendar features), end to end."""

import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from seqapps import serving
from seqapps.data import timeseries
from seqapps.tasks import timeseries_forecasting as task
from seqapps.tasks.timeseries_forecasting import TimeseriesForecastingConfig, backtest

RECIPES = Path(__file__).resolve().parents[2] / "recipes"
INPUT_STEPS, HORIZON = 24, 6
N_FUTURE = 1 + len(timeseries.CALENDAR_FEATURES)


def write_planned_series(path, rows=600, seed=0):
    """Hourly `date, plan, OT`: OT follows a planned 0/1 schedule known in advance, which persistence cannot see."""
    rng = np.random.default_rng(seed)
    plan = (rng.random(rows) < 0.3).astype(int)
    target = 20 + 5 * plan + 0.2 * rng.normal(size=rows)
    times = np.datetime64("2021-03-01T00:00") + np.arange(rows) * np.timedelta64(1, "h")
    lines = ["date,plan,OT"] + [f"{str(time).replace('T', ' ')},{p},{t:.4f}" for time, p, t in zip(times, plan, target)]
    path.write_text("\n".join(lines) + "\n")
    return path


def config(tmp_path, **overrides):
    arguments = dict(
        csv=str(write_planned_series(tmp_path / "series.csv")),
        target=["OT"],
        future_columns=["plan"],
        calendar_features=True,
        input_steps=INPUT_STEPS,
        horizon=HORIZON,
        segment_length=6,
        units=16,
        channel_embedding=False,
        epochs=12,
        batch_size=32,
        learning_rate=2e-2,
        learning_rate_decay=1.0,
        dropout=0.0,
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "export"),
        verbose=0,
    )
    return TimeseriesForecastingConfig(**{**arguments, **overrides})


# Requests against the reloaded SavedModel in a fresh process; prints {case: forecast or error}.
RELOAD = """
import json, sys
import numpy as np
import tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
request = json.loads(sys.argv[2])
window, future = (np.array(request[name], dtype=np.float32) for name in ("window", "future"))
nan = future.copy()
nan[1, 2, 0] = np.nan
cases = {
    "test windows": (window, future),
    "batch of 1000": (np.repeat(window[:1], 1000, axis=0), np.repeat(future[:1], 1000, axis=0)),
    "future NaN": (window, nan),
    "future too few steps": (window, future[:, 1:]),
    "future too few columns": (window, future[:, :, 1:]),
    "future rank 2": (window, future[0]),
    "batch mismatch": (window, future[:1]),
    "window too few steps": (window[:, 1:], future),
}
results = {}
for name, (w, f) in cases.items():
    try:
        outputs = serve(window=tf.constant(w), future=tf.constant(f))
        results[name] = {key: value.numpy().tolist() for key, value in outputs.items()}
    except tf.errors.InvalidArgumentError as error:
        results[name] = "InvalidArgument: " + error.message
print(json.dumps(results))
"""


def test_covariates_train_export_and_serve_with_a_future_input_in_a_fresh_process(
    tmp_path, caplog, run_in_fresh_process
):
    caplog.set_level("INFO", logger="seqapps")
    settings = config(tmp_path, epochs=1)
    result = task.train(settings)
    assert "Covariates known in advance, read over the horizon: plan, hour_of_day_sin" in caplog.text
    assert f"future [batch, {HORIZON}, {N_FUTURE}]" in caplog.text
    info = json.loads((result.run_dir / "series.json").read_text())
    assert info["future_names"] == ["plan", *timeseries.CALENDAR_FEATURES]
    request = json.loads((result.run_dir / "example_request.json").read_text())
    assert np.shape(request["window"]) == (1, INPUT_STEPS, 2) and np.shape(request["future"]) == (1, HORIZON, N_FUTURE)
    # `seqapps serving-config` writes the first warmup request as the example REST body: both inputs, per instance.
    written = serving.write_serving_config(tmp_path / "export")
    body = json.loads(written.models[0].request_path.read_text())
    assert written.models[0].body_from_warmup and set(body["instances"][0]) == {"window", "future"}
    assert np.shape(body["instances"][0]["future"]) == (HORIZON, N_FUTURE)

    # The backtest at stride 1 feeds the covariates too, and scores exactly the recipe's test windows.
    scored = backtest.backtest(result.run_dir, stride=1, folds=2)
    assert scored.overall["model"]["mae"] == pytest.approx(result.metrics["test"]["model"]["mae"], rel=1e-5)

    series = timeseries.load_csv(tmp_path / "series.csv", "date", "OT", future_columns=["plan"])
    starts = timeseries.window_starts(series, "test", INPUT_STEPS, HORIZON, lookback=24)[:3]
    future, names, _ = task.future_inputs(series, settings)
    inputs = task.model_inputs(
        timeseries.gather_windows(series, starts, INPUT_STEPS, HORIZON)[0], future, starts, HORIZON
    )
    np.testing.assert_array_equal(inputs["future"][:, :, 0], series.values[starts[:, None] + np.arange(HORIZON), 0])
    forecaster = keras.saving.load_model(result.run_dir / "model.keras", safe_mode=True)
    expected = np.asarray(forecaster(inputs))
    served = run_in_fresh_process(
        RELOAD, str(result.export_path), json.dumps({k: v.tolist() for k, v in inputs.items()})
    )
    np.testing.assert_allclose(served["test windows"]["forecast"], expected, atol=1e-4)
    np.testing.assert_allclose(served["batch of 1000"]["forecast"], np.repeat(expected[:1], 1000, axis=0), atol=1e-4)
    assert set(served["test windows"]) == {"forecast", "lower", "upper"}
    messages = {
        "future NaN": "future holds NaN or Inf values",
        "future too few steps": f"future must have shape [batch, {HORIZON}, {N_FUTURE}]",
        "future too few columns": f"future must have shape [batch, {HORIZON}, {N_FUTURE}]",
        "future rank 2": f"future must have shape [batch, {HORIZON}, {N_FUTURE}]",
        "batch mismatch": "window and future must hold as many rows (batch)",
        "window too few steps": f"window must have shape [batch, {INPUT_STEPS}, 2]",
    }
    for name, message in messages.items():
        assert served[name].startswith("InvalidArgument: ") and message in served[name], (name, served[name])


@pytest.mark.large
def test_the_model_learns_a_schedule_known_in_advance(tmp_path):
    result = task.train(config(tmp_path))
    test = result.metrics["test"]
    # The schedule is known in advance: the model reads it; the baselines cannot, and no forecast of the window
    # alone does better than the median, 20 (test MAE 1.5, 0.73 x persistence's).
    assert test["model"]["mae"] < 0.6 * test["persistence"]["mae"], {name: m["mae"] for name, m in test.items()}


def test_untrained_model_ignores_the_covariates_until_their_embedding_learns():
    mean, std = np.array([0.5, 20.0], np.float32), np.array([0.5, 5.0], np.float32)
    settings = TimeseriesForecastingConfig(
        csv="unused.csv", target=["OT"], future_columns=["plan"], input_steps=8, horizon=5, segment_length=4, units=6
    )
    future_statistics = (np.array([0.5, 0.0], np.float32), np.array([0.5, 1.0], np.float32))
    forecaster, trained = task.build_model(settings, 2, 1, mean, std, [1], future_statistics=future_statistics)
    rng = np.random.default_rng(0)
    inputs = {
        "window": rng.normal(size=(4, 8, 2)).astype(np.float32) * 10,
        "future": rng.normal(size=(4, 5, 2)).astype(np.float32),
    }
    np.testing.assert_allclose(
        np.asarray(forecaster(inputs)), np.repeat(inputs["window"][:, -1:, [1]], 5, axis=1), rtol=1e-5, atol=1e-4
    )
    layer = trained.get_layer("segment_forecaster")
    layer.segment_output.set_weights([np.full_like(weight, 0.1) for weight in layer.segment_output.get_weights()])
    layer.future_embedding.kernel.assign(rng.normal(size=layer.future_embedding.kernel.shape).astype(np.float32))
    changed = {**inputs, "future": inputs["future"] + 1.0}
    assert np.max(np.abs(np.asarray(forecaster(changed)) - np.asarray(forecaster(inputs)))) > 1e-3


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        ({"model": "window", "calendar_features": True}, "the window model has none"),
        ({"model": "window", "future_columns": ["plan"]}, "Fix: use model='segment'"),
        ({"target": ["OT", "plan"], "future_columns": ["plan"]}, r"\['plan'\] are both target and future columns"),
    ],
)
def test_bad_covariate_config(arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        TimeseriesForecastingConfig(**{"csv": "a.csv", "target": ["OT"], **arguments})


def test_every_column_as_target_leaves_the_future_columns_out(tmp_path):
    settings = config(tmp_path, target=["all"])
    series = task.load_series(settings)
    assert series.target_names == ("OT",) and series.future_names == ("plan",)


def test_recipe_covariate_flags(monkeypatch):
    from seqapps.recipes import timeseries_forecasting as recipe

    resolved = []
    monkeypatch.setattr(recipe, "train", lambda config, strategy=None: resolved.append(config))
    recipe.main(["--dataset", "beijing_pm25", "--calendar-features", "--future-columns", "Iws", "DEWP"])
    assert resolved[-1] == TimeseriesForecastingConfig(
        dataset="beijing_pm25", calendar_features=True, future_columns=["Iws", "DEWP"]
    )
    recipe.main(["--dataset", "beijing_pm25"])
    assert resolved[-1].calendar_features is False and resolved[-1].future_columns is None


def test_a_future_column_missing_from_the_file_is_one_error_line_with_status_2(tmp_path):
    csv = write_planned_series(tmp_path / "series.csv", rows=100)
    command = [sys.executable, str(RECIPES / "timeseries_forecasting.py"), "--csv", str(csv), "--target", "OT"]
    completed = subprocess.run(
        command + ["--future-columns", "holiday"], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert completed.returncode == 2, completed.stderr[-2000:]
    errors = [line for line in completed.stderr.splitlines() if line.startswith("error:")]
    assert completed.stderr == errors[0] + "\n" and "has no future column(s) ['holiday']" in errors[0], completed.stderr
