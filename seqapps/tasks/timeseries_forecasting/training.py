"""`train`: the recipe end to end (data, baselines, training, the validation guards, evaluation, export).

The steps a hyperparameter search reuses per trial (`seqapps.tuning`) are
public: `split_windows`, `future_inputs`, `model_inputs`, `compile_forecaster`, `steps_per_epoch`,
`learning_rate_callbacks`, `train_dataset` and `window_dataset`.
"""

import dataclasses
import json
import logging
import math
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqapps import distribute, export, training
from seqapps.data import timeseries
from seqapps.tasks.timeseries_forecasting import baselines, evaluation, intervals, model
from seqapps.tasks.timeseries_forecasting.config import (
    MODEL_NAME,
    TimeseriesForecastingConfig,
    TimeseriesForecastingResult,
    load_series,
)
from seqapps.tasks.timeseries_forecasting.serving import serving_function

logger = logging.getLogger(__name__)
# Config fields that do not change what an ensemble member learns: a member trained with other values of them
# is reused by a later run.
_OUTPUT_SETTINGS = ("linear_blend", "export_root", "restart", "verbose")


def _describe_series(series, config, starts):
    if series.series_names:
        return (
            f"{len(series.series_names):,} series, {len(series.feature_names)} input features "
            f"({', '.join(series.feature_names)}), target(s) {', '.join(series.target_names)}; windows (train / "
            f"validation / test): {' / '.join(f'{len(starts[split]):,}' for split in timeseries.SPLITS)}; "
            f"{config.input_steps} steps in, {config.horizon} out"
        )
    rows = np.diff((0,) + tuple(series.borders))
    when = [series.timestamps[border - 1] for border in series.borders]
    return (
        f"{len(series.feature_names)} input features ({', '.join(series.feature_names)}), target(s) "
        f"{', '.join(series.target_names)}; splits (rows / windows / last timestamp): "
        + ", ".join(
            f"{split} {count:,} / {len(starts[split]):,} / {end}"
            for split, count, end in zip(timeseries.SPLITS, rows, when)
        )
        + f"; {config.input_steps} steps in, {config.horizon} out"
    )


def train(config, strategy=None):
    """Loads the data, computes the baselines, trains, evaluates, plots and exports.

    The run's settings are saved in `<run_dir>/config.json` (`training.start_run`);
    the progress and the results tables go to the `seqapps` logger.

    Args:
        config: a `TimeseriesForecastingConfig`.
        strategy: the `tf.distribute.Strategy` to train under (`seqapps.distribute`;
            default: the current one). On a worker other than the chief, the run
            folder and the export go to temporary folders, removed at the end.

    Raises:
        ValueError: `batch_size` does not split evenly between the replicas (`distribute.check_batch_size`).

    Returns:
        A `TimeseriesForecastingResult` (on such a worker, with paths that no longer exist).
    """
    strategy = strategy or tf.distribute.get_strategy()
    distribute.check_batch_size(strategy, config.batch_size)
    with distribute.worker_folders(strategy, config.run_dir, config.export_root) as (run_dir, export_root):
        resume_dir = None if distribute.is_chief(strategy) or config.restart else config.run_dir
        return _train(dataclasses.replace(config, run_dir=run_dir, export_root=export_root), strategy, resume_dir)


