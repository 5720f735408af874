"""Parallel sentences of your own: one sentence pair per line of a tab-separated file, any languages, any direction.

`load()` returns `TranslationPairs`: three lists of `(source, target)` string
pairs.

The file: UTF-8 text, one pair per line, columns separated by tabs (a `.tsv`,
or the Anki / Tatoeba format of manythings.org, `English<TAB>Other<TAB>attribution`),
plain or inside a zip archive (the archive's one text member: a `.txt` or
`.tsv` whose name does not start with `_`, so the `_about.txt` of the Anki
zips is skipped). `source_column` and `target_column` pick the two columns;
the other columns are ignored:

- an integer, or a string of digits, is a 0-based column index, and every line
  is a pair (a header row would be read as one: name the columns instead);
- any other string is a column name, read from the file's first line (its
  header row).

Blank lines are skipped. Lines are split on tabs only: no quoting (a
sentence may hold commas and quotes, not tabs).

Splits: `validation_path` and `test_path`, when given, are read whole, with
the same columns. Without them, pairs are held out of the training file by
unique source sentence, with a fixed seed (`seed`, 2018 by default): all
translations of a source sentence land in the same split, so no source
sentence is in two splits. The test split holds `test_size` pairs (default:
2,000, or a tenth of the file's pairs when that is fewer), the validation
split `validation_size` likewise; the rest trains.

Errors (`seqapps.data.paths.DataFormatError`, each naming the file, the line
and the fix): a binary file (Parquet, gzip, NUL bytes...); bytes that are not
UTF-8; a line without the chosen column; a column name the header does not
have (the message lists the columns it has); an empty source or target
sentence; a file without pairs; too few pairs for the held-out splits.

Example:

```python
from seqapps.data import parallel_texts

# rus.txt from manythings.org: English<TAB>Russian<TAB>attribution; English -> Russian
pairs = parallel_texts.load("rus.txt", source_column=0, target_column=1)
source, target = pairs.train[0]
```
"""

import dataclasses
import io
import random
import zipfile
from pathlib import Path

from seqapps.data import paths

SPLITS = ("train", "validation", "test")
DEFAULT_SEED = 2018
# Pairs held out for test and for validation when no file is given for them: this many, or a tenth of the file.
HELD_OUT_PAIRS = 2000
HELD_OUT_FRACTION = 0.1
TEXT_SUFFIXES = (".txt", ".tsv", ".tab")


@dataclasses.dataclass
class TranslationPairs:
    """Source -> target sentence pairs in three splits.

    Attributes:
        train, validation, test: lists of `(source, target)` tuples.
        source: the file the pairs came from.
        language: the source language's name in `describe()` (e.g. "Spanish").
        split_by_source: whether validation and test were held out of the file by unique source sentence.
    """

    train: list
    validation: list
    test: list
    source: str
    language: str = "source"
    split_by_source: bool = True

    def split(self, name):
        if name not in SPLITS:
            raise ValueError(f"Unknown split {name!r}: choose from {', '.join(SPLITS)}.")
        return getattr(self, name)

    def describe(self):
        sizes = ", ".join(
            f"{name} {len(self.split(name)):,} pairs "
            f"({len({source for source, _ in self.split(name)}):,} {self.language} sentences)"
            for name in SPLITS
        )
        split = f"; split by unique {self.language} sentence" if self.split_by_source else ""
        return f"{self.source}: {sizes}{split}"


def column_choice(column):
    """`column` as a 0-based index (an int, or a string of digits) or a header name (any other string)."""
    if isinstance(column, bool):
        raise ValueError(f"A column is a 0-based index or a header name, got {column!r}.")
    if isinstance(column, int) or (isinstance(column, str) and column.strip().isdigit()):
        index = int(column)
        if index < 0:
            raise ValueError(f"A column index counts from 0, got {column!r}.")
        return index
    if not isinstance(column, str) or not column.strip():
        raise ValueError(f"A column is a 0-based index or a header name, got {column!r}.")
    return column.strip()


