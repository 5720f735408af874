"""`load_csv`: any CSV (or a zip holding one) to a cleaned, split `TimeSeries`."""

from pathlib import Path

import numpy as np

from seqapps.data import paths
from seqapps.data.paths import DataFormatError
from seqapps.data.timeseries.cleaning import (
    _check_order,
    _default_period,
    _describe_interval,
    _frequency,
    _handle_missing,
    _remove_duplicates,
)
from seqapps.data.timeseries.many_series import _long_series
from seqapps.data.timeseries.reading import (
    TIME_PARTS,
    _check_choice,
    _file_borders,
    _line,
    _parse_features,
    _parse_time,
    _read_rows,
    _select_columns,
)
from seqapps.data.timeseries.series import TimeSeries

MISSING_POLICIES = ("error", "interpolate", "drop")
DUPLICATE_POLICIES = ("error", "drop")
UNORDERED_POLICIES = ("error", "sort")
CATEGORICAL_POLICIES = ("error", "drop", "one_hot")
DEFAULT_SPLIT = (0.7, 0.1, 0.2)


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
    future_columns=None,
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
        future_columns: numeric columns known in advance of the forecast
            (e.g. a planned load or a holiday flag): inputs like any feature,
            and named in the returned `TimeSeries.future_names` so a forecaster
            can read their values over the horizon too
            (`seqapps.data.timeseries.future_covariates`). A missing cell in
            one is an error whatever `missing` says (its future values are
            inputs, never interpolated guesses); rows inserted for missing
            timestamps (`missing="interpolate"`) get interpolated values in
            it like in every column.

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
    futures = [future_columns] if isinstance(future_columns, str) else list(future_columns or ())
    for column in futures:
        if column in targets or column in time_columns or column == id_column:
            raise ValueError(
                f"The future column {column!r} is also a {'target' if column in targets else 'time or id'} column. "
                "Fix: a future column is an input known in advance, never forecast nor a timestamp; leave it out "
                "of one of them."
            )

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
    unknown = [column for column in futures if column not in header]
    if unknown:
        raise DataFormatError(
            f"{name} has no future column(s) {paths.shown_names(unknown)}. Its columns are "
            f"{paths.shown_names(header)}. Fix: name columns of the file whose values are known for the forecast "
            "horizon (--future-columns), or leave those out."
        )
    columns = _select_columns(
        [column for column in header if column != id_column],
        time_columns,
        targets,
        None if feature_columns is None else list(feature_columns) + futures,
        name,
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
        _check_future_columns(values, names, futures, name)
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
            future_names=tuple(futures),
        )
    file_borders = _file_borders(split, len(rows), name)
    border_times = [timestamps[row] if row < len(rows) else None for row in file_borders]

    values, names, categorical_cells = _parse_features(
        table, header, columns, targets, categorical, missing_values, name, notes
    )
    _check_future_columns(values, names, futures, name)
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
        future_names=tuple(futures),
    )


def _check_future_columns(values, names, futures, name):
    """Future columns are numeric and complete in the file (`values`: file rows, NaN where missing)."""
    for column in futures:
        if column not in names:
            raise DataFormatError(
                f"{name}: the future column {column!r} is not numeric. Fix: write it as numbers in the file "
                "(e.g. 0/1 for a holiday flag), or leave it out of the future columns (--future-columns)."
            )
        empty = np.flatnonzero(np.isnan(values[:, names.index(column)]))
        if len(empty):
            raise DataFormatError(
                f"{name}: the future column {column!r} has {len(empty):,} missing value(s), first at line "
                f"{_line(int(empty[0]))}. A covariate known in advance is read over the forecast horizon as it is, "
                "never interpolated. Fix: fill in every row of that column in the file (e.g. 0 where a flag is "
                "off), or leave it out of the future columns (--future-columns)."
            )
