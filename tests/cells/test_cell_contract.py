"""Every seqapps cell honours the Keras cell contract and seqapps' common options."""

import keras
import numpy as np
import pytest

from seqapps import cells
from seqapps.cells import ElmanCell

BATCH, STEPS, FEATURES, UNITS = 3, 6, 4, 5


def _inputs(batch=BATCH, steps=STEPS, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, steps, FEATURES)).astype("float32")


def _state_count(name):
    return len(cells.REGISTRY[name].state_names)


@pytest.mark.parametrize("name", cells.NAMES)
def test_shapes_with_return_sequences_and_state(name):
    layer = keras.layers.RNN(cells.get(name, UNITS), return_sequences=True, return_state=True)
    results = layer(_inputs())
    assert tuple(results[0].shape) == (BATCH, STEPS, UNITS)
    assert len(results) == 1 + _state_count(name)
    for state in results[1:]:
        assert tuple(state.shape) == (BATCH, UNITS)
    np.testing.assert_allclose(results[0][:, -1], results[1], atol=1e-6)


@pytest.mark.parametrize("name", cells.NAMES)
def test_go_backwards_equals_reversed_inputs(name):
    forward = keras.layers.RNN(cells.get(name, UNITS))
    backward = keras.layers.RNN(cells.get(name, UNITS), go_backwards=True)
    inputs = _inputs()
    forward(inputs)
    backward(inputs)
    backward.set_weights(forward.get_weights())
    np.testing.assert_allclose(backward(inputs), forward(inputs[:, ::-1]), atol=1e-5)
    assert not np.allclose(backward(inputs), forward(inputs), atol=1e-3)


@pytest.mark.parametrize("name", cells.NAMES)
def test_stateful_carries_state_between_calls(name):
    whole = keras.layers.RNN(cells.get(name, UNITS))
    stateful = keras.layers.RNN(cells.get(name, UNITS), stateful=True)
    inputs = _inputs()
    whole(inputs)
    stateful(inputs[:, :3])
    stateful.set_weights(whole.get_weights())
    stateful.reset_state()
    stateful(inputs[:, :3])
    np.testing.assert_allclose(stateful(inputs[:, 3:]), whole(inputs), atol=1e-5)
    stateful.reset_state()
    np.testing.assert_allclose(stateful(inputs[:, 3:]), whole(inputs[:, 3:]), atol=1e-5)


@pytest.mark.parametrize("name", cells.NAMES)
def test_masked_steps_leave_state_unchanged(name):
    layer = keras.layers.RNN(cells.get(name, UNITS), return_state=True)
    inputs = _inputs()
    lengths = np.array([6, 3, 1])
    mask = np.arange(STEPS)[None, :] < lengths[:, None]
    masked = layer(inputs, mask=mask)
    for row, length in enumerate(lengths):
        alone = layer(inputs[row : row + 1, :length])
        for masked_result, alone_result in zip(masked, alone):
            np.testing.assert_allclose(masked_result[row], alone_result[0], atol=1e-5)


@pytest.mark.parametrize("name", cells.NAMES)
def test_bidirectional(name):
    layer = keras.layers.Bidirectional(keras.layers.RNN(cells.get(name, UNITS)))
    output = layer(_inputs())
    assert tuple(output.shape) == (BATCH, 2 * UNITS)
    backward = keras.layers.RNN(cells.get(name, UNITS))
    backward(_inputs())
    backward.set_weights(layer.backward_layer.get_weights())
    np.testing.assert_allclose(output[:, UNITS:], backward(_inputs()[:, ::-1]), atol=1e-5)


@pytest.mark.parametrize("name", cells.NAMES)
def test_dropout_only_in_training(name):
    cell = cells.get(name, UNITS, dropout=0.5, recurrent_dropout=0.5, seed=3)
    layer = keras.layers.RNN(cell)
    plain = keras.layers.RNN(cells.get(name, UNITS))
    inputs = _inputs()
    layer(inputs)
    plain(inputs)
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(inputs, training=False), plain(inputs), atol=1e-6)
    assert not np.allclose(layer(inputs, training=True), plain(inputs), atol=1e-3)


