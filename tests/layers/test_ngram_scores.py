import keras
import numpy as np
import pytest

from seqapps.layers.ngram_scores import HASH_MULTIPLIER, NgramScores

TOKEN_IDS = np.array([[2, 3, 3, 4, 0, 0], [5, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])


def _bucket(ngram, buckets):
    value = len(ngram)
    for token_id in ngram:
        value = (value * HASH_MULTIPLIER + token_id) % buckets
    return value


def _set_scores(term, word_scores, ngram_scores=None):
    term(TOKEN_IDS)
    term.word_scores.assign(word_scores)
    if ngram_scores is not None:
        term.ngram_scores.assign(ngram_scores)


def test_words_only_sums_the_scores_of_the_tokens_and_not_of_padding():
    term = NgramScores(vocabulary_size=10, ngrams=1)
    _set_scores(term, np.arange(10, dtype="float32") / 10 - 0.2)  # padding (id 0) has a nonzero score
    expected = [[0.0 + 0.1 + 0.1 + 0.2], [0.3], [0.0]]
    np.testing.assert_allclose(term(TOKEN_IDS), expected, atol=1e-6)
    assert [weight.name for weight in term.weights] == ["word_scores"]


def test_word_pairs_and_triples_add_the_scores_of_their_hashed_buckets():
    buckets = 97
    term = NgramScores(vocabulary_size=10, ngrams=3, buckets=buckets)
    ngram_scores = np.random.default_rng(0).normal(size=buckets).astype("float32")
    _set_scores(term, np.zeros(10, "float32"), ngram_scores)
    ngrams = [(2, 3), (3, 3), (3, 4), (2, 3, 3), (3, 3, 4)]  # none with padding; the second row has none
    expected = sum(ngram_scores[_bucket(ngram, buckets)] for ngram in ngrams)
    np.testing.assert_allclose(term(TOKEN_IDS), [[expected], [0.0], [0.0]], atol=1e-5)


def test_output_does_not_depend_on_padding_or_on_sequences_shorter_than_an_ngram():
    term = NgramScores(vocabulary_size=10, ngrams=3, buckets=31, scores_initializer="random_normal")
    padded = np.concatenate([TOKEN_IDS, np.zeros((3, 7), np.int64)], axis=1)
    np.testing.assert_allclose(term(padded), term(TOKEN_IDS), atol=1e-6)
    np.testing.assert_allclose(term(TOKEN_IDS[:, :1]), term(np.pad(TOKEN_IDS[:, :1], ((0, 0), (0, 3)))), atol=1e-6)
    assert term(np.zeros((2, 0), np.int64)).shape == (2, 1)


def test_different_word_orders_get_different_scores():
    term = NgramScores(vocabulary_size=10, ngrams=2, buckets=1024, scores_initializer="random_normal")
    forward, backward = np.asarray(term(np.array([[2, 7], [7, 2]])))[:, 0]
    assert abs(forward - backward) > 1e-4


def test_trains_and_survives_a_keras_round_trip(tmp_path):
    token_ids = keras.Input((None,), dtype="int64")
    probability = keras.layers.Activation("sigmoid")(NgramScores(10, ngrams=2, buckets=64, name="term")(token_ids))
    model = keras.Model(token_ids, probability)
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy")
    inputs = np.array([[2, 3, 0], [3, 2, 0], [4, 5, 6], [6, 5, 4]])
    labels = np.array([1, 0, 1, 0], "float32")
    model.fit(inputs, labels, epochs=20, verbose=0)
    assert np.all((np.asarray(model(inputs))[:, 0] > 0.5) == (labels > 0.5))

    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    np.testing.assert_allclose(loaded(inputs), model(inputs))
    assert loaded.get_layer("term").get_config() == model.get_layer("term").get_config()
    clone = NgramScores.from_config(model.get_layer("term").get_config())
    assert (clone.vocabulary_size, clone.ngrams, clone.buckets) == (10, 2, 64)


@pytest.mark.parametrize(
    "argument, value",
    [("vocabulary_size", 0), ("ngrams", 0), ("buckets", 2.5), ("ngrams", True), ("buckets", 2**31 + 1)],
)
def test_bad_arguments_name_the_value(argument, value):
    arguments = {"vocabulary_size": 10, "ngrams": 2, "buckets": 64, argument: value}
    with pytest.raises(ValueError, match=f"`{argument}`.*{value!r}"):
        NgramScores(**arguments)


def test_several_units_score_each_unit_like_a_one_unit_layer():
    token_ids = np.array([[2, 3, 3, 0], [5, 0, 0, 0]])
    one = NgramScores(10, buckets=7, scores_initializer="random_normal")
    three = NgramScores(10, buckets=7, units=3)
    reference = np.asarray(one(token_ids))
    three(token_ids)
    three.set_weights([np.stack([weights * (unit + 1) for unit in range(3)], -1) for weights in one.get_weights()])
    np.testing.assert_allclose(np.asarray(three(token_ids)), reference * np.array([1, 2, 3]), rtol=1e-6)
    assert NgramScores.from_config(three.get_config()).units == 3
