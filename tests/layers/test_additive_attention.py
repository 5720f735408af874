import keras
import numpy as np
import pytest

from seqapps.layers import AdditiveAttention

RNG = np.random.default_rng(0)
QUERY = RNG.normal(size=(2, 3, 4)).astype("float32")
VALUES = RNG.normal(size=(2, 5, 6)).astype("float32")
MASK = np.array([[True, True, True, False, False], [True] * 5])


def test_golden_on_fixed_weights():
    """`v . tanh(W_q q + W_k s)`, softmax over the unpadded values, weighted sum: written out in NumPy."""
    attention = AdditiveAttention(3)
    attention(QUERY, VALUES)
    query_kernel = RNG.normal(size=(4, 3)).astype("float32")
    key_kernel = RNG.normal(size=(6, 3)).astype("float32")
    scale = np.array([0.5, -1.0, 2.0], "float32")
    attention.query_projection.kernel.assign(query_kernel)
    attention.key_projection.kernel.assign(key_kernel)
    attention.scale.assign(scale)
    context, weights = attention(QUERY, VALUES, mask=MASK, return_attention_scores=True)
    scores = np.sum(scale * np.tanh((QUERY @ query_kernel)[:, :, None, :] + (VALUES @ key_kernel)[:, None, :, :]), -1)
    scores = np.where(MASK[:, None, :], scores, -np.inf)
    expected = np.exp(scores - scores.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(weights, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(context, expected @ VALUES, rtol=1e-5, atol=1e-6)
    assert np.all(np.asarray(weights)[0, :, 3:] == 0)


def test_equals_keras_additive_attention_over_the_projections():
    attention = AdditiveAttention(4)
    context, weights = attention(QUERY, VALUES, mask=MASK, return_attention_scores=True)
    reference = keras.layers.AdditiveAttention()
    query, keys = attention.query_projection(QUERY), attention.project_keys(VALUES)
    reference([query, VALUES, keys])
    reference.scale.assign(attention.scale)
    expected, expected_weights = reference([query, VALUES, keys], mask=[None, MASK], return_attention_scores=True)
    np.testing.assert_allclose(context, expected, rtol=1e-6)
    np.testing.assert_allclose(weights, expected_weights, rtol=1e-6)
    np.testing.assert_allclose(attention(QUERY, VALUES, keys=keys, mask=MASK), context, rtol=1e-6)


def test_serialization_round_trip(tmp_path):
    query, values = keras.Input((None, 4)), keras.Input((None, 6))
    model = keras.Model([query, values], AdditiveAttention(3, name="attention")(query, values))
    model.save(tmp_path / "attention.keras")
    loaded = keras.saving.load_model(tmp_path / "attention.keras", safe_mode=True)
    assert loaded.get_layer("attention").get_config()["units"] == 3
    np.testing.assert_allclose(loaded([QUERY, VALUES]), model([QUERY, VALUES]), rtol=1e-6)


@pytest.mark.parametrize("units", [0, -2, 1.5, True])
def test_bad_units(units):
    with pytest.raises(ValueError, match=f"`units` must be a positive integer, got {units!r}"):
        AdditiveAttention(units)
