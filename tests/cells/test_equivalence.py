"""seqapps cells against the Keras built-in layers, with the same weights copied in."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqapps.cells import ElmanCell, GRUCell, LSTMCell

PAIRS = {
    "lstm": (LSTMCell, keras.layers.LSTM, 2),
    "gru_reset_after": (GRUCell, keras.layers.GRU, 1),
    "elman": (ElmanCell, keras.layers.SimpleRNN, 1),
}
BATCH, STEPS, FEATURES, UNITS = 3, 7, 4, 5
LENGTHS = np.array([7, 4, 1])


def _inputs():
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    mask = np.arange(STEPS)[None, :] < LENGTHS[:, None]
    return inputs, mask


def _layers(pair, **rnn_arguments):
    cell_class, builtin_class, _ = PAIRS[pair]
    ours = keras.layers.RNN(cell_class(UNITS), return_state=True, **rnn_arguments)
    theirs = builtin_class(UNITS, return_state=True, **rnn_arguments)
    inputs, _ = _inputs()
    ours(inputs)
    theirs(inputs)
    rng = np.random.default_rng(1)
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return ours, theirs


def _run(layer, inputs, mask):
    with tf.GradientTape() as tape:
        inputs = tf.convert_to_tensor(inputs)
        tape.watch(inputs)
        results = layer(inputs, mask=None if mask is None else tf.constant(mask))
        loss = sum(tf.reduce_sum(result * (index + 1.0)) for index, result in enumerate(results))
    gradients = tape.gradient(loss, [inputs] + layer.trainable_weights)
    return [r.numpy() for r in results], [g.numpy() for g in gradients]


@pytest.mark.parametrize("pair", sorted(PAIRS))
@pytest.mark.parametrize(
    "rnn_arguments, masked",
    [
        ({"return_sequences": True}, False),
        ({"return_sequences": True}, True),
        ({"go_backwards": True}, False),
        ({"go_backwards": True, "return_sequences": True}, True),
        ({}, True),
    ],
    ids=["sequences", "sequences-masked", "backwards", "backwards-sequences-masked", "last-masked"],
)
def test_matches_keras_builtin(pair, rnn_arguments, masked):
    ours, theirs = _layers(pair, **rnn_arguments)
    inputs, mask = _inputs()
    mask = mask if masked else None
    our_results, our_gradients = _run(ours, inputs, mask)
    their_results, their_gradients = _run(theirs, inputs, mask)
    assert len(our_results) == len(their_results) == 1 + PAIRS[pair][2]
    for our, their in zip(our_results, their_results):
        np.testing.assert_allclose(our, their, atol=1e-5, rtol=0)
    assert len(our_gradients) == len(their_gradients)
    for our, their in zip(our_gradients, their_gradients):
        np.testing.assert_allclose(our, their, atol=1e-4, rtol=0)


def test_masked_final_state_is_state_at_last_valid_step():
    ours, _ = _layers("lstm", return_sequences=True)
    inputs, mask = _inputs()
    sequences, hidden, _ = ours(inputs, mask=mask)
    for row, length in enumerate(LENGTHS):
        np.testing.assert_allclose(sequences[row, length - 1], hidden[row], atol=1e-6)
    single, single_hidden, _ = ours(inputs[1:2, : LENGTHS[1]])
    np.testing.assert_allclose(single_hidden[0], hidden[1], atol=1e-5)
