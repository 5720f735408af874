import keras
import numpy as np

from seqapps.cells import LSTMCell, PeepholeLSTMCell


def _bias(cell):
    keras.layers.RNN(cell)(np.zeros((1, 2, 3), "float32"))
    return np.asarray(cell.bias).reshape(4, -1)


def test_unit_forget_bias_sets_forget_block_to_one():
    bias = _bias(LSTMCell(5, bias_initializer="zeros"))
    np.testing.assert_array_equal(bias[1], np.ones(5))
    np.testing.assert_array_equal(bias[[0, 2, 3]], np.zeros((3, 5)))


def test_without_unit_forget_bias_uses_bias_initializer():
    bias = _bias(LSTMCell(5, unit_forget_bias=False, bias_initializer="ones"))
    np.testing.assert_array_equal(bias, np.ones((4, 5)))


def test_peephole_cell_with_zero_peepholes_equals_lstm():
    inputs = np.random.default_rng(0).normal(size=(2, 6, 3)).astype("float32")
    lstm = keras.layers.RNN(LSTMCell(5))
    peephole = keras.layers.RNN(PeepholeLSTMCell(5, peephole_initializer="zeros"))
    lstm(inputs)
    peephole(inputs)
    cell = peephole.cell
    for name in ("kernel", "recurrent_kernel", "bias"):
        getattr(cell, name).assign(getattr(lstm.cell, name))
    np.testing.assert_allclose(peephole(inputs), lstm(inputs), atol=1e-6)
    cell.output_gate_peephole.assign(np.ones(5, "float32"))
    assert not np.allclose(peephole(inputs), lstm(inputs), atol=1e-4)
