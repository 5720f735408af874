"""The IMDB sentiment task and recipe are the text-classification task's IMDB preset, with their own flags."""

import dataclasses
import re

import pytest

from seqapps.tasks import imdb_sentiment, text_classification
from seqapps.tasks.imdb_sentiment import ImdbSentimentConfig
from seqapps.tasks.text_classification import TextClassificationConfig

# `python recipes/imdb_sentiment.py --help` before the IMDB task became a preset of text_classification.
IMDB_FLAGS_BEFORE = (
    "--bag-of-words --baseline-epochs --batch-size --batch-sizes --bidirectional --cell --cells --choice --config "
    "--data --debug --directory --dropout --dropout-range --embedding-dim --epochs --export-root --help --layers "
    "--layers-range --learning-rate --learning-rate-range --limit --max-epochs --max-tokens --max-trials "
    "--ngram-buckets --ngrams --no-bag-of-words --no-bidirectional --no-restart --no-retrain --objective --overwrite "
    "--patience --pooling --preset --project-name --quick --restart --run-dir --seed --timeout --truncation --tune "
    "--tuner --units --units-range --verbose --vocab-size --worker-timeout --workers"
).split()
IMDB_DEFAULTS_BEFORE = {
    "cell": "elman",
    "units": 64,
    "layers": 1,
    "bidirectional": False,
    "max_tokens": 400,
    "truncation": "head_tail",
    "vocab_size": 20_000,
    "embedding_dim": 128,
    "dropout": 0.5,
    "pooling": "max_average",
    "bag_of_words": True,
    "ngrams": 2,
    "ngram_buckets": 262_144,
    "epochs": 4,
    "batch_size": 64,
    "learning_rate": 2e-3,
    "patience": 1,
    "baseline_epochs": 4,
    "limit": None,
    "data": None,
    "export_root": "saved_models",
    "run_dir": "runs/imdb_sentiment",
    "restart": False,
    "seed": 1337,
    "verbose": 2,
}


def test_imdb_recipe_help_has_the_same_flags_as_before(capsys):
    from seqapps.recipes import imdb_sentiment as recipe

    with pytest.raises(SystemExit):
        recipe.main(["--help"])
    flags = set(re.findall(r"(?:^|\s)(--[a-z][a-z-]*)", capsys.readouterr().out, flags=re.MULTILINE))
    # Every flag stays; the one added since is the search's per-trial time budget, shared by every tunable recipe.
    assert set(IMDB_FLAGS_BEFORE) <= flags and flags - set(IMDB_FLAGS_BEFORE) == {"--trial-minutes", "--devices"}


def test_imdb_config_has_the_same_fields_and_defaults_as_before():
    assert dataclasses.asdict(ImdbSentimentConfig()) == IMDB_DEFAULTS_BEFORE
    assert [field.name for field in dataclasses.fields(ImdbSentimentConfig)] == list(IMDB_DEFAULTS_BEFORE)


def test_text_classification_imdb_preset_reads_the_imdb_loader(tmp_path):
    for split in ("train", "test"):
        for folder, texts in (("pos", ["great film", "loved it"]), ("neg", ["awful film", "hated it"])):
            directory = tmp_path / "aclImdb" / split / folder
            directory.mkdir(parents=True)
            for index in range(6):
                (directory / f"{index}_5.txt").write_text(f"{texts[index % 2]} {index}")
    config = TextClassificationConfig(dataset="imdb", data=str(tmp_path / "aclImdb"))
    texts, class_names = text_classification.load_texts(config)
    assert class_names == ("negative", "positive") == imdb_sentiment.LABELS
    assert texts.test_size == 12 and texts.train_size + texts.validation_size == 12


def test_imdb_task_uses_the_text_classification_building_blocks():
    for name in ("build_model", "compile_model", "make_vectorizer", "token_batches", "bucket_boundaries"):
        assert getattr(imdb_sentiment, name) is getattr(text_classification, name)
