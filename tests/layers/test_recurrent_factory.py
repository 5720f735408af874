import keras
import numpy as np
import pytest

from seqapps import cells, layers


def test_kinds_are_cells_then_builtins():
    assert layers.KINDS == cells.NAMES + ("keras_lstm", "keras_gru", "keras_simple_rnn")


@pytest.mark.parametrize("kind", layers.KINDS)
def test_every_kind_builds_a_working_layer(kind):
    layer = layers.recurrent(kind, 6, return_sequences=True, dropout=0.2)
    outputs = layer(np.ones((2, 5, 3), "float32"), training=True)
    assert tuple(outputs.shape) == (2, 5, 6)
    assert layer.return_sequences
    assert layer.cell.dropout == 0.2


def test_cell_and_layer_arguments_are_split():
    layer = layers.recurrent("lstm", 4, return_state=True, go_backwards=True, unit_forget_bias=False, name="encoder")
    assert isinstance(layer, keras.layers.RNN)
    assert isinstance(layer.cell, cells.LSTMCell)
    assert layer.return_state and layer.go_backwards and layer.name == "encoder"
    assert layer.cell.unit_forget_bias is False


@pytest.mark.parametrize("kind", ["gru", "keras_gru"])
def test_bidirectional(kind):
    layer = layers.recurrent(kind, 4, bidirectional=True)
    assert isinstance(layer, keras.layers.Bidirectional)
    assert tuple(layer(np.ones((2, 5, 3), "float32")).shape) == (2, 8)


def test_unknown_kind_lists_valid_kinds():
    with pytest.raises(ValueError, match="'transformer'.*elman.*keras_simple_rnn"):
        layers.recurrent("transformer", 4)


def test_unknown_merge_mode():
    with pytest.raises(ValueError, match="'max'"):
        layers.recurrent("lstm", 4, bidirectional=True, merge_mode="max")


def test_learned_initial_state_rejected_for_builtins():
    with pytest.raises(ValueError, match="keras_lstm"):
        layers.recurrent("keras_lstm", 4, learn_initial_state=True)


@pytest.mark.parametrize(
    "kind, sizes",
    [
        ("lstm", [5, 5]),
        ("gru", [5]),
        ("elman", [5]),
        ("peephole_lstm", [5, 5]),
        ("keras_lstm", [5, 5]),
        ("keras_gru", [5]),
        ("keras_simple_rnn", [5]),
    ],
)
def test_flat_state_sizes(kind, sizes):
    layer = layers.recurrent(kind, 5, return_state=True)
    assert layers.flat_state_sizes(layer.cell) == sizes
    _, *states = layer(keras.ops.ones((2, 3, 4)))
    assert [state.shape[-1] for state in states] == sizes
