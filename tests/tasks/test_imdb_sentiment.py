"""The IMDB recipe end to end on a tiny synthetic aclImdb folder."""

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from seqapps import configs
from seqapps.tasks import imdb_sentiment
from seqapps.tasks.imdb_sentiment import ImdbSentimentConfig

POSITIVE = ["great wonderful film", "loved it, brilliant acting", "a superb and moving story"]
NEGATIVE = ["awful boring film", "hated it, terrible acting", "a dull and stupid story"]
ODD_REVIEWS = [
    "",
    "   \t\n ",
    "Loved it 😍🎬 — 素晴らしい映画 ❤️",
    "caf\xe9 \x00 nul",
    "great " * 20_000,
]


def _write_folder(root):
    folder = root / "aclImdb"
    for split, count in (("train", 12), ("test", 4)):
        for label_folder, rating, texts in (("pos", 9, POSITIVE), ("neg", 2, NEGATIVE)):
            directory = folder / split / label_folder
            directory.mkdir(parents=True)
            for index in range(count):
                (directory / f"{index}_{rating}.txt").write_text(f"{texts[index % 3]} number {index}<br />")
    return folder


def _config(tmp_path, **overrides):
    arguments = dict(
        cell="gru",
        units=4,
        embedding_dim=8,
        max_tokens=16,
        vocab_size=60,
        epochs=1,
        batch_size=8,
        baseline_epochs=1,
        data=str(_write_folder(tmp_path)),
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "export"),
        verbose=0,
    )
    return ImdbSentimentConfig(**{**arguments, **overrides})


# Malformed and extreme requests, run against the reloaded SavedModel in a fresh process; the script prints
# {case: outputs or error}. A tensor of the wrong dtype never reaches the graph: the runtime refuses it with an
# InvalidArgument error naming the argument by position and the expected dtype ("input #0(zero-based) was
# expected to be a string tensor"), as TF Serving does ("Expects arg[0] to be string"), whose answer is an
# INVALID_ARGUMENT status. A missing or misnamed input is a TypeError of the Python call; TF Serving answers
# INVALID_ARGUMENT naming the missing input.
RELOAD = """
import json, sys
import tensorflow as tf
import tensorflow_text  # registers the TF Text ops the graph uses
signatures = tf.saved_model.load(sys.argv[1]).signatures


def run(name, **inputs):
    try:
        out = serve(**inputs)
        results[name] = {"probability": out["probability"].numpy().tolist(),
                         "label": [label.decode() for label in out["label"].numpy()]}
    except tf.errors.InvalidArgumentError as error:
        results[name] = "InvalidArgument: " + error.message
    except TypeError as error:
        results[name] = "rejected: " + str(error)


texts = {
    "odd reviews": json.loads(sys.argv[2]),
    "one review": ["a superb and moving story"],
    "empty": [""],
    "whitespace": ["   \\t\\n\\r  "],
    "one megabyte": ["great " * 175_000],
    "one megabyte without spaces": ["x" * 1_000_000],
    "invalid UTF-8": [b"\\xff\\xfe great \\xc3\\x28 film \\xed\\xa0\\x80"],
    "NUL bytes": ["great\\x00\\x00film\\x00"],
    "emoji and mixed scripts": ["Loved it 😍🎬 — 素晴らしい映画 ❤️ Ωμέγα ça عربى"],
    "only unknown words": ["zzzz qqqq xyzzy"],
    "markup and punctuation": ["<br /><br />!!! ??? ... <b></b>"],
    "batch of 0": tf.zeros([0], tf.string),
    "batch of 1000": ["great wonderful film", "awful boring film"] * 500,
}
all_results = {}
for signature_name in ("serving_default", "serving_xla"):
    serve, results = signatures[signature_name], {}
    for name, text in texts.items():
        run(name, text=tf.constant(text, tf.string))
    run("wrong dtype: int32", text=tf.constant([1, 2], tf.int32))
    run("wrong dtype: float", text=tf.constant([0.5], tf.float32))
    run("wrong rank: matrix", text=tf.constant([["great film", "awful film"]]))
    run("wrong rank: scalar", text=tf.constant("great film"))
    run("wrong input name", review=tf.constant(["great film"]))
    run("missing input")
    all_results[signature_name] = results
print(json.dumps(all_results))
"""


