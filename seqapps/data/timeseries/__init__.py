"""Multivariate time series from CSV files: parsing, cleaning, splits and windows.

`load_csv(path, time_column, target_columns, feature_columns=None, ...)` reads
any CSV (or a zip holding one) with a header row and a timestamp column (or
several: year, month, day, hour, ...) and returns a `TimeSeries`: a float32
matrix of every input feature (the targets included) on a regular time grid,
the chronological train / validation / test borders, and `notes` saying what
was found and done. `load(name)` does the same for the presets in `PRESETS`:

| preset | target | sampling | period | split |
|---|---|---|---|---|
| `etth1`, `etth2` | `OT` | 1 h | 24 | rows [0, 8640) / [8640, 11520) / [11520, 14400) |
| `ettm1`, `ettm2` | `OT` | 15 min | 96 | the ETTh rows times 4 |
| `weather` | `OT` | 10 min | 144 | 70 / 10 / 20 % of the rows |
| `beijing_pm25` | `pm2.5` | 1 h | 24 | 70 / 10 / 20 % |
| `jena_climate` | `T (degC)` | 10 min | 144 | 50 / 25 / 25 % |

Their files under `$SEQAPPS_DATA_DIR`: `timeseries/ETT-small/ETTh{1,2}.csv` and
`ETTm{1,2}.csv`, `timeseries/weather/weather.csv`,
`timeseries/beijing_pm25/PRSA_data_2010.1.1-2014.12.31.csv` and
`timeseries/jena_climate/jena_climate_2009_2016.csv.zip` (else downloaded).

The ETT and weather splits are the standard ones of the Informer / Autoformer /
DLinear / PatchTST code; Jena's is the one of Chollet's *Deep Learning with
Python*. Split borders are fixed as timestamps of the file's rows, so cleaning
(dropping a duplicate, inserting a missing row) never moves a row to another
split. Validation and test windows read their inputs from the rows before
their split, as in the reference code.

Data problems are errors (`seqapps.data.paths.DataFormatError`) naming the
problem, where it is and the fix, unless a policy says otherwise:

- `missing` (empty, `NA`, `NaN`, `null` cells, the numbers in
  `missing_values` such as -9999, and timestamps missing from the regular
  grid): `"error"`; `"interpolate"`: missing rows are inserted and every
  missing value is linearly interpolated in time, rows before the first /
  after the last complete row are dropped, and interpolated target values are
  marked (`target_imputed`) so no window is trained or scored on them (they
  may appear in inputs); `"drop"`: rows with a missing value are dropped and
  no window spans the resulting gap.
- `duplicates` (rows with the same timestamp): `"error"`, or `"drop"` (keep
  the first; the notes say how many and whether their values differed).
- `unordered` (a timestamp earlier than the one before): `"error"`, or
  `"sort"` (stable sort by timestamp).
- `categorical` (a column whose values are not numbers): `"error"`, `"drop"`
  the column, or `"one_hot"` (one 0/1 feature `name=value` per category, in
  sorted order; a missing category is all zeros).

Infinite values, timestamps that do not parse or are off the sampling grid,
columns mixing numbers and text, and series too short for one window of a
split are always errors. Numbers that look like placeholders (-9999, ...) but
are not declared in `missing_values` raise a `UserWarning`.

Covariates known in advance: `load_csv(..., future_columns=[...])` names
columns whose values are known for the forecast horizon (a planned load, a
holiday flag; never missing in the file), and `future_covariates(series,
calendar=True)` gives them, with `calendar_features` of the timestamps (sine
and cosine of the hour of day, day of week and day of year), as one matrix;
`make_dataset(..., future=matrix)` then feeds each window the covariates of
its forecast rows.

Example:

```python
from seqapps.data import timeseries

series = timeseries.load("etth1")  # $SEQAPPS_DATA_DIR/timeseries/ETT-small/ETTh1.csv
print("\\n".join(series.notes))
starts = timeseries.window_starts(series, "train", input_steps=96, horizon=24)
train = timeseries.make_dataset(series, starts, input_steps=96, horizon=24, batch_size=64, shuffle=True)
```
"""

from seqapps.data.paths import DataFormatError
from seqapps.data.timeseries.covariates import CALENDAR_FEATURES, calendar_features, future_covariates
from seqapps.data.timeseries.loading import (
    CATEGORICAL_POLICIES,
    DEFAULT_SPLIT,
    DUPLICATE_POLICIES,
    MISSING_POLICIES,
    UNORDERED_POLICIES,
    load_csv,
)
from seqapps.data.timeseries.many_series import NOTED_SERIES
from seqapps.data.timeseries.presets import JENA_URL, PRESETS, Preset, load
from seqapps.data.timeseries.reading import MISSING_TOKENS, SUSPICIOUS_PLACEHOLDERS, TIME_PARTS
from seqapps.data.timeseries.series import SPLITS, TimeSeries
from seqapps.data.timeseries.windows import gather_future, gather_windows, make_dataset, short_series, window_starts

__all__ = [
    "CALENDAR_FEATURES",
    "CATEGORICAL_POLICIES",
    "DEFAULT_SPLIT",
    "DUPLICATE_POLICIES",
    "DataFormatError",
    "JENA_URL",
    "MISSING_POLICIES",
    "MISSING_TOKENS",
    "NOTED_SERIES",
    "PRESETS",
    "Preset",
    "SPLITS",
    "SUSPICIOUS_PLACEHOLDERS",
    "TIME_PARTS",
    "TimeSeries",
    "calendar_features",
    "future_covariates",
    "gather_future",
    "UNORDERED_POLICIES",
    "gather_windows",
    "load",
    "load_csv",
    "make_dataset",
    "short_series",
    "window_starts",
]
