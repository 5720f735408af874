import keras
import numpy as np
import pytest

from seqapps.cells import ElmanCell


def test_identity_recurrent_initializer_is_scaled_identity():
    cell = ElmanCell(6, activation="relu", recurrent_initializer="identity", identity_scale=0.25)
    keras.layers.RNN(cell)(np.zeros((1, 2, 3), "float32"))
    np.testing.assert_allclose(cell.recurrent_kernel, 0.25 * np.eye(6))


def test_orthogonal_recurrent_initializer_by_default():
    cell = ElmanCell(6)
    keras.layers.RNN(cell)(np.zeros((1, 2, 3), "float32"))
    kernel = np.asarray(cell.recurrent_kernel)
    np.testing.assert_allclose(kernel @ kernel.T, np.eye(6), atol=1e-5)


@pytest.mark.parametrize("scale", [0, -1.0, "big"])
def test_bad_identity_scale(scale):
    with pytest.raises(ValueError, match="identity_scale"):
        ElmanCell(4, identity_scale=scale)
