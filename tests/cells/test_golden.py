"""Golden-value tests of the seqapps cells against the NumPy reference in `reference.py`.

The reference's hand-derived backward pass is first checked against central finite
differences of its own forward pass (float64); then every cell, run through
`keras.layers.RNN`, must match the reference's outputs, final states and gradients
with respect to the inputs, the initial states and every weight.
"""

import keras
import numpy as np
import pytest
import reference
import tensorflow as tf

from seqapps.cells import GRUCell, LayerNormLSTMCell, PeepholeLSTMCell

BATCH, STEPS, INPUT_DIM, UNITS = 3, 5, 4, 3
LAYER_NORM_EPSILON = 1e-3  # the LayerNormLSTMCell default


def _random(rng, shape, scale=0.5, center=0.0):
    """Float32-representable values, so float64 NumPy and float32 Keras see the same numbers."""
    return (center + scale * rng.standard_normal(shape)).astype(np.float32).astype(np.float64)


def _gru_weights(rng):
    return {
        "kernel": _random(rng, (INPUT_DIM, 3 * UNITS)),
        "recurrent_kernel": _random(rng, (UNITS, 3 * UNITS)),
        "bias": _random(rng, (3 * UNITS,)),
    }


def _lstm_weights(rng):
    return {
        "kernel": _random(rng, (INPUT_DIM, 4 * UNITS)),
        "recurrent_kernel": _random(rng, (UNITS, 4 * UNITS)),
        "bias": _random(rng, (4 * UNITS,)),
    }


def _peephole_lstm_weights(rng):
    return {
        **_lstm_weights(rng),
        "input_gate_peephole": _random(rng, (UNITS,)),
        "forget_gate_peephole": _random(rng, (UNITS,)),
        "output_gate_peephole": _random(rng, (UNITS,)),
    }


def _layer_norm_lstm_weights(rng):
    """Gammas around 1 and betas around 0, but far enough from 1 and 0 to matter."""
    weights = _lstm_weights(rng)
    for prefix, size in (("input", 4 * UNITS), ("recurrent", 4 * UNITS), ("cell", UNITS)):
        weights[f"{prefix}_gamma"] = _random(rng, (size,), scale=0.4, center=1.0)
        weights[f"{prefix}_beta"] = _random(rng, (size,), scale=0.4)
    return weights


def _layer_norm_lstm_forward(inputs, initial_states, weights):
    return reference.layer_norm_lstm_forward(inputs, initial_states, weights, epsilon=LAYER_NORM_EPSILON)


def _layer_norm_lstm_backward(inputs, initial_states, weights, d_outputs, d_final_states):
    return reference.layer_norm_lstm_backward(
        inputs, initial_states, weights, d_outputs, d_final_states, epsilon=LAYER_NORM_EPSILON
    )


# name: (forward, backward, weight factory, number of states)
REFERENCES = {
    "gru": (reference.gru_forward, reference.gru_backward, _gru_weights, 1),
    "peephole_lstm": (
        reference.peephole_lstm_forward,
        reference.peephole_lstm_backward,
        _peephole_lstm_weights,
        2,
    ),
    "layer_norm_lstm": (
        _layer_norm_lstm_forward,
        _layer_norm_lstm_backward,
        _layer_norm_lstm_weights,
        2,
    ),
}


def _problem(name, seed):
    """Inputs, non-zero initial states, weights and the loss weights of one case."""
    _, _, weight_factory, state_count = REFERENCES[name]
    rng = np.random.default_rng(seed)
    inputs = _random(rng, (BATCH, STEPS, INPUT_DIM), scale=1.0)
    initial_states = [_random(rng, (BATCH, UNITS)) for _ in range(state_count)]
    weights = weight_factory(rng)
    d_outputs = _random(rng, (BATCH, STEPS, UNITS), scale=1.0)
    d_final_states = [_random(rng, (BATCH, UNITS), scale=1.0) for _ in range(state_count)]
    return inputs, initial_states, weights, d_outputs, d_final_states


def _reference_loss(forward, inputs, initial_states, weights, d_outputs, d_final_states):
    outputs, final_states = forward(inputs, initial_states, weights)
    return np.sum(outputs * d_outputs) + sum(
        np.sum(state * d_state) for state, d_state in zip(final_states, d_final_states)
    )


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_reference_backward_matches_finite_differences(name):
    forward, backward, _, _ = REFERENCES[name]
    inputs, initial_states, weights, d_outputs, d_final_states = _problem(name, seed=1)
    _, _, gradients = backward(inputs, initial_states, weights, d_outputs, d_final_states)

    # Every differentiable argument, as (label, array perturbed in place, analytic gradient).
    arguments = [("inputs", inputs, gradients["inputs"])]
    arguments += [
        (f"initial_states[{k}]", state, gradients["initial_states"][k]) for k, state in enumerate(initial_states)
    ]
    arguments += [(weight_name, value, gradients[weight_name]) for weight_name, value in weights.items()]
    assert set(gradients) == set(weights) | {"inputs", "initial_states"}

    def loss():
        return _reference_loss(forward, inputs, initial_states, weights, d_outputs, d_final_states)

    step = 1e-6
    for label, array, analytic in arguments:
        assert analytic.shape == array.shape, label
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + step
            loss_plus = loss()
            array[index] = original - step
            loss_minus = loss()
            array[index] = original
            numeric[index] = (loss_plus - loss_minus) / (2 * step)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8, err_msg=label)