def _train(config, strategy, resume_dir):
    run_dir = training.start_run(config.run_dir, config.restart, config.seed, config=config)

    series = load_series(config)
    for note in series.notes:
        logger.info(note)
    period = config.period or series.period
    starts = split_windows(series, config)
    logger.info(_describe_series(series, config, starts))
    mean, std = series.statistics()
    target_indices = list(series.target_indices)
    target_mean, target_std = mean[target_indices], std[target_indices]
    n_features, n_targets = len(series.feature_names), len(series.target_names)
    future, future_names, future_statistics = future_inputs(series, config)
    if future is not None:
        logger.info(f"Covariates known in advance, read over the horizon: {', '.join(future_names)}")

    forecasts = {split: {} for split in ("validation", "test")}
    for split in forecasts:
        forecasts[split]["persistence"] = baselines.persistence_forecast(series, starts[split], config.horizon)
        if period:
            forecasts[split]["seasonal naive"] = baselines.seasonal_naive_forecast(
                series, starts[split], config.horizon, period
            )
    start = time.perf_counter()
    linear, ridge = baselines.fit_linear_baseline(
        series, starts, config.input_steps, config.horizon, mean, std, multivariate=config.linear_component
    )
    for split in forecasts:
        forecasts[split]["linear"] = linear.predict(starts[split])
    logger.info(
        "Baselines: persistence, "
        + (f"seasonal naive (period {period} rows), " if period else "")
        + f"linear ({linear.describe()}; chosen on validation, {time.perf_counter() - start:.0f} s)"
    )

    truths = {
        split: timeseries.gather_windows(series, starts[split], config.input_steps, config.horizon)
        for split in forecasts
    }

    def model_metrics(forecaster, split):
        inputs = model_inputs(truths[split][0], future, starts[split], config.horizon)
        outputs = model.predict_outputs(forecaster, inputs)
        return outputs, evaluation.error_metrics(outputs[0], truths[split][1], target_std)

    def fit_member(member_config, member_dir, member_resume_dir):
        """Builds, trains and guards one model in `member_dir` -> (forecaster, epochs, seconds of each)."""
        with strategy.scope():
            forecaster, trained = model.build_model(
                member_config,
                n_features,
                n_targets,
                mean,
                std,
                target_indices,
                linear=ridge if member_config.linear_component else None,
                future_statistics=future_statistics,
            )
        train_batches = distribute.shard_by_data(
            train_dataset(series, starts["train"], member_config, target_mean, target_std, future=future)
        )
        planned_steps = member_config.epochs * steps_per_epoch(len(starts["train"]), member_config)
        momentum = training.averaging_momentum(member_config.ema_momentum, planned_steps)
        with strategy.scope():
            compile_forecaster(trained, member_config, momentum)
            distribute.clip_after_all_reduce(trained.optimizer, strategy)
        trained.summary(print_fn=logger.info)
        if member_config.ema_momentum:
            note = training.averaging_note(member_config.ema_momentum, momentum, planned_steps)
            logger.info(f"Training with{note[1:]}.")
        epoch_seconds = []
        callbacks = learning_rate_callbacks(member_config) + training.standard_callbacks(
            member_dir,
            "val_mae",
            "min",
            member_config.patience,
            epoch_seconds,
            train_dataset=train_batches,
            averaged_weights=bool(momentum),
            resume_dir=member_resume_dir,
        )
        if member_config.time_budget_minutes:
            callbacks.append(training.TimeBudget(member_config.time_budget_minutes, epoch_seconds))
        history = trained.fit(
            train_batches,
            validation_data=distribute.shard_by_data(
                window_dataset(
                    series, starts["validation"], member_config, target_mean, target_std, future=future
                ).cache()
            ),
            epochs=member_config.epochs,
            callbacks=callbacks,
            shuffle=False,
            verbose=member_config.verbose,
        )
        epochs = training.record_history(history, member_dir, epoch_seconds)
        if member_config.linear_component:
            model.keep_linear_if_better(trained, ridge, starts["validation"], min(history.history["val_mae"]))
        else:
            _, validation = model_metrics(forecaster, "validation")
            persistence = evaluation.error_metrics(
                forecasts["validation"]["persistence"], truths["validation"][1], target_std
            )
            model.keep_persistence_if_better(trained, validation["normalized_mae"], persistence["normalized_mae"])
        return forecaster, epochs, epoch_seconds

    if config.ensemble == 1:
        forecaster, epochs_trained, epoch_seconds = fit_member(config, run_dir, resume_dir)
    else:
        logger.info(
            f"Ensemble of {config.ensemble} models, seeds {config.seed} to {config.seed + config.ensemble - 1}, "
            f"trained one after the other in {run_dir}/member_<k>; the forecast is their mean."
        )
        members, epochs_trained, epoch_seconds = [], 0, []
        fingerprint = training.data_fingerprint(series.values, series.borders, series.target_indices)
        for index in range(config.ensemble):
            member_config, member_dir, chief_dir, record = training.start_member(
                TimeseriesForecastingConfig,
                config,
                index,
                sum(epoch_seconds),
                fingerprint,
                resume_dir,
                ignored=_OUTPUT_SETTINGS,
            )
            if record is not None:
                members.append(keras.saving.load_model(chief_dir / "model.keras"))
                member_epochs, member_seconds = record["epochs"], record["epoch_seconds"]
            else:
                member, member_epochs, member_seconds = fit_member(member_config, member_dir, resume_dir and chief_dir)
                member.save(member_dir / "model.keras")
                training.write_finished_member(member_dir, fingerprint, member_epochs, member_seconds)
                members.append(member)
            epochs_trained += member_epochs
            epoch_seconds += member_seconds
        forecaster = model.average_forecasters(members)
        _, validation = model_metrics(forecaster, "validation")
        logger.info(f"Ensemble of {config.ensemble}: validation MAE (standardized) {validation['normalized_mae']:.4f}.")

    linear_weight = 0.0
    if config.linear_blend:
        network_outputs, _ = model_metrics(forecaster, "validation")
        linear_weight, errors = model.choose_linear_weight(
            network_outputs[0], forecasts["validation"]["linear"], truths["validation"][1], target_std
        )
        logger.info(
            f"Blend with the linear baseline, chosen on validation MAE (standardized): weight {linear_weight:g} on "
            f"the linear forecast ({errors[linear_weight]:.4f}; the network alone {errors[0.0]:.4f}, the linear "
            f"baseline alone {errors[1.0]:.4f})."
        )
        if linear_weight:
            forecaster = model.blend_with_linear(forecaster, linear, linear_weight, mean, std)

    metrics, outputs = {}, {}
    for split in forecasts:
        outputs[split], _ = model_metrics(forecaster, split)
        forecasts[split] = {"model": outputs[split][0], **forecasts[split]}
        metrics[split] = {
            name: evaluation.error_metrics(forecast, truths[split][1], target_std)
            for name, forecast in forecasts[split].items()
        }
    interval = intervals.calibrate(config.interval, outputs["validation"], truths["validation"][1], config.quantiles)
    if interval.calibration_windows is not None and interval.calibration_windows < intervals.FEW_CALIBRATION_WINDOWS:
        logger.warning(
            f"Only {interval.calibration_windows} validation windows calibrate the prediction interval: its "
            "coverage is rough. Fix: a longer validation split (--split) gives a steadier interval."
        )
    bounds = {split: interval.bounds(*outputs[split]) for split in forecasts}
    for split in forecasts:
        metrics[split]["model"]["interval"] = intervals.interval_metrics(*bounds[split], truths[split][1], target_std)
    baseline_names = [name for name in metrics["test"] if name != "model"]
    best_baseline = min(baseline_names, key=lambda name: metrics["test"][name]["normalized_mae"])
    improvement = evaluation.improvement_percent(metrics["test"]["model"], metrics["test"][best_baseline])
    units = series.target_names[0] if n_targets == 1 else f"mean of {n_targets} targets"
    logger.info("")
    logger.info(evaluation.metrics_table(metrics, best_baseline, units))
    logger.info("\nTest MAE per horizon step (file units):")
    logger.info(evaluation.per_step_table(metrics["test"], config.horizon))
    logger.info(f"\nModel vs best baseline ({best_baseline}) on test MAE: {improvement:+.1f}%")
    test_interval = metrics["test"]["model"]["interval"]
    logger.info(
        f"Prediction interval: {interval.describe()}: test coverage {test_interval['coverage']:.1%} "
        f"(nominal {interval.coverage:.0%}), mean width {test_interval['mean_width']:.4f} ({units}), "
        f"{test_interval['normalized_mean_width']:.4f} standardized"
    )
    if series.series_names:
        by_series = evaluation.per_series_metrics(series, starts["test"], forecasts["test"], truths["test"][1])
        metrics["test"]["model"]["worst_series"] = by_series[0]
        logger.info(f"\nTest MAE of the {min(5, len(by_series))} worst of {len(by_series):,} series:")
        logger.info(evaluation.per_series_table(by_series[:5]))
    evaluation.plot_forecasts(
        series, starts["test"], forecasts["test"], config, run_dir / "forecast.png", interval=bounds["test"]
    )
    (run_dir / "metrics.json").write_text(
        json.dumps(
            {
                "best_baseline": best_baseline,
                "improvement_percent": improvement,
                "linear": linear.describe(),
                "linear_inputs": linear.inputs,
                "linear_penalty": linear.penalty,
                "linear_weight": linear_weight,
                "interval": interval.to_json(),
                "metrics": metrics,
            },
            indent=1,
        )
    )

    forecaster.save(run_dir / "model.keras")
    (run_dir / "series.json").write_text(
        json.dumps(
            {
                "source": series.source,
                "model": config.model,
                "feature_names": series.feature_names,
                "target_names": series.target_names,
                "future_names": future_names,
                "input_steps": config.input_steps,
                "horizon": config.horizon,
                "mean": mean.tolist(),
                "std": std.tolist(),
                "notes": series.notes,
            },
            indent=1,
        )
    )
    future_shape = None if future is None else (config.horizon, len(future_names))
    serve = serving_function(forecaster, config.input_steps, n_features, interval, future_shape)
    examples = starts["test"][[0, -1]]
    test_windows, _ = timeseries.gather_windows(series, examples, config.input_steps, config.horizon)
    requests = model_inputs(test_windows, future, examples, config.horizon)
    if future is None:
        requests = {"window": requests}
    (run_dir / "example_request.json").write_text(
        json.dumps({name: value[:1].tolist() for name, value in requests.items()})
    )
    sample = serve(**{name: tf.constant(value) for name, value in requests.items()})["forecast"].numpy()
    logger.info(
        f"\nSample forecast of {series.target_names[0]} for the first test window (first 6 steps): "
        + ", ".join(f"{value:.3f}" for value in sample[0, :6, 0])
    )
    export_path = export.export_for_serving(
        forecaster,
        config.export_root,
        MODEL_NAME,
        {"serving_default": serve},
        warmup_examples=[{name: value[[index]] for name, value in requests.items()} for index in range(len(examples))],
    )
    logger.info(
        f"Exported to {export_path} (serving_default: window [batch, {config.input_steps}, {n_features}]"
        + ("" if future is None else f", future [batch, {config.horizon}, {len(future_names)}]")
        + f" -> forecast, lower, upper [batch, {config.horizon}, {n_targets}], file units). Plots: "
        f"{run_dir / 'forecast.png'}, {run_dir / 'history.png'}"
    )
    return TimeseriesForecastingResult(
        metrics=metrics,
        best_baseline=best_baseline,
        improvement_percent=improvement,
        epochs_trained=epochs_trained,
        epoch_seconds=epoch_seconds,
        export_path=Path(export_path),
        run_dir=run_dir,
        notes=series.notes,
        linear_weight=linear_weight,
    )


