"""The Spanish-English pairs loader: sources, the split by unique source sentence, data errors."""

import zipfile

import keras
import pytest

from seqapps.data import paths, spa_eng

LINES = [f"English {index // 3} version {index % 3}.\tEspañol número {index // 3}." for index in range(300)]


def write_zip(path, lines=LINES):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(spa_eng.MEMBER, "\n".join(lines) + "\n")
        archive.writestr("spa-eng/_about.txt", "about")
    return path


def test_split_by_unique_spanish_sentence(tmp_path):
    pairs = spa_eng.load(write_zip(tmp_path / "spa-eng.zip"), test_size=30, validation_size=21)
    assert (len(pairs.train), len(pairs.validation), len(pairs.test)) == (249, 21, 30)
    sources = [{spanish for spanish, _ in pairs.split(name)} for name in spa_eng.SPLITS]
    assert not (sources[0] & sources[1] or sources[0] & sources[2] or sources[1] & sources[2])
    assert ("Español número 0.", "English 0 version 0.") in pairs.train + pairs.validation + pairs.test
    again = spa_eng.load(write_zip(tmp_path / "again.zip"), test_size=30, validation_size=21)
    assert again.test == pairs.test  # the same seed gives the same split
    assert spa_eng.load(tmp_path / "spa-eng.zip", test_size=30, validation_size=21, seed=1).test != pairs.test
    assert "split by unique Spanish sentence" in pairs.describe()


def test_plain_text_folder_and_data_dir(tmp_path, monkeypatch):
    (tmp_path / "spa.txt").write_text("\n".join(LINES) + "\n\n", encoding="utf-8")
    assert len(spa_eng.load(tmp_path / "spa.txt", test_size=3, validation_size=3).train) == 294
    assert spa_eng.load(tmp_path, test_size=3, validation_size=3).source == str(tmp_path / "spa.txt")
    (tmp_path / "spa-eng").mkdir()
    write_zip(tmp_path / spa_eng.RELATIVE_PATH)
    monkeypatch.setenv(paths.DATA_DIR_VARIABLE, str(tmp_path))
    assert spa_eng.load(test_size=3, validation_size=3).source == str(tmp_path / spa_eng.RELATIVE_PATH)


def test_download_is_the_last_resort(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_DIR_VARIABLE, str(tmp_path / "empty"))
    requested = []

    def fake_get_file(name, origin):
        requested.append(origin)
        return str(write_zip(tmp_path / name))

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    assert len(spa_eng.load(test_size=3, validation_size=3).test) == 3
    assert requested == [spa_eng.ORIGIN]

    def offline(name, origin):
        raise ConnectionError("no internet")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(paths.DataNotFoundError, match=r"spa-eng/spa-eng.zip.*no internet"):
        spa_eng.load()


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"Go.\tVe.\nno tab here\n", "line 2: expected `English<TAB>Spanish`"),
        (b"Go.\t \n", "line 1"),
        (b"Go.\tVe.\nCaf\xe9\tCaf\xe9\n", r"byte offset 11 \(line 2\)"),
        (b"\n\n", "holds no sentence pairs"),
    ],
)
def test_malformed_files(tmp_path, content, fragment):
    path = tmp_path / "spa.txt"
    path.write_bytes(content)
    with pytest.raises(paths.DataFormatError, match=fragment):
        spa_eng.load(path)


def test_too_few_pairs_bad_sizes_and_wrong_layout(tmp_path):
    path = write_zip(tmp_path / "spa-eng.zip")
    with pytest.raises(paths.DataFormatError, match="only .* pairs for a test split of 2,000"):
        spa_eng.load(path)
    with pytest.raises(ValueError, match="test_size"):
        spa_eng.load(path, test_size=-1)
    (tmp_path / "unrelated").mkdir()
    with pytest.raises(paths.DataNotFoundError, match="holds none of"):
        spa_eng.load(tmp_path / "unrelated")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("readme.txt", "x")
    with pytest.raises(paths.DataFormatError, match="zip without a spa.txt"):
        spa_eng.load(tmp_path / "other.zip")
