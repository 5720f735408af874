import keras
import numpy as np
import pytest

from seqapps.layers import MultiplicativeAttention

RNG = np.random.default_rng(1)
QUERY = RNG.normal(size=(2, 3, 4)).astype("float32")
VALUES = RNG.normal(size=(2, 5, 6)).astype("float32")
MASK = np.array([[True, True, False, False, False], [True] * 5])


def test_golden_on_fixed_weights():
    """`q . W s / sqrt(units)`, softmax over the unpadded values, weighted sum: written out in NumPy."""
    attention = MultiplicativeAttention(4)
    attention(QUERY, VALUES)
    key_kernel = RNG.normal(size=(6, 4)).astype("float32")
    attention.key_projection.kernel.assign(key_kernel)
    context, weights = attention(QUERY, VALUES, mask=MASK, return_attention_scores=True)
    scores = QUERY @ np.swapaxes(VALUES @ key_kernel, 1, 2) / 2.0
    scores = np.where(MASK[:, None, :], scores, -np.inf)
    expected = np.exp(scores - scores.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(weights, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(context, expected @ VALUES, rtol=1e-5, atol=1e-6)


def test_equals_keras_attention_over_the_scaled_query_and_projected_keys():
    attention = MultiplicativeAttention(4)
    context, weights = attention(QUERY, VALUES, mask=MASK, return_attention_scores=True)
    keys = attention.project_keys(VALUES)
    expected, expected_weights = keras.layers.Attention()(
        [QUERY * 0.5, VALUES, keys], mask=[None, MASK], return_attention_scores=True
    )
    np.testing.assert_allclose(context, expected, rtol=1e-6)
    np.testing.assert_allclose(weights, expected_weights, rtol=1e-6)
    np.testing.assert_allclose(attention(QUERY, VALUES, keys=keys, mask=MASK), context, rtol=1e-6)


def test_serialization_round_trip(tmp_path):
    query, values = keras.Input((None, 4)), keras.Input((None, 6))
    model = keras.Model([query, values], MultiplicativeAttention(4, name="attention")(query, values))
    model.save(tmp_path / "attention.keras")
    loaded = keras.saving.load_model(tmp_path / "attention.keras", safe_mode=True)
    np.testing.assert_allclose(loaded([QUERY, VALUES]), model([QUERY, VALUES]), rtol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`units` must be a positive integer, got 0"):
        MultiplicativeAttention(0)
    with pytest.raises(ValueError, match="The query width must equal `units` \\(3\\), got 4"):
        MultiplicativeAttention(3)(QUERY, VALUES)