def _seqapps_gru():
    return GRUCell(UNITS, reset_after=False, use_bias=True)


def _seqapps_peephole_lstm():
    return PeepholeLSTMCell(UNITS, use_bias=True)


def _seqapps_layer_norm_lstm():
    return LayerNormLSTMCell(UNITS, use_bias=True)


def _keras_gru():
    return keras.layers.GRUCell(UNITS, reset_after=False)


def _keras_lstm():
    return keras.layers.LSTMCell(UNITS)


def _unchanged(weights):
    return weights


def _zero_peepholes(weights):
    return {**weights, **{name: np.zeros(UNITS) for name in weights if name.endswith("_peephole")}}


# id: (cell factory, reference name, transform of the reference weights, weights the cell owns)
KERAS_CASES = {
    "GRUCell": (_seqapps_gru, "gru", _unchanged, None),
    "PeepholeLSTMCell": (_seqapps_peephole_lstm, "peephole_lstm", _unchanged, None),
    "LayerNormLSTMCell": (_seqapps_layer_norm_lstm, "layer_norm_lstm", _unchanged, None),
    # The reference against Keras built-ins: a check of the reference and of this harness.
    "keras.GRUCell-reset_after=False": (
        _keras_gru,
        "gru",
        _unchanged,
        ("kernel", "recurrent_kernel", "bias"),
    ),
    "keras.LSTMCell-as-zero-peepholes": (
        _keras_lstm,
        "peephole_lstm",
        _zero_peepholes,
        ("kernel", "recurrent_kernel", "bias"),
    ),
}


@pytest.mark.parametrize("case", list(KERAS_CASES))
def test_cell_matches_reference(case):
    make_cell, name, transform, cell_weight_names = KERAS_CASES[case]
    _, backward, _, _ = REFERENCES[name]
    inputs, initial_states, weights, d_outputs, d_final_states = _problem(name, seed=2)
    weights = transform(weights)
    cell_weight_names = cell_weight_names or tuple(weights)
    outputs, final_states, gradients = backward(inputs, initial_states, weights, d_outputs, d_final_states)

    cell = make_cell()
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    x = tf.constant(inputs, dtype=tf.float32)
    states = [tf.constant(state, dtype=tf.float32) for state in initial_states]
    layer(x, initial_state=states)
    for weight_name in cell_weight_names:
        getattr(cell, weight_name).assign(weights[weight_name].astype(np.float32))
    assert len(layer.trainable_weights) == len(cell_weight_names), [weight.path for weight in layer.trainable_weights]

    with tf.GradientTape() as tape:
        tape.watch([x, *states])
        keras_outputs, *keras_final_states = layer(x, initial_state=states)
        loss = tf.reduce_sum(keras_outputs * d_outputs.astype(np.float32)) + tf.add_n(
            [
                tf.reduce_sum(state * d_state.astype(np.float32))
                for state, d_state in zip(keras_final_states, d_final_states)
            ]
        )
    # (label, differentiated tensor, reference gradient)
    sources = [("inputs", x, gradients["inputs"])]
    sources += [(f"initial_states[{k}]", state, gradients["initial_states"][k]) for k, state in enumerate(states)]
    sources += [(weight_name, getattr(cell, weight_name), gradients[weight_name]) for weight_name in cell_weight_names]
    keras_gradients = tape.gradient(loss, [tensor for _, tensor, _ in sources])

    np.testing.assert_allclose(keras_outputs.numpy(), outputs, rtol=0, atol=1e-5)
    assert len(keras_final_states) == len(final_states)
    for k, (keras_state, state) in enumerate(zip(keras_final_states, final_states)):
        np.testing.assert_allclose(keras_state.numpy(), state, rtol=0, atol=1e-5, err_msg=f"final state {k}")
    for (label, _, expected), keras_gradient in zip(sources, keras_gradients):
        assert keras_gradient is not None, f"no gradient reaches {label}"
        np.testing.assert_allclose(
            np.asarray(keras_gradient), expected, rtol=0, atol=1e-4, err_msg=f"d loss / d {label}"
        )
