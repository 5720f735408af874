"""seqapps.data.labelled_texts on tiny files of each layout, and its errors."""

import json
import logging

import numpy as np
import pytest

from seqapps.data import labelled_texts
from seqapps.data.paths import DataFormatError, DataNotFoundError

ROWS = [(f"text number {index} of {label}", label) for label in ("ham", "spam", "eggs") for index in range(10)]


def _pairs(dataset, class_names):
    return sorted((text.decode(), class_names[label]) for text, label in dataset.as_numpy_iterator())


def _write_csv(path, rows, separator=",", header=("text", "label")):
    lines = [separator.join(header)] + [f'"{text}"{separator}{label}' for text, label in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps({"text": t, "label": y}, ensure_ascii=False) + "\n" for t, y in rows))
    return path


def _write_folder(root, rows):
    for index, (text, label) in enumerate(rows):
        (root / label).mkdir(parents=True, exist_ok=True)
        (root / label / f"{index}.txt").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("layout", ["folder", "csv", "tsv", "jsonl"])
def test_each_layout_gives_the_same_stratified_splits(tmp_path, layout):
    writers = {
        "folder": lambda: _write_folder(tmp_path / "folder", ROWS),
        "csv": lambda: _write_csv(tmp_path / "data.csv", ROWS),
        "tsv": lambda: _write_csv(tmp_path / "data.tsv", ROWS, separator="\t"),
        "jsonl": lambda: _write_jsonl(tmp_path / "data.jsonl", ROWS),
    }
    data = labelled_texts.load(writers[layout](), validation_fraction=0.2, test_fraction=0.1, seed=3)
    assert data.class_names == ("eggs", "ham", "spam")  # sorted
    assert (data.train_size, data.validation_size, data.test_size) == (21, 6, 3)
    splits = [_pairs(getattr(data, name), data.class_names) for name in ("train", "validation", "test")]
    assert sorted(sum(splits, [])) == sorted(ROWS)  # every example once
    for split, per_class in zip(splits, (7, 2, 1)):  # stratified: the same share of every class
        assert sorted(label for _, label in split) == sorted(["eggs", "ham", "spam"] * per_class)
    again = labelled_texts.load(writers[layout](), validation_fraction=0.2, test_fraction=0.1, seed=3)
    assert _pairs(again.test, again.class_names) == splits[2]  # fixed seed


def test_separate_validation_and_test_files_are_read_whole(tmp_path):
    train = _write_csv(tmp_path / "train.csv", ROWS)
    test = _write_jsonl(tmp_path / "test.jsonl", [("held out ham", "ham"), ("held out eggs", "eggs")])
    validation = _write_csv(tmp_path / "validation.tsv", [("checked spam", "spam")], separator="\t")
    data = labelled_texts.load(train, validation_path=validation, test_path=test)
    assert data.train_size == len(ROWS)
    assert _pairs(data.test, data.class_names) == [("held out eggs", "eggs"), ("held out ham", "ham")]
    assert _pairs(data.validation, data.class_names) == [("checked spam", "spam")]


def test_labels_are_strings_and_quoted_fields_keep_separators_and_line_breaks(tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text('id,label,text\n1,1,"one, with a comma"\n2,01,"two\nlines"\n3,1.0,three\n4,1,four\n')
    data = labelled_texts.load(path, validation_path=path, test_path=path)
    assert data.class_names == ("01", "1", "1.0")
    assert ("two\nlines", "01") in _pairs(data.train, data.class_names)
    assert ("one, with a comma", "1") in _pairs(data.train, data.class_names)
    jsonl = _write_jsonl(tmp_path / "numbers.jsonl", [("a", 1), ("b", 2), ("c", True)])
    assert labelled_texts.load(jsonl, validation_path=jsonl, test_path=jsonl).class_names == ("1", "2", "true")


def test_empty_texts_are_skipped_counted_and_named(tmp_path, caplog):
    path = _write_csv(tmp_path / "data.csv", ROWS + [("", "ham"), ("   ", "spam")])
    with caplog.at_level(logging.WARNING, logger="seqapps"):
        data = labelled_texts.load(path, validation_path=path, test_path=path)
    assert data.skipped_empty == 6 and data.train_size == len(ROWS)  # 2 in each of the three files
    assert "skipped 2 empty text(s) of 32: line 32, line 33" in caplog.text


def test_unseen_labels_in_the_test_file_name_file_rows_and_fix(tmp_path):
    train = _write_csv(tmp_path / "train.csv", ROWS)
    test = _write_csv(tmp_path / "test.csv", [("fine", "ham"), ("new", "bacon"), ("newer", "toast")])
    with pytest.raises(DataFormatError) as error:
        labelled_texts.load(train, test_path=test)
    message = str(error.value)
    assert "test.csv" in message and "2 example(s)" in message and "['bacon', 'toast']" in message
    assert "line 3 ('bacon')" in message and "Fix:" in message and "'eggs', 'ham', 'spam'" in message


def test_one_class_only_is_an_error(tmp_path):
    path = _write_csv(tmp_path / "data.csv", [("a", "x"), ("b", "x")])
    with pytest.raises(DataFormatError, match=r"one class only \('x'\).*label.*Fix"):
        labelled_texts.load(path)


def test_missing_column_lists_the_columns_there_are(tmp_path):
    header = ("review",) + tuple(f"column_{index}" for index in range(20))
    path = _write_csv(tmp_path / "data.csv", [], header=header)
    with pytest.raises(DataFormatError) as error:
        labelled_texts.load(path, text_column="review", label_column="stars")
    message = str(error.value)
    assert "data.csv" in message and "no column 'stars'" in message and "'review', 'column_0'" in message
    assert "and 9 more" in message and "--label-column" in message
    jsonl = _write_jsonl(tmp_path / "data.jsonl", ROWS)
    with pytest.raises(DataFormatError, match=r"line 1 has no column 'body'; its columns are \['text', 'label'\]"):
        labelled_texts.load(jsonl, text_column="body")


@pytest.mark.parametrize(
    "content, kind", [(b"PAR1" + bytes(40), "a Parquet file"), (b"PK\x03\x04" + bytes(40), "a zip archive")]
)
def test_a_binary_file_given_as_csv_is_named(tmp_path, content, kind):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match=f"data.csv' is {kind}.*not a CSV text file. Fix"):
        labelled_texts.load(path)


def test_other_errors(tmp_path):
    with pytest.raises(DataNotFoundError, match="missing.csv' does not exist"):
        labelled_texts.load(tmp_path / "missing.csv")
    (tmp_path / "data.xlsx").write_text("x")
    with pytest.raises(DataFormatError, match="unknown file type '.xlsx'"):
        labelled_texts.load(tmp_path / "data.xlsx")
    path = tmp_path / "data.csv"
    path.write_text("text,label\nfine,a\nno label,\n")
    with pytest.raises(DataFormatError, match="data.csv' line 3: the label"):
        labelled_texts.load(path)
    with pytest.raises(ValueError, match="leaves nothing to train on"):
        labelled_texts.load(path, validation_fraction=0.5, test_fraction=0.5)


def test_limit_keeps_a_seeded_subset(tmp_path):
    data = labelled_texts.load(_write_csv(tmp_path / "data.csv", ROWS), limit=4, seed=1)
    assert (data.train_size, data.validation_size, data.test_size) == (4, 3, 3)
    assert np.all([label in (0, 1, 2) for _, label in data.train.as_numpy_iterator()])