def check_served(served, expected):
    """Asserts what the RELOAD script's answers of one signature must be."""
    assert len(served) >= 15
    np.testing.assert_allclose(served["odd reviews"]["probability"], expected, atol=1e-5)
    sizes = {"odd reviews": len(ODD_REVIEWS), "batch of 0": 0, "batch of 1000": 1000}
    answered = [name for name, outputs in served.items() if isinstance(outputs, dict)]
    for name in answered:
        probabilities = np.array(served[name]["probability"], dtype=float)
        assert probabilities.shape == (sizes.get(name, 1),), name
        assert np.all(np.isfinite(probabilities)) and np.all((probabilities >= 0) & (probabilities <= 1)), name
        assert served[name]["label"] == ["positive" if p >= 0.5 else "negative" for p in probabilities], name
    assert served["batch of 0"] == {"probability": [], "label": []}
    thousand = np.array(served["batch of 1000"]["probability"]).reshape(500, 2)
    np.testing.assert_allclose(thousand, np.repeat(thousand[:1], 500, axis=0), atol=1e-6)
    for name in ("empty", "whitespace"):  # nothing left after standardization, like the first odd review ("")
        np.testing.assert_allclose(served[name]["probability"], served["odd reviews"]["probability"][:1], atol=1e-6)
    refused = {name: outputs for name, outputs in served.items() if not isinstance(outputs, dict)}
    messages = {
        "wrong dtype: int32": "InvalidArgument: cannot compute",
        "wrong dtype: float": "InvalidArgument: cannot compute",
        "wrong rank: matrix": "InvalidArgument: ",
        "wrong rank: scalar": "InvalidArgument: ",
        "wrong input name": "rejected: ",
        "missing input": "rejected: ",
    }
    assert set(refused) == set(messages), refused
    for name, start in messages.items():
        assert refused[name].startswith(start), (name, refused[name])
    for name, dtype in (("wrong dtype: int32", "int32"), ("wrong dtype: float", "float")):
        assert f"input #0(zero-based) was expected to be a string tensor but is a {dtype} tensor" in refused[name]
    assert "text must be a vector of reviews, string [batch], got shape] [1 2]" in refused["wrong rank: matrix"]
    assert "text must be a vector of reviews, string [batch], got shape] []" in refused["wrong rank: scalar"]
    for name in ("wrong input name", "missing input"):
        assert "missing a required argument: 'text'" in refused[name], refused[name]


