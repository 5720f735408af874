"""Parallel sentences of your own: formats, column choices, directions, splits and data errors."""

import zipfile

import pytest

from seqapps.data import parallel_texts, paths

# English<TAB>Russian<TAB>attribution, as the Anki files of manythings.org.
ANKI = [
    f"I see {index} cats.\tЯ вижу {index} кошек.\tCC-BY 2.0 (France) Attribution: tatoeba.org #{index}"
    for index in range(100)
]


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_anki_file_in_both_directions_extra_columns_ignored(tmp_path):
    path = write(tmp_path / "rus.txt", ANKI)
    english_to_russian = parallel_texts.load(path, 0, 1)
    russian_to_english = parallel_texts.load(path, "1", "0")
    assert (len(english_to_russian.train), len(english_to_russian.validation), len(english_to_russian.test)) == (
        80,
        10,
        10,
    )
    everything = english_to_russian.train + english_to_russian.validation + english_to_russian.test
    assert ("I see 7 cats.", "Я вижу 7 кошек.") in everything
    assert ("Я вижу 7 кошек.", "I see 7 cats.") in russian_to_english.train + russian_to_english.validation + (
        russian_to_english.test
    )
    assert "split by unique source sentence" in english_to_russian.describe()


def test_header_names_zip_and_separate_files(tmp_path):
    lines = ["id\tzh\ten"] + [f"{index}\t我有{index}只猫。\tI have {index} cats." for index in range(50)]
    path = write(tmp_path / "train.tsv", lines)
    pairs = parallel_texts.load(path, "zh", "en", test_size=5, validation_size=5)
    assert len(pairs.train) == 40 and ("我有3只猫。", "I have 3 cats.") in pairs.train + pairs.validation + pairs.test
    # An index and a name mix: the header row is still read as one.
    assert len(parallel_texts.load(path, 1, "en").train) == 40
    test = write(tmp_path / "test.tsv", ["zh\ten", "你好。\tHello."])
    validation = write(tmp_path / "validation.tsv", ["zh\ten", "再见。\tGoodbye.", "谢谢。\tThanks."])
    separate = parallel_texts.load(path, "zh", "en", validation_path=validation, test_path=test)
    assert separate.test == [("你好。", "Hello.")] and len(separate.validation) == 2 and len(separate.train) == 50
    assert "split by unique" not in separate.describe()
    only_test = parallel_texts.load(path, "zh", "en", test_path=test, validation_size=5)
    assert (len(only_test.train), len(only_test.validation)) == (45, 5)
    with zipfile.ZipFile(tmp_path / "rus-eng.zip", "w") as archive:
        archive.writestr("_about.txt", "about")
        archive.writestr("rus.txt", "\n".join(ANKI))
    assert len(parallel_texts.load(tmp_path / "rus-eng.zip", 1, 0).train) == 80


def test_the_split_is_by_source_sentence_and_seeded(tmp_path):
    lines = [f"English {index // 3} version {index % 3}.\tFrançais {index // 3}." for index in range(300)]
    path = write(tmp_path / "fra.txt", lines)
    pairs = parallel_texts.load(path, 1, 0, test_size=30, validation_size=21)
    sources = [{source for source, _ in pairs.split(name)} for name in parallel_texts.SPLITS]
    assert not (sources[0] & sources[1] or sources[0] & sources[2] or sources[1] & sources[2])
    assert parallel_texts.load(path, 1, 0, test_size=30, validation_size=21).test == pairs.test
    assert parallel_texts.load(path, 1, 0, test_size=30, validation_size=21, seed=1).test != pairs.test
    assert parallel_texts.held_out_size(118_964) == 2000 and parallel_texts.held_out_size(300) == 30


@pytest.mark.parametrize(
    "content, columns, fragment",
    [
        (b"Go.\tVe.\nno tab here\n", (1, 0), r"x.tsv, line 2: .*got 1 column\(s\)"),
        (b"Go.\tVe.\n", (1, 3), r"line 1: .*got 2 column\(s\)"),
        (
            b"a\tb\nGo.\tVe.\n",
            ("a", "c"),
            r"line 1 \(the header row\): no column named 'c'; the columns are \['a', 'b'\]",
        ),
        (b"Go.\tVe.\nGo.\t \n", (1, 0), r"line 2: the source sentence \(column 1\) is empty.*Fix: remove the line"),
        (b"\tVe.\n", (1, 0), r"line 1: the target sentence \(column 0\) is empty"),
        (b"Go.\nRun.\n", (1, 0), r"line 1: .*got 1 column"),
        (b"Go.\tVe.\nCaf\xe9\tCaf\xe9\n", (1, 0), r"byte offset 11 \(line 2\)"),
        (b"PAR1\x00\x01binary", (1, 0), "is a Parquet file, not a text file of sentence pairs"),
        (b"Go.\tV\x00e.\n", (1, 0), "NUL bytes"),
        (b"\n\n", (1, 0), "holds no sentence pairs"),
        (b"", ("a", "b"), "no header row"),
    ],
)
def test_data_errors_name_file_line_and_fix(tmp_path, content, columns, fragment):
    path = tmp_path / "x.tsv"
    path.write_bytes(content)
    with pytest.raises(paths.DataFormatError, match=fragment):
        parallel_texts.load(path, *columns)


def test_bad_columns_missing_files_and_too_small_splits(tmp_path):
    path = write(tmp_path / "rus.txt", ANKI)
    for columns, fragment in (((0, 0), "both 0"), ((-1, 0), "counts from 0"), (("", 0), "index or a header name")):
        with pytest.raises(ValueError, match=fragment):
            parallel_texts.load(path, *columns)
    with pytest.raises(paths.DataNotFoundError, match="is not a file"):
        parallel_texts.load(tmp_path / "missing.tsv", 1, 0)
    with pytest.raises(paths.DataFormatError, match="only 100 pairs for a test split of 2,000"):
        parallel_texts.load(path, 1, 0, test_size=2000)
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.writestr("a.txt", "a\tb")
        archive.writestr("b.tsv", "a\tb")
    with pytest.raises(paths.DataFormatError, match="holding 2 sentence files"):
        parallel_texts.load(tmp_path / "two.zip", 1, 0)
