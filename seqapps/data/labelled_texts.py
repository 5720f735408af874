"""Labelled texts of your own: a folder of one subfolder per class, or a CSV / TSV / JSON Lines file.

`load()` returns train / validation / test `tf.data.Dataset`s of `(text, label)`
pairs, the text a scalar `tf.string` (raw UTF-8; standardize it in the model,
see `seqapps.text`), the label a scalar `tf.int64`, the index of the class in
`LabelledTexts.class_names`: the labels found in the training data, as strings,
in sorted order.

Layouts (the same for the training, validation and test files):

- a folder with one subfolder per class, each holding one UTF-8 `.txt` file per
  example, at any depth: the `keras.utils.text_dataset_from_directory` layout
  (e.g. aclImdb's `train/` with `unsup/` removed: every subfolder is a class);
- a `.csv` (comma-separated) or `.tsv` / `.tab` (tab-separated) file with a
  header row, read with Python's `csv` module (quoted fields may hold
  separators and line breaks);
- a `.jsonl` / `.ndjson` file of one JSON object per line.

`text_column` and `label_column` name the columns (CSV, TSV) or keys (JSON
Lines). Labels are strings: a CSV cell is read as its text ("1", "01" and "1.0"
are three classes); a JSON number or boolean is written back as JSON (1 ->
"1", true -> "true"). Leading and trailing whitespace of a label is dropped.

Splits: `validation_path` and `test_path`, when given, are read whole. Without
them, a fixed-seed slice of each class of the training file is held out:
`test_fraction` (default 0.1) of its examples for test when there is no test
file, then `validation_fraction` (default 0.1) of them for validation when
there is no validation file; the rest trains. Each fraction is of the whole
training file, rounded per class. Each split comes in a seed-determined
order; shuffle `train` yourself for each epoch.

Empty texts (nothing but whitespace) are skipped, in every split: a corpus
often has a few, and they tell nothing about any class. Their count and first
rows are logged as a warning.

Errors (`seqapps.data.paths.DataFormatError`, each naming the file, the rows
and the fix): a binary file (Parquet, zip or .xlsx, gzip, NUL bytes...) given
as text; a file without the named column (the message lists the columns it
has); a row without a label; a label in the validation or test data that the
training data does not have; training data with fewer than two classes; an
unknown file suffix; a split left without examples.

Example:

```python
from seqapps.data import labelled_texts

data = labelled_texts.load("reviews.csv", text_column="review", label_column="stars")
data.class_names  # ('1', '2', '3', '4', '5')
train = data.train.shuffle(data.train_size).batch(32)
```
"""

import csv
import dataclasses
import io
import json
import logging
from pathlib import Path

import numpy as np
import tensorflow as tf

from seqapps.data import paths
from seqapps.data.paths import DataFormatError

logger = logging.getLogger(__name__)

SEPARATORS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
JSON_LINES = (".jsonl", ".ndjson")
FOLDER_SUFFIX = ".txt"
# Rows named in a message about several rows.
SHOWN_ROWS = 5


@dataclasses.dataclass(frozen=True)
class LabelledTexts:
    """The three splits, their classes and where they came from.

    Attributes:
        train: `tf.data.Dataset` of `(text, label)`, scalar `tf.string` and
            scalar `tf.int64` (an index into `class_names`).
        validation: same.
        test: same.
        train_size: number of elements of `train`.
        validation_size: number of elements of `validation`.
        test_size: number of elements of `test`.
        class_names: the labels of the training data, sorted.
        source: where the examples were read (the paths given).
        skipped_empty: number of empty texts skipped (all files).
    """

    train: tf.data.Dataset
    validation: tf.data.Dataset
    test: tf.data.Dataset
    train_size: int
    validation_size: int
    test_size: int
    class_names: tuple
    source: str
    skipped_empty: int


@dataclasses.dataclass
class _Examples:
    """Texts (bytes), labels (str) and where each came from (for messages), of one file or folder."""

    texts: list
    labels: list
    rows: list
    skipped_empty: int = 0


