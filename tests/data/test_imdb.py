import tarfile

import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from seqapps.data import imdb, paths


def review_text(split, folder, index):
    return f"A {folder} {split} review number {index}.<br /><br />The end."


def write_imdb_folder(root, per_class=5, test_per_class=3, extra=None):
    """Writes a tiny aclImdb folder: `per_class` train and `test_per_class`
    test reviews per class, an ignored `train/unsup`, the `urls_*` files, and
    `extra` = {relative file path: bytes}. Returns the aclImdb folder."""
    folder = root / "aclImdb"
    counts = {"train": per_class, "test": test_per_class}
    for split, count in counts.items():
        for label_folder, rating in (("pos", 9), ("neg", 2)):
            directory = folder / split / label_folder
            directory.mkdir(parents=True)
            for index in range(count):
                text = review_text(split, label_folder, index)
                (directory / f"{index}_{rating}.txt").write_text(text, encoding="utf-8")
            (folder / split / f"urls_{label_folder}.txt").write_text("http://x\n")
    (folder / "train" / "unsup").mkdir()
    (folder / "train" / "unsup" / "0_0.txt").write_text("unlabelled unsup review")
    (folder / "README").write_text("readme")
    for relative, content in (extra or {}).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(content)
    return folder


def write_archive(folder, archive, reverse=False):
    """Tars `folder` as `aclImdb/...`, members in sorted or reversed order."""
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    with tarfile.open(archive, "w:gz") as tar:
        for path in reversed(files) if reverse else files:
            tar.add(path, arcname=f"aclImdb/{path.relative_to(folder)}")
    return archive


def elements(dataset):
    return [(text.decode("utf-8"), int(label)) for text, label in dataset.as_numpy_iterator()]


@pytest.fixture(autouse=True)
def no_data_dir(monkeypatch):
    monkeypatch.delenv(paths.DATA_DIR_VARIABLE, raising=False)


def test_folder_splits_are_labelled_disjoint_and_complete(tmp_path):
    folder = write_imdb_folder(tmp_path, per_class=10, test_per_class=3)
    data = imdb.load(folder, validation_fraction=0.2)
    splits = (data.train, data.validation, data.test)
    train, validation, test = (elements(split) for split in splits)
    assert (data.train_size, data.validation_size, data.test_size) == (16, 4, 6)
    assert [len(train), len(validation), len(test)] == [16, 4, 6]
    assert data.train.cardinality().numpy() == 16
    for text, label in train + validation + test:
        assert label == (1 if " pos " in text else 0)
    assert sorted(label for _, label in validation) == [0, 0, 1, 1]
    train_texts = {text for text, _ in train}
    validation_texts = {text for text, _ in validation}
    assert not train_texts & validation_texts
    assert train_texts | validation_texts == {
        review_text("train", label_folder, index) for label_folder in ("pos", "neg") for index in range(10)
    }
    assert {text for text, _ in test} == {
        review_text("test", label_folder, index) for label_folder in ("pos", "neg") for index in range(3)
    }
    assert data.source == str(folder)
    assert data.replaced_reviews == 0
    assert data.train.element_spec == (
        tf.TensorSpec([], tf.string),
        tf.TensorSpec([], tf.int64),
    )


def test_parent_of_aclimdb_folder_is_accepted(tmp_path):
    write_imdb_folder(tmp_path)
    assert imdb.load(tmp_path).test_size == 6


def test_archive_gives_the_same_splits_as_the_folder_whatever_the_member_order(tmp_path):
    folder = write_imdb_folder(tmp_path / "extracted", per_class=8)
    archive = write_archive(folder, tmp_path / "aclImdb_v1.tar.gz", reverse=True)
    from_folder = imdb.load(folder, seed=7)
    from_archive = imdb.load(archive, seed=7)
    for split in ("train", "validation", "test"):
        assert elements(getattr(from_archive, split)) == elements(getattr(from_folder, split))
    assert from_archive.source == str(archive)


def test_unsup_reviews_are_ignored(tmp_path):
    folder = write_imdb_folder(tmp_path)
    data = imdb.load(write_archive(folder, tmp_path / "aclImdb.tar.gz"), validation_fraction=0)
    texts = [text for text, _ in elements(data.train) + elements(data.test)]
    assert len(texts) == 16
    assert not any("unsup" in text for text in texts)


def test_seed_fixes_validation_and_order(tmp_path):
    folder = write_imdb_folder(tmp_path, per_class=20)
    first, again, other = (imdb.load(folder, seed=seed) for seed in (1, 1, 2))
    assert elements(first.validation) == elements(again.validation)
    assert elements(first.train) == elements(again.train)
    assert set(elements(first.validation)) != set(elements(other.validation))
    test_labels = [label for _, label in elements(first.test)]
    assert test_labels != sorted(test_labels)


def test_duplicate_reviews_stay_on_the_same_side(tmp_path):
    duplicate = b"The very same review, posted twice."
    extra = {f"train/pos/{100 + index}_8.txt": duplicate for index in range(3)}
    folder = write_imdb_folder(tmp_path, per_class=6, extra=extra)
    for seed in range(6):
        data = imdb.load(folder, validation_fraction=0.5, seed=seed)
        in_train = sum(text == duplicate.decode() for text, _ in elements(data.train))
        in_validation = sum(text == duplicate.decode() for text, _ in elements(data.validation))
        assert sorted([in_train, in_validation]) == [0, 3]