@pytest.mark.large  # trains, exports and serves: about 27 s on 2 cores
def test_train_evaluate_export_and_serve_raw_strings(tmp_path, caplog):
    caplog.set_level("INFO", logger="seqapps")
    config = _config(tmp_path)
    result = imdb_sentiment.train(config)
    output = caplog.text
    assert 0.0 <= result.test_accuracy <= 1.0 and 0.0 <= result.baseline_test_accuracy <= 1.0
    assert "bag-of-words logistic regression" in output and "Sample predictions" in output
    assert result.export_path == tmp_path / "export" / "imdb_sentiment" / "1"
    assert (result.export_path / "assets.extra" / "tf_serving_warmup_requests").exists()
    assert (result.run_dir / "model.keras").exists() and (result.run_dir / "logs").is_dir()
    assert (result.run_dir / "history.png").stat().st_size > 0
    assert result.epochs_trained == 1 and len(result.epoch_seconds) == 1
    assert "Training: 1 epoch(s)" in output and (result.run_dir / "history.json").exists()
    # The run remembers the settings it was given (the vocabulary built may be smaller than vocab_size asked).
    saved = configs.load_run_config(ImdbSentimentConfig, result.run_dir)
    assert saved == dataclasses.replace(config, vocab_size=60)

    import keras

    text_model = keras.saving.load_model(result.run_dir / "model.keras", safe_mode=True)
    expected = np.asarray(text_model(np.array(ODD_REVIEWS, dtype=object))).reshape(-1)

    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    completed = subprocess.run(
        [sys.executable, "-c", RELOAD, str(result.export_path), json.dumps(ODD_REVIEWS)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    by_signature = json.loads(completed.stdout.strip().splitlines()[-1])
    assert set(by_signature) == {"serving_default", "serving_xla"}
    for served in by_signature.values():
        check_served(served, expected)
    default, compiled = by_signature["serving_default"], by_signature["serving_xla"]
    for name, outputs in default.items():
        if isinstance(outputs, dict):
            np.testing.assert_allclose(compiled[name]["probability"], outputs["probability"], atol=1e-5, err_msg=name)
            assert compiled[name]["label"] == outputs["label"], name


@pytest.mark.large
def test_second_run_exports_the_next_version(tmp_path):
    config = _config(tmp_path)
    first = imdb_sentiment.train(config)
    second = imdb_sentiment.train(_config(tmp_path / "again", export_root=config.export_root))
    assert (first.export_path.name, second.export_path.name) == ("1", "2")


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        ({"cell": "cnn"}, "cnn"),
        ({"units": 0}, "units"),
        ({"dropout": 1.0}, "dropout"),
        ({"vocab_size": 2}, "vocab_size"),
        ({"truncation": "middle"}, "middle"),
        ({"ngrams": 0}, "ngrams"),
        ({"ngram_buckets": -1}, "ngram_buckets"),
    ],
)
def test_bad_config(arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        ImdbSentimentConfig(**arguments)


# What `quick=True` set in `ImdbSentimentConfig.__post_init__` before it became a preset.
OLD_QUICK = {"limit": 1000, "epochs": 1, "baseline_epochs": 1, "max_tokens": 128, "units": 32, "vocab_size": 5000}


def test_quick_preset_shrinks_the_run_as_the_quick_flag_did():
    config = configs.with_preset(ImdbSentimentConfig, "quick")
    assert config == ImdbSentimentConfig(**OLD_QUICK)
    assert configs.with_preset(ImdbSentimentConfig, "quick", limit=200).limit == 200


@pytest.mark.parametrize("flags", [["--quick"], ["--preset", "quick"]])
def test_recipe_quick_flag_resolves_to_the_old_quick_settings(flags, monkeypatch, capsys):
    from seqapps.recipes import imdb_sentiment as recipe

    resolved = []
    monkeypatch.setattr(recipe, "train", lambda config, strategy=None: resolved.append(config))
    assert recipe.main(flags + ["--run-dir", "runs/x"]) == 0
    assert resolved == [ImdbSentimentConfig(**OLD_QUICK, run_dir="runs/x")]
    assert "Preset quick: limit=1000, epochs=1" in capsys.readouterr().out


def test_recipe_help_lists_every_cell(monkeypatch, capsys):
    from seqapps.recipes import imdb_sentiment as recipe

    with pytest.raises(SystemExit):
        recipe.main(["--help"])
    out = capsys.readouterr().out
    for flag in (
        "--cell",
        "--units",
        "--layers",
        "--bidirectional",
        "--max-tokens",
        "--vocab-size",
        "--epochs",
        "--batch-size",
        "--learning-rate",
        "--quick",
        "--export-root",
        "--data",
        "--truncation",
        "--bag-of-words",
        "--ngrams",
        "--ngram-buckets",
    ):
        assert flag in out
    assert "layer_norm_lstm" in out and "keras_lstm" in out


@pytest.mark.parametrize(
    "cell", ["elman", "lstm", "gru", "peephole_lstm", "layer_norm_lstm", "keras_lstm", "keras_gru", "keras_simple_rnn"]
)
def test_every_cell_builds_a_working_classifier(cell):
    import keras

    config = ImdbSentimentConfig(
        cell=cell, units=3, embedding_dim=4, max_tokens=6, vocab_size=20, layers=2, bidirectional=True
    )
    model = imdb_sentiment.build_model(config)
    probabilities = np.asarray(model(np.array([[2, 3, 4, 0, 0, 0], [0] * 6])))
    assert probabilities.shape == (2, 1) and np.all((probabilities > 0) & (probabilities < 1))
    assert sum(isinstance(layer, keras.layers.Bidirectional) for layer in model.layers) == 2


def test_default_encoder_is_one_unidirectional_elman_layer():
    import keras

    model = imdb_sentiment.build_model(ImdbSentimentConfig(units=3, embedding_dim=4, vocab_size=20))
    recurrent = [layer for layer in model.layers if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional))]
    assert [type(getattr(layer, "cell", layer)).__name__ for layer in recurrent] == ["ElmanCell"]