def split_windows(series, config):
    """The window start rows of each split (`train`, `validation`, `test`) for `config`'s lookback and horizon.

    Every window has the seasonal period's history too (for the seasonal-naive
    baseline); with `max_train_windows`, the training windows are that many,
    evenly spaced.
    """
    period = config.period or series.period
    starts = {
        split: timeseries.window_starts(series, split, config.input_steps, config.horizon, period or None)
        for split in timeseries.SPLITS
    }
    for split, names in timeseries.short_series(series, config.input_steps, config.horizon, period or None).items():
        logger.info(
            f"{len(names):,} series have no complete {split} window and are skipped there: "
            f"{', '.join(map(repr, names[:10]))}" + (" ..." if len(names) > 10 else "")
        )
    if config.max_train_windows and len(starts["train"]) > config.max_train_windows:
        chosen = np.linspace(0, len(starts["train"]) - 1, config.max_train_windows).round().astype(int)
        starts["train"] = starts["train"][chosen]
        logger.info(f"Training on {config.max_train_windows:,} evenly spaced training windows.")
    return starts


def future_inputs(series, config):
    """The covariates known in advance `config` asks for: `(matrix, names, (mean, std))`.

    `matrix` (float32, a row per row of the series) holds the future columns,
    then the calendar features (`timeseries.future_covariates`); `(mean, std)`
    are its training statistics, for `model.build_model(future_statistics=...)`.
    `(None, (), None)` without covariates.
    """
    future, names = timeseries.future_covariates(series, config.calendar_features)
    if future is None:
        return None, (), None
    return future, names, series.statistics(future)


