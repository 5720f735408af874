"""Where a loader finds its data.

Every loader resolves its files in the same order:

1. an explicit path argument (an error if it does not exist);
2. `$SEQAPPS_DATA_DIR/<relative path>`, the layout of the project's shared
   datasets folder (e.g. `imdb/aclImdb.tar.gz`);
3. the real download (tfds or `keras.utils.get_file`), done by the loader.

`find_local` covers the first two steps; `DataNotFoundError` is what a loader
raises when all three fail, naming every place it looked and how to fix it.
"""

import os
from pathlib import Path

DATA_DIR_VARIABLE = "SEQAPPS_DATA_DIR"


class DataNotFoundError(FileNotFoundError):
    """Raised when a dataset is neither at a given path, nor under
    `$SEQAPPS_DATA_DIR`, nor downloadable."""


def data_dir():
    """Returns `$SEQAPPS_DATA_DIR` as a `Path`, or `None` when it is unset or empty."""
    value = os.environ.get(DATA_DIR_VARIABLE, "").strip()
    return Path(value).expanduser() if value else None


def find_local(path, relative_path, dataset):
    """Finds a dataset file or folder on disk.

    Args:
        path: explicit path given by the user, or `None`.
        relative_path: where the dataset lives under `$SEQAPPS_DATA_DIR`,
            e.g. `"imdb/aclImdb.tar.gz"`.
        dataset: human-readable dataset name for error messages.

    Returns:
        The `Path` found, or `None` when no explicit path was given and
        `$SEQAPPS_DATA_DIR` is unset or does not contain `relative_path`
        (the caller then downloads).

    Raises:
        DataNotFoundError: an explicit `path` was given and does not exist.
    """
    if path is not None:
        explicit = Path(path).expanduser()
        if not explicit.exists():
            raise DataNotFoundError(
                f"{dataset}: {str(explicit)!r} does not exist. Pass the path of "
                f"an existing file or folder, or leave the path out to use "
                f"${DATA_DIR_VARIABLE}/{relative_path} or the download."
            )
        return explicit
    root = data_dir()
    if root is not None and (root / relative_path).exists():
        return root / relative_path
    return None


def places_tried(path, relative_path):
    """Lists, for an error message, the places `find_local` looked."""
    root = data_dir()
    tried = []
    if path is not None:
        tried.append(f"explicit path {str(path)!r}")
    if root is None:
        tried.append(f"${DATA_DIR_VARIABLE} (not set)")
    else:
        tried.append(f"${DATA_DIR_VARIABLE}/{relative_path} = {str(root / relative_path)!r}")
    return tried


def not_found(dataset, path, relative_path, download_error):
    """Builds the `DataNotFoundError` a loader raises when the download failed too."""
    tried = "; ".join(places_tried(path, relative_path) + [f"download ({download_error})"])
    return DataNotFoundError(
        f"{dataset} not found. Tried: {tried}. Fix: pass the path explicitly, "
        f"or set {DATA_DIR_VARIABLE} to a folder containing {relative_path}, "
        f"or run with internet access so the download can succeed."
    )


class DataFormatError(ValueError):
    """Raised when a dataset was found but its content is malformed (missing
    values, duplicate or out-of-order timestamps, non-numeric columns, too
    few rows). The message names the problem, where it is and the fix."""


# Leading bytes of binary formats a user may pass by mistake -> how the error names them.
BINARY_SIGNATURES = (
    (b"PAR1", "a Parquet file"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\xd0\xcf\x11\xe0", "an Excel (.xls) workbook"),
    (b"\x89HDF", "an HDF5 file"),
    (b"\x93NUMPY", "a NumPy (.npy) file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook is one)"),
)


def binary_kind(raw):
    """How to name `raw` if it is not text (a known binary format, or bytes with NULs); `None` for text."""
    for signature, kind in BINARY_SIGNATURES:
        if raw.startswith(signature):
            return kind
    head = raw[:65536]
    if b"\x00" in head:
        return "a binary file (it has NUL bytes)"
    return None


def shown_names(names, limit=12, width=40):
    """`names` for an error message: at most `limit` names, each cut to `width` characters."""
    shown = [name if len(name) <= width else name[: width - 3] + "..." for name in names[:limit]]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{shown}{more}"
