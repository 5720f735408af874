"""Tiny Shakespeare (Karpathy's char-rnn corpus), or any plain UTF-8 text file.

`load()` returns a `TextCorpus`: the text cut into three contiguous parts,
90% train, 5% validation, 5% test, in file order (the split of tfds
`tiny_shakespeare`). A language model is trained on the first part and scored
on the others, which it has never seen.

Sources, in order (see `seqapps.data.paths`):
1. `path`: any UTF-8 text file (Tiny Shakespeare or your own corpus);
2. `$SEQAPPS_DATA_DIR/tinyshakespeare/input.txt`;
3. `tfds.load("tiny_shakespeare")` (downloads about 1 MB on first use; its
   three splits are used as they are).

Data problems are errors naming the file and the fix: a missing or empty
file, a folder instead of a file, text too short to split (fewer than
`MINIMUM_CHARACTERS`), and bytes that are not UTF-8 (the error gives the byte
offset and line). `errors="replace"` instead replaces invalid bytes with
U+FFFD, counted in `TextCorpus.replaced_bytes`.

Example:

```python
from seqapps.data import shakespeare

corpus = shakespeare.load()
print(corpus.describe())
```
"""

import dataclasses

import tensorflow_datasets as tfds

from seqapps.data import paths

DATASET = "Tiny Shakespeare"
RELATIVE_PATH = "tinyshakespeare/input.txt"
TFDS_NAME = "tiny_shakespeare"
SPLITS = ("train", "validation", "test")
SPLIT_FRACTIONS = (0.9, 0.05, 0.05)
MINIMUM_CHARACTERS = 100
DECODE_ERRORS = ("strict", "replace")

_FIX = (
    "Fix: pass a plain UTF-8 text file, or leave the path out to use "
    f"${paths.DATA_DIR_VARIABLE}/{RELATIVE_PATH} or the tfds download."
)


@dataclasses.dataclass
class TextCorpus:
    """A text split into contiguous train / validation / test parts.

    Attributes:
        train, validation, test: the three parts, `str`.
        source: where the text came from (a path or `tfds:tiny_shakespeare`).
        replaced_bytes: invalid UTF-8 bytes replaced with U+FFFD (only with
            `errors="replace"`).
    """

    train: str
    validation: str
    test: str
    source: str
    replaced_bytes: int = 0

    def split(self, name):
        if name not in SPLITS:
            raise ValueError(f"Unknown split {name!r}: choose from {', '.join(SPLITS)}.")
        return getattr(self, name)

    def describe(self):
        sizes = ", ".join(f"{name} {len(self.split(name)):,}" for name in SPLITS)
        total = sum(len(self.split(name)) for name in SPLITS)
        replaced = f"; {self.replaced_bytes} invalid bytes replaced" if self.replaced_bytes else ""
        return f"{self.source}: {total:,} characters, contiguous split (characters) {sizes} (90/5/5){replaced}"


def split_text(text, source, replaced_bytes=0):
    """Cuts `text` into contiguous 90/5/5 train / validation / test parts."""
    if len(text) < MINIMUM_CHARACTERS:
        raise paths.DataFormatError(
            f"{source}: {len(text)} characters is too short to split into train, validation and test "
            f"(at least {MINIMUM_CHARACTERS} needed). {_FIX}"
        )
    first = round(len(text) * SPLIT_FRACTIONS[0])
    second = round(len(text) * (SPLIT_FRACTIONS[0] + SPLIT_FRACTIONS[1]))
    return TextCorpus(text[:first], text[first:second], text[second:], source, replaced_bytes)


def read_text(path, errors="strict"):
    """Reads a UTF-8 text file, with errors naming the file, line and byte offset.

    Returns:
        `(text, replaced_bytes)`.
    """
    if errors not in DECODE_ERRORS:
        raise ValueError(f"`errors` must be one of {', '.join(DECODE_ERRORS)}, got {errors!r}.")
    if path.is_dir():
        raise paths.DataNotFoundError(f"{DATASET}: {str(path)!r} is a folder, not a text file. {_FIX}")
    data = path.read_bytes()
    if not data.strip():
        raise paths.DataFormatError(f"{str(path)!r} is empty (or only whitespace): nothing to train on. {_FIX}")
    try:
        return data.decode("utf-8"), 0
    except UnicodeDecodeError as error:
        if errors == "replace":
            text = data.decode("utf-8", errors="replace")
            return text, _count_invalid_bytes(data)
        line = data.count(b"\n", 0, error.start) + 1
        raise paths.DataFormatError(
            f"{str(path)!r} is not UTF-8: byte offset {error.start} (line {line}) holds "
            f"{data[error.start : error.end]!r} ({error.reason}). Fix: convert the file to UTF-8 (e.g. "
            f"`iconv -f latin1 -t utf-8`), or pass errors='replace' (--decode-errors replace) to replace "
            "invalid bytes with U+FFFD."
        ) from None


def _count_invalid_bytes(data):
    count = 0
    position = 0
    while position < len(data):
        try:
            data[position:].decode("utf-8")
            break
        except UnicodeDecodeError as error:
            count += error.end - error.start
            position += error.end
    return count


def load(path=None, errors="strict"):
    """Loads Tiny Shakespeare, or any UTF-8 text file given as `path`.

    Args:
        path: a plain-text file; `None` looks in `$SEQAPPS_DATA_DIR`, then downloads.
        errors: `"strict"` (invalid UTF-8 is an error) or `"replace"`.

    Returns:
        A `TextCorpus`.

    Raises:
        seqapps.data.paths.DataNotFoundError: no text found anywhere.
        seqapps.data.paths.DataFormatError: empty, too short or not UTF-8.
    """
    if errors not in DECODE_ERRORS:
        raise ValueError(f"`errors` must be one of {', '.join(DECODE_ERRORS)}, got {errors!r}.")
    local = paths.find_local(path, RELATIVE_PATH, DATASET)
    if local is not None:
        text, replaced = read_text(local, errors)
        return split_text(text, str(local), replaced)
    try:
        parts = tfds.load(TFDS_NAME, split=list(SPLITS))
    except Exception as error:  # tfds raises many kinds of download and lookup errors
        raise paths.not_found(DATASET, path, RELATIVE_PATH, f"tfds {TFDS_NAME!r}: {error}") from error
    # Each split is one example holding its whole text.
    texts = ["".join(example["text"].decode("utf-8") for example in tfds.as_numpy(part)) for part in parts]
    return TextCorpus(*texts, source=f"tfds:{TFDS_NAME}")
