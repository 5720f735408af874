"""ProjectedRNN: the same outputs, states and gradients as keras.layers.RNN over the same cell."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqapps import cells
from seqapps.projected_rnn import ProjectedRNN

BATCH, STEPS, FEATURES, UNITS = 3, 7, 4, 5
LENGTHS = np.array([7, 4, 1])


def _inputs():
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    return inputs, np.arange(STEPS)[None, :] < LENGTHS[:, None]


def _pair(name, **arguments):
    plain = keras.layers.RNN(cells.get(name, UNITS), return_state=True, **arguments)
    projected = ProjectedRNN(cells.get(name, UNITS), return_state=True, **arguments)
    inputs, _ = _inputs()
    plain(inputs)
    projected(inputs)
    rng = np.random.default_rng(1)
    weights = [rng.normal(scale=0.5, size=weight.shape).astype("float32") for weight in plain.get_weights()]
    plain.set_weights(weights)
    projected.set_weights(weights)
    return plain, projected


def _run(layer, inputs, mask, **call_arguments):
    with tf.GradientTape() as tape:
        inputs = tf.convert_to_tensor(inputs)
        tape.watch(inputs)
        results = layer(inputs, mask=None if mask is None else tf.constant(mask), **call_arguments)
        loss = sum(tf.reduce_sum(result * (index + 1.0)) for index, result in enumerate(results))
    gradients = tape.gradient(loss, [inputs] + layer.trainable_weights)
    return [result.numpy() for result in results], [gradient.numpy() for gradient in gradients]


@pytest.mark.parametrize("name", cells.NAMES)
@pytest.mark.parametrize("arguments, masked", [
    ({"return_sequences": True}, False),
    ({"return_sequences": True}, True),
    ({"go_backwards": True, "return_sequences": True}, True),
    ({}, True),
], ids=["sequences", "sequences-masked", "backwards-masked", "last-masked"])
def test_same_outputs_states_and_gradients_as_keras_rnn(name, arguments, masked):
    plain, projected = _pair(name, **arguments)
    inputs, mask = _inputs()
    mask = mask if masked else None
    expected_results, expected_gradients = _run(plain, inputs, mask)
    results, gradients = _run(projected, inputs, mask)
    for result, expected in zip(results, expected_results):
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)
    for gradient, expected in zip(gradients, expected_gradients):
        np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_dropout_uses_one_mask_per_sequence_like_keras_rnn(name):
    """With the same dropout masks, training outputs match keras.layers.RNN."""
    plain, projected = _pair(name)
    for layer in (plain, projected):
        layer.cell.dropout, layer.cell.recurrent_dropout = 0.5, 0.3
    inputs, mask = _inputs()
    input_mask = tf.constant(np.random.default_rng(2).integers(0, 2, (BATCH, FEATURES)) * 2.0, tf.float32)
    recurrent_mask = tf.constant(np.random.default_rng(3).integers(0, 2, (BATCH, UNITS)) / 0.7, tf.float32)
    outputs = []
    for layer in (plain, projected):
        layer.cell.get_dropout_mask = lambda step_inputs: input_mask
        layer.cell.get_recurrent_dropout_mask = lambda step_inputs: recurrent_mask
        outputs.append(layer(inputs, mask=tf.constant(mask), training=True)[0].numpy())
    np.testing.assert_allclose(outputs[1], outputs[0], rtol=1e-5, atol=1e-6)
    assert not np.allclose(outputs[1], projected(inputs, mask=tf.constant(mask))[0].numpy())


def test_serialization_round_trip(tmp_path):
    inputs = keras.Input((None, FEATURES))
    outputs = ProjectedRNN(cells.GRUCell(UNITS), return_sequences=True, name="projected")(inputs)
    model = keras.Model(inputs, outputs)
    data, _ = _inputs()
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert isinstance(loaded.get_layer("projected"), ProjectedRNN)
    np.testing.assert_allclose(loaded(data), model(data), rtol=1e-6)
    clone = ProjectedRNN.from_config(model.get_layer("projected").get_config())
    assert isinstance(clone.cell, cells.GRUCell) and clone.return_sequences


def test_only_seqapps_cells():
    with pytest.raises(ValueError, match="ProjectedRNN needs a seqapps cell.*keras.layers.RNN"):
        ProjectedRNN(keras.layers.LSTMCell(4))