def test_bag_term_adds_the_scores_of_the_review_words_and_word_pairs_and_ignores_padding():
    from seqapps.layers.ngram_scores import HASH_MULTIPLIER

    config = ImdbSentimentConfig(units=3, embedding_dim=4, vocab_size=10, dropout=0.0, ngram_buckets=7)
    model = imdb_sentiment.build_model(config)
    token_ids = np.array([[2, 3, 3, 0], [5, 0, 0, 0], [0, 0, 0, 0]])
    padded = np.concatenate([token_ids, np.zeros((3, 5), np.int64)], axis=1)
    np.testing.assert_allclose(np.asarray(model(padded)), np.asarray(model(token_ids)), atol=1e-6)

    word_scores = np.arange(10, dtype="float32") / 10 - 0.2  # word 0 (padding) has a nonzero score too
    pair_scores = np.arange(7, dtype="float32") / 100
    model.get_layer("bag_of_ngrams").set_weights([word_scores, pair_scores])
    recurrent_logit = model.get_layer("recurrent_logit")
    recurrent_logit.set_weights([np.zeros_like(weight) for weight in recurrent_logit.get_weights()])
    pairs = [((2 * HASH_MULTIPLIER + first) * HASH_MULTIPLIER + second) % 7 for first, second in [(2, 3), (3, 3)]]
    expected_logits = np.array([[0.0 + 0.1 + 0.1 + sum(pair_scores[pairs])], [0.3], [0.0]])
    np.testing.assert_allclose(np.asarray(model(token_ids)), 1 / (1 + np.exp(-expected_logits)), atol=1e-6)
    np.testing.assert_allclose(np.asarray(model(padded)), 1 / (1 + np.exp(-expected_logits)), atol=1e-6)


def test_bag_term_of_words_only():
    model = imdb_sentiment.build_model(ImdbSentimentConfig(units=3, embedding_dim=4, vocab_size=10, ngrams=1))
    assert [weight.name for weight in model.get_layer("bag_of_ngrams").weights] == ["word_scores"]


def test_without_bag_of_words_the_classifier_is_the_recurrent_part_only():
    model = imdb_sentiment.build_model(ImdbSentimentConfig(units=3, embedding_dim=4, vocab_size=10, bag_of_words=False))
    names = [layer.name for layer in model.layers]
    assert "bag_of_ngrams" not in names and "recurrent_logit" not in names and names[-1] == "probability"


def test_vectorizer_keeps_head_and_tail_of_long_reviews():
    vectorizer = imdb_sentiment.make_vectorizer(["", "[UNK]", "start", "middle", "end"], 4)
    ids = vectorizer(np.array(["Start start " + "middle " * 50 + "end END", ""], dtype=object)).numpy()
    np.testing.assert_array_equal(ids, [[2, 2, 4, 4], [0, 0, 0, 0]])


def test_token_batches_group_reviews_of_similar_length_padded_to_their_longest():
    import tensorflow as tf

    words = ["", "[UNK]"] + [f"w{index}" for index in range(20)]
    vectorizer = imdb_sentiment.make_vectorizer(words, 16)
    reviews = [
        " ".join(f"w{position % 20}" for position in range(length))
        for length in (0, 1, 1, 2, 3, 5, 7, 9, 12, 16, 30, 4, 2, 14)
    ]
    labels = np.arange(len(reviews)) % 2
    dataset = tf.data.Dataset.from_tensor_slices((reviews, labels))
    assert imdb_sentiment.bucket_boundaries(16) == [2, 4, 6, 8, 10, 12, 14]
    for seed in (None, 7):
        batches = imdb_sentiment.token_batches(vectorizer, dataset, batch_size=2, seed=seed)
        seen, count = [], 0
        for ids, batch_labels in batches.as_numpy_iterator():
            count += 1
            lengths = np.count_nonzero(ids, axis=1)
            assert ids.shape[1] == max(1, lengths.max()) and len(ids) <= 2  # padded to its longest, no further
            buckets = np.searchsorted(imdb_sentiment.bucket_boundaries(16), lengths, side="right")
            assert len(set(buckets)) == 1  # one length bucket per batch
            seen += [(tuple(row[row != 0]), label) for row, label in zip(ids, batch_labels)]
        assert count == int(batches.cardinality())
        expected = vectorizer(np.array(reviews, dtype=object)).numpy()
        assert sorted(seen) == sorted((tuple(row[row != 0]), label) for row, label in zip(expected, labels))
