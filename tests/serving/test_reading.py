"""seqapps.serving.reading: which version folder a path designates."""

import pytest

from seqapps import serving


def test_resolve_version_dir(root, tmp_path):
    assert serving.resolve_version_dir(root / "words") == root / "words" / "1"
    assert serving.resolve_version_dir(root / "words" / "1") == root / "words" / "1"
    with pytest.raises(serving.ServingError, match="neither a SavedModel version folder"):
        serving.resolve_version_dir(root / "not_a_model")
    with pytest.raises(serving.ServingError, match="not a folder"):
        serving.resolve_version_dir(root / "README.txt")