def test_limit_takes_balanced_nested_subsets_of_every_split(tmp_path):
    folder = write_imdb_folder(tmp_path, per_class=20, test_per_class=10)
    small = imdb.load(folder, limit=4)
    large = imdb.load(folder, limit=9)
    for split in ("train", "validation", "test"):
        small_elements = elements(getattr(small, split))
        assert sorted(label for _, label in small_elements) == [0, 0, 1, 1]
        assert set(small_elements) <= set(elements(getattr(large, split)))
    assert sorted(label for _, label in elements(large.train)) == [0] * 5 + [1] * 4
    assert (large.train_size, large.validation_size, large.test_size) == (9, 4, 9)
    assert imdb.load(folder, limit=1000).test_size == 20


def test_data_dir_variable_is_used(tmp_path, monkeypatch):
    folder = write_imdb_folder(tmp_path / "extracted")
    (tmp_path / "shared" / "imdb").mkdir(parents=True)
    archive = write_archive(folder, tmp_path / "shared" / "imdb" / "aclImdb.tar.gz")
    monkeypatch.setenv(paths.DATA_DIR_VARIABLE, str(tmp_path / "shared"))
    data = imdb.load()
    assert data.source == str(archive)
    assert data.test_size == 6


def mock_texts(split, count):
    return [f"tfds {split} review {index} {'pos' if index % 2 else 'neg'}" for index in range(count)]


def mock_reviews(builder, split, **kwargs):
    """`as_dataset_fn` of `tfds.testing.mock_data`: known reviews per split."""
    count = 6 if "train" in str(split) else 4
    labels = [index % 2 for index in range(count)]
    return tf.data.Dataset.from_tensor_slices({"text": mock_texts(split, count), "label": labels})


def test_tfds_is_the_fallback(tmp_path):
    with tfds.testing.mock_data(as_dataset_fn=mock_reviews):
        data = imdb.load(validation_fraction=1 / 3)
    assert data.source == "tfds:imdb_reviews"
    assert (data.train_size, data.validation_size, data.test_size) == (4, 2, 4)
    for text, label in elements(data.train) + elements(data.validation):
        assert text.startswith("tfds train") and label == text.endswith("pos")
    assert {text for text, _ in elements(data.test)} == set(mock_texts("test", 4))


def test_no_source_raises_not_found(monkeypatch):
    def offline(*args, **kwargs):
        raise ConnectionError("no internet")

    monkeypatch.setattr(tfds, "load", offline)
    expected = r"SEQAPPS_DATA_DIR \(not set\).*no internet.*Fix"
    with pytest.raises(paths.DataNotFoundError, match=expected):
        imdb.load()


def test_missing_path_names_it(tmp_path):
    with pytest.raises(paths.DataNotFoundError, match="nowhere"):
        imdb.load(tmp_path / "nowhere")


@pytest.mark.parametrize("missing", ["train/pos", "test/neg"])
def test_missing_label_folder_names_path_and_folder(tmp_path, missing):
    folder = write_imdb_folder(tmp_path / "extracted")
    for review in (folder / missing).iterdir():
        review.unlink()
    (folder / missing).rmdir()
    archive = write_archive(folder, tmp_path / "aclImdb.tar.gz")
    for source in (folder, archive):
        with pytest.raises(paths.DataNotFoundError, match=rf"{source}.*{missing}.*Fix"):
            imdb.load(source)


def test_empty_review_names_the_file(tmp_path):
    folder = write_imdb_folder(tmp_path / "extracted", extra={"test/neg/99_1.txt": b" \n"})
    archive = write_archive(folder, tmp_path / "aclImdb.tar.gz")
    for source in (folder, archive):
        with pytest.raises(paths.DataNotFoundError, match=r"test/neg/99_1\.txt.*empty"):
            imdb.load(source)


def test_file_that_is_not_an_archive(tmp_path):
    not_archive = tmp_path / "aclImdb.tar.gz"
    not_archive.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(paths.DataNotFoundError, match="not a readable tar archive"):
        imdb.load(not_archive)


def test_invalid_utf8_is_replaced_counted_and_warned(tmp_path):
    folder = write_imdb_folder(tmp_path, extra={"train/pos/50_10.txt": b"caf\xe9 great"})
    with pytest.warns(UserWarning, match=r"1 review.*not valid UTF-8.*50_10\.txt"):
        data = imdb.load(folder, validation_fraction=0)
    assert data.replaced_reviews == 1
    assert ("caf\ufffd great", 1) in elements(data.train)


@pytest.mark.parametrize(
    "arguments",
    [{"validation_fraction": 1.0}, {"validation_fraction": -0.1}, {"limit": 0}, {"limit": 2.5}],
)
def test_bad_arguments(tmp_path, arguments):
    with pytest.raises(ValueError, match=next(iter(arguments))):
        imdb.load(tmp_path, **arguments)
