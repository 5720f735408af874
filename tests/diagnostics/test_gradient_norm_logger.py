import glob

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqapps import layers
from seqapps.diagnostics import GradientNormLogger


@pytest.fixture
def data():
    generator = np.random.default_rng(0)
    return (
        generator.normal(size=(8, 5, 2)).astype("float32"),
        generator.normal(size=(8, 1)).astype("float32") * 3,
    )


def _model(optimizer):
    model = keras.Sequential([keras.Input((5, 2)), layers.recurrent("elman", 3), keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def test_logged_norms_are_the_gradient_norms(data):
    inputs, targets = data
    # Learning rate 0 and one step per epoch: every epoch sees the gradient at the initial weights.
    model = _model(keras.optimizers.SGD(learning_rate=0.0))
    history = model.fit(inputs, targets, batch_size=8, epochs=2, verbose=0, callbacks=[GradientNormLogger()])

    with tf.GradientTape() as tape:
        loss = keras.losses.MeanSquaredError()(targets, model(inputs, training=True))
    gradients = tape.gradient(loss, model.trainable_variables)
    norms = {
        variable.path: float(np.linalg.norm(gradient))
        for variable, gradient in zip(model.trainable_variables, gradients)
    }
    global_norm = float(np.sqrt(sum(norm**2 for norm in norms.values())))

    np.testing.assert_allclose(history.history["gradient_norm"], [global_norm] * 2, rtol=1e-4)
    np.testing.assert_allclose(history.history["gradient_norm_max"], [global_norm] * 2, rtol=1e-4)
    for path, norm in norms.items():
        np.testing.assert_allclose(history.history[f"gradient_norm/{path}"], [norm] * 2, rtol=1e-4)
    assert "clipped_fraction" not in history.history


@pytest.mark.parametrize(
    "optimizer_arguments, fraction",
    [({"clipnorm": 1e-4}, 1.0), ({"clipnorm": 1e4}, 0.0), ({"global_clipnorm": 1e-4}, 1.0)],
)
def test_clipped_fraction(data, optimizer_arguments, fraction):
    inputs, targets = data
    model = _model(keras.optimizers.SGD(learning_rate=0.01, **optimizer_arguments))
    history = model.fit(
        inputs, targets, batch_size=4, epochs=1, verbose=0, callbacks=[GradientNormLogger(per_variable=False)]
    )
    assert history.history["clipped_fraction"] == [fraction]
    assert not any(key.startswith("gradient_norm/") for key in history.history)


def test_optimizer_is_restored_after_training(data):
    inputs, targets = data
    model = _model("sgd")
    model.fit(inputs, targets, epochs=1, verbose=0, callbacks=[GradientNormLogger()])
    assert "apply" not in vars(model.optimizer)
    history = model.fit(inputs, targets, epochs=1, verbose=0)
    assert "gradient_norm" not in history.history


def test_tensorboard_scalars(data, tmp_path):
    inputs, targets = data
    model = _model(keras.optimizers.SGD(clipnorm=1.0))
    model.fit(inputs, targets, epochs=2, verbose=0, callbacks=[GradientNormLogger(tmp_path)])
    tags = {}
    for event_file in glob.glob(str(tmp_path / "train" / "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(event_file):
            for value in event.summary.value:
                tags.setdefault(value.tag, []).append(event.step)
    assert tags["gradient_norm"] == [0, 1]
    assert tags["clipped_fraction"] == [0, 1]
    assert any(tag.startswith("gradient_norm/") and tag.endswith("recurrent_kernel") for tag in tags)
