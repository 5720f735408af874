"""IMDB movie reviews (Maas et al., ACL 2011): raw review text and sentiment.

`load()` returns three `tf.data.Dataset`s of `(review, label)` pairs: the review
a scalar `tf.string` (raw UTF-8 text, `<br />` breaks included; standardize it in
the model, see `seqapps.text`), the label a scalar `tf.int64`, 0 = negative,
1 = positive (`CLASS_NAMES`).

Splits:
- `test`: the official 25,000-review test set.
- `validation`: a fixed-seed, class-stratified `validation_fraction` of the
  official training set. Identical reviews (the corpus has a few hundred
  duplicates) always land on the same side, so validation never shares a text
  with `train`.
- `train`: the rest of the official training set. `train/unsup` (unlabelled
  reviews) is never read.

Each split comes in a fixed, seed-determined order with the classes mixed; the
order depends only on the reviews and the seed, not on the source or on the
order of files in an archive. Shuffle `train` yourself for each epoch.

Sources, in order (see `seqapps.data.paths`):
1. `path`: an `aclImdb` folder (or a folder containing one), or an archive
   (`aclImdb_v1.tar.gz` or any tar, compressed or not) with the standard
   `train/{pos,neg}`, `test/{pos,neg}` layout of one `.txt` review per file;
2. `$SEQAPPS_DATA_DIR/imdb/aclImdb.tar.gz`;
3. `tfds.load("imdb_reviews")` (downloads about 80 MB on first use).

Data problems are errors, except one: a review that is not valid UTF-8 has its
invalid bytes replaced with U+FFFD, is counted in `ImdbData.replaced_reviews`
and reported by a `UserWarning` naming the first such files. Layout problems
(a missing `train/pos`, `test/neg`, ... folder, a folder without reviews, an
empty review, a file that is not a tar archive) raise
`seqapps.data.paths.DataNotFoundError` naming the path and the fix.

Reading the full archive is a single streaming pass over the tar (about 3 s);
nothing is extracted to disk.

Example:

```python
from seqapps.data import imdb

data = imdb.load(limit=2000)  # 2,000 reviews per split, balanced: quick runs
train = data.train.shuffle(data.train_size).batch(32)
validation = data.validation.batch(32)
```
"""

import dataclasses
import re
import tarfile
import warnings
import zlib

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from seqapps.data import paths

DATASET = "IMDB"
RELATIVE_PATH = "imdb/aclImdb.tar.gz"
TFDS_NAME = "imdb_reviews"
CLASS_NAMES = ("negative", "positive")
SPLITS = ("train", "test")
LABEL_FOLDERS = ("neg", "pos")

_LAYOUT = "the aclImdb layout: train/pos, train/neg, test/pos, test/neg folders, one UTF-8 .txt review per file"
_FIX = (
    "Fix: pass an unmodified aclImdb folder or aclImdb_v1.tar.gz "
    "(https://ai.stanford.edu/~amaas/data/sentiment/), or leave the path out "
    f"to use ${paths.DATA_DIR_VARIABLE}/{RELATIVE_PATH} or the tfds download."
)
# `<anything>/<split>/<label folder>/<name>.txt`; `train/unsup` does not match.
_REVIEW_MEMBER = re.compile(r"(?:^|/)(train|test)/(pos|neg)/([^/]+\.txt)$")


@dataclasses.dataclass(frozen=True)
class ImdbData:
    """The three IMDB splits and where they came from.

    Attributes:
        train: `tf.data.Dataset` of `(review, label)`, scalar `tf.string` and
            scalar `tf.int64` (0 = negative, 1 = positive).
        validation: same, carved from the official training set.
        test: same, the official test set.
        train_size: number of elements of `train` (also its cardinality).
        validation_size: number of elements of `validation`.
        test_size: number of elements of `test`.
        source: where the reviews were read, e.g. the archive path or
            `"tfds:imdb_reviews"`.
        replaced_reviews: number of reviews (all splits, before `limit`) whose
            invalid UTF-8 bytes were replaced with U+FFFD.
    """

    train: tf.data.Dataset
    validation: tf.data.Dataset
    test: tf.data.Dataset
    train_size: int
    validation_size: int
    test_size: int
    source: str
    replaced_reviews: int


