"""The Tiny Shakespeare / plain-text loader: sources, split and data errors."""

import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from seqapps.data import paths, shakespeare

TEXT = "First Citizen:\nBefore we proceed any further, hear me speak. Ça va? 😀\n" * 40


def test_explicit_file_is_split_contiguously_90_5_5(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    corpus = shakespeare.load(path)
    assert corpus.train + corpus.validation + corpus.test == TEXT
    assert len(corpus.train) == round(0.9 * len(TEXT))
    assert abs(len(corpus.validation) - len(corpus.test)) <= 1
    assert corpus.source == str(path)
    assert "90/5/5" in corpus.describe()


def test_data_dir_is_used_when_no_path_is_given(tmp_path, monkeypatch):
    (tmp_path / "tinyshakespeare").mkdir()
    (tmp_path / shakespeare.RELATIVE_PATH).write_text(TEXT)
    monkeypatch.setenv(paths.DATA_DIR_VARIABLE, str(tmp_path))
    assert shakespeare.load().source == str(tmp_path / shakespeare.RELATIVE_PATH)


def mock_split(builder, split, **keywords):
    """`as_dataset_fn` of `tfds.testing.mock_data`: one example holding the split's text, as tfds has."""
    return tf.data.Dataset.from_tensor_slices({"text": [f"the {split} text, ça"]})


def test_tfds_is_the_last_resort(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_DIR_VARIABLE, str(tmp_path))
    with tfds.testing.mock_data(as_dataset_fn=mock_split):
        corpus = shakespeare.load()
    assert corpus.source == "tfds:tiny_shakespeare"
    assert [corpus.split(name) for name in shakespeare.SPLITS] == [
        f"the {name} text, ça" for name in shakespeare.SPLITS
    ]


def test_failed_download_names_every_place_tried(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_DIR_VARIABLE, str(tmp_path))

    def offline(*arguments, **keywords):
        raise ConnectionError("no internet")

    monkeypatch.setattr(tfds, "load", offline)
    with pytest.raises(paths.DataNotFoundError, match=r"tinyshakespeare/input.txt.*no internet"):
        shakespeare.load()


def test_missing_path(tmp_path):
    with pytest.raises(paths.DataNotFoundError, match="does not exist"):
        shakespeare.load(tmp_path / "nothing.txt")


def test_folder_empty_and_short_files_are_errors(tmp_path):
    with pytest.raises(paths.DataNotFoundError, match="is a folder"):
        shakespeare.load(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n\n")
    with pytest.raises(paths.DataFormatError, match="is empty"):
        shakespeare.load(empty)
    short = tmp_path / "short.txt"
    short.write_text("To be or not to be")
    with pytest.raises(paths.DataFormatError, match="too short"):
        shakespeare.load(short)


def test_invalid_utf8_names_offset_and_line_or_is_replaced(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(TEXT.encode() + "\nCaf\xe9 cr\xe8me\n".encode("latin-1") + b"x" * 50)
    offset = len(TEXT.encode()) + 4
    line = TEXT.count("\n") + 2
    with pytest.raises(paths.DataFormatError, match=rf"byte offset {offset} \(line {line}\).*--decode-errors replace"):
        shakespeare.load(path)
    corpus = shakespeare.load(path, errors="replace")
    assert corpus.replaced_bytes == 2
    assert "\ufffd" in corpus.test
    assert "2 invalid bytes replaced" in corpus.describe()


def test_bad_arguments():
    with pytest.raises(ValueError, match="errors"):
        shakespeare.load(errors="ignore")
    corpus = shakespeare.split_text(TEXT, "text")
    with pytest.raises(ValueError, match="Unknown split"):
        corpus.split("dev")
