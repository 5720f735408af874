import keras
import matplotlib.image
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from seqapps import layers
from seqapps.cells import ElmanCell
from seqapps.diagnostics import gradient_flow, plot_gradient_flow

BATCH, STEPS, FEATURES, UNITS = 3, 6, 2, 4


def _inner_product(targets, predictions):
    return ops.sum(targets * predictions)


def _linear_rnn(recurrent_kernel, kernel, **layer_arguments):
    """A linear Elman RNN `h_t = x_t W + h_{t-1} U` with the given matrices."""
    cell = ElmanCell(UNITS, activation="linear", use_bias=False)
    model = keras.Sequential([keras.Input((STEPS, FEATURES)), keras.layers.RNN(cell, **layer_arguments)])
    cell.kernel.assign(kernel)
    cell.recurrent_kernel.assign(recurrent_kernel)
    return model


@pytest.fixture
def matrices():
    generator = np.random.default_rng(0)
    recurrent = generator.normal(size=(UNITS, UNITS)) * 0.6
    kernel = generator.normal(size=(FEATURES, UNITS))
    inputs = generator.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    return recurrent.astype("float32"), kernel.astype("float32"), inputs, generator


def test_linear_rnn_matches_analytic_norms_with_loss_on_every_step(matrices):
    recurrent, kernel, inputs, generator = matrices
    model = _linear_rnn(recurrent, kernel, return_sequences=True)
    targets = generator.normal(size=(BATCH, STEPS, UNITS)).astype("float32")
    flow = gradient_flow(model, (inputs, targets), _inner_product)

    # L = sum_t v_t . h_t and h_{t+1} = x W + h_t U, so dL/dh_t = v_t + dL/dh_{t+1} U^T.
    expected = np.zeros((BATCH, STEPS, UNITS))
    expected[:, -1] = targets[:, -1]
    for step in range(STEPS - 2, -1, -1):
        expected[:, step] = targets[:, step] + expected[:, step + 1] @ recurrent.T
    assert list(flow) == ["rnn"]
    np.testing.assert_allclose(flow["rnn"], np.linalg.norm(expected, axis=-1).mean(0), rtol=1e-4)


def test_linear_rnn_matches_matrix_powers_with_loss_on_the_last_state(matrices):
    recurrent, kernel, inputs, generator = matrices
    model = _linear_rnn(recurrent, kernel)
    direction = generator.normal(size=(BATCH, UNITS)).astype("float32")
    flow = gradient_flow(model, (inputs, direction), _inner_product)

    expected = [
        np.linalg.norm(direction @ np.linalg.matrix_power(recurrent.T, STEPS - 1 - step), axis=-1).mean()
        for step in range(STEPS)
    ]
    np.testing.assert_allclose(flow["rnn"], expected, rtol=1e-4)


def test_go_backwards_reports_time_in_input_order(matrices):
    recurrent, kernel, inputs, generator = matrices
    model = _linear_rnn(recurrent, kernel, go_backwards=True)
    direction = generator.normal(size=(BATCH, UNITS)).astype("float32")
    flow = gradient_flow(model, (inputs, direction), _inner_product)

    # The last processed step is input position 0.
    expected = [
        np.linalg.norm(direction @ np.linalg.matrix_power(recurrent.T, position), axis=-1).mean()
        for position in range(STEPS)
    ]
    np.testing.assert_allclose(flow["rnn"], expected, rtol=1e-4)


def _stacked_model(kind):
    inputs = keras.Input((STEPS, FEATURES))
    hidden = layers.recurrent(kind, 5, return_sequences=True, name="first")(inputs)
    hidden = layers.recurrent(kind, 3, name="second")(hidden)
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(hidden))


@pytest.mark.parametrize("kind", ["lstm", "keras_gru"])
def test_last_state_gradient_equals_gradient_of_the_layer_output(kind, matrices):
    _, _, inputs, generator = matrices
    model = _stacked_model(kind)
    targets = generator.normal(size=(BATCH, 2)).astype("float32")
    before = model(inputs)
    flow = gradient_flow(model, (inputs, targets), "mse")

    assert list(flow) == ["first", "second"]
    assert all(norms.shape == (STEPS,) for norms in flow.values())
    assert np.all(flow["first"] > 0)
    # h_T of the last layer only feeds the head: dL/dh_T is the gradient of its output.
    with tf.GradientTape() as tape:
        last_state = model.get_layer("second")(model.get_layer("first")(inputs))
        tape.watch(last_state)
        loss = ops.mean(keras.losses.mean_squared_error(targets, model.get_layer("head")(last_state)))
    direct = np.linalg.norm(tape.gradient(loss, last_state), axis=-1).mean()
    np.testing.assert_allclose(flow["second"][-1], direct, rtol=1e-4)
    # The model is left as it was.
    np.testing.assert_allclose(model(inputs), before, rtol=1e-6)
    assert "call" not in vars(model.get_layer("first"))