def load(
    path,
    *,
    text_column="text",
    label_column="label",
    validation_path=None,
    test_path=None,
    validation_fraction=0.1,
    test_fraction=0.1,
    seed=1337,
    limit=None,
):
    """Loads labelled texts as train / validation / test datasets.

    Args:
        path: the training data: a folder of class subfolders, or a `.csv`,
            `.tsv` / `.tab` or `.jsonl` / `.ndjson` file.
        text_column: the column (key) of the texts, for files.
        label_column: the column (key) of the labels, for files.
        validation_path: validation data in a layout of its own, or `None`
            to hold out `validation_fraction` of `path`.
        test_path: test data, or `None` to hold out `test_fraction` of `path`.
        validation_fraction: fraction of each class of `path` held out for
            validation when there is no `validation_path`, in `[0, 1)`.
        test_fraction: same, for test when there is no `test_path`.
        seed: seed of the held-out slices and of the order of every split.
        limit: `None`, or the most examples kept per split (a seeded subset).

    Returns:
        A `LabelledTexts`.

    Raises:
        ValueError: a fraction or `limit` out of range.
        DataNotFoundError: a path does not exist.
        DataFormatError: a data problem (see the module docstring).
    """
    if validation_path is None and test_path is None and validation_fraction + test_fraction >= 1:
        raise ValueError(
            f"validation_fraction + test_fraction = {validation_fraction + test_fraction!r} leaves nothing to "
            "train on: make their sum less than 1 (e.g. 0.1 each)."
        )
    for name, fraction in (("validation_fraction", validation_fraction), ("test_fraction", test_fraction)):
        if not 0 <= fraction < 1:
            raise ValueError(f"{name}={fraction!r} is out of range: pass a fraction in [0, 1), e.g. 0.1.")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit={limit!r} is invalid: pass a positive number of examples per split, or None.")
    columns = (text_column, label_column)
    training = read(path, *columns)
    class_names = tuple(sorted(set(training.labels)))
    if len(class_names) < 2:
        where = "subfolder" if Path(path).is_dir() else f"value in column {label_column!r}"
        raise DataFormatError(
            f"{str(path)!r} has one class only ({class_names[0]!r}): every example has the same {where}. "
            "Fix: a classifier needs examples of two or more classes; check --label-column."
        )
    index = {name: position for position, name in enumerate(class_names)}
    texts = np.array(training.texts, dtype=object)
    labels = np.array([index[label] for label in training.labels], dtype=np.int64)
    held_out = _held_out(labels, len(class_names), validation_fraction, test_fraction, validation_path, test_path, seed)
    splits = {"train": (texts[held_out == 0], labels[held_out == 0])}
    skipped = training.skipped_empty
    for stream, (name, other_path) in enumerate((("validation", validation_path), ("test", test_path)), start=1):
        if other_path is None:
            splits[name] = (texts[held_out == stream], labels[held_out == stream])
        else:
            other = read(other_path, *columns)
            _check_known_labels(other, index, other_path, path)
            skipped += other.skipped_empty
            splits[name] = (np.array(other.texts, dtype=object), np.array([index[x] for x in other.labels], np.int64))
    datasets, sizes = {}, {}
    for stream, (name, (split_texts, split_labels)) in enumerate(splits.items(), start=1):
        if not len(split_texts):
            raise DataFormatError(
                f"{str(path)!r}: the {name} split has no examples ({len(texts)} in the training data). "
                f"Fix: add examples, pass --{name}-data, or raise --{name}-fraction."
            )
        order = np.random.default_rng([seed, 10 + stream]).permutation(len(split_texts))[:limit]
        datasets[name] = tf.data.Dataset.from_tensor_slices(
            (tf.constant(list(split_texts[order]), dtype=tf.string), split_labels[order])
        )
        sizes[f"{name}_size"] = len(order)
    source = ", ".join(str(Path(p)) for p in (path, validation_path, test_path) if p is not None)
    return LabelledTexts(**datasets, **sizes, class_names=class_names, source=source, skipped_empty=skipped)


def read(path, text_column="text", label_column="label"):
    """Reads one file or folder: an `_Examples` of texts (UTF-8 bytes), labels (str) and row names."""
    found = Path(path).expanduser()
    if not found.exists():
        raise paths.DataNotFoundError(
            f"{str(found)!r} does not exist. Fix: pass an existing folder of class subfolders, or a CSV, TSV or "
            "JSON Lines file."
        )
    if found.is_dir():
        examples = _read_folder(found)
    else:
        examples = _read_file(found, text_column, label_column)
    return _without_empty_texts(examples, found)


def _read_folder(folder):
    subfolders = sorted(child for child in folder.iterdir() if child.is_dir() and not child.name.startswith("."))
    examples = _Examples([], [], [])
    for subfolder in subfolders:
        for file in sorted(subfolder.rglob(f"*{FOLDER_SUFFIX}")):
            examples.texts.append(_utf8(file.read_bytes()))
            examples.labels.append(subfolder.name)
            examples.rows.append(str(file))
    if not examples.texts:
        raise DataFormatError(
            f"{str(folder)!r} has no {FOLDER_SUFFIX} files in class subfolders "
            f"(subfolders: {paths.shown_names([child.name for child in subfolders])}). Fix: pass a folder with one "
            f"subfolder per class, each holding one UTF-8 {FOLDER_SUFFIX} file per example, or a CSV / TSV / "
            "JSON Lines file."
        )
    return examples


def _read_file(path, text_column, label_column):
    suffix = path.suffix.lower()
    if suffix not in SEPARATORS and suffix not in JSON_LINES:
        raise DataFormatError(
            f"{str(path)!r}: unknown file type {suffix or '(no suffix)'!r}. Fix: pass a .csv, .tsv, .tab, .jsonl or "
            ".ndjson file, or a folder with one subfolder per class."
        )
    raw = path.read_bytes()
    kind = paths.binary_kind(raw)
    if kind:
        raise DataFormatError(
            f"{str(path)!r} is {kind}, not a {suffix[1:].upper()} text file. Fix: save it as UTF-8 CSV, TSV or "
            "JSON Lines text (e.g. pandas.read_parquet(...).to_csv(...))."
        )
    content = raw.decode("utf-8-sig", errors="replace")
    if suffix in JSON_LINES:
        return _read_json_lines(path, content, text_column, label_column)
    return _read_separated(path, content, SEPARATORS[suffix], text_column, label_column)


