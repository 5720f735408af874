"""Backtesting a trained forecaster: rolling-origin evaluation over the test period, refitting nothing.

A run folder of the recipe holds everything needed: its settings
(`config.json`), the trained model (`model.keras`, raw window -> raw
forecast) and its prediction interval (`metrics.json`). `backtest` forecasts
from every `stride`-th origin of the test period (the test windows of the
run; `stride=1` gives exactly the windows the recipe and the benchmark
score), groups the origins into `folds` consecutive blocks, and reports MAE
and MSE (file units and standardized) of the model and of persistence per
fold and overall, with the interval's coverage; `write_csv` writes every
forecast, one row per origin, target and step.

Example:

    from seqapps.tasks.timeseries_forecasting import backtest
    result = backtest.backtest("runs/timeseries_forecasting", stride=24, folds=4)
    print(backtest.folds_table(result))
    backtest.write_csv(result, "runs/timeseries_forecasting/backtest.csv")
"""

import csv
import dataclasses
import json
import logging
from pathlib import Path

import keras
import numpy as np

from seqapps import configs
from seqapps.data import timeseries
from seqapps.tasks.timeseries_forecasting import baselines, evaluation, intervals, model
from seqapps.tasks.timeseries_forecasting.config import TimeseriesForecastingConfig, load_series
from seqapps.tasks.timeseries_forecasting.training import future_inputs, model_inputs

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class BacktestResult:
    """What `backtest` measured.

    Attributes:
        origins: int array [origins]: the row of each forecast's first step.
        fold_of_origin: int array [origins]: the fold of each origin.
        timestamps: the series' timestamps (numpy datetime64 array).
        target_names: the forecast columns.
        series_of_origin: for a many-series run, the series id of each origin; else `None`.
        forecast, truth: float arrays [origins, horizon, targets], file units.
        lower, upper: the interval's bounds (same shape), or `None` when the run has no interval.
        folds: list of `{"fold", "origins", "first", "last", "model": metrics, "persistence": metrics}`.
        overall: `{"origins", "model": metrics, "persistence": metrics}`.
    """

    origins: np.ndarray
    fold_of_origin: np.ndarray
    timestamps: np.ndarray
    target_names: tuple
    series_of_origin: np.ndarray
    forecast: np.ndarray
    truth: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    folds: list
    overall: dict


def _scores(forecast, truth, persistence, target_std, bounds):
    model = evaluation.error_metrics(forecast, truth, target_std)
    scores = {"model": model, "persistence": evaluation.error_metrics(persistence, truth, target_std)}
    if bounds is not None:
        model["interval"] = intervals.interval_metrics(*bounds, truth, target_std)
    return scores


def _interval(run_dir, horizon, n_targets):
    path = Path(run_dir) / "metrics.json"
    saved = json.loads(path.read_text()).get("interval") if path.exists() else None
    if not saved:
        return None
    if np.shape(saved["lower"]) != (horizon, n_targets):
        return None
    return intervals.from_json(saved)