def load(path=None, validation_fraction=0.1, seed=1337, limit=None):
    """Loads the IMDB reviews as train / validation / test datasets.

    Args:
        path: an `aclImdb` folder (or a folder containing one) or a tar
            archive of it. `None` uses `$SEQAPPS_DATA_DIR/imdb/aclImdb.tar.gz`,
            then `tfds.load("imdb_reviews")`.
        validation_fraction: fraction of the official training reviews held out
            for validation, per class, in `[0, 1)`.
        seed: integer seed of the validation split, of the order of every
            split and of the `limit` subsets.
        limit: `None` for all reviews, or the maximum number of reviews kept
            in each split: half negative, half positive (the extra one
            negative when odd), fewer where a class runs out. Smaller limits
            give subsets of larger ones.

    Returns:
        An `ImdbData`.

    Raises:
        ValueError: `validation_fraction` or `limit` out of range.
        DataNotFoundError: `path` does not exist or is not an IMDB copy, or
            `path` is `None` and neither `$SEQAPPS_DATA_DIR` nor the download
            has the data.
    """
    if not 0 <= validation_fraction < 1:
        raise ValueError(
            f"validation_fraction={validation_fraction!r} is out of range: pass "
            f"a fraction of the training reviews in [0, 1), e.g. 0.1."
        )
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(
            f"limit={limit!r} is invalid: pass a positive number of reviews per split, or None for all of them."
        )
    found = paths.find_local(path, RELATIVE_PATH, DATASET)
    if found is None:
        reviews, source = _read_tfds(path), f"tfds:{TFDS_NAME}"
    elif found.is_dir():
        reviews, source = _read_folder(found), str(found)
    else:
        reviews, source = _read_archive(found), str(found)

    replaced = _repair_encoding(reviews, source)
    train_texts, train_labels = _columns(reviews["train"])
    test_texts, test_labels = _columns(reviews["test"])
    is_validation = _validation_mask(train_texts, train_labels, validation_fraction, np.random.default_rng([seed, 0]))
    splits = {
        "train": (train_texts[~is_validation], train_labels[~is_validation]),
        "validation": (train_texts[is_validation], train_labels[is_validation]),
        "test": (test_texts, test_labels),
    }
    datasets, sizes = {}, {}
    for stream, (name, (texts, labels)) in enumerate(splits.items(), start=1):
        order = _ordered_subset(texts, labels, limit, np.random.default_rng([seed, stream]))
        datasets[name] = tf.data.Dataset.from_tensor_slices((tf.constant(texts[order], dtype=tf.string), labels[order]))
        sizes[f"{name}_size"] = len(order)
    return ImdbData(**datasets, **sizes, source=source, replaced_reviews=replaced)


def _read_folder(folder):
    """Reads `{split: [(file name, label, bytes)]}` from an aclImdb folder."""
    if not (folder / "train").is_dir() and (folder / "aclImdb" / "train").is_dir():
        folder = folder / "aclImdb"
    reviews = {split: [] for split in SPLITS}
    for split in SPLITS:
        for label, label_folder in enumerate(LABEL_FOLDERS):
            directory = folder / split / label_folder
            if not directory.is_dir():
                raise paths.DataNotFoundError(
                    f"{DATASET}: {str(folder)!r} has no {split}/{label_folder} folder; expected {_LAYOUT}. {_FIX}"
                )
            for file in sorted(directory.glob("*.txt")):
                reviews[split].append((str(file), label, file.read_bytes()))
    _check_reviews(reviews, folder)
    return reviews


