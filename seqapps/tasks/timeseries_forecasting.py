"""Multivariate time-series forecasting with honest baselines, served in raw units.

Data flows one way: `seqapps.data.timeseries` (a preset or any CSV; cleaning,
chronological split, windows) -> standardization with training-split
statistics, inside the model -> recurrent encoder from
`seqapps.layers.recurrent` -> direct multi-horizon head (all `horizon` steps
at once) -> `seqapps.export`.

The task: from the last `input_steps` rows of every feature (multivariate
input), forecast the next `horizon` values of the target column(s). The
encoder reads the standardized window relative to its last row, and the head
forecasts the change from the last observed target value, so an untrained
model starts close to the persistence forecast. With `linear_component`, the
model instead holds the linear baseline (below) as a fixed component, as
LSTNet does with its autoregressive part (Lai et al., SIGIR 2018): the
forecast is the ridge forecast plus the head's output, the head starts at
zero, and the recurrent part learns what the linear forecast misses. If
training never improves on the linear forecast's validation MAE, the head is
set back to zero. BENCHMARKS.md compares both on every shipped dataset.

Baselines, computed in the same run on the same test windows:
- persistence: the last observed value, for every step;
- seasonal naive: the value one period (e.g. 24 h) before each forecast step;
- linear: ridge regression from the standardized window to the `horizon`
  standardized targets; its inputs (every feature, or the targets' own
  history only) and penalty are chosen on validation MAE.

Reported for the model and each baseline on the validation and test windows:
MAE and MSE in file units and standardized (divided by the training
standard deviation of the target), per horizon step and averaged, and the
model's MAE improvement over the best baseline (the one with the lowest
standardized test MAE) in percent.
"""

import dataclasses
import json
import logging
import time
import typing
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqapps import export, layers, recipe_arguments, training
from seqapps.data import timeseries
from seqapps.diagnostics import plotting

logger = logging.getLogger(__name__)

MODEL_NAME = "timeseries_forecast"
# Ridge penalties, relative to the mean diagonal of the Gram matrix.
RIDGE_PENALTIES = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
PLOTTED_WINDOWS = 4
LOSSES = ("mse", "mae")
_CHUNK = 2048
_POSITIVE_INTEGERS = ("input_steps", "horizon", "units", "layers", "epochs", "batch_size", "patience")


