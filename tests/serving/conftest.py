"""Fixtures of the seqapps.serving tests: one export root built once per session."""

import shutil

import pytest
from small_exports import pairs_module, words_module

from seqapps.export import export_for_serving


@pytest.fixture(scope="session")
def root(tmp_path_factory):
    """words (TF Text, one warmup request), pairs (two numeric inputs, no warmup) and two non-models."""
    root = tmp_path_factory.mktemp("serving_root")
    module, serve = words_module()
    export_for_serving(module, root, "words", {"serving_default": serve}, [{"text": ["good film", "Bad bad day"]}])
    module, serve = pairs_module()
    export_for_serving(module, root, "pairs", {"serving_default": serve})
    (root / "not_a_model").mkdir()
    (root / "README.txt").write_text("not a model either")
    return root


@pytest.fixture
def words_copy(root, tmp_path):
    """A private copy of words/1, to break."""
    copy = tmp_path / "words" / "1"
    shutil.copytree(root / "words" / "1", copy)
    return copy
