"""Baselines computed in the same run on the same windows: persistence, seasonal naive and two ridge regressions.

- `persistence_forecast`: the last observed value, for every step;
- `seasonal_naive_forecast`: the value one period (e.g. 24 h) before each step;
- `ChannelRidgeForecaster`: channel-independent ridge on the model's whole
  lookback, relative to the last value (one set of weights for every target
  column, as DLinear/NLinear are linear per channel);
- `RidgeForecaster`: multivariate ridge from the whole standardized window
  (every feature, or the targets' own history) to every target.

`fit_linear_baseline` fits both (the multivariate one only while its design
stays small) and keeps the one with the lower validation MAE; every penalty
and input set is chosen on validation too.
"""

import logging

import numpy as np

from seqapps.data import timeseries

logger = logging.getLogger(__name__)

# Ridge penalties, relative to the mean diagonal of the Gram matrix.
RIDGE_PENALTIES = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
# The multivariate ridge is fitted only while its window has at most this many values (its Gram matrix grows
# with the square): e.g. 96 steps x 21 columns.
MAX_MULTIVARIATE_INPUTS = 2048
_CHUNK = 2048
# Rows of (window, column) pairs per chunk of the channel-independent ridge.
_CHANNEL_CHUNK = 16384


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

    def describe(self):
        return f"ridge on the {self.input_steps}-step window of {self.inputs}, penalty {self.penalty:g}"

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


class ChannelRidgeForecaster:
    """Channel-independent linear baseline on the whole lookback, relative to the last value (NLinear with ridge).

    Every target column is its own sample through the same weights: its
    standardized window minus its last value (`input_steps - 1` numbers and a
    constant) maps linearly to its next `horizon` values minus that last value.
    The closed-form ridge penalty is chosen on validation MAE (`penalty`).
    """

    inputs = "each target's own history"

    def __init__(self, series, input_steps, horizon, mean, std):
        self.series, self.input_steps, self.horizon = series, input_steps, horizon
        self.target_indices = list(series.target_indices)
        self.target_mean, self.target_std = mean[self.target_indices], std[self.target_indices]
        self.weights = self.penalty = None

    def describe(self):
        return (
            f"channel-independent ridge on the {self.input_steps}-step window relative to its last value, "
            f"penalty {self.penalty:g}"
        )

    def _samples(self, starts):
        """Design `(windows * targets, input_steps)`, relative targets `(windows * targets, horizon)`, last values."""
        windows, targets = timeseries.gather_windows(self.series, starts, self.input_steps, self.horizon)
        scaled = (windows[:, :, self.target_indices] - self.target_mean) / self.target_std
        last = scaled[:, -1:, :]
        relative = np.transpose(scaled[:, :-1] - last, (0, 2, 1)).reshape(-1, self.input_steps - 1)
        design = np.concatenate([relative, np.ones((len(relative), 1), np.float32)], axis=1).astype(np.float64)
        future = np.transpose((targets - self.target_mean) / self.target_std - last, (0, 2, 1))
        return design, future.reshape(-1, self.horizon).astype(np.float64), last

    def _chunks(self, starts):
        size = max(1, _CHANNEL_CHUNK // len(self.target_indices))
        return [starts[chunk : chunk + size] for chunk in range(0, len(starts), size)]

    def fit(self, train_starts, validation_starts):
        gram = np.zeros((self.input_steps, self.input_steps))
        moment = np.zeros((self.input_steps, self.horizon))
        for chunk in self._chunks(train_starts):
            design, future, _ = self._samples(chunk)
            gram += design.T @ design
            moment += design.T @ future
        _, truth = timeseries.gather_windows(self.series, validation_starts, 1, self.horizon)
        truth = (truth - self.target_mean) / self.target_std
        scale = np.trace(gram) / len(gram)
        best = None
        for penalty in RIDGE_PENALTIES:
            self.weights = np.linalg.solve(gram + penalty * scale * np.eye(len(gram)), moment)
            error = np.mean(np.abs(self.predict(validation_starts, scaled=True) - truth))
            if best is None or error < best[0]:
                best = (error, penalty, self.weights)
        _, self.penalty, self.weights = best
        return self

    def predict(self, starts, scaled=False):
        """Forecast `(windows, horizon, targets)`, in file units unless `scaled`."""
        outputs = []
        for chunk in self._chunks(starts):
            design, _, last = self._samples(chunk)
            change = (design @ self.weights).reshape(len(chunk), len(self.target_indices), self.horizon)
            outputs.append(np.transpose(change, (0, 2, 1)) + last)
        forecast = np.concatenate(outputs).astype(np.float32)
        return forecast if scaled else forecast * self.target_std + self.target_mean


def validation_mae(forecaster, starts):
    """Standardized MAE of a fitted ridge forecaster on the windows at `starts`."""
    _, truth = timeseries.gather_windows(forecaster.series, starts, 1, forecaster.horizon)
    scaled_truth = (truth - forecaster.target_mean) / forecaster.target_std
    return float(np.mean(np.abs(forecaster.predict(starts, scaled=True) - scaled_truth)))


def fit_linear_baseline(series, starts, input_steps, horizon, mean, std, multivariate=False):
    """Fits the channel-independent ridge and, while it is small (or `multivariate`), the multivariate one.

    Returns:
        `(linear, multivariate_ridge)`: the one with the lower validation MAE,
        and the multivariate `RidgeForecaster` (`None` when not fitted).
    """
    candidates = []
    if input_steps > 1:
        candidates.append(ChannelRidgeForecaster(series, input_steps, horizon, mean, std))
    ridge = None
    if multivariate or input_steps * len(series.feature_names) <= MAX_MULTIVARIATE_INPUTS or not candidates:
        ridge = RidgeForecaster(series, input_steps, horizon, mean, std)
        candidates.append(ridge)
    for candidate in candidates:
        candidate.fit(starts["train"], starts["validation"])
    errors = [validation_mae(candidate, starts["validation"]) for candidate in candidates]
    return candidates[int(np.argmin(errors))], ridge