def model_inputs(windows, future, starts, horizon):
    """What the forecaster takes for windows starting at `starts`: the windows, or with covariates known in
    advance (`future`, from `future_inputs`) `{"window": windows, "future": their forecast rows' covariates}`."""
    if future is None:
        return windows
    return {"window": windows, "future": timeseries.gather_future(future, starts, horizon)}


def compile_forecaster(trained, config, ema_momentum=0.0):
    """Compiles the trained model (`build_model`'s second): Adam (clipnorm 1), `config.loss`, MAE as the metric;
    with `ema_momentum` (from `seqapps.training.averaging_momentum`), the optimizer averages the weights.

    With quantile outputs (`config.quantile_outputs`), the loss is `model.PointAndPinballLoss` (`config.loss` of
    the forecast plus the pinball losses of the two bounds, weight 1 each) and the metric `mae` is the
    forecast's, so early stopping and the searches watch the same `val_mae` as without them.
    """
    loss, metric = config.loss, "mae"
    if config.quantile_outputs:
        loss = model.PointAndPinballLoss(config.loss, config.quantiles)
        metric = keras.metrics.MeanMetricWrapper(model.point_mean_absolute_error, name="mae")
    averaging = {"use_ema": True, "ema_momentum": ema_momentum} if ema_momentum else {}
    optimizer = keras.optimizers.Adam(config.learning_rate, clipnorm=1.0, **averaging)
    trained.compile(optimizer=optimizer, loss=loss, metrics=[metric])
    return trained


