"""Cleaning a parsed series: order, duplicate timestamps, the sampling interval and missing values."""

import numpy as np

from seqapps.data.paths import DataFormatError
from seqapps.data.timeseries.reading import _line

_MISSING_FIX = (
    "Fix: clean the file, or pass missing='interpolate' (--missing interpolate: linear in time; "
    "interpolated targets are never trained or scored on) or missing='drop' (--missing drop: "
    "drop those rows; no window spans the gap)."
)


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