def _read_archive(archive):
    """Reads `{split: [(member name, label, bytes)]}` in one pass over a tar."""
    reviews = {split: [] for split in SPLITS}
    try:
        with tarfile.open(archive, mode="r|*") as tar:
            for member in tar:
                match = _REVIEW_MEMBER.search(member.name)
                if match is None or not member.isfile():
                    continue
                split, label_folder, _ = match.groups()
                content = tar.extractfile(member).read()
                reviews[split].append((f"{archive}:{member.name}", LABEL_FOLDERS.index(label_folder), content))
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise paths.DataNotFoundError(
            f"{DATASET}: {str(archive)!r} is not a readable tar archive ({error}); expected {_LAYOUT}. {_FIX}"
        ) from error
    _check_reviews(reviews, archive)
    return reviews


def _read_tfds(path):
    """Reads `{split: [(example name, label, bytes)]}` with `tfds.load`."""
    try:
        loaded = tfds.load(TFDS_NAME, split=list(SPLITS), as_supervised=True)
    except Exception as error:  # The download fails in many ways (no network, quota, disk).
        raise paths.not_found(DATASET, path, RELATIVE_PATH, error) from error
    reviews = {}
    for split, dataset in zip(SPLITS, loaded):
        reviews[split] = [
            (f"tfds {TFDS_NAME} {split} example {index}", int(label), bytes(text))
            for index, (text, label) in enumerate(dataset.as_numpy_iterator())
        ]
    _check_reviews(reviews, f"tfds:{TFDS_NAME}")
    return reviews


def _check_reviews(reviews, location):
    """Raises on a split/class without reviews or on an empty review."""
    for split in SPLITS:
        for label, label_folder in enumerate(LABEL_FOLDERS):
            if not any(review[1] == label for review in reviews[split]):
                raise paths.DataNotFoundError(
                    f"{DATASET}: {str(location)!r} has no reviews in {split}/{label_folder}; expected {_LAYOUT}. {_FIX}"
                )
        for name, _, content in reviews[split]:
            if not content.strip():
                raise paths.DataNotFoundError(f"{DATASET}: review {name!r} is empty; the copy is damaged. {_FIX}")


def _repair_encoding(reviews, source):
    """Replaces invalid UTF-8 with U+FFFD in place; returns how many reviews had some."""
    replaced = []
    for split in SPLITS:
        for index, (name, label, content) in enumerate(reviews[split]):
            try:
                content.decode("utf-8")
            except UnicodeDecodeError:
                repaired = content.decode("utf-8", errors="replace").encode("utf-8")
                reviews[split][index] = (name, label, repaired)
                replaced.append(name)
    if replaced:
        warnings.warn(
            f"{DATASET}: {len(replaced)} review(s) from {source!r} are not valid UTF-8; "
            f"their invalid bytes were replaced with U+FFFD. First: {replaced[:3]}.",
            stacklevel=3,
        )
    return len(replaced)


def _columns(reviews):
    """Review texts (object array of bytes) and labels (int64), sorted by
    (text, label) so that what follows does not depend on the source's order."""
    pairs = sorted((content, label) for _, label, content in reviews)
    texts = np.array([text for text, _ in pairs], dtype=object)
    labels = np.array([label for _, label in pairs], dtype=np.int64)
    return texts, labels


def _validation_mask(texts, labels, fraction, rng):
    """Chooses `fraction` of the distinct texts of each class, all copies included."""
    first_label = {}
    for text, label in zip(texts, labels):
        first_label.setdefault(text, label)
    chosen = set()
    for label in range(len(CLASS_NAMES)):
        distinct = [text for text, first in first_label.items() if first == label]
        count = round(fraction * len(distinct))
        chosen.update(distinct[i] for i in rng.permutation(len(distinct))[:count])
    return np.array([text in chosen for text in texts], dtype=bool)


def _ordered_subset(texts, labels, limit, rng):
    """Indices of a seeded shuffle, keeping at most `limit` (balanced) reviews."""
    order = rng.permutation(len(texts))
    if limit is None:
        return order
    keep = np.zeros(len(order), dtype=bool)
    for label, quota in ((0, limit - limit // 2), (1, limit // 2)):
        keep[np.flatnonzero(labels[order] == label)[:quota]] = True
    return order[keep]