def backtest(run_dir, stride=None, folds=5, data=None):
    """Rolling-origin evaluation of the run in `run_dir` over its test period.

    Args:
        run_dir: a finished run folder of the forecasting recipe.
        stride: rows between consecutive origins (`None`: the horizon, so
            forecasts do not overlap; 1: every test window, as the recipe scores).
        folds: how many consecutive blocks of origins to report separately.
        data: the data path, when it moved since training (`--data` of a preset
            or the CSV of a `--csv` run); `None`: the run's own.

    Returns:
        A `BacktestResult`.

    Raises:
        ValueError: a bad `stride` or `folds`, or a run folder without `config.json` or `model.keras`.
    """
    run_dir = Path(run_dir)
    for name in ("config.json", "model.keras"):
        if not (run_dir / name).is_file():
            raise ValueError(
                f"{run_dir} has no {name}: pass the --run-dir of a finished run of the forecasting recipe."
            )
    config = configs.load_run_config(TimeseriesForecastingConfig, run_dir)
    if data is not None:
        config = dataclasses.replace(config, **({"csv": str(data)} if config.csv is not None else {"data": str(data)}))
    stride = config.horizon if stride is None else stride
    for name, value in (("stride", stride), ("folds", folds)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
    series = load_series(config)
    period = config.period or series.period
    starts = timeseries.window_starts(series, "test", config.input_steps, config.horizon, period or None)[::stride]
    if folds > len(starts):
        raise ValueError(
            f"folds={folds} is more than the {len(starts)} origins of the test period at stride {stride}: "
            "pass fewer --folds or a smaller --stride."
        )
    windows, truth = timeseries.gather_windows(series, starts, config.input_steps, config.horizon)
    logger.info(
        f"Backtest of {run_dir}: {len(starts):,} origins over the test period (every {stride} rows), {folds} folds."
    )
    forecaster = keras.saving.load_model(run_dir / "model.keras", safe_mode=True)
    future, _, _ = future_inputs(series, config)
    outputs = model.predict_outputs(forecaster, model_inputs(windows, future, starts, config.horizon))
    forecast = outputs[0]
    persistence = baselines.persistence_forecast(series, starts, config.horizon)
    target_std = series.statistics()[1][list(series.target_indices)]
    interval = _interval(run_dir, config.horizon, len(series.target_names))
    lower, upper = interval.bounds(*outputs) if interval is not None else (None, None)
    # Folds are consecutive in time (with many series, the origins of every series at the same time share a fold).
    rank = np.argsort(np.argsort(series.timestamps[starts], kind="stable"), kind="stable")
    fold_of_origin = np.minimum(rank * folds // len(starts), folds - 1)
    fold_scores = []
    for fold in range(folds):
        chosen = fold_of_origin == fold
        bounds = (lower[chosen], upper[chosen]) if interval is not None else None
        fold_scores.append(
            {
                "fold": fold + 1,
                "origins": int(chosen.sum()),
                "first": str(series.timestamps[starts[chosen]].min()),
                "last": str(series.timestamps[starts[chosen]].max()),
                **_scores(forecast[chosen], truth[chosen], persistence[chosen], target_std, bounds),
            }
        )
    overall = {
        "origins": len(starts),
        **_scores(forecast, truth, persistence, target_std, (lower, upper) if interval is not None else None),
    }
    return BacktestResult(
        origins=starts,
        fold_of_origin=fold_of_origin,
        timestamps=series.timestamps,
        target_names=tuple(series.target_names),
        series_of_origin=(
            np.asarray(series.series_names)[series.series_of_rows(starts)] if series.series_names else None
        ),
        forecast=forecast,
        truth=truth,
        lower=lower,
        upper=upper,
        folds=fold_scores,
        overall=overall,
    )


def folds_table(result):
    """Markdown table: per fold and overall, the model's and persistence's MAE / MSE and the interval's coverage."""
    has_interval = result.lower is not None
    lines = [
        "| fold | origins | first forecast | last forecast | MAE | MSE | MAE (std.) | MSE (std.) "
        "| persistence MAE (std.) |" + (" interval coverage |" if has_interval else ""),
        "|---|---:|---|---|---:|---:|---:|---:|---:|" + ("---:|" if has_interval else ""),
    ]
    overall = {
        **result.overall,
        "first": str(result.timestamps[result.origins].min()),
        "last": str(result.timestamps[result.origins].max()),
    }
    for name, scores in [(str(fold["fold"]), fold) for fold in result.folds] + [("all", overall)]:
        model = scores["model"]
        line = (
            f"| {name} | {scores['origins']:,} | {scores['first']} | {scores['last']} | {model['mae']:.4f} "
            f"| {model['mse']:.4f} | {model['normalized_mae']:.4f} | {model['normalized_mse']:.4f} "
            f"| {scores['persistence']['normalized_mae']:.4f} |"
        )
        if has_interval:
            line += f" {model['interval']['coverage']:.1%} |"
        lines.append(line)
    return "\n".join(lines)


def write_csv(result, path):
    """Every forecast, one row per origin, target and step: the origin, the fold, the step's timestamp, the
    forecast, the interval's bounds (empty without an interval) and the true value, in file units; a
    many-series run adds the series id as the first column."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    horizon = result.forecast.shape[1]
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        header = ("origin", "fold", "target", "step", "timestamp", "forecast", "lower", "upper", "truth")
        many = result.series_of_origin is not None
        writer.writerow((("series",) if many else ()) + header)
        for index, start in enumerate(result.origins):
            origin = result.timestamps[start]
            fold = int(result.fold_of_origin[index]) + 1
            for target_index, target in enumerate(result.target_names):
                for step in range(horizon):
                    bounds = ("", "")
                    if result.lower is not None:
                        bounds = (
                            f"{result.lower[index, step, target_index]:.6g}",
                            f"{result.upper[index, step, target_index]:.6g}",
                        )
                    writer.writerow(
                        (() if not many else (result.series_of_origin[index],))
                        + (
                            origin,
                            fold,
                            target,
                            step + 1,
                            result.timestamps[start + step],
                            f"{result.forecast[index, step, target_index]:.6g}",
                            *bounds,
                            f"{result.truth[index, step, target_index]:.6g}",
                        )
                    )
    return path
