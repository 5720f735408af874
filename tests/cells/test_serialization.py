"""Round trips: get_config/from_config, .keras files, and SavedModel export in a fresh process."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from seqapps import cells

FEATURES, UNITS = 4, 5
NON_DEFAULT_ARGUMENTS = {
    "elman": {"activation": "relu", "recurrent_initializer": "identity", "identity_scale": 0.5},
    "lstm": {"unit_forget_bias": False, "recurrent_activation": "hard_sigmoid"},
    "gru": {"reset_after": False},
    "peephole_lstm": {"peephole_initializer": "ones"},
    "layer_norm_lstm": {"layer_norm_epsilon": 1e-2},
}


def _inputs(batch=3, steps=6, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, steps, FEATURES)).astype("float32")


def _model(name):
    cell = cells.get(name, UNITS, dropout=0.1, learn_initial_state=True, **NON_DEFAULT_ARGUMENTS[name])
    inputs = keras.Input((None, FEATURES), name="sequence")
    hidden = keras.layers.RNN(cell, return_sequences=True)(inputs)
    outputs = keras.layers.Dense(2, name="head")(hidden)
    model = keras.Model(inputs, outputs)
    for variable in model.weights:
        variable.assign(np.random.default_rng(5).normal(scale=0.3, size=variable.shape))
    return model


@pytest.mark.parametrize("name", cells.NAMES)
def test_from_config_round_trip(name):
    cell = cells.get(name, UNITS, recurrent_dropout=0.2, seed=11, **NON_DEFAULT_ARGUMENTS[name])
    config = cell.get_config()
    json.dumps(keras.saving.serialize_keras_object(cell))
    clone = type(cell).from_config(config)
    assert clone.get_config() == config
    for argument, value in NON_DEFAULT_ARGUMENTS[name].items():
        assert argument in config
    original = keras.layers.RNN(cell)
    copy = keras.layers.RNN(clone)
    inputs = _inputs()
    original(inputs)
    copy(inputs)
    copy.set_weights(original.get_weights())
    np.testing.assert_allclose(copy(inputs), original(inputs), atol=1e-6)


@pytest.mark.parametrize("name", cells.NAMES)
def test_keras_file_round_trip(name, tmp_path):
    model = _model(name)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    cell = loaded.layers[1].cell
    assert type(cell) is cells.REGISTRY[name]
    inputs = _inputs()
    np.testing.assert_allclose(loaded(inputs), model(inputs), atol=1e-6)


RELOAD_SCRIPT = """
import json, sys
import numpy as np
import tensorflow as tf
inputs = np.load(sys.argv[1])
results = {}
for name, path in json.loads(sys.argv[2]).items():
    restored = tf.saved_model.load(path)
    results[name] = [restored.serve(tf.constant(inputs[key])).numpy() for key in ("first", "second")]
np.savez(sys.argv[3], **{f"{name}_{i}": value for name, values in results.items() for i, value in enumerate(values)})
"""


def test_tf_saved_model_export_reloads_in_fresh_process(tmp_path):
    first, second = _inputs(batch=3, steps=6), _inputs(batch=1, steps=9, seed=1)
    expected, paths = {}, {}
    for name in cells.NAMES:
        model = _model(name)
        paths[name] = str(tmp_path / name)
        model.export(paths[name], format="tf_saved_model", verbose=False)
        expected[name] = [np.asarray(model(first)), np.asarray(model(second))]
    np.savez(tmp_path / "inputs.npz", first=first, second=second)
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    subprocess.run(
        [
            sys.executable,
            "-c",
            RELOAD_SCRIPT,
            str(tmp_path / "inputs.npz"),
            json.dumps(paths),
            str(tmp_path / "outputs.npz"),
        ],
        check=True,
        env=environment,
        timeout=300,
    )
    outputs = np.load(tmp_path / "outputs.npz")
    for name in cells.NAMES:
        for index in range(2):
            np.testing.assert_allclose(outputs[f"{name}_{index}"], expected[name][index], atol=1e-5)
