"""Spanish-English sentence pairs (Anki / Tatoeba), the file of the TensorFlow translation tutorials.

`load()` returns `TranslationPairs` (`seqapps.data.parallel_texts`, which reads any
parallel corpus): three lists of `(spanish, english)`
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

import zipfile
from pathlib import Path

import keras

from seqapps.data import parallel_texts, paths

DATASET = "Spanish-English pairs"
RELATIVE_PATH = "spa-eng/spa-eng.zip"
ORIGIN = "http://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip"
MEMBER = "spa-eng/spa.txt"
DEFAULT_SEED = parallel_texts.DEFAULT_SEED
SPLITS = parallel_texts.SPLITS
TranslationPairs = parallel_texts.TranslationPairs

_FIX = (
    f"Fix: pass the unmodified spa-eng.zip ({ORIGIN}) or its spa.txt (one `English<TAB>Spanish` pair per line), "
    f"or leave the path out to use ${paths.DATA_DIR_VARIABLE}/{RELATIVE_PATH} or the download."
)


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
    return parallel_texts.parse_pairs(data, where, 1, 0, expected="`English<TAB>Spanish`", fix=_FIX)


def split_pairs(pairs, source, test_size=2000, validation_size=2000, seed=DEFAULT_SEED):
    """Splits pairs by unique Spanish sentence into train / validation / test (`parallel_texts.split_pairs`)."""
    return parallel_texts.split_pairs(pairs, source, test_size, validation_size, seed, language="Spanish")


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
    local = locate(path)
    return split_pairs(read_pairs(local), str(local), test_size, validation_size, seed)


def locate(path=None):
    """The `spa-eng.zip` or `spa.txt` file `path` names (a folder: the one in it), else `$SEQAPPS_DATA_DIR`'s, else
    the download.

    Raises:
        seqapps.data.paths.DataNotFoundError: the file is nowhere to be found.
    """
    local = paths.find_local(path, RELATIVE_PATH, DATASET)
    if local is None:
        try:
            local = Path(keras.utils.get_file("spa-eng.zip", origin=ORIGIN))
        except Exception as error:  # get_file raises many kinds of network errors
            raise paths.not_found(DATASET, path, RELATIVE_PATH, f"{ORIGIN}: {error}") from error
    return find_file(local)
