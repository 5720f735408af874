import numpy as np

from seqapps.layers import attention_read


def test_softmax_over_the_unpadded_values_and_their_weighted_sum():
    scores = np.array([[[0.0, np.log(3.0), 5.0]], [[1.0, 1.0, 1.0]]], "float32")
    values = np.arange(12, dtype="float32").reshape(2, 3, 2)
    mask = np.array([[True, True, False], [False, False, False]])
    context, weights = attention_read(scores, values, mask)
    # Row 0: the padded value gets nothing, the others 1 : 3. Row 1, all padding: equal weights, still a softmax.
    np.testing.assert_allclose(weights, [[[0.25, 0.75, 0.0]], [[1 / 3, 1 / 3, 1 / 3]]], rtol=1e-6)
    np.testing.assert_allclose(context, [[[1.5, 2.5]], [[8.0, 9.0]]], rtol=1e-6)
    np.testing.assert_allclose(attention_read(scores, values)[1][1], [[1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
