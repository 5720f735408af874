"""Spanish-English sentence pairs (Anki / Tatoeba), the file of the TensorFlow translation tutorials.

`load()` returns `TranslationPairs`: three lists of `(spanish, english)`
string pairs. The split is by unique Spanish sentence, with a fixed seed: all
translations of a Spanish sentence land in the same split, so no source
sentence is in two splits. The test split holds exactly `test_size` pairs
(2,000 by default), the validation split `validation_size`, the rest is train.

Sources, in order (see `seqapps.data.paths`):
1. `path`: `spa-eng.zip`, the `spa.txt` inside it, or a folder holding either;
2. `$SEQAPPS_DATA_DIR/spa-eng/spa-eng.zip`;
3. `keras.utils.get_file` from the TensorFlow download location (`ORIGIN`).

The file has one pair per line, `English<TAB>Spanish` (later Anki exports add
a third, attribution column, which is ignored). A line without a tab, with an
empty side, or bytes that are not UTF-8 is an error naming the file, the line
and the fix.

Example:

```python
from seqapps.data import spa_eng

pairs = spa_eng.load()
print(pairs.describe())
spanish, english = pairs.test[0]
```
"""

import dataclasses
import io
import random
import zipfile
from pathlib import Path

import keras

from seqapps.data import paths

DATASET = "Spanish-English pairs"
RELATIVE_PATH = "spa-eng/spa-eng.zip"
ORIGIN = "http://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip"
MEMBER = "spa-eng/spa.txt"
SPLITS = ("train", "validation", "test")
DEFAULT_SEED = 2018

_FIX = (
    f"Fix: pass the unmodified spa-eng.zip ({ORIGIN}) or its spa.txt (one `English<TAB>Spanish` pair per line), "
    f"or leave the path out to use ${paths.DATA_DIR_VARIABLE}/{RELATIVE_PATH} or the download."
)


@dataclasses.dataclass
class TranslationPairs:
    """Spanish -> English pairs split by unique Spanish sentence.

    Attributes:
        train, validation, test: lists of `(spanish, english)` tuples.
        source: the file the pairs came from.
    """

    train: list
    validation: list
    test: list
    source: str

    def split(self, name):
        if name not in SPLITS:
            raise ValueError(f"Unknown split {name!r}: choose from {', '.join(SPLITS)}.")
        return getattr(self, name)

    def describe(self):
        sizes = ", ".join(
            f"{name} {len(self.split(name)):,} pairs "
            f"({len({spanish for spanish, _ in self.split(name)}):,} Spanish sentences)"
            for name in SPLITS
        )
        return f"{self.source}: {sizes}; split by unique Spanish sentence"


def find_file(path):
    """`path` itself, or for a folder the `spa-eng.zip`, `spa.txt` or `spa-eng/spa.txt` in it."""
    path = Path(path)
    if not path.is_dir():
        return path
    found = [candidate for candidate in (path / "spa-eng.zip", path / "spa.txt", path / MEMBER) if candidate.is_file()]
    if not found:
        raise paths.DataNotFoundError(f"{DATASET}: {str(path)!r} holds none of spa-eng.zip, spa.txt, {MEMBER}. {_FIX}")
    return found[0]


def read_pairs(path):
    """The `(spanish, english)` pairs of a `spa.txt` file, or of the one inside `spa-eng.zip`."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [name for name in archive.namelist() if name.endswith("spa.txt")]
            if not names:
                raise paths.DataFormatError(f"{str(path)!r} is a zip without a spa.txt inside. {_FIX}")
            data, where = archive.read(names[0]), f"{path}:{names[0]}"
    else:
        data, where = path.read_bytes(), str(path)
    return parse_pairs(data, where)


def parse_pairs(data, where):
    """Parses `English<TAB>Spanish[<TAB>...]` lines (bytes) into `(spanish, english)` tuples."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise paths.DataFormatError(
            f"{where} is not UTF-8: byte offset {error.start} (line {line}) holds {data[error.start : error.end]!r}. "
            f"{_FIX}"
        ) from None
    pairs = []
    for number, line in enumerate(io.StringIO(text), start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            raise paths.DataFormatError(
                f"{where}, line {number}: expected `English<TAB>Spanish`, got {line[:80]!r}. {_FIX}"
            )
        pairs.append((fields[1].strip(), fields[0].strip()))
    if not pairs:
        raise paths.DataFormatError(f"{where} holds no sentence pairs. {_FIX}")
    return pairs


def split_pairs(pairs, source, test_size=2000, validation_size=2000, seed=DEFAULT_SEED):
    """Splits pairs by unique Spanish sentence into train / validation / test (see the module docstring).

    The Spanish sentences are shuffled with `seed`; whole groups (a sentence
    and all its translations) go to test until it holds `test_size` pairs,
    skipping a group that would overflow it, then to validation likewise; the
    rest is train.
    """
    for name, value in (("test_size", test_size), ("validation_size", validation_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"`{name}` must be a non-negative integer, got {value!r}.")
    groups = {}
    for spanish, english in pairs:
        groups.setdefault(spanish, []).append((spanish, english))
    sources = sorted(groups)
    random.Random(seed).shuffle(sources)
    held_out = {"test": [], "validation": []}
    remaining = []
    for spanish in sources:
        group = groups[spanish]
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
    return TranslationPairs(remaining, held_out["validation"], held_out["test"], source)


def load(path=None, test_size=2000, validation_size=2000, seed=DEFAULT_SEED):
    """Loads the Spanish-English pairs, split by unique Spanish sentence.

    Args:
        path: `spa-eng.zip`, `spa.txt` or a folder holding either; `None`
            looks in `$SEQAPPS_DATA_DIR`, then downloads.
        test_size: pairs in the test split.
        validation_size: pairs in the validation split.
        seed: seed of the split.

    Returns:
        A `TranslationPairs`.

    Raises:
        seqapps.data.paths.DataNotFoundError: the file is nowhere to be found.
        seqapps.data.paths.DataFormatError: malformed lines, not UTF-8, too few pairs.
    """
    local = paths.find_local(path, RELATIVE_PATH, DATASET)
    if local is None:
        try:
            local = Path(keras.utils.get_file("spa-eng.zip", origin=ORIGIN))
        except Exception as error:  # get_file raises many kinds of network errors
            raise paths.not_found(DATASET, path, RELATIVE_PATH, f"{ORIGIN}: {error}") from error
    local = find_file(local)
    return split_pairs(read_pairs(local), str(local), test_size, validation_size, seed)