def test_seqapps_lstm_and_keras_lstm_with_the_same_weights_agree(matrices):
    _, _, inputs, generator = matrices
    ours, theirs = _stacked_model("lstm"), _stacked_model("keras_lstm")
    theirs.set_weights(ours.get_weights())
    targets = generator.normal(size=(BATCH, 2)).astype("float32")
    flow_ours = gradient_flow(ours, (inputs, targets), "mse")
    flow_theirs = gradient_flow(theirs, (inputs, targets), "mse")
    for name in ("first", "second"):
        np.testing.assert_allclose(flow_ours[name], flow_theirs[name], rtol=1e-4)


def test_masked_steps_get_no_gradient():
    model = keras.Sequential(
        [
            keras.Input((STEPS,), dtype="int32"),
            keras.layers.Embedding(10, 4, mask_zero=True),
            layers.recurrent("gru", 3),
            keras.layers.Dense(1),
        ]
    )
    tokens = np.array([[1, 2, 3, 4, 0, 0], [5, 6, 7, 8, 9, 0]])
    flow = gradient_flow(model, (tokens, np.ones((2, 1))), "mse")["rnn"]
    assert np.all(flow[:4] > 0)
    assert flow[5] == 0


def test_bidirectional_layers_are_reported_per_direction(matrices):
    _, _, inputs, _ = matrices
    model = keras.Sequential(
        [keras.Input((STEPS, FEATURES)), layers.recurrent("elman", 3, bidirectional=True, name="encoder")]
    )
    flow = gradient_flow(model, (inputs, np.ones((BATCH, 6), "float32")), "mse")
    (forward, backward) = flow
    assert forward.startswith("bidirectional/forward_encoder") and backward.startswith("bidirectional/backward")
    # Each direction's final state (last position forward, first position backward) is closest to the loss.
    assert np.argmax(flow[forward]) == STEPS - 1
    assert np.argmax(flow[backward]) == 0


def test_subclassed_model(matrices):
    _, _, inputs, _ = matrices

    class Classifier(keras.Model):
        def __init__(self):
            super().__init__()
            self.encoder = layers.recurrent("lstm", 4)
            self.head = keras.layers.Dense(1)

        def call(self, inputs):
            return self.head(self.encoder(inputs))

    flow = gradient_flow(Classifier(), (inputs, np.ones((BATCH, 1), "float32")), "mse")
    assert list(flow) == ["rnn"] and np.all(flow["rnn"] > 0)


def test_encoder_gets_gradient_through_the_decoder_initial_state():
    source, target = keras.Input((5, 2)), keras.Input((4, 3))
    _, hidden, cell = layers.recurrent("lstm", 6, return_state=True, name="encoder")(source)
    decoded = layers.recurrent("lstm", 6, return_sequences=True, name="decoder")(target, initial_state=[hidden, cell])
    model = keras.Model([source, target], keras.layers.Dense(2)(decoded))
    generator = np.random.default_rng(0)
    inputs = [generator.normal(size=(2, 5, 2)), generator.normal(size=(2, 4, 3))]
    flow = gradient_flow(model, (inputs, np.zeros((2, 4, 2))), "mse")
    assert list(flow) == ["encoder", "decoder"]
    assert np.all(flow["encoder"] > 0) and np.all(flow["decoder"] > 0)


def test_model_without_recurrent_layer():
    model = keras.Sequential([keras.Input((STEPS, FEATURES)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="no recurrent layer"):
        gradient_flow(model, (np.ones((1, STEPS, FEATURES)), np.ones((1, STEPS, 2))), "mse")


def test_malformed_batch(matrices):
    recurrent, kernel, inputs, _ = matrices
    with pytest.raises(ValueError, match="inputs, targets"):
        gradient_flow(_linear_rnn(recurrent, kernel), inputs, "mse")


def test_plot_several_models_writes_a_png(tmp_path):
    flows = {
        "elman": {"rnn": np.geomspace(1e-6, 1.0, 20)},
        "lstm": {"rnn": np.geomspace(1e-2, 1.0, 20), "rnn_1": np.r_[np.zeros(5), np.ones(15)]},
    }
    path = plot_gradient_flow(flows, tmp_path / "flow.png")
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0


def test_plot_nothing():
    with pytest.raises(ValueError, match="empty"):
        plot_gradient_flow({}, "unused.png")
