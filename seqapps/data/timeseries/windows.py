"""Forecast windows of a split: their start rows, numpy arrays and `tf.data` pipelines."""

import numpy as np
import tensorflow as tf

from seqapps import training
from seqapps.data.paths import DataFormatError
from seqapps.data.timeseries.reading import _check_choice
from seqapps.data.timeseries.series import SPLITS


def window_starts(series, split, input_steps, horizon, lookback=None):
    """The forecast start rows `t` of every complete window of a split.

    A window reads rows `[t - input_steps, t)` and forecasts rows
    `[t, t + horizon)`, all in `split`'s rows for the forecast (train windows
    read train rows only; validation and test inputs may start in the rows
    before). Windows that span a gap (rows dropped by `missing="drop"`) or
    whose forecast rows hold an interpolated target are left out.

    Args:
        series: a `TimeSeries`.
        split: `"train"`, `"validation"` or `"test"`.
        input_steps: rows read per window.
        horizon: rows forecast per window.
        lookback: history rows that must exist before `t`, when more than
            `input_steps` (e.g. the seasonal period, for the seasonal-naive baseline).

    Returns:
        int64 array of start rows, increasing.

    Raises:
        DataFormatError: the split holds no complete window (the series is too
            short for `input_steps` and `horizon`).
    """
    _check_choice("split", split, SPLITS)
    for argument, value in (("input_steps", input_steps), ("horizon", horizon)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{argument} must be a positive integer, got {value!r}.")
    history = max(input_steps, lookback or 0)
    index = SPLITS.index(split)
    if series.series_borders:
        # Each series on its own; a series too short for a window of this split contributes none.
        starts = np.concatenate(
            [
                _split_starts(series, max(borders[index], borders[0] + history), borders[index + 1], history, horizon)
                for borders in series.series_borders
            ]
        )
        if not len(starts):
            raise DataFormatError(
                f"No series of {series.source!r} holds a complete {split} window of {history} history rows and "
                f"{horizon} forecast rows. Fix: use longer series, or smaller input steps / horizon."
            )
        return starts
    borders = (0,) + tuple(series.borders)
    first, end = borders[index], borders[index + 1]
    starts = _split_starts(series, max(first, history), end, history, horizon)
    if not len(starts):
        raise DataFormatError(
            f"The {split} split of {series.source!r} (rows [{first}, {end}), {end - first} rows) holds no complete "
            f"window of {history} history rows and {horizon} forecast rows"
            + (" without a gap or an interpolated target" if end - max(first, history) >= horizon else "")
            + ". Fix: use a longer series, or smaller input steps / horizon"
            + (f" / seasonal period ({lookback})" if lookback and lookback > input_steps else "")
            + "."
        )
    return starts


def _split_starts(series, first, end, history, horizon):
    """Start rows in `[first, end - horizon]` whose window stays in one segment and forecasts no interpolated target."""
    starts = np.arange(first, end - horizon + 1, dtype=np.int64)
    if len(starts):
        same_segment = series.segments[starts - history] == series.segments[starts + horizon - 1]
        imputed_before = np.concatenate([[0], np.cumsum(series.target_imputed)])
        clean_forecast = imputed_before[starts + horizon] == imputed_before[starts]
        starts = starts[same_segment & clean_forecast]
    return starts


def short_series(series, input_steps, horizon, lookback=None):
    """`{split: [series names]}`: the series of a many-series file with no complete window in each split."""
    if not series.series_borders:
        return {}
    history = max(input_steps, lookback or 0)
    short = {}
    for index, split in enumerate(SPLITS):
        names = [
            name
            for name, borders in zip(series.series_names, series.series_borders)
            if not len(
                _split_starts(series, max(borders[index], borders[0] + history), borders[index + 1], history, horizon)
            )
        ]
        if names:
            short[split] = names
    return short


def gather_windows(series, starts, input_steps, horizon):
    """Numpy windows: inputs float32 `(windows, input_steps, features)` and
    targets float32 `(windows, horizon, targets)`, in file units."""
    starts = np.asarray(starts, dtype=np.int64)
    inputs = series.values[starts[:, None] + np.arange(-input_steps, 0)]
    targets = series.targets[starts[:, None] + np.arange(horizon)]
    return inputs, targets


def gather_future(future, starts, horizon):
    """float32 `(windows, horizon, covariates)`: the rows `[t, t + horizon)` of `future` for each start `t`.

    `future` is a matrix with a row per row of the series, e.g. from `future_covariates`.
    """
    return np.asarray(future, np.float32)[np.asarray(starts, dtype=np.int64)[:, None] + np.arange(horizon)]


def make_dataset(
    series,
    starts,
    input_steps,
    horizon,
    batch_size,
    shuffle=False,
    seed=None,
    target_transform=None,
    future=None,
):
    """A `tf.data.Dataset` of `(window, target)` batches for the given window starts.

    Args:
        series: a `TimeSeries`.
        starts: forecast start rows, from `window_starts`.
        input_steps, horizon: window lengths, as given to `window_starts`.
        batch_size: windows per batch.
        shuffle: shuffle the windows again every epoch.
        seed: shuffling seed.
        target_transform: function applied to each target batch in the
            pipeline (e.g. standardization), or `None`.
        future: covariates known in advance, a float matrix with a row per row
            of the series (`future_covariates`), or `None`. With it, each
            window is a dict `{"window": ..., "future": ...}` whose `future`
            holds the forecast rows' covariates, float32 `(batch, horizon, covariates)`.

    Returns:
        A dataset of `(float32 (batch, input_steps, features), float32 (batch, horizon, targets))`,
        in file units unless `target_transform` changes the targets.
    """
    values = tf.constant(series.values, dtype=tf.float32)
    targets = tf.constant(series.targets, dtype=tf.float32)
    input_offsets = tf.range(-input_steps, 0, dtype=tf.int64)
    target_offsets = tf.range(horizon, dtype=tf.int64)
    covariates = None if future is None else tf.constant(future, dtype=tf.float32)

    def windows(batch_starts):
        target = tf.gather(targets, batch_starts[:, None] + target_offsets)
        if target_transform is not None:
            target = target_transform(target)
        window = tf.gather(values, batch_starts[:, None] + input_offsets)
        if covariates is None:
            return window, target
        return {"window": window, "future": tf.gather(covariates, batch_starts[:, None] + target_offsets)}, target

    dataset = tf.data.Dataset.from_tensor_slices(np.asarray(starts, dtype=np.int64))
    if shuffle:
        dataset = training.shuffle_each_epoch(dataset, len(starts), seed)
    return dataset.batch(batch_size).map(windows, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