def read_bytes(path):
    """The bytes of a text file, or of the one text member of a zip archive, and how to name where they came from."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [
                name
                for name in archive.namelist()
                if name.lower().endswith(TEXT_SUFFIXES) and not Path(name).name.startswith("_")
            ]
            if len(names) != 1:
                raise paths.DataFormatError(
                    f"{str(path)!r} is a zip archive holding {len(names)} sentence files ({paths.shown_names(names)}; "
                    f"a .txt or .tsv whose name does not start with _). Fix: extract the file of pairs and pass it."
                )
            return archive.read(names[0]), f"{path}:{names[0]}"
    return path.read_bytes(), str(path)


def parse_pairs(data, where, source_column, target_column, expected=None, fix=None):
    """Parses tab-separated lines (bytes) into `(source, target)` tuples (see the module docstring).

    Args:
        data: the file's bytes.
        where: how error messages name the file.
        source_column, target_column: 0-based indices or header names.
        expected: how error messages describe a line (default: the columns chosen).
        fix: the fix error messages suggest (default: a generic one).

    Raises:
        seqapps.data.paths.DataFormatError: see the module docstring.
    """
    source_column, target_column = column_choice(source_column), column_choice(target_column)
    if source_column == target_column:
        raise ValueError(f"The source and target columns are both {source_column!r}: choose two columns.")
    names = isinstance(source_column, str) or isinstance(target_column, str)
    if expected is None:
        expected = f"tab-separated columns with the source in column {source_column!r} and the target in column "
        expected += f"{target_column!r}"
    if fix is None:
        fix = (
            "Fix: pass a UTF-8 text file of one sentence pair per line, columns separated by tabs, and choose the "
            "columns with source_column / target_column (0-based indices, or names of the header row)."
        )
    kind = paths.binary_kind(data)
    if kind is not None:
        raise paths.DataFormatError(f"{where} is {kind}, not a text file of sentence pairs. {fix}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise paths.DataFormatError(
            f"{where} is not UTF-8: byte offset {error.start} (line {line}) holds {data[error.start : error.end]!r}. "
            f"{fix}"
        ) from None
    lines = enumerate(io.StringIO(text), start=1)
    if names:
        header = None
        for number, line in lines:
            if line.strip():
                header = [name.strip() for name in line.rstrip("\r\n").split("\t")]
                break
        if header is None:
            raise paths.DataFormatError(f"{where} holds no header row and no sentence pairs. {fix}")
        indices = []
        for column in (source_column, target_column):
            if isinstance(column, int):
                indices.append(column)
            elif column in header:
                indices.append(header.index(column))
            else:
                raise paths.DataFormatError(
                    f"{where}, line {number} (the header row): no column named {column!r}; the columns are "
                    f"{paths.shown_names(header)}. Fix: name one of them, or pass 0-based column indices for a file "
                    "without a header row."
                )
        source_index, target_index = indices
    else:
        source_index, target_index = source_column, target_column
    pairs = []
    for number, line in lines:
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) <= max(source_index, target_index):
            raise paths.DataFormatError(
                f"{where}, line {number}: expected {expected}, got {len(fields)} column(s): {line[:80]!r}. {fix}"
            )
        source, target = fields[source_index].strip(), fields[target_index].strip()
        if not source or not target:
            side, column = ("source", source_column) if not source else ("target", target_column)
            raise paths.DataFormatError(
                f"{where}, line {number}: the {side} sentence (column {column!r}) "
                f"is empty: {line[:80]!r}. Fix: remove the line or fill in its {side} sentence."
            )
        pairs.append((source, target))
    if not pairs:
        raise paths.DataFormatError(f"{where} holds no sentence pairs. {fix}")
    return pairs


def read_pairs(path, source_column, target_column):
    """The `(source, target)` pairs of a tab-separated file, or of the one inside a zip archive."""
    path = Path(path)
    if not path.is_file():
        raise paths.DataNotFoundError(f"{str(path)!r} is not a file. Fix: pass the path of a file of sentence pairs.")
    data, where = read_bytes(path)
    return parse_pairs(data, where, source_column, target_column)


def held_out_size(pairs):
    """Pairs held out for test (and for validation) from a file of `pairs` pairs: 2,000, or a tenth when fewer."""
    return min(HELD_OUT_PAIRS, int(pairs * HELD_OUT_FRACTION))


def split_pairs(pairs, source, test_size=2000, validation_size=2000, seed=DEFAULT_SEED, language="source"):
    """Splits pairs by unique source sentence into train / validation / test (see the module docstring).

    The source sentences are shuffled with `seed`; whole groups (a sentence
    and all its translations) go to test until it holds `test_size` pairs,
    skipping a group that would overflow it, then to validation likewise; the
    rest is train.

    Raises:
        seqapps.data.paths.DataFormatError: a held-out split ends short of its size.
    """
    for name, value in (("test_size", test_size), ("validation_size", validation_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"`{name}` must be a non-negative integer, got {value!r}.")
    groups = {}
    for pair in pairs:
        groups.setdefault(pair[0], []).append(pair)
    sources = sorted(groups)
    random.Random(seed).shuffle(sources)
    held_out = {"test": [], "validation": []}
    remaining = []
    for sentence in sources:
        group = groups[sentence]
        for name, size in (("test", test_size), ("validation", validation_size)):
            if len(held_out[name]) + len(group) <= size:
                held_out[name].extend(group)
                break
        else:
            remaining.extend(group)
    for name, size in (("test", test_size), ("validation", validation_size)):
        if len(held_out[name]) != size:
            raise paths.DataFormatError(
                f"{source}: only {len(held_out[name]):,} pairs for a {name} split of {size:,}; the file holds "
                f"{len(pairs):,} pairs. Pass a smaller {name}_size, or the full file."
            )
    return TranslationPairs(remaining, held_out["validation"], held_out["test"], source, language)


def load(
    path,
    source_column,
    target_column,
    validation_path=None,
    test_path=None,
    test_size=None,
    validation_size=None,
    seed=DEFAULT_SEED,
    language="source",
):
    """Loads sentence pairs of a tab-separated file, split into train / validation / test.

    Args:
        path: the training file (or a zip archive holding it).
        source_column, target_column: 0-based column indices, or header names.
        validation_path, test_path: files read whole for those splits, with
            the same columns (`None`: held out of `path`).
        test_size, validation_size: pairs held out of `path` for a split
            without its own file (`None`: 2,000, or a tenth of the file's
            pairs when that is fewer).
        seed: seed of the split.
        language: the source language's name in `describe()`.

    Returns:
        A `TranslationPairs`.

    Raises:
        seqapps.data.paths.DataNotFoundError: a file does not exist.
        seqapps.data.paths.DataFormatError: see the module docstring.
    """
    pairs = read_pairs(path, source_column, target_column)
    default = held_out_size(len(pairs))
    test_size = 0 if test_path is not None else default if test_size is None else test_size
    validation_size = 0 if validation_path is not None else default if validation_size is None else validation_size
    split = split_pairs(pairs, str(path), test_size, validation_size, seed, language)
    if test_path is not None:
        split.test = read_pairs(test_path, source_column, target_column)
    if validation_path is not None:
        split.validation = read_pairs(validation_path, source_column, target_column)
    split.split_by_source = test_path is None or validation_path is None
    return split
