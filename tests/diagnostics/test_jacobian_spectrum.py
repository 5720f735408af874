import keras
import matplotlib.image
import numpy as np
import pytest

from seqapps import layers
from seqapps.cells import ElmanCell, LSTMCell
from seqapps.diagnostics import jacobian_spectrum, plot_jacobian_spectrum


def _linear_elman(recurrent_kernel):
    cell = ElmanCell(len(recurrent_kernel), activation="linear")
    cell.build((None, 2))
    cell.recurrent_kernel.assign(recurrent_kernel)
    return cell


def test_linear_cell_spectrum_is_that_of_its_recurrent_matrix():
    generator = np.random.default_rng(0)
    recurrent = (generator.normal(size=(4, 4)) * 0.5).astype("float32")
    inputs = generator.normal(size=(3, 5, 2))
    spectrum = jacobian_spectrum(_linear_elman(recurrent), inputs, top_k=2)

    np.testing.assert_allclose(spectrum["spectral_radius"], np.abs(np.linalg.eigvals(recurrent)).max(), rtol=1e-5)
    singular_values = np.linalg.svd(recurrent, compute_uv=False)
    np.testing.assert_allclose(spectrum["singular_values"], np.tile(singular_values[:2], (5, 1)), rtol=1e-5)
    powers = [np.linalg.norm(np.linalg.matrix_power(recurrent, step), ord=2) for step in range(1, 6)]
    np.testing.assert_allclose(spectrum["product_norm"], powers, rtol=1e-4)


def test_scaled_identity_initialization_shrinks_geometrically():
    cell = ElmanCell(6, activation="linear", recurrent_initializer="identity", identity_scale=0.5)
    spectrum = jacobian_spectrum(cell, np.ones((1, 4, 3)))
    np.testing.assert_allclose(spectrum["spectral_radius"], 0.5, rtol=1e-6)
    np.testing.assert_allclose(spectrum["product_norm"], 0.5 ** np.arange(1, 5), rtol=1e-5)


def test_lstm_jacobian_covers_hidden_and_cell_state():
    spectrum = jacobian_spectrum(LSTMCell(3), np.random.default_rng(0).normal(size=(2, 4, 2)), top_k=10)
    assert spectrum["singular_values"].shape == (4, 6)
    assert np.all(spectrum["spectral_radius"] > 0) and np.all(spectrum["spectral_radius"] < 1)


def test_rnn_layer_is_read_in_its_direction():
    layer = layers.recurrent("elman", 3, go_backwards=True)
    layer(np.zeros((1, 2, 2), "float32"))
    inputs = np.random.default_rng(0).normal(size=(1, 5, 2))
    backwards = jacobian_spectrum(layer, inputs)
    forwards = jacobian_spectrum(layer.cell, inputs[:, ::-1])
    np.testing.assert_allclose(backwards["spectral_radius"], forwards["spectral_radius"])


def test_bad_arguments():
    with pytest.raises(ValueError, match="batch, timesteps, features"):
        jacobian_spectrum(ElmanCell(2), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="top_k"):
        jacobian_spectrum(ElmanCell(2), np.zeros((1, 4, 3)), top_k=0)


def test_plot_initializations_writes_a_png(tmp_path):
    inputs = np.random.default_rng(0).normal(size=(2, 10, 3))
    spectra = {
        initializer: jacobian_spectrum(ElmanCell(8, recurrent_initializer=initializer), inputs)
        for initializer in ("orthogonal", "identity", "glorot_uniform")
    }
    image = matplotlib.image.imread(plot_jacobian_spectrum(spectra, tmp_path / "spectrum.png"))
    assert image.ndim == 3 and image.shape[0] > 200 and image.std() > 0
    with pytest.raises(ValueError, match="empty"):
        plot_jacobian_spectrum({}, tmp_path / "unused.png")


def test_keras_cell_is_accepted():
    spectrum = jacobian_spectrum(keras.layers.SimpleRNNCell(4), np.ones((1, 3, 2)))
    assert spectrum["spectral_radius"].shape == (3,)
