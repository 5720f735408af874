"""Reading CSV files: rows, columns, timestamps, numeric and categorical cells, split borders."""

import collections
import csv
import datetime
import io
import warnings
import zipfile
from pathlib import Path

import numpy as np

from seqapps.data import paths
from seqapps.data.paths import DataFormatError

# Cell contents read as missing values (compared lower-cased, stripped).
MISSING_TOKENS = frozenset({"", "na", "nan", "null", "none", "n/a", "#n/a"})
# Numbers commonly used as missing-value placeholders: a warning names them.
SUSPICIOUS_PLACEHOLDERS = (-9999.0, -999.0, 9999.0, -99999.0)
# Names of the time columns, in order, when the timestamp is spread over several.
TIME_PARTS = ("year", "month", "day", "hour", "minute", "second")


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
