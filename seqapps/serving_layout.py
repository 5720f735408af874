"""TF Serving's folder layout, which `seqapps.export` writes and `seqapps.serving` reads.

    <export root>/<model>/<version>/          version: an integer folder name
        saved_model.pb                        signature `serving_default` answers requests naming none
        assets.extra/tf_serving_warmup_requests

Both modules import these names from here; neither imports anything back, and
this module imports no TensorFlow.
"""

import re
from pathlib import Path

DEFAULT_SIGNATURE = "serving_default"
WARMUP_DIRNAME = "assets.extra"
WARMUP_FILENAME = "tf_serving_warmup_requests"
WARMUP_RELATIVE_PATH = f"{WARMUP_DIRNAME}/{WARMUP_FILENAME}"
# TF Serving refuses to load a version whose warmup file holds more records
# (`WarmupConsts::kMaxNumRecords` in saved_model_warmup_util).
MAX_WARMUP_RECORDS = 1000
# An export is written into `<model>/.tmp-<version>-<random>` before it is renamed to `<version>`.
TEMP_PREFIX = ".tmp-"

_VERSION_NAME = re.compile(r"[0-9]+")


def is_version_name(name):
    """True for a folder name TF Serving reads as a version: ASCII digits only."""
    return bool(_VERSION_NAME.fullmatch(name))


def version_dirs(model_dir):
    """[(version, path)] of the integer-named folders in `model_dir`, by version."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        return []
    return sorted(
        (int(entry.name), entry) for entry in model_dir.iterdir() if is_version_name(entry.name) and entry.is_dir()
    )


def list_versions(model_dir):
    """The integer versions (sorted) of the version folders in `model_dir`."""
    return [version for version, _ in version_dirs(model_dir)]