def _linear_elman(**kwargs):
    cell = ElmanCell(UNITS, activation="linear", use_bias=False, **kwargs)
    layer = keras.layers.RNN(cell, return_sequences=True)
    layer(np.zeros((1, 1, UNITS), "float32"))
    return cell, layer


def test_input_dropout_mask_is_fixed_across_time_steps():
    cell, layer = _linear_elman(dropout=0.5, seed=7)
    cell.kernel.assign(np.eye(UNITS, dtype="float32"))
    cell.recurrent_kernel.assign(np.zeros((UNITS, UNITS), "float32"))
    inputs = np.ones((64, STEPS, UNITS), "float32")
    outputs = np.asarray(layer(inputs, training=True))
    assert set(np.unique(outputs)) <= {0.0, 2.0}
    assert 0.3 < (outputs == 0).mean() < 0.7
    for step in range(1, STEPS):
        np.testing.assert_array_equal(outputs[:, step], outputs[:, 0])
    again = np.asarray(layer(inputs, training=True))
    assert not np.array_equal(again[:, 0], outputs[:, 0]), "a new sequence batch gets a new mask"


def test_recurrent_dropout_mask_is_fixed_across_time_steps():
    cell, layer = _linear_elman(recurrent_dropout=0.5, seed=7)
    cell.kernel.assign(np.zeros((UNITS, UNITS), "float32"))
    cell.recurrent_kernel.assign(np.eye(UNITS, dtype="float32"))
    inputs = np.zeros((64, STEPS, UNITS), "float32")
    outputs = np.asarray(layer(inputs, initial_state=[np.ones((64, UNITS), "float32")], training=True))
    kept = outputs[:, 0] != 0
    assert 0.3 < kept.mean() < 0.7
    for step in range(STEPS):
        np.testing.assert_allclose(outputs[:, step], kept * 2.0 ** (step + 1))


@pytest.mark.parametrize("name", cells.NAMES)
def test_learned_initial_state(name):
    cell = cells.get(name, UNITS, learn_initial_state=True)
    layer = keras.layers.RNN(cell, return_sequences=True)
    inputs = _inputs()
    layer(inputs)
    assert len(cell.initial_states) == _state_count(name)
    values = [np.full((UNITS,), 0.3 * (index + 1), "float32") for index in range(_state_count(name))]
    for variable, value in zip(cell.initial_states, values):
        variable.assign(value)
    explicit = layer(inputs, initial_state=[np.tile(value, (BATCH, 1)) for value in values])
    np.testing.assert_allclose(layer(inputs), explicit, atol=1e-6)

    model = keras.Sequential([keras.Input((STEPS, FEATURES)), layer, keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = [np.array(variable) for variable in cell.initial_states]
    model.fit(inputs, np.ones((BATCH, STEPS, 1)), epochs=1, verbose=0)
    assert any(not np.allclose(b, np.array(variable)) for b, variable in zip(before, cell.initial_states))


@pytest.mark.parametrize("name", cells.NAMES)
@pytest.mark.parametrize(
    "arguments, fragment",
    [
        ({"units": 0}, "0"),
        ({"units": -3}, "-3"),
        ({"units": 2.5}, "2.5"),
        ({"units": 4, "activation": "not_an_activation"}, "not_an_activation"),
        ({"units": 4, "dropout": 1.0}, "1.0"),
        ({"units": 4, "dropout": -0.1}, "-0.1"),
        ({"units": 4, "recurrent_dropout": 1.5}, "1.5"),
        ({"units": 4, "kernel_initializer": "no_such_init"}, "no_such_init"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_value(name, arguments, fragment):
    with pytest.raises(ValueError, match=fragment.replace(".", r"\.")):
        cells.REGISTRY[name](**arguments)


def test_unknown_cell_name_lists_valid_names():
    with pytest.raises(ValueError, match="no_such_cell.*elman.*lstm.*gru.*peephole_lstm.*layer_norm_lstm"):
        cells.get("no_such_cell", 4)
