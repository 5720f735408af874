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

Example:

```python
from seqapps.data import timeseries

series = timeseries.load("etth1")  # $SEQAPPS_DATA_DIR/timeseries/ETT-small/ETTh1.csv
print("\\n".join(series.notes))
starts = timeseries.window_starts(series, "train", input_steps=96, horizon=24)
train = timeseries.make_dataset(series, starts, input_steps=96, horizon=24, batch_size=64, shuffle=True)
```
"""

import collections
import csv
import dataclasses
import datetime
import io
import warnings
import zipfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqapps import training
from seqapps.data import paths
from seqapps.data.paths import DataFormatError

MISSING_POLICIES = ("error", "interpolate", "drop")
DUPLICATE_POLICIES = ("error", "drop")
UNORDERED_POLICIES = ("error", "sort")
CATEGORICAL_POLICIES = ("error", "drop", "one_hot")
SPLITS = ("train", "validation", "test")
# Cell contents read as missing values (compared lower-cased, stripped).
MISSING_TOKENS = frozenset({"", "na", "nan", "null", "none", "n/a", "#n/a"})
# Numbers commonly used as missing-value placeholders: a warning names them.
SUSPICIOUS_PLACEHOLDERS = (-9999.0, -999.0, 9999.0, -99999.0)
# Names of the time columns, in order, when the timestamp is spread over several.
TIME_PARTS = ("year", "month", "day", "hour", "minute", "second")
DEFAULT_SPLIT = (0.7, 0.1, 0.2)
JENA_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip"
_MISSING_FIX = (
    "Fix: clean the file, or pass missing='interpolate' (--missing interpolate: linear in time; "
    "interpolated targets are never trained or scored on) or missing='drop' (--missing drop: "
    "drop those rows; no window spans the gap)."
)


@dataclasses.dataclass(frozen=True)
class Preset:
    """A dataset `load` knows: where its file is and how to read it.

    Attributes:
        name: preset name, the key in `PRESETS`.
        title: human-readable dataset name.
        relative_path: the file under `$SEQAPPS_DATA_DIR`.
        time_column: the timestamp column, or a tuple of year/month/day/hour columns.
        target: default target column.
        period: seasonal period in rows (one day), for the seasonal-naive baseline.
        split: see `load_csv`.
        feature_columns: input columns (`None`: every column but the time columns).
        time_format: `strptime` format of the timestamps (`None`: ISO 8601).
        missing, duplicates, unordered, categorical: the policies (see the module docstring).
        missing_values: numbers read as missing values.
        url: download address, for datasets `keras.utils.get_file` can fetch.
    """

    name: str
    title: str
    relative_path: str
    time_column: object
    target: str
    period: int
    split: tuple
    feature_columns: tuple = None
    time_format: str = None
    missing: str = "error"
    duplicates: str = "error"
    unordered: str = "error"
    categorical: str = "error"
    missing_values: tuple = ()
    url: str = None


_ETT_HOURLY_ROWS = (8640, 11520, 14400)


def _ett(name, title, minutes):
    factor = 60 // minutes
    return Preset(
        name=name,
        title=title,
        relative_path=f"timeseries/ETT-small/{title}.csv",
        time_column="date",
        target="OT",
        period=24 * factor,
        split=tuple(rows * factor for rows in _ETT_HOURLY_ROWS),
    )


PRESETS = {
    preset.name: preset
    for preset in (
        _ett("etth1", "ETTh1", 60),
        _ett("etth2", "ETTh2", 60),
        _ett("ettm1", "ETTm1", 15),
        _ett("ettm2", "ETTm2", 15),
        Preset(
            name="weather",
            title="Weather (Jena 2020)",
            relative_path="timeseries/weather/weather.csv",
            time_column="date",
            target="OT",
            period=144,
            split=DEFAULT_SPLIT,
            missing="interpolate",
            duplicates="drop",
            missing_values=(-9999.0,),
        ),
        Preset(
            name="beijing_pm25",
            title="Beijing PM2.5",
            relative_path="timeseries/beijing_pm25/PRSA_data_2010.1.1-2014.12.31.csv",
            time_column=("year", "month", "day", "hour"),
            target="pm2.5",
            period=24,
            split=DEFAULT_SPLIT,
            feature_columns=("pm2.5", "DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is", "Ir"),
            missing="interpolate",
            categorical="one_hot",
        ),
        Preset(
            name="jena_climate",
            title="Jena climate 2009-2016",
            relative_path="timeseries/jena_climate/jena_climate_2009_2016.csv.zip",
            time_column="Date Time",
            time_format="%d.%m.%Y %H:%M:%S",
            target="T (degC)",
            period=144,
            split=(0.5, 0.25, 0.25),
            missing="interpolate",
            duplicates="drop",
            unordered="sort",
            missing_values=(-9999.0,),
            url=JENA_URL,
        ),
    )
}


@dataclasses.dataclass(frozen=True)
class TimeSeries:
    """A cleaned multivariate series on a regular time grid, split chronologically.

    Attributes:
        values: float32 `(rows, features)`, every input feature in file units,
            the targets included; never NaN or infinite.
        timestamps: `datetime64[s]` `(rows,)`, increasing.
        feature_names: names of the columns of `values` (one-hot columns are `name=value`).
        target_names: the forecast targets, a subset of `feature_names`.
        frequency: the sampling interval, a `numpy.timedelta64`.
        segments: int `(rows,)`, id of the run of consecutive grid points a
            row belongs to (all 0 unless rows were dropped); windows never span two.
        target_imputed: bool `(rows,)`, True where a target value was interpolated.
        borders: `(train_end, validation_end, test_end)` row indices: train is
            rows `[0, train_end)`, validation `[train_end, validation_end)`,
            test `[validation_end, test_end)`; later rows are unused.
        period: rows per season (e.g. 24 for hourly data) or `None` when unknown.
        source: the file read.
        notes: what was found and done while reading, one sentence each.
        series_names: for a file of many series (`load_csv(..., id_column=...)`),
            the id of each series, in file order; empty for one series.
        series_borders: for many series, `(start, train_end, validation_end,
            test_end)` rows of each series: the series are stacked one after the
            other in `values` (each its own run of `segments`, so no window spans
            two), and each is split chronologically on its own; `borders` then
            holds the last series' borders and is not used.
    """

    values: np.ndarray
    timestamps: np.ndarray
    feature_names: tuple
    target_names: tuple
    frequency: np.timedelta64
    segments: np.ndarray
    target_imputed: np.ndarray
    borders: tuple
    period: int
    source: str
    notes: tuple
    series_names: tuple = ()
    series_borders: tuple = ()

    @property
    def target_indices(self):
        """Indices of the targets among the columns of `values`."""
        return tuple(self.feature_names.index(name) for name in self.target_names)

    @property
    def targets(self):
        """float32 `(rows, targets)`: the target columns of `values`."""
        return self.values[:, list(self.target_indices)]

    def series_of_rows(self, rows):
        """The index in `series_names` of the series each row belongs to (all 0 for one series)."""
        if not self.series_borders:
            return np.zeros(len(rows), dtype=np.int64)
        starts = np.array([start for start, *_ in self.series_borders])
        return np.searchsorted(starts, np.asarray(rows), side="right") - 1

    def statistics(self):
        """Per-feature mean and standard deviation (float32 `(features,)`) of the training rows.

        A feature constant over the training rows gets standard deviation 1.
        """
        if self.series_borders:
            rows = np.concatenate([np.arange(start, train_end) for start, train_end, *_ in self.series_borders])
            train = self.values[rows].astype(np.float64)
        else:
            train = self.values[: self.borders[0]].astype(np.float64)
        mean, std = train.mean(axis=0), train.std(axis=0)
        std[std < 1e-6 * np.maximum(1.0, np.abs(mean))] = 1.0
        return mean.astype(np.float32), std.astype(np.float32)


def load(
    name, path=None, *, target_columns=None, feature_columns=None, missing=None, duplicates=None, categorical=None
):
    """Loads a preset dataset (see `PRESETS`).

    Args:
        name: a key of `PRESETS`, e.g. `"etth1"`.
        path: explicit file to read instead of `$SEQAPPS_DATA_DIR/<relative path>`
            (and of the download).
        target_columns: targets instead of the preset's (a name or a list).
        feature_columns: input columns instead of the preset's.
        missing, duplicates, categorical: override the preset's policies.

    Returns:
        A `TimeSeries` whose `period` is the preset's.

    Raises:
        ValueError: unknown `name`.
        DataNotFoundError: the file is not at `path`, not under
            `$SEQAPPS_DATA_DIR`, and (for `jena_climate`) cannot be downloaded.
        DataFormatError: see `load_csv`.
    """
    if name not in PRESETS:
        raise ValueError(
            f"Unknown time-series dataset {name!r}. Presets: {', '.join(PRESETS)}; "
            f"for any other CSV use load_csv (recipe flag --csv)."
        )
    preset = PRESETS[name]
    found = paths.find_local(path, preset.relative_path, preset.title)
    if found is None:
        if preset.url is None:
            raise paths.not_found(preset.title, path, preset.relative_path, "no public download for this dataset")
        try:
            found = Path(keras.utils.get_file(fname=Path(preset.relative_path).name, origin=preset.url))
        except Exception as error:  # The download fails in many ways (no network, proxy, disk).
            raise paths.not_found(preset.title, path, preset.relative_path, error) from error
    return load_csv(
        found,
        preset.time_column,
        target_columns if target_columns is not None else preset.target,
        feature_columns if feature_columns is not None else preset.feature_columns,
        time_format=preset.time_format,
        split=preset.split,
        missing=missing or preset.missing,
        duplicates=duplicates or preset.duplicates,
        unordered=preset.unordered,
        categorical=categorical or preset.categorical,
        missing_values=preset.missing_values,
        period=preset.period,
    )


def load_csv(
    path,
    time_column,
    target_columns,
    feature_columns=None,
    *,
    time_format=None,
    split=DEFAULT_SPLIT,
    missing="error",
    duplicates="error",
    unordered="error",
    categorical="error",
    missing_values=(),
    period=None,
    id_column=None,
):
    """Reads a CSV time series (or a zip holding one CSV), or many series of one long ("tidy") CSV.

    Args:
        path: the `.csv` or `.zip` file; UTF-8 (a BOM and CRLF line ends are fine).
        time_column: the timestamp column, or a list of columns holding its
            parts in the order year, month, day[, hour[, minute[, second]]].
        target_columns: column name or list of names to forecast (numeric).
        feature_columns: input column names; `None` means every column but the
            time columns. Targets are always inputs too (added if missing).
        time_format: `datetime.strptime` format of a single time column, e.g.
            `"%d.%m.%Y %H:%M:%S"`; `None` parses ISO 8601 (`2016-07-01 00:00:00`).
        split: three floats, the train / validation / test fractions of the
            file's rows (Autoformer convention: train `int(n * f)` rows, test
            `int(n * f)` rows, validation the rest when they sum to 1), or three
            increasing ints, the file rows (0-based, header excluded) where
            train, validation and test end.
        missing: `"error"`, `"interpolate"` or `"drop"` (module docstring).
        duplicates: `"error"` or `"drop"`.
        unordered: `"error"` or `"sort"`.
        categorical: `"error"`, `"drop"` or `"one_hot"`.
        missing_values: numbers that mean "missing", e.g. `(-9999,)`.
        period: rows per season; `None` infers one day (or one week for daily
            data) from the sampling interval, when it divides evenly.
        id_column: for a file of many series in long layout (one row per
            series and timestamp), the column naming the series. Each series
            is cleaned and split (`split` fractions of its own rows) on its
            own; series may have different lengths and start dates but must
            share the sampling interval; a series too short to split is
            skipped and named in `notes`. The series are stacked in the
            returned `TimeSeries` (`series_names`, `series_borders`).

    Returns:
        A `TimeSeries`.

    Raises:
        DataNotFoundError: `path` does not exist.
        DataFormatError: the file is malformed (see the module docstring).
        ValueError: bad arguments.
    """
    _check_choice("missing", missing, MISSING_POLICIES)
    _check_choice("duplicates", duplicates, DUPLICATE_POLICIES)
    _check_choice("unordered", unordered, UNORDERED_POLICIES)
    _check_choice("categorical", categorical, CATEGORICAL_POLICIES)
    time_columns = [time_column] if isinstance(time_column, str) else list(time_column)
    targets = [target_columns] if isinstance(target_columns, str) else list(target_columns)
    if not time_columns or not targets:
        raise ValueError("time_column and target_columns must name at least one column each.")
    if len(time_columns) > 1 and time_format is not None:
        raise ValueError(
            "time_format applies to a single time column; several time columns are read as "
            f"{', '.join(TIME_PARTS)} numbers."
        )
    if period is not None and (isinstance(period, bool) or not isinstance(period, int) or period < 1):
        raise ValueError(f"period must be a positive number of rows or None, got {period!r}.")
    missing_values = tuple(float(value) for value in missing_values)

    found = Path(path).expanduser()
    if not found.is_file():
        raise paths.DataNotFoundError(
            f"{str(found)!r} is not a file. Fix: pass the path of a CSV file (or of a zip holding one)."
        )
    source = str(found)
    header, rows, notes = _read_rows(found)
    name = f"{source!r}"
    if id_column is not None:
        if id_column not in header:
            raise DataFormatError(
                f"{name} has no id column {id_column!r}. Its columns are {paths.shown_names(header)}. "
                "Fix: pass --id-column with the column naming each series."
            )
        if id_column in time_columns or id_column in targets or id_column in (feature_columns or ()):
            raise ValueError(f"The id column {id_column!r} cannot be a time, target or feature column too.")
        if not all(isinstance(part, float) for part in split):
            raise ValueError(
                f"With id_column, split must be three fractions of each series' rows, got {tuple(split)!r}."
            )
    columns = _select_columns(
        [column for column in header if column != id_column], time_columns, targets, feature_columns, name
    )
    notes.insert(0, f"Read {len(rows):,} rows x {len(header)} columns from {source}.")
    if not rows:
        raise DataFormatError(f"{name} has a header but no data rows. Fix: pass a CSV with one row per time step.")
    table = list(zip(*rows))
    timestamps = _parse_time(table, header, time_columns, time_format, name)
    if id_column is not None:
        values, names, categorical_cells = _parse_features(
            table, header, columns, targets, categorical, missing_values, name, notes
        )
        return _long_series(
            [cell.strip() for cell in table[header.index(id_column)]],
            timestamps,
            values,
            names,
            categorical_cells,
            targets,
            id_column=id_column,
            split=split,
            missing=missing,
            duplicates=duplicates,
            unordered=unordered,
            period=period,
            source=source,
            notes=notes,
        )
    file_borders = _file_borders(split, len(rows), name)
    border_times = [timestamps[row] if row < len(rows) else None for row in file_borders]

    values, names, categorical_cells = _parse_features(
        table, header, columns, targets, categorical, missing_values, name, notes
    )
    order = np.arange(len(rows))
    timestamps, values, order = _check_order(timestamps, values, order, unordered, name, notes)
    timestamps, values, order = _remove_duplicates(
        timestamps, values, order, duplicates, categorical_cells, name, notes
    )
    frequency = _frequency(timestamps, order, name)
    notes.append(f"Sampling interval: {_describe_interval(frequency)}.")
    target_positions = [names.index(target) for target in targets]
    timestamps, values, imputed = _handle_missing(
        timestamps, values, order, frequency, missing, names, target_positions, name, notes
    )
    steps = np.diff(timestamps)
    segments = np.concatenate([[0], np.cumsum(steps != frequency)]).astype(np.int64)
    borders = tuple(
        len(timestamps) if time is None else int(np.searchsorted(timestamps, time, side="left"))
        for time in border_times
    )
    if period is None:
        period = _default_period(frequency)
    return TimeSeries(
        values=values.astype(np.float32),
        timestamps=timestamps,
        feature_names=tuple(names),
        target_names=tuple(targets),
        frequency=frequency,
        segments=segments,
        target_imputed=imputed[:, target_positions].any(axis=1),
        borders=borders,
        period=period,
        source=source,
        notes=tuple(notes),
    )


# At most this many series have their own cleaning notes listed; the others are counted.
NOTED_SERIES = 5


def _check_id_kinds(ids, id_column, name):
    """Ids must be all numbers or all text: a mix ('7' and 'store_7') is usually a broken column."""
    numeric = np.array([_is_number(value) for value in ids])
    if numeric.any() and not numeric.all():
        number, text = int(np.flatnonzero(numeric)[0]), int(np.flatnonzero(~numeric)[0])
        raise DataFormatError(
            f"{name}: the id column {id_column!r} mixes numbers and text, e.g. {ids[number]!r} at line "
            f"{_line(number)} and {ids[text]!r} at line {_line(text)}. Fix: give every series an id of one kind "
            "(all text, e.g. 'store_7', or all numbers)."
        )
    empty = [row for row, value in enumerate(ids) if not value]
    if empty:
        raise DataFormatError(
            f"{name}: {len(empty):,} row(s) have an empty id in column {id_column!r}, first at line "
            f"{_line(empty[0])}. Fix: fill in the series id of every row."
        )


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _long_series(
    ids,
    timestamps,
    values,
    names,
    categorical_cells,
    targets,
    *,
    id_column,
    split,
    missing,
    duplicates,
    unordered,
    period,
    source,
    notes,
):
    """Cleans and splits each series of a long-layout file on its own, then stacks them (see `load_csv`)."""
    name = f"{source!r}"
    _check_id_kinds(ids, id_column, name)
    rows_of = collections.defaultdict(list)
    for row, series_id in enumerate(ids):
        rows_of[series_id].append(row)
    target_positions = [names.index(target) for target in targets]
    parts, skipped, series_notes, frequency = [], [], [], None
    for series_id, rows in rows_of.items():
        label = f"{name} series {series_id!r}"
        order = np.asarray(rows, dtype=np.int64)
        own_notes = []
        if len(order) < 3:
            skipped.append(f"{series_id!r} ({len(order)} row(s))")
            continue
        series_times, series_values, order = _check_order(
            timestamps[order], values[order], order, unordered, label, own_notes
        )
        series_times, series_values, order = _remove_duplicates(
            series_times, series_values, order, duplicates, categorical_cells, label, own_notes
        )
        interval = _frequency(series_times, order, label)
        if frequency is not None and interval != frequency:
            raise DataFormatError(
                f"{label} is sampled every {_describe_interval(interval)}, the series before every "
                f"{_describe_interval(frequency)}. Fix: resample every series to one interval (one global model "
                "reads windows of one step size)."
            )
        frequency = interval
        series_times, series_values, imputed = _handle_missing(
            series_times, series_values, order, frequency, missing, names, target_positions, label, own_notes
        )
        try:
            borders = _file_borders(split, len(series_times), label)
        except DataFormatError:
            skipped.append(f"{series_id!r} ({len(series_times)} row(s))")
            continue
        steps = np.diff(series_times)
        parts.append((series_id, series_times, series_values, imputed, borders, steps != frequency))
        series_notes.extend(own_notes)
    if not parts:
        raise DataFormatError(
            f"{name}: no series of {id_column!r} is long enough to split into train, validation and test "
            f"(skipped: {', '.join(skipped[:5])}). Fix: pass longer series."
        )
    notes.append(
        f"{len(parts):,} series (column {id_column!r}), sampled every {_describe_interval(frequency)}, "
        f"{min(len(part[1]) for part in parts):,} to {max(len(part[1]) for part in parts):,} rows each; each split "
        f"{tuple(split)} on its own rows."
    )
    if skipped:
        notes.append(f"Skipped {len(skipped):,} series too short to split: {', '.join(skipped[:10])}.")
    notes.extend(series_notes[:NOTED_SERIES])
    if len(series_notes) > NOTED_SERIES:
        notes.append(f"... and {len(series_notes) - NOTED_SERIES:,} more note(s) of that kind on other series.")
    offsets = np.cumsum([0] + [len(part[1]) for part in parts])
    segments, series_borders, next_segment = [], [], 0
    for offset, (_, _, _, _, borders, breaks) in zip(offsets, parts):
        own = np.concatenate([[0], np.cumsum(breaks)]).astype(np.int64) + next_segment
        segments.append(own)
        next_segment = int(own[-1]) + 1
        series_borders.append((int(offset),) + tuple(int(offset + border) for border in borders))
    imputed = np.concatenate([part[3] for part in parts])
    return TimeSeries(
        values=np.concatenate([part[2] for part in parts]).astype(np.float32),
        timestamps=np.concatenate([part[1] for part in parts]),
        feature_names=tuple(names),
        target_names=tuple(targets),
        frequency=frequency,
        segments=np.concatenate(segments),
        target_imputed=imputed[:, target_positions].any(axis=1),
        borders=series_borders[-1][1:],
        period=_default_period(frequency) if period is None else period,
        source=source,
        notes=tuple(notes),
        series_names=tuple(part[0] for part in parts),
        series_borders=tuple(series_borders),
    )


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


def make_dataset(series, starts, input_steps, horizon, batch_size, shuffle=False, seed=None, target_transform=None):
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

    Returns:
        A dataset of `(float32 (batch, input_steps, features), float32 (batch, horizon, targets))`,
        in file units unless `target_transform` changes the targets.
    """
    values = tf.constant(series.values, dtype=tf.float32)
    targets = tf.constant(series.targets, dtype=tf.float32)
    input_offsets = tf.range(-input_steps, 0, dtype=tf.int64)
    target_offsets = tf.range(horizon, dtype=tf.int64)

    def windows(batch_starts):
        target = tf.gather(targets, batch_starts[:, None] + target_offsets)
        if target_transform is not None:
            target = target_transform(target)
        return tf.gather(values, batch_starts[:, None] + input_offsets), target

    dataset = tf.data.Dataset.from_tensor_slices(np.asarray(starts, dtype=np.int64))
    if shuffle:
        dataset = training.shuffle_each_epoch(dataset, len(starts), seed)
    return dataset.batch(batch_size).map(windows, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


# --- reading -------------------------------------------------------------------


def _check_choice(argument, value, choices):
    if value not in choices:
        raise ValueError(f"{argument}={value!r} is not one of {', '.join(map(repr, choices))}.")


def _read_rows(path):
    """Header, data rows and notes of a CSV file or of the single CSV inside a zip."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [
                    info
                    for info in archive.infolist()
                    if info.filename.lower().endswith(".csv") and not Path(info.filename).name.startswith(".")
                ]
                if len(members) != 1:
                    raise DataFormatError(
                        f"{str(path)!r} is a zip archive with {len(members)} CSV files "
                        f"({[member.filename for member in members][:5]}); expected exactly one. "
                        "Fix: pass the CSV file itself."
                    )
                raw = archive.read(members[0])
        else:
            raw = Path(path).read_bytes()
    except (OSError, zipfile.BadZipFile) as error:
        raise DataFormatError(
            f"{str(path)!r} cannot be read ({error}). Fix: pass a readable CSV or zip file."
        ) from error
    kind = paths.binary_kind(raw)
    if kind:
        raise DataFormatError(
            f"{str(path)!r} is {kind}, not a CSV text file. Fix: pass a CSV file with a header row "
            "(or a zip holding exactly one)."
        )
    notes = []
    text = raw.decode("utf-8-sig", errors="replace")
    if "\ufffd" in text and "\ufffd".encode() not in raw:
        notes.append("The file is not valid UTF-8: invalid bytes were replaced with U+FFFD.")
    if b"\r\n" in raw[:65536]:
        notes.append("Line endings are CRLF (read as usual).")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise DataFormatError(f"{str(path)!r} is empty. Fix: pass a CSV file with a header row.") from None
    header = [name.strip() for name in header]
    odd = [name for name in header if "\ufffd" in name]
    if odd:
        notes.append(f"The header has replacement characters (U+FFFD) in {odd}; those names are used as they are.")
    counts = collections.Counter(header)
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated or "" in counts:
        raise DataFormatError(
            f"{str(path)!r}: the header has repeated or empty column names {paths.shown_names(repeated or [''])}. "
            "Fix: give every column a distinct name."
        )
    rows = []
    for line, row in enumerate(reader, start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            raise DataFormatError(
                f"{str(path)!r} line {line} has {len(row)} fields, the header has {len(header)}. "
                "Fix: repair that line (a missing separator or an unquoted comma)."
            )
        rows.append(row)
    return header, rows, notes


def _select_columns(header, time_columns, targets, feature_columns, name):
    """Input column names in file order (targets included), validated."""
    wanted = list(time_columns) + list(targets) + list(feature_columns or [])
    unknown = [column for column in wanted if column not in header]
    if unknown:
        raise DataFormatError(
            f"{name} has no column(s) {paths.shown_names(unknown)}. Its columns are {paths.shown_names(header)}. "
            "Fix: name columns of the file's header row (is it a CSV with a header row?)."
        )
    overlap = sorted(set(time_columns) & set(list(targets) + list(feature_columns or [])))
    if overlap:
        raise ValueError(f"Column(s) {overlap} are time columns; they cannot be targets or features too.")
    if feature_columns is None:
        selected = set(header) - set(time_columns)
    else:
        selected = set(feature_columns) | set(targets)
    return [column for column in header if column in selected]


def _line(row):
    return row + 2  # header is line 1


def _parse_time(table, header, time_columns, time_format, name):
    """datetime64[s] timestamps of every row."""
    if len(time_columns) == 1:
        column = time_columns[0]
        strings = [value.strip() for value in table[header.index(column)]]
        if time_format is None:
            try:
                return np.array(strings, dtype="datetime64[s]")
            except ValueError:
                pass
        for row, value in enumerate(strings):
            try:
                if time_format is None:
                    np.datetime64(value, "s")
                else:
                    datetime.datetime.strptime(value, time_format)
            except ValueError:
                raise DataFormatError(
                    f"{name}: timestamp {value!r} in column {column!r} at line {_line(row)} does not parse as "
                    + (f"{time_format!r}" if time_format else "ISO 8601 (e.g. '2016-07-01 00:00:00')")
                    + ". Fix: pass the right time format (--time-format, e.g. '%d.%m.%Y %H:%M:%S'), "
                    "or repair that line."
                ) from None
        return np.array([datetime.datetime.strptime(value, time_format) for value in strings], dtype="datetime64[s]")
    if len(time_columns) > len(TIME_PARTS) or len(time_columns) < 3:
        raise ValueError(
            f"Several time columns must be year, month, day[, hour[, minute[, second]]] in that "
            f"order; got {time_columns}."
        )
    parts = {}
    limits = {"month": (1, 12), "day": (1, 31), "hour": (0, 23), "minute": (0, 59), "second": (0, 59)}
    for part, column in zip(TIME_PARTS, time_columns):
        strings = table[header.index(column)]
        try:
            numbers = np.array([int(value) for value in strings], dtype=np.int64)
        except ValueError:
            bad = next(row for row, value in enumerate(strings) if not value.strip().lstrip("-").isdigit())
            raise DataFormatError(
                f"{name}: {part} {strings[bad]!r} in column {column!r} at line {_line(bad)} is "
                "not an integer. Fix: repair that line."
            ) from None
        low, high = limits.get(part, (1, 9999))
        outside = np.flatnonzero((numbers < low) | (numbers > high))
        if len(outside):
            row = int(outside[0])
            raise DataFormatError(
                f"{name}: {part} {numbers[row]} in column {column!r} at line {_line(row)} is "
                f"outside [{low}, {high}]. Fix: repair that line."
            )
        parts[part] = numbers
    months = (parts["year"] - 1970) * 12 + parts["month"] - 1
    days = months.astype("datetime64[M]").astype("datetime64[D]") + (parts["day"] - 1)
    wrong_day = np.flatnonzero(days.astype("datetime64[M]") != months.astype("datetime64[M]"))
    if len(wrong_day):
        row = int(wrong_day[0])
        raise DataFormatError(
            f"{name}: line {_line(row)} gives day {parts['day'][row]} of a month that has fewer "
            "days. Fix: repair that line."
        )
    seconds = parts.get("hour", 0) * 3600 + parts.get("minute", 0) * 60 + parts.get("second", 0)
    return days.astype("datetime64[s]") + np.asarray(seconds).astype("timedelta64[s]")


def _file_borders(split, rows, name):
    """(train_end, validation_end, test_end) as file rows."""
    split = tuple(split)
    if len(split) != 3:
        raise ValueError(f"split must have three entries (train, validation, test), got {split!r}.")
    if all(isinstance(part, (int, np.integer)) and not isinstance(part, bool) for part in split):
        if not 0 < split[0] < split[1] < split[2]:
            raise ValueError(f"split rows {split} must be increasing positive row numbers.")
        if split[2] > rows:
            raise DataFormatError(
                f"{name} has {rows:,} data rows; its split needs {split[2]:,} (test ends at row "
                f"{split[2]:,}). Fix: pass the complete file, or another split."
            )
        return split
    fractions = tuple(float(part) for part in split)
    if any(part <= 0 for part in fractions) or sum(fractions) > 1 + 1e-9:
        raise ValueError(f"split fractions {split} must be positive and sum to at most 1.")
    train_end = int(rows * fractions[0])
    test_rows = int(rows * fractions[2])
    if abs(sum(fractions) - 1) < 1e-9:
        validation_end, test_end = rows - test_rows, rows
    else:
        validation_end = train_end + int(rows * fractions[1])
        test_end = validation_end + test_rows
    if not 0 < train_end < validation_end < test_end:
        raise DataFormatError(
            f"{name} has {rows} data rows, too few to split {fractions} into three non-empty "
            "parts. Fix: use a longer series."
        )
    return train_end, validation_end, test_end


def _parse_features(table, header, columns, targets, categorical, missing_values, name, notes):
    """float64 matrix (NaN = missing) of the input columns, their names, and the
    raw cells of categorical columns (to compare duplicate rows)."""
    matrix, names, categorical_cells = [], [], []
    placeholder_counts = collections.Counter()
    suspicious = {}
    for column in columns:
        cells = table[header.index(column)]
        numbers, bad_rows = _to_numbers(cells)
        if bad_rows:
            present = [row for row, cell in enumerate(cells) if cell.strip().lower() not in MISSING_TOKENS]
            first = bad_rows[0]
            if len(bad_rows) < len(present) or column in targets or categorical == "error":
                kind = "mixes numbers and text" if len(bad_rows) < len(present) else "is not numeric"
                fix = (
                    "repair those cells"
                    if len(bad_rows) < len(present)
                    else "pick a numeric target"
                    if column in targets
                    else "leave it out of the features, or pass categorical='one_hot' (--categorical one_hot) or "
                    "categorical='drop'"
                )
                raise DataFormatError(
                    f"{name}: column {column!r} {kind}: {cells[first]!r} at line {_line(first)} "
                    f"({len(bad_rows):,} such cells). Fix: {fix}."
                )
            categorical_cells.append(cells)
            if categorical == "drop":
                notes.append(f"Dropped the non-numeric column {column!r}.")
                continue
            categories = sorted({cell.strip() for cell in cells if cell.strip().lower() not in MISSING_TOKENS})
            stripped = np.array([cell.strip() for cell in cells], dtype=object)
            for category in categories:
                matrix.append((stripped == category).astype(np.float64))
                names.append(f"{column}={category}")
            blank = len(cells) - len(bad_rows)
            notes.append(
                f"One-hot encoded the categorical column {column!r} as {len(categories)} features "
                f"({', '.join(categories)})" + (f"; {blank} missing cells are all zeros." if blank else ".")
            )
            continue
        infinite = np.flatnonzero(np.isinf(numbers))
        if len(infinite):
            row = int(infinite[0])
            raise DataFormatError(
                f"{name}: column {column!r} has an infinite value {cells[row]!r} at line "
                f"{_line(row)}. Fix: repair it, or write it as an empty (missing) cell."
            )
        for placeholder in missing_values:
            hits = numbers == placeholder
            if hits.any():
                placeholder_counts[(placeholder, column)] += int(hits.sum())
                numbers[hits] = np.nan
        for placeholder in SUSPICIOUS_PLACEHOLDERS:
            count = int(np.sum(numbers == placeholder))
            if count and placeholder not in missing_values:
                suspicious[column] = (placeholder, count)
        matrix.append(numbers)
        names.append(column)
    for (placeholder, column), count in sorted(placeholder_counts.items(), key=lambda item: item[0][1]):
        notes.append(f"{count:,} cell(s) of {column!r} hold the placeholder {placeholder:g}: read as missing.")
    if suspicious:
        described = ", ".join(f"{column!r}: {count} x {value:g}" for column, (value, count) in suspicious.items())
        warnings.warn(
            f"{name}: values that look like missing-value placeholders ({described}) are used as "
            "numbers. If they mean 'missing', pass missing_values=(...) so they are handled.",
            UserWarning,
            stacklevel=3,
        )
    if not names:
        raise DataFormatError(f"{name}: no numeric input column left. Fix: choose feature columns with numbers.")
    return np.stack(matrix, axis=1), names, categorical_cells


def _to_numbers(cells):
    """float64 values (NaN for missing tokens) and the rows that are not numbers."""
    try:
        numbers = np.array(cells, dtype=np.float64)
        if not np.isnan(numbers).any():
            return numbers, []
    except ValueError:
        pass
    numbers = np.full(len(cells), np.nan)
    bad_rows = []
    for row, cell in enumerate(cells):
        value = cell.strip()
        if value.lower() in MISSING_TOKENS:
            continue
        try:
            numbers[row] = float(value)
        except ValueError:
            bad_rows.append(row)
    return numbers, bad_rows


def _check_order(timestamps, values, order, unordered, name, notes):
    backwards = np.flatnonzero(np.diff(timestamps) < np.timedelta64(0, "s"))
    if not len(backwards):
        return timestamps, values, order
    row = int(backwards[0]) + 1
    if unordered == "error":
        raise DataFormatError(
            f"{name}: timestamps go backwards {len(backwards):,} time(s), first at line {_line(int(order[row]))} "
            f"({timestamps[row]} after {timestamps[row - 1]}). Fix: sort the file by time, or pass "
            "unordered='sort'."
        )
    permutation = np.argsort(timestamps, kind="stable")
    notes.append(
        f"{name}: timestamps went backwards {len(backwards):,} time(s) (first at line {_line(int(order[row]))}): "
        "rows sorted by time."
    )
    return timestamps[permutation], values[permutation], order[permutation]


def _remove_duplicates(timestamps, values, order, duplicates, categorical_cells, name, notes):
    repeated = np.flatnonzero(np.diff(timestamps) == np.timedelta64(0, "s")) + 1
    if not len(repeated):
        return timestamps, values, order
    lines = [_line(int(order[row])) for row in repeated[:3]]
    if duplicates == "error":
        raise DataFormatError(
            f"{name}: {len(repeated):,} row(s) repeat the timestamp of the row before, first "
            f"{timestamps[repeated[0]]} at line(s) {lines}. Fix: remove them, or pass duplicates='drop' "
            "(keeps the first row of each timestamp)."
        )
    keep = np.ones(len(timestamps), dtype=bool)
    keep[repeated] = False
    first_of = np.maximum.accumulate(np.where(keep, np.arange(len(keep)), 0))
    differing = 0
    for row in repeated:
        same = np.array_equal(values[row], values[first_of[row]], equal_nan=True) and all(
            cells[order[row]] == cells[order[first_of[row]]] for cells in categorical_cells
        )
        differing += not same
    notes.append(
        f"Dropped {len(repeated):,} row(s) repeating an earlier timestamp (first {timestamps[repeated[0]]}, line(s) "
        f"{lines}); "
        + (
            f"{differing} of them had different values, the first row was kept."
            if differing
            else "their values were identical."
        )
    )
    return timestamps[keep], values[keep], order[keep]


def _frequency(timestamps, order, name):
    """The sampling interval: the most common step; every step must be a multiple of it."""
    if len(timestamps) < 2:
        raise DataFormatError(
            f"{name} has {len(timestamps)} time step(s); a series needs many more. Fix: pass a longer series."
        )
    steps = np.diff(timestamps).astype(np.int64)
    values, counts = np.unique(steps, return_counts=True)
    frequency = int(values[np.argmax(counts)])
    off_grid = np.flatnonzero(steps % frequency)
    if len(off_grid):
        row = int(off_grid[0]) + 1
        raise DataFormatError(
            f"{name}: {len(off_grid):,} step(s) between timestamps are not a multiple of the sampling interval "
            f"{_describe_interval(np.timedelta64(frequency, 's'))}, first {timestamps[row - 1]} -> {timestamps[row]} "
            f"(line {_line(int(order[row]))}). Fix: resample the series to a regular interval first."
        )
    return np.timedelta64(frequency, "s")


def _describe_interval(interval):
    seconds = int(interval / np.timedelta64(1, "s"))
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _default_period(frequency):
    day = np.timedelta64(1, "D")
    if frequency < day and day % frequency == np.timedelta64(0, "s"):
        return int(day // frequency)
    if frequency == day:
        return 7
    return None


def _handle_missing(timestamps, values, order, frequency, missing, names, target_positions, name, notes):
    """Applies the missing-value policy; returns timestamps, values and the imputed mask."""
    steps = (np.diff(timestamps) // frequency).astype(np.int64)
    missing_rows = int(np.sum(steps - 1))
    missing_cells = np.isnan(values)
    per_column = missing_cells.sum(axis=0)
    if missing_rows == 0 and not per_column.any():
        return timestamps, values, np.zeros(values.shape, dtype=bool)
    problems = [
        f"column {names[column]!r}: {int(count):,} missing value(s), first at line "
        f"{_line(int(order[np.flatnonzero(missing_cells[:, column])[0]]))}"
        for column, count in enumerate(per_column)
        if count
    ]
    if missing_rows:
        gap = int(np.flatnonzero(steps > 1)[0])
        problems.append(
            f"{missing_rows:,} timestamp(s) missing from the {_describe_interval(frequency)} grid, first "
            f"after {timestamps[gap]} (line {_line(int(order[gap]))})"
        )
    if missing == "error":
        raise DataFormatError(f"{name} has missing data: " + "; ".join(problems) + ". " + _MISSING_FIX)
    if missing == "drop":
        complete = ~missing_cells.any(axis=1)
        notes.append(
            f"Missing data ({'; '.join(problems)}): dropped {int((~complete).sum()):,} incomplete row(s); "
            "no window spans a gap."
        )
        return timestamps[complete], values[complete], np.zeros((int(complete.sum()), values.shape[1]), dtype=bool)
    positions = np.concatenate([[0], np.cumsum(steps)])
    grid = np.full((positions[-1] + 1, values.shape[1]), np.nan)
    grid[positions] = values
    imputed = np.isnan(grid)
    complete = np.flatnonzero(~imputed.any(axis=1))
    if not len(complete):
        raise DataFormatError(
            f"{name}: no row has all of {names} present, nothing to interpolate from. "
            "Fix: leave the emptiest columns out of the features."
        )
    first, last = int(complete[0]), int(complete[-1])
    grid, imputed = grid[first : last + 1], imputed[first : last + 1]
    index = np.arange(len(grid))
    for column in range(grid.shape[1]):
        gaps = imputed[:, column]
        if gaps.any():
            grid[gaps, column] = np.interp(index[gaps], index[~gaps], grid[~gaps, column])
    runs = _longest_run(imputed[:, target_positions].any(axis=1))
    trimmed = (first, positions[-1] - last)
    notes.append(
        f"Missing data ({'; '.join(problems)}): interpolated linearly in time, {int(imputed.sum()):,} value(s) in "
        f"{int(imputed.any(axis=1).sum()):,} row(s)"
        + (f", {missing_rows:,} of them inserted" if missing_rows else "")
        + (f"; dropped {trimmed[0]} leading and {trimmed[1]} trailing incomplete row(s)" if any(trimmed) else "")
        + (
            f"; longest interpolated target run {runs} row(s), windows forecasting interpolated targets are "
            "left out of training and scoring"
            if runs
            else ""
        )
        + "."
    )
    start = timestamps[0] + first * frequency
    return start + np.arange(len(grid)) * frequency, grid, imputed


def _longest_run(flags):
    longest = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return longest
