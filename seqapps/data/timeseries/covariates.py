"""Covariates known in advance: calendar features of the timestamps and the series' future columns.

A forecast may read, for each of its `horizon` rows, values known before the
rows are observed: the position of the row in the day, week and year
(`calendar_features`, computed from the timestamp alone), and columns of the
file the user knows ahead (`load_csv(..., future_columns=...)`, e.g. a
planned load or a holiday flag). `future_covariates` puts both in one matrix,
a row per row of the series.
"""

import numpy as np

# Sine and cosine of the position in the day, the week (Monday 0) and the year, in that order.
CALENDAR_FEATURES = (
    "hour_of_day_sin",
    "hour_of_day_cos",
    "day_of_week_sin",
    "day_of_week_cos",
    "day_of_year_sin",
    "day_of_year_cos",
)
_SECONDS_PER_DAY = 86400
# 1970-01-01, day 0 of numpy's calendar, was a Thursday (day 3 of a week starting on Monday).
_EPOCH_WEEKDAY = 3


def calendar_features(timestamps):
    """float32 `(rows, 6)`: the sine and cosine of each timestamp's position in its day, week and year.

    Each position is a fraction of the cycle (the time of day in seconds, the
    weekday plus the time of day, the day of the year plus the time of day over
    the days of that year), so the features are smooth across midnight and New
    Year and two timestamps a cycle apart get the same pair. The column names
    are `CALENDAR_FEATURES`.

    Args:
        timestamps: `datetime64` array-like `(rows,)`, e.g. `TimeSeries.timestamps`
            or `numpy.array(["2024-05-01 13:00"], dtype="datetime64[s]")`.

    Example:

    >>> features = calendar_features(np.array(["2024-01-01T06:00"], dtype="datetime64[s]"))
    >>> features.shape, round(float(features[0, 0]), 3)  # 6 h: a quarter of the day, sin = 1
    ((1, 6), 1.0)
    """
    times = np.asarray(timestamps, dtype="datetime64[s]")
    days = times.astype("datetime64[D]")
    day_fraction = (times - days).astype(np.int64) / _SECONDS_PER_DAY
    day_numbers = days.astype(np.int64)
    week_fraction = (((day_numbers + _EPOCH_WEEKDAY) % 7) + day_fraction) / 7
    years = times.astype("datetime64[Y]")
    year_start = years.astype("datetime64[D]").astype(np.int64)
    year_days = (years + 1).astype("datetime64[D]").astype(np.int64) - year_start
    year_fraction = (day_numbers - year_start + day_fraction) / year_days
    angles = 2 * np.pi * np.stack([day_fraction, week_fraction, year_fraction], axis=1)
    return np.stack([np.sin(angles), np.cos(angles)], axis=2).reshape(len(times), 6).astype(np.float32)


def future_covariates(series, calendar=False):
    """The covariates known in advance of every row: the series' future columns, then the calendar features.

    Args:
        series: a `TimeSeries`; its `future_names` (from `load_csv(...,
            future_columns=...)`) are columns of its `values`.
        calendar: append `calendar_features(series.timestamps)`.

    Returns:
        `(matrix, names)`: float32 `(rows, covariates)` in file units (the
        calendar features in [-1, 1]) and the name of each column; `(None, ())`
        when the series has no future columns and `calendar` is off.
    """
    names = tuple(series.future_names) + (CALENDAR_FEATURES if calendar else ())
    if not names:
        return None, ()
    columns = [series.values[:, list(series.future_indices)]]
    if calendar:
        columns.append(calendar_features(series.timestamps))
    return np.concatenate(columns, axis=1).astype(np.float32), names