def learning_rate_callbacks(config):
    """The recipe's learning-rate schedule as callbacks: none for a constant rate (`learning_rate_decay` 1)."""
    if config.learning_rate_decay == 1:
        return []
    schedule = model.learning_rate_schedule(config.learning_rate, config.learning_rate_decay)
    return [keras.callbacks.LearningRateScheduler(schedule)]


def window_dataset(series, starts, config, target_mean, target_std, shuffle=False, future=None):
    """Batches of `(raw window, standardized target)` of the windows starting at `starts`; with `future`
    (from `future_inputs`), the inputs are `{"window": ..., "future": ...}`."""
    return timeseries.make_dataset(
        series,
        starts,
        config.input_steps,
        config.horizon,
        config.batch_size,
        shuffle=shuffle,
        seed=config.seed,
        target_transform=lambda target: (target - target_mean) / target_std,
        future=future,
    )


def train_dataset(series, starts, config, target_mean, target_std, future=None):
    """The shuffled training batches; with `windows_per_epoch`, that many windows (whole batches) of a new order
    each epoch."""
    batches = window_dataset(series, starts, config, target_mean, target_std, shuffle=True, future=future)
    if config.windows_per_epoch and config.windows_per_epoch < len(starts):
        steps = steps_per_epoch(len(starts), config)
        logger.info(
            f"Each epoch trains on {steps * config.batch_size:,} of the {len(starts):,} training windows "
            f"({steps} batches of {config.batch_size}), sampled anew each epoch (--windows-per-epoch)."
        )
        return batches.take(steps)
    return batches


def steps_per_epoch(train_windows, config):
    """Training batches per epoch for `train_windows` training windows: all of them, or `windows_per_epoch`."""
    return math.ceil(min(train_windows, config.windows_per_epoch or train_windows) / config.batch_size)
