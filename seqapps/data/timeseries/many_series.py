"""Many series in one long ("tidy") CSV: each cleaned and split on its own, then stacked."""

import collections

import numpy as np

from seqapps.data.paths import DataFormatError
from seqapps.data.timeseries.cleaning import (
    _check_order,
    _default_period,
    _describe_interval,
    _frequency,
    _handle_missing,
    _remove_duplicates,
)
from seqapps.data.timeseries.reading import _file_borders, _line
from seqapps.data.timeseries.series import TimeSeries

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
    future_names=(),
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
        future_names=future_names,
    )