@dataclasses.dataclass
class TimeseriesForecastingConfig:
    """Settings of the time-series forecasting recipe.

    Args:
        dataset: preset name, a key of `seqapps.data.timeseries.PRESETS`
            (ignored when `csv` is given).
        csv: path of any CSV with a timestamp column, instead of a preset.
        data: explicit file of the preset (else `$SEQAPPS_DATA_DIR`, then the download).
        time_column: timestamp column of `csv`, or comma-separated
            year,month,day[,hour...] columns.
        time_format: `strptime` format of `csv`'s timestamps (default ISO 8601).
        target: target column name(s); default the preset's, required with `csv`.
        features: input column names; default every column but the time columns.
        missing: `error`, `interpolate` or `drop` (see `seqapps.data.timeseries`);
            default the preset's policy, `error` for `csv`.
        duplicates: `error` or `drop`; default the preset's, `error` for `csv`.
        categorical: `error`, `drop` or `one_hot`; default the preset's, `error` for `csv`.
        missing_values: numbers meaning "missing" in `csv`, e.g. `[-9999]`.
        split: train / validation / test fractions of `csv`'s rows.
        period: rows per season for the seasonal-naive baseline; default the
            preset's, for `csv` one day of rows.
        input_steps: rows the model reads per window.
        horizon: rows forecast per window.
        cell: recurrent layer kind, a name from `seqapps.layers.KINDS`.
        units: hidden units per recurrent layer.
        layers: stacked recurrent layers.
        dropout: dropout on the encoder output.
        epochs: maximum training epochs (early stopping on validation MAE).
        batch_size: training batch size.
        learning_rate: Adam learning rate.
        loss: training loss on the standardized targets, `mse` or `mae`.
        patience: epochs without validation improvement before stopping.
        linear_component: add the linear baseline's forecast (ridge, fitted in
            the same run, then frozen) to the head's output, so the recurrent
            part learns the residual of the linear forecast; `False` (default):
            the head forecasts the change from the last value.
        max_train_windows: train on at most this many windows, evenly spaced
            over the training split (`None`: all).
        export_root: where the servable model is written (`<root>/timeseries_forecast/<version>/`).
        run_dir: checkpoints, TensorBoard logs, `history.png`, `forecast.png`,
            `metrics.json`, `series.json`, `example_request.json` and
            `model.keras` (raw window -> raw forecast).
        restart: discard the backup of an interrupted run and start over.
        seed: seed of the shuffling and the weights.
        verbose: Keras `fit` verbosity (2: one line per epoch).

    `PRESETS["quick"]`: a small model (16 units) on 2000 training windows
    for one epoch, a smoke run.
    """

    dataset: str = "etth1"
    csv: str = None
    data: str = None
    time_column: str = "date"
    time_format: str = None
    target: list = None
    features: list = None
    missing: str = None
    duplicates: str = None
    categorical: str = None
    missing_values: list = None
    split: tuple = timeseries.DEFAULT_SPLIT
    period: int = None
    input_steps: int = 96
    horizon: int = 24
    cell: str = "gru"
    units: int = 64
    layers: int = 1
    dropout: float = 0.0
    epochs: int = 20
    batch_size: int = 64
    learning_rate: float = 1e-3
    loss: str = "mse"
    patience: int = 3
    linear_component: bool = False
    max_train_windows: int = None
    export_root: str = "saved_models"
    run_dir: str = "runs/timeseries_forecasting"
    restart: bool = False
    seed: int = 1337
    verbose: int = 2

    PRESETS: typing.ClassVar[dict] = {"quick": {"epochs": 1, "units": 16, "max_train_windows": 2000}}

    def __post_init__(self):
        if self.csv is None and self.dataset not in timeseries.PRESETS:
            raise ValueError(
                f"Unknown dataset {self.dataset!r}: choose from {', '.join(timeseries.PRESETS)}, "
                "or pass csv=... (--csv) for your own file."
            )
        if self.csv is not None and not self.target:
            raise ValueError("With csv=... (--csv) name the column(s) to forecast with target=... (--target).")
        recipe_arguments.check_cell_and_sizes(self, _POSITIVE_INTEGERS)
        for name in ("period", "max_train_windows"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                raise ValueError(f"`{name}` must be a positive integer or None, got {value!r}.")
        for name, choices in (
            ("missing", timeseries.MISSING_POLICIES),
            ("duplicates", timeseries.DUPLICATE_POLICIES),
            ("categorical", timeseries.CATEGORICAL_POLICIES),
        ):
            if getattr(self, name) not in (None,) + choices:
                raise ValueError(f"`{name}` must be one of {', '.join(choices)}, got {getattr(self, name)!r}.")
        if self.loss not in LOSSES:
            raise ValueError(f"`loss` must be one of {', '.join(LOSSES)}, got {self.loss!r}.")
        if isinstance(self.target, str):
            self.target = [self.target]


@dataclasses.dataclass
class TimeseriesForecastingResult:
    """What `train` measured and wrote.

    `metrics[split][name]` (split `validation` / `test`, name `model` or a
    baseline) holds `mae`, `mse` (file units), `normalized_mae`,
    `normalized_mse` (averaged) and the same per horizon step (`*_per_step`).
    """

    metrics: dict
    best_baseline: str
    improvement_percent: float
    epochs_trained: int
    epoch_seconds: list
    export_path: Path
    run_dir: Path
    notes: tuple


def load_series(config):
    """The `TimeSeries` the config names (a preset or `csv`)."""
    if config.csv is not None:
        time_column = config.time_column.split(",") if "," in config.time_column else config.time_column
        return timeseries.load_csv(
            config.csv,
            time_column,
            config.target,
            config.features,
            time_format=config.time_format,
            split=tuple(config.split),
            missing=config.missing or "error",
            duplicates=config.duplicates or "error",
            categorical=config.categorical or "error",
            missing_values=tuple(config.missing_values or ()),
            period=config.period,
        )
    return timeseries.load(
        config.dataset,
        config.data,
        target_columns=config.target,
        feature_columns=config.features,
        missing=config.missing,
        duplicates=config.duplicates,
        categorical=config.categorical,
    )


def build_model(config, n_features, n_targets, mean, std, target_indices, linear=None):
    """The forecaster: raw window `(batch, input_steps, n_features)` -> raw forecast `(batch, horizon, n_targets)`.

    The window is standardized with the training statistics, then expressed
    relative to its last row (each feature minus its last value), which makes
    the encoder insensitive to level shifts between training and test years.
    Without `linear`, the head forecasts the change of each target from its
    last value. With `linear` (a fitted `RidgeForecaster`), the ridge forecast
    is a frozen layer of the model (`linear_forecast`), the head's output is
    added to it, and the head starts at zero, so the untrained model is the
    linear baseline.

    Returns `(forecaster, trained)`: `trained` maps the same raw window to the
    standardized forecast (what the loss sees); `forecaster` adds the inverse
    standardization of the targets. Both share every layer.
    """
    window = keras.Input((config.input_steps, n_features), name="window")
    scaled = keras.layers.Normalization(mean=mean, variance=np.square(std), name="standardize")(window)
    last_values = scaled[:, -1:, :]
    hidden = keras.layers.Subtract(name="relative_to_last")([scaled, last_values])
    for index in range(config.layers):
        hidden = layers.recurrent(
            config.cell, config.units, return_sequences=index < config.layers - 1, name=f"{config.cell}_{index + 1}"
        )(hidden)
    if config.dropout:
        hidden = keras.layers.Dropout(config.dropout, name="dropout")(hidden)
    head = keras.layers.Dense(
        config.horizon * n_targets, name="forecast_change", kernel_initializer="zeros" if linear else "glorot_uniform"
    )
    change = keras.layers.Reshape((config.horizon, n_targets), name="per_step")(head(hidden))
    if linear:
        history = keras.layers.Flatten(name="linear_inputs")(keras.ops.take(scaled, list(linear.columns), axis=-1))
        weights = np.asarray(linear.weights, np.float32)
        linear_layer = keras.layers.Dense(config.horizon * n_targets, trainable=False, name="linear_forecast")
        base = linear_layer(history)
        linear_layer.set_weights([weights[:-1], weights[-1]])
        base = keras.layers.Reshape((config.horizon, n_targets), name="linear_per_step")(base)
    else:
        base = keras.ops.take(last_values, list(target_indices), axis=-1)
    standardized = keras.layers.Add(name="standardized_forecast")([base, change])
    forecast = keras.layers.Normalization(
        mean=mean[list(target_indices)], variance=np.square(std[list(target_indices)]), invert=True, name="forecast"
    )(standardized)
    trained = keras.Model(window, standardized, name=f"forecast_{config.cell}_standardized")
    forecaster = keras.Model(window, forecast, name=MODEL_NAME)
    return forecaster, trained


def serving_function(forecaster, input_steps, n_features):
    """`serving_default`: `window` (float32 [batch, input_steps, n_features], file units) ->
    `forecast` (float32 [batch, horizon, n_targets], file units).

    A window of another shape, or holding NaN or Inf, fails with an
    InvalidArgument error saying so (TF Serving's C++ server does not check
    shapes against the signature itself), and so does a finite window whose
    values are too large for float32 arithmetic (about 1e38 in file units, less
    for features with a small training spread): its forecast would be NaN or
    Inf.
    """
    expected = f"[batch, {input_steps}, {n_features}]"

    @tf.function(input_signature=[tf.TensorSpec([None, input_steps, n_features], tf.float32, name="window")])
    def serve(window):
        shape = tf.shape(window)
        # Padded with -1, the shape compares without an indexing error whatever the rank of the window.
        steps_features_and_more = tf.concat([shape, [-1, -1, -1]], axis=0)[1:4]
        right_shape = tf.reduce_all(tf.equal(steps_features_and_more, [input_steps, n_features, -1]))
        check_shape = tf.debugging.Assert(
            right_shape,
            [f"window must have shape {expected} (steps, then features in training order), got", shape],
            summarize=8,
        )
        with tf.control_dependencies([check_shape]):
            window = tf.debugging.assert_all_finite(
                window,
                f"window holds NaN or Inf values: send finite numbers in file units, shape {expected} "
                "(fill or drop missing values first)",
            )
        forecast = tf.debugging.assert_all_finite(
            tf.cast(forecaster(window), tf.float32),
            "forecast is NaN or Inf: the window's values are too large for float32 arithmetic; send values "
            "in file units of the magnitude of the training data",
        )
        return {"forecast": forecast}

    return serve


# --- baselines -----------------------------------------------------------------


def persistence_forecast(series, starts, horizon):
    """The last observed target value, repeated: `(windows, horizon, targets)`."""
    last = series.targets[np.asarray(starts) - 1]
    return np.repeat(last[:, None, :], horizon, axis=1)


def seasonal_naive_forecast(series, starts, horizon, period):
    """Each step's value one period earlier (several periods for steps beyond one period)."""
    steps = np.arange(horizon)
    lags = period * (steps // period + 1)
    return series.targets[np.asarray(starts)[:, None] + steps - lags]


class RidgeForecaster:
    """Linear baseline: ridge regression from the flattened standardized window to the standardized targets.

    `fit` tries every input set of `INPUT_SETS` (every feature, or the
    targets' own history) with every penalty of `RIDGE_PENALTIES` and keeps
    the pair with the lowest validation MAE (`inputs`, `penalty`).
    """

    INPUT_SETS = ("all features", "target history")

    def __init__(self, series, input_steps, horizon, mean, std):
        self.series, self.input_steps, self.horizon = series, input_steps, horizon
        self.mean, self.std = mean, std
        self.target_mean = mean[list(series.target_indices)]
        self.target_std = std[list(series.target_indices)]
        self.columns = list(range(len(series.feature_names)))
        self.weights = self.penalty = self.inputs = None

    def _design(self, starts):
        windows, _ = timeseries.gather_windows(self.series, starts, self.input_steps, 1)
        scaled = ((windows - self.mean) / self.std)[:, :, self.columns].reshape(len(starts), -1)
        return np.concatenate([scaled, np.ones((len(starts), 1), np.float32)], axis=1).astype(np.float64)

    def _scaled_targets(self, starts):
        _, targets = timeseries.gather_windows(self.series, starts, 1, self.horizon)
        return ((targets - self.target_mean) / self.target_std).astype(np.float64)

    def fit(self, train_starts, validation_starts):
        best = None
        truth = self._scaled_targets(validation_starts)
        for inputs, columns in zip(
            self.INPUT_SETS, (list(range(len(self.series.feature_names))), list(self.series.target_indices))
        ):
            self.columns = columns
            size = self.input_steps * len(columns) + 1
            gram = np.zeros((size, size))
            moment = np.zeros((size, self.horizon * len(self.target_std)))
            for chunk in range(0, len(train_starts), _CHUNK):
                design = self._design(train_starts[chunk : chunk + _CHUNK])
                gram += design.T @ design
                moment += design.T @ self._scaled_targets(train_starts[chunk : chunk + _CHUNK]).reshape(len(design), -1)
            scale = np.trace(gram) / size
            identity = np.eye(size)
            for penalty in RIDGE_PENALTIES:
                self.weights = np.linalg.solve(gram + penalty * scale * identity, moment)
                error = np.mean(np.abs(self.predict(validation_starts, scaled=True) - truth))
                if best is None or error < best[0]:
                    best = (error, inputs, columns, penalty, self.weights)
        _, self.inputs, self.columns, self.penalty, self.weights = best
        return self

    def predict(self, starts, scaled=False):
        """Forecast `(windows, horizon, targets)`, in file units unless `scaled`."""
        outputs = [
            self._design(starts[chunk : chunk + _CHUNK]) @ self.weights for chunk in range(0, len(starts), _CHUNK)
        ]
        forecast = np.concatenate(outputs).reshape(len(starts), self.horizon, -1).astype(np.float32)
        return forecast if scaled else forecast * self.target_std + self.target_mean


def _keep_linear_if_better(trained, ridge, validation_starts, best_validation_mae):
    """Sets the head back to zero (the model = the linear forecast) if training never beat its validation MAE."""
    _, truth = timeseries.gather_windows(ridge.series, validation_starts, 1, ridge.horizon)
    scaled_truth = (truth - ridge.target_mean) / ridge.target_std
    linear_mae = float(np.mean(np.abs(ridge.predict(validation_starts, scaled=True) - scaled_truth)))
    if best_validation_mae < linear_mae:
        logger.info(
            f"Recurrent correction kept: validation MAE (standardized) {best_validation_mae:.4f}, "
            f"linear component alone {linear_mae:.4f}."
        )
        return
    head = trained.get_layer("forecast_change")
    head.set_weights([np.zeros_like(weight) for weight in head.get_weights()])
    logger.info(
        f"Training never beat the linear component on validation MAE (standardized: best "
        f"{best_validation_mae:.4f}, linear alone {linear_mae:.4f}): the head is set back to zero, "
        "so the model is the linear forecast."
    )


# --- evaluation ----------------------------------------------------------------


def error_metrics(forecast, truth, target_std):
    """MAE and MSE in file units and standardized, averaged and per horizon step."""
    error = np.asarray(forecast, np.float64) - np.asarray(truth, np.float64)
    scaled = error / np.asarray(target_std, np.float64)
    metrics = {}
    for prefix, values in (("", error), ("normalized_", scaled)):
        metrics[f"{prefix}mae"] = float(np.mean(np.abs(values)))
        metrics[f"{prefix}mse"] = float(np.mean(np.square(values)))
        metrics[f"{prefix}mae_per_step"] = np.mean(np.abs(values), axis=(0, 2)).tolist()
        metrics[f"{prefix}mse_per_step"] = np.mean(np.square(values), axis=(0, 2)).tolist()
    return metrics


def improvement_percent(model_metrics, baseline_metrics):
    """How much lower the model's standardized MAE is than the baseline's, in percent."""
    return 100.0 * (1.0 - model_metrics["normalized_mae"] / baseline_metrics["normalized_mae"])


def metrics_table(metrics, best_baseline, units):
    """Markdown table of the averaged metrics of every forecaster on validation and test."""
    lines = [
        f"| forecaster | val MAE | test MAE ({units}) | test MSE | test MAE (std.) | test MSE (std.) "
        "| vs best baseline |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, test in metrics["test"].items():
        validation = metrics["validation"][name]
        delta = improvement_percent(test, metrics["test"][best_baseline])
        lines.append(
            f"| {name} | {validation['mae']:.4f} | {test['mae']:.4f} | {test['mse']:.4f} "
            f"| {test['normalized_mae']:.4f} | {test['normalized_mse']:.4f} | {delta:+.1f}% |"
        )
    return "\n".join(lines)


def per_step_table(test_metrics, horizon):
    """Markdown table of the test MAE (file units) per horizon step, a few steps shown."""
    shown = sorted({0, horizon // 4, horizon // 2, 3 * horizon // 4, horizon - 1})
    lines = [
        "| forecaster | " + " | ".join(f"step {step + 1}" for step in shown) + " |",
        "|---|" + "---:|" * len(shown),
    ]
    for name, values in test_metrics.items():
        lines.append(f"| {name} | " + " | ".join(f"{values['mae_per_step'][step]:.4f}" for step in shown) + " |")
    return "\n".join(lines)


def plot_forecasts(series, starts, forecasts, config, path):
    """Forecast plot of a few test windows (first target): history, truth, the model and the baselines."""
    chosen = np.linspace(0, len(starts) - 1, min(PLOTTED_WINDOWS, len(starts))).round().astype(int)
    figure, axes = plotting.new_figure(rows=len(chosen), width=10.0, height_per_row=2.6)
    target = series.targets[:, 0]
    for axis, index in zip(axes[:, 0], chosen):
        start = int(starts[index])
        history = np.arange(start - config.input_steps, start)
        future = np.arange(start, start + config.horizon)
        axis.plot(series.timestamps[history], target[history], color="black", linewidth=1, label="history")
        axis.plot(series.timestamps[future], target[future], color="black", linestyle=":", linewidth=1.5, label="truth")
        for (name, forecast), style in zip(forecasts.items(), ("-", "--", "--", "--", "--")):
            axis.plot(
                series.timestamps[future],
                forecast[index, :, 0],
                linestyle=style,
                linewidth=2 if name == "model" else 1,
                label=name,
            )
        axis.set_ylabel(series.target_names[0])
        axis.grid(True, alpha=0.3)
    axes[0, 0].set_title(f"Test windows: {config.input_steps} steps in, {config.horizon} forecast")
    axes[0, 0].legend(loc="upper left", fontsize="small", ncol=3)
    return plotting.save(figure, path)


# --- training --------------------------------------------------------------------


def _describe_series(series, config, starts):
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


def train(config):
    """Loads the data, computes the baselines, trains, evaluates, plots and exports.

    The run's settings are saved in `<run_dir>/config.json` (`training.start_run`);
    the progress and the results tables go to the `seqapps` logger.

    Returns:
        A `TimeseriesForecastingResult`.
    """
    run_dir = training.start_run(config.run_dir, config.restart, config.seed, config=config)

    series = load_series(config)
    for note in series.notes:
        logger.info(note)
    period = config.period or series.period
    lookback = period if period else None
    starts = {
        split: timeseries.window_starts(series, split, config.input_steps, config.horizon, lookback)
        for split in timeseries.SPLITS
    }
    if config.max_train_windows and len(starts["train"]) > config.max_train_windows:
        chosen = np.linspace(0, len(starts["train"]) - 1, config.max_train_windows).round().astype(int)
        starts["train"] = starts["train"][chosen]
        logger.info(f"Training on {config.max_train_windows:,} evenly spaced training windows.")
    logger.info(_describe_series(series, config, starts))
    mean, std = series.statistics()
    target_indices = list(series.target_indices)
    target_mean, target_std = mean[target_indices], std[target_indices]
    n_features, n_targets = len(series.feature_names), len(series.target_names)

    forecasts = {split: {} for split in ("validation", "test")}
    for split in forecasts:
        forecasts[split]["persistence"] = persistence_forecast(series, starts[split], config.horizon)
        if period:
            forecasts[split]["seasonal naive"] = seasonal_naive_forecast(series, starts[split], config.horizon, period)
    start = time.perf_counter()
    ridge = RidgeForecaster(series, config.input_steps, config.horizon, mean, std).fit(
        starts["train"], starts["validation"]
    )
    for split in forecasts:
        forecasts[split]["linear"] = ridge.predict(starts[split])
    logger.info(
        "Baselines: persistence, "
        + (f"seasonal naive (period {period} rows), " if period else "")
        + f"linear (ridge on the {config.input_steps}-step window of {ridge.inputs}, penalty "
        f"{ridge.penalty:g}, both chosen on validation, {time.perf_counter() - start:.0f} s)"
    )

    def standardize(target):
        return (target - target_mean) / target_std

    def dataset(split, shuffle):
        return timeseries.make_dataset(
            series,
            starts[split],
            config.input_steps,
            config.horizon,
            config.batch_size,
            shuffle=shuffle,
            seed=config.seed,
            target_transform=standardize,
        )

    forecaster, trained = build_model(
        config, n_features, n_targets, mean, std, target_indices, linear=ridge if config.linear_component else None
    )
    trained.summary(print_fn=logger.info)
    trained.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=1.0), loss=config.loss, metrics=["mae"]
    )
    epoch_seconds = []
    train_batches = dataset("train", shuffle=True)
    history = trained.fit(
        train_batches,
        validation_data=dataset("validation", shuffle=False).cache(),
        epochs=config.epochs,
        callbacks=training.standard_callbacks(
            run_dir, "val_mae", "min", config.patience, epoch_seconds, train_dataset=train_batches
        ),
        shuffle=False,
        verbose=config.verbose,
    )
    epochs_trained = training.record_history(history, run_dir, epoch_seconds)
    if config.linear_component:
        _keep_linear_if_better(trained, ridge, starts["validation"], min(history.history["val_mae"]))

    metrics = {}
    for split in forecasts:
        windows, truth = timeseries.gather_windows(series, starts[split], config.input_steps, config.horizon)
        model_forecast = forecaster.predict(windows, batch_size=512, verbose=0)
        forecasts[split] = {"model": model_forecast, **forecasts[split]}
        metrics[split] = {
            name: error_metrics(forecast, truth, target_std) for name, forecast in forecasts[split].items()
        }
    baselines = [name for name in metrics["test"] if name != "model"]
    best_baseline = min(baselines, key=lambda name: metrics["test"][name]["normalized_mae"])
    improvement = improvement_percent(metrics["test"]["model"], metrics["test"][best_baseline])
    units = series.target_names[0] if n_targets == 1 else f"mean of {n_targets} targets"
    logger.info("")
    logger.info(metrics_table(metrics, best_baseline, units))
    logger.info("\nTest MAE per horizon step (file units):")
    logger.info(per_step_table(metrics["test"], config.horizon))
    logger.info(f"\nModel vs best baseline ({best_baseline}) on test MAE: {improvement:+.1f}%")
    plot_forecasts(series, starts["test"], forecasts["test"], config, run_dir / "forecast.png")
    (run_dir / "metrics.json").write_text(
        json.dumps(
            {
                "best_baseline": best_baseline,
                "improvement_percent": improvement,
                "linear_inputs": ridge.inputs,
                "linear_penalty": ridge.penalty,
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
                "feature_names": series.feature_names,
                "target_names": series.target_names,
                "input_steps": config.input_steps,
                "horizon": config.horizon,
                "mean": mean.tolist(),
                "std": std.tolist(),
                "notes": series.notes,
            },
            indent=1,
        )
    )
    serve = serving_function(forecaster, config.input_steps, n_features)
    test_windows, _ = timeseries.gather_windows(series, starts["test"][[0, -1]], config.input_steps, config.horizon)
    (run_dir / "example_request.json").write_text(json.dumps({"window": test_windows[:1].tolist()}))
    sample = serve(tf.constant(test_windows))["forecast"].numpy()
    logger.info(
        f"\nSample forecast of {series.target_names[0]} for the first test window (first 6 steps): "
        + ", ".join(f"{value:.3f}" for value in sample[0, :6, 0])
    )
    export_path = export.export_for_serving(
        forecaster,
        config.export_root,
        MODEL_NAME,
        {"serving_default": serve},
        warmup_examples=[{"window": window[None]} for window in test_windows],
    )
    logger.info(
        f"Exported to {export_path} (serving_default: window [batch, {config.input_steps}, "
        f"{n_features}] -> forecast [batch, {config.horizon}, {n_targets}], file units). Plots: "
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
    )
