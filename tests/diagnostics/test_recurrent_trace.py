import keras
import numpy as np
import pytest

from seqapps import layers
from seqapps.cells import GRUCell
from seqapps.diagnostics.recurrent_trace import recurrent_layers, trace


def test_finds_recurrent_layers_in_nested_models_and_bidirectional_wrappers():
    inner = keras.Sequential([keras.Input((4, 2)), layers.recurrent("gru", 3, return_sequences=True)], name="inner")
    inputs = keras.Input((4, 2))
    outputs = layers.recurrent("elman", 2, bidirectional=True)(inner(inputs))
    names = [name for name, _ in recurrent_layers(keras.Model(inputs, outputs))]
    assert names[0] == "inner/rnn"
    assert names[1].startswith("bidirectional/forward_") and names[2].startswith("bidirectional/backward_")


def test_shared_layer_is_recorded_per_call():
    shared = layers.recurrent("lstm", 3, name="shared")
    first, second = keras.Input((4, 2)), keras.Input((4, 2))
    model = keras.Model([first, second], keras.layers.Concatenate()([shared(first), shared(second)]))
    generator = np.random.default_rng(0)
    batches = [generator.normal(size=(2, 4, 2)), generator.normal(size=(2, 4, 2))]
    _, traces = trace(model, batches)
    assert [record.name for record in traces] == ["shared", "shared (call 2)"]
    np.testing.assert_allclose(traces[1].inputs, batches[1], rtol=1e-6)
    assert traces[0].hidden.shape == traces[0].probe.shape == (2, 4, 3)
    assert not np.any(traces[0].probe)


def test_layers_are_restored_when_the_model_fails():
    model = keras.Sequential([keras.Input((4, 2)), layers.recurrent("gru", 3)])
    with pytest.raises(Exception):
        trace(model, np.zeros((1, 4, 5), "float32"))
    assert "call" not in vars(model.layers[0])


def test_stacked_cells_are_not_traced():
    stacked = keras.layers.RNN([GRUCell(3), GRUCell(2)])
    model = keras.Sequential([keras.Input((4, 2)), stacked])
    with pytest.raises(ValueError, match="no recurrent layer.*StackedRNNCells"):
        trace(model, np.zeros((1, 4, 2), "float32"))