def _read_separated(path, content, separator, text_column, label_column):
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=separator)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise DataFormatError(f"{str(path)!r} is empty. Fix: pass a file with a header row.") from None
    positions = [_column_position(path, header, column) for column in (text_column, label_column)]
    examples = _Examples([], [], [])
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        line = reader.line_num
        if len(row) <= max(positions):
            raise DataFormatError(
                f"{str(path)!r} line {line} has {len(row)} fields, the header has {len(header)}. Fix: repair that "
                "line (a missing separator, or a quote left open above it)."
            )
        _add(examples, path, f"line {line}", row[positions[0]], row[positions[1]], label_column)
    return examples


def _read_json_lines(path, content, text_column, label_column):
    examples = _Examples([], [], [])
    for line, text in enumerate(content.splitlines(), start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise DataFormatError(
                f"{str(path)!r} line {line} is not JSON ({error}). Fix: write one JSON object per line."
            ) from None
        if not isinstance(record, dict):
            raise DataFormatError(
                f"{str(path)!r} line {line} is a JSON {type(record).__name__}, not an object. Fix: write one "
                f'object per line, e.g. {{"{text_column}": "...", "{label_column}": "..."}}.'
            )
        for column in (text_column, label_column):
            _column_position(path, list(record), column, f" line {line}")
        value = record[text_column]
        if not isinstance(value, str):
            raise DataFormatError(
                f"{str(path)!r} line {line}: {text_column!r} is a JSON {type(value).__name__}, not a string. "
                "Fix: write the text as a JSON string."
            )
        label = record[label_column]
        label = label if isinstance(label, str) or label is None else json.dumps(label)
        _add(examples, path, f"line {line}", value, label, label_column)
    return examples


def _column_position(path, columns, column, where=""):
    if column not in columns:
        raise DataFormatError(
            f"{str(path)!r}{where} has no column {column!r}; its columns are {paths.shown_names(columns)}. "
            "Fix: name the right ones with --text-column and --label-column."
        )
    return columns.index(column)


def _add(examples, path, row, text, label, label_column):
    label = (label or "").strip()
    if not label:
        raise DataFormatError(
            f"{str(path)!r} {row}: the label ({label_column!r}) is empty. Fix: label that example or remove it."
        )
    examples.texts.append(text.encode("utf-8"))
    examples.labels.append(label)
    examples.rows.append(row)


def _utf8(content):
    """`content` with invalid UTF-8 bytes replaced by U+FFFD."""
    return content.decode("utf-8", errors="replace").encode("utf-8")


def _without_empty_texts(examples, path):
    empty = [position for position, text in enumerate(examples.texts) if not text.strip()]
    if not empty:
        return examples
    logger.warning(
        f"{str(path)!r}: skipped {len(empty)} empty text(s) of {len(examples.texts)}: "
        f"{', '.join(examples.rows[position] for position in empty[:SHOWN_ROWS])}"
        f"{' ...' if len(empty) > SHOWN_ROWS else ''}."
    )
    kept = sorted(set(range(len(examples.texts))) - set(empty))
    return _Examples(
        [examples.texts[position] for position in kept],
        [examples.labels[position] for position in kept],
        [examples.rows[position] for position in kept],
        skipped_empty=len(empty),
    )


def _check_known_labels(examples, index, path, training_path):
    unseen = [(row, label) for row, label in zip(examples.rows, examples.labels) if label not in index]
    if unseen:
        labels = sorted({label for _, label in unseen})
        rows = ", ".join(f"{row} ({label!r})" for row, label in unseen[:SHOWN_ROWS])
        raise DataFormatError(
            f"{str(path)!r} has {len(unseen)} example(s) with labels the training data {str(training_path)!r} does "
            f"not have: {paths.shown_names(labels)}, e.g. {rows}. Its classes are "
            f"{paths.shown_names(sorted(index))}. Fix: correct those labels, or add examples of them to the "
            "training data."
        )


def _held_out(labels, classes, validation_fraction, test_fraction, validation_path, test_path, seed):
    """Per example: 0 train, 1 validation, 2 test; each class held out by its own fixed-seed permutation."""
    held_out = np.zeros(len(labels), dtype=np.int64)
    rng = np.random.default_rng([seed, 0])
    for label in range(classes):
        members = np.flatnonzero(labels == label)[rng.permutation(int(np.sum(labels == label)))]
        start = 0
        for split, fraction, given in ((2, test_fraction, test_path), (1, validation_fraction, validation_path)):
            if given is None:
                count = round(fraction * len(members))
                held_out[members[start : start + count]] = split
                start += count
    return held_out
