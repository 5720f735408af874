import keras
import numpy as np
import pytest

from seqapps import layers
from seqapps.layers.segment_recurrent_forecaster import SegmentRecurrentForecaster

RNG = np.random.default_rng(0)
WINDOWS = RNG.normal(size=(3, 12, 4)).astype("float32")


def forecaster(**overrides):
    arguments = dict(input_steps=12, horizon=10, channels=4, segment_length=4, units=6, zero_output=False)
    return SegmentRecurrentForecaster(**{**arguments, **overrides})


@pytest.mark.parametrize("cell", layers.KINDS)
def test_every_cell_kind_forecasts_every_channel(cell):
    layer = forecaster(cell=cell, channel_embedding=True)
    output = np.asarray(layer(WINDOWS))
    assert output.shape == (3, 10, 4)
    assert np.all(np.isfinite(output))
    assert layer.output_segments == 3 and layer.input_segments == 3


def test_channels_are_independent_without_channel_embedding():
    layer = forecaster()
    output = np.asarray(layer(WINDOWS))
    permutation = [2, 0, 3, 1]
    np.testing.assert_allclose(np.asarray(layer(WINDOWS[:, :, permutation])), output[:, :, permutation], atol=1e-5)
    changed = WINDOWS.copy()
    changed[:, :5, 1] += 3.0
    changed_output = np.asarray(layer(changed))
    np.testing.assert_allclose(changed_output[:, :, [0, 2, 3]], output[:, :, [0, 2, 3]], atol=1e-6)
    assert np.max(np.abs(changed_output[:, :, 1] - output[:, :, 1])) > 1e-4


def test_channel_embedding_makes_the_forecast_depend_on_the_channel():
    layer = forecaster(channel_embedding=True)
    same = np.repeat(WINDOWS[:, :, :1], 4, axis=2)
    output = np.asarray(layer(same))
    assert np.max(np.abs(output[:, :, 0] - output[:, :, 1])) > 1e-4
    changed = same.copy()
    changed[:, :, 1] += 1.0
    np.testing.assert_allclose(np.asarray(layer(changed))[:, :, 0], output[:, :, 0], atol=1e-6)


def test_a_constant_added_to_the_window_is_added_to_the_forecast():
    layer = forecaster(cell="lstm")
    np.testing.assert_allclose(np.asarray(layer(WINDOWS + 7.5)), np.asarray(layer(WINDOWS)) + 7.5, atol=1e-4)


def test_instance_scale_makes_the_forecast_affine_equivariant_per_channel():
    layer = forecaster(cell="lstm", instance_scale=True)
    scales = np.array([0.01, 1.0, 30.0, 1000.0], "float32")
    shifts = np.array([5.0, -2.0, 0.0, 1e4], "float32")
    output = np.asarray(layer(WINDOWS))
    scaled = np.asarray(layer(WINDOWS * scales + shifts))
    np.testing.assert_allclose((scaled - shifts) / scales, output, atol=2e-3)
    # Without it, the recurrence sees the magnitude: a 1000x bigger window is not a 1000x bigger change.
    plain = forecaster(cell="lstm")
    change = np.asarray(plain(WINDOWS * 1000.0)) - WINDOWS[:, -1:] * 1000.0
    assert not np.allclose(change, (np.asarray(plain(WINDOWS)) - WINDOWS[:, -1:]) * 1000.0, rtol=1e-2)
    constant = np.asarray(layer(np.full((1, 12, 4), 3.0, "float32")))
    assert np.all(np.isfinite(constant))


def test_zero_output_is_persistence_and_a_bias_adds_to_each_row():
    layer = forecaster(zero_output=True)
    np.testing.assert_allclose(np.asarray(layer(WINDOWS)), np.repeat(WINDOWS[:, -1:], 10, axis=1), atol=1e-6)
    bias = np.arange(4, dtype="float32")
    layer.segment_output.bias.assign(bias)
    # The horizon of 10 rows is 3 segments of 4 rows, cropped: rows 0..9 get bias 0,1,2,3,0,1,2,3,0,1.
    expected = WINDOWS[:, -1:] + np.tile(bias, 3)[:10, None]
    np.testing.assert_allclose(np.asarray(layer(WINDOWS)), expected, atol=1e-6)


@pytest.mark.parametrize("future_features", [0, 2])
def test_golden_forward_pass_of_a_simple_rnn(future_features):
    """The whole layer, written out in numpy for `keras_simple_rnn` (h = tanh(x K + h R + b)).

    With `future_features`, each output segment's covariate rows (flattened) times the future
    kernel are added to its position embedding; the horizon of 7 rows is padded with a zero row.
    """
    horizon = 7 if future_features else 8
    layer = forecaster(cell="keras_simple_rnn", units=3, horizon=horizon, channels=2, future_features=future_features)
    windows = WINDOWS[:2, :, :2]
    future = RNG.normal(size=(2, horizon, future_features)).astype("float32") if future_features else None
    layer(windows, future=future)
    for weight in layer.weights:
        weight.assign(RNG.normal(size=weight.shape).astype("float32") * 0.5)
    embedding_kernel, embedding_bias = (np.asarray(weight) for weight in layer.segment_embedding.weights)
    kernel, recurrent_kernel, bias = (np.asarray(weight) for weight in layer.recurrent_layer.weights)
    output_kernel, output_bias = (np.asarray(weight) for weight in layer.segment_output.weights)
    positions = np.asarray(layer.position_embedding)
    expected = np.zeros((2, 8, 2), "float32")
    if future_features:
        padded = np.concatenate([future, np.zeros((2, 1, future_features), "float32")], axis=1)
        future_rows = padded.reshape(2, 2, 4 * future_features) @ np.asarray(layer.future_embedding.kernel)
    for window in range(2):
        for channel in range(2):
            series = windows[window, :, channel]
            segments = (series - series[-1]).reshape(3, 4)
            state = np.zeros(3)
            for segment in segments:
                state = np.tanh(
                    np.maximum(segment @ embedding_kernel + embedding_bias, 0) @ kernel
                    + state @ recurrent_kernel
                    + bias
                )
            for position in range(2):
                query = positions[position] + (future_rows[window, position] if future_features else 0)
                decoded = np.tanh(query @ kernel + state @ recurrent_kernel + bias)
                rows = decoded @ output_kernel + output_bias
                expected[window, position * 4 : position * 4 + 4, channel] = rows + series[-1]
    np.testing.assert_allclose(np.asarray(layer(windows, future=future)), expected[:, :horizon], atol=1e-5)


def test_future_covariates_start_ignored_and_then_move_only_their_own_segment():
    layer = forecaster(channel_embedding=True, future_features=3)
    future = RNG.normal(size=(3, 10, 3)).astype("float32")
    output = np.asarray(layer(WINDOWS, future=future))
    # The embedding starts at zero: the covariates change nothing until trained.
    np.testing.assert_allclose(np.asarray(layer(WINDOWS, future=future * 5 + 1)), output, atol=1e-6)
    layer.future_embedding.kernel.assign(RNG.normal(size=layer.future_embedding.kernel.shape).astype("float32"))
    output = np.asarray(layer(WINDOWS, future=future))
    changed = future.copy()
    changed[:, 5, :] += 2.0  # row 5 lies in the second output segment (rows 4..7)
    changed_output = np.asarray(layer(WINDOWS, future=changed))
    difference = np.abs(changed_output - output).max(axis=(0, 2))
    assert np.all(difference[4:8] > 1e-4) and np.all(difference[:4] == 0) and np.all(difference[8:] == 0)


def test_future_is_required_exactly_when_future_features_are_declared():
    with pytest.raises(ValueError, match=r"future_features=2 needs `future`"):
        forecaster(future_features=2)(WINDOWS)
    with pytest.raises(ValueError, match="future_features=0 takes no `future`"):
        forecaster()(WINDOWS, future=np.zeros((3, 10, 2), "float32"))
    with pytest.raises(ValueError, match=r"`future` of shape \(batch, 10, 2\).*got \(3, 9, 2\)"):
        forecaster(future_features=2)(WINDOWS, future=np.zeros((3, 9, 2), "float32"))


def test_keras_file_round_trip_with_future_covariates(tmp_path):
    window, future = keras.Input((12, 4), name="window"), keras.Input((10, 2), name="future")
    layer = forecaster(channel_embedding=True, future_features=2)
    model = keras.Model({"window": window, "future": future}, layer(window, future=future))
    layer.future_embedding.kernel.assign(RNG.normal(size=layer.future_embedding.kernel.shape).astype("float32"))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    inputs = {"window": WINDOWS, "future": RNG.normal(size=(3, 10, 2)).astype("float32")}
    np.testing.assert_allclose(np.asarray(loaded(inputs)), np.asarray(model(inputs)), atol=1e-6)
    assert loaded.layers[-1].get_config() == model.layers[-1].get_config()
    assert loaded.layers[-1].get_config()["future_features"] == 2


def test_dropout_only_in_training():
    layer = forecaster(dropout=0.5)
    np.testing.assert_allclose(np.asarray(layer(WINDOWS)), np.asarray(layer(WINDOWS, training=False)))
    assert not np.allclose(np.asarray(layer(WINDOWS, training=True)), np.asarray(layer(WINDOWS)))


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_keras_file_round_trip(tmp_path, cell):
    inputs = keras.Input((12, 4))
    layer = forecaster(cell=cell, channel_embedding=True, dropout=0.1, instance_scale=cell == "lstm")
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded(WINDOWS)), np.asarray(model(WINDOWS)), atol=1e-6)
    assert loaded.layers[-1].get_config() == model.layers[-1].get_config()


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"input_steps": 10}, r"input_steps=10 is not a multiple of segment_length=4; use 4, 8, 12"),
        ({"horizon": 0}, "horizon"),
        ({"units": 2.5}, "units"),
        ({"segment_length": True}, "segment_length"),
        ({"cell": "cnn"}, "'cnn'"),
        ({"dropout": 1.0}, "dropout"),
        ({"units": 1, "channel_embedding": True}, "units=1"),
        ({"future_features": -1}, "future_features"),
    ],
)
def test_bad_arguments(overrides, fragment):
    with pytest.raises(ValueError, match=fragment):
        forecaster(**overrides)


def test_wrong_window_shape():
    with pytest.raises(ValueError, match=r"\(batch, 12, 4\)"):
        forecaster()(WINDOWS[:, :8])


def softplus(values):
    return np.log1p(np.exp(values))


def test_golden_interval_outputs_of_a_simple_rnn():
    """The interval head written out in numpy: softplus of a second `Dense` on the decoded step, below and above."""
    layer = forecaster(cell="keras_simple_rnn", units=3, horizon=6, channels=2, interval_outputs=True)
    windows = WINDOWS[:2, :, :2]
    layer(windows)
    for weight in layer.weights:
        weight.assign(RNG.normal(size=weight.shape).astype("float32") * 0.5)
    embedding_kernel, embedding_bias = (np.asarray(weight) for weight in layer.segment_embedding.weights)
    kernel, recurrent_kernel, bias = (np.asarray(weight) for weight in layer.recurrent_layer.weights)
    output_kernel, output_bias = (np.asarray(weight) for weight in layer.segment_output.weights)
    interval_kernel, interval_bias = (np.asarray(weight) for weight in layer.interval_output.weights)
    positions = np.asarray(layer.position_embedding)
    expected = np.zeros((3, 2, 8, 2), "float32")  # forecast, lower, upper
    for window in range(2):
        for channel in range(2):
            series = windows[window, :, channel]
            state = np.zeros(3)
            for segment in (series - series[-1]).reshape(3, 4):
                embedded = np.maximum(segment @ embedding_kernel + embedding_bias, 0)
                state = np.tanh(embedded @ kernel + state @ recurrent_kernel + bias)
            for position in range(2):
                decoded = np.tanh(positions[position] @ kernel + state @ recurrent_kernel + bias)
                rows = decoded @ output_kernel + output_bias + series[-1]
                widths = softplus(decoded @ interval_kernel + interval_bias)
                steps = slice(position * 4, position * 4 + 4)
                expected[:, window, steps, channel] = rows, rows - widths[:4], rows + widths[4:]
    for output, wanted in zip(layer(windows), expected):
        np.testing.assert_allclose(np.asarray(output), wanted[:, :6], atol=1e-5)


@pytest.mark.parametrize("instance_scale", [False, True])
def test_interval_outputs_never_cross_the_forecast_and_leave_it_unchanged(instance_scale):
    layer = forecaster(interval_outputs=True, instance_scale=instance_scale)
    forecast, lower, upper = (np.asarray(output) for output in layer(WINDOWS * 100.0))
    assert forecast.shape == lower.shape == upper.shape == (3, 10, 4)
    assert np.all(lower < forecast) and np.all(forecast < upper)
    plain = forecaster(instance_scale=instance_scale)
    plain(WINDOWS)
    plain.set_weights([weight for weight in layer.get_weights() if weight.shape not in ((6, 8), (8,))])
    np.testing.assert_allclose(np.asarray(plain(WINDOWS * 100.0)), forecast, atol=1e-4)


def test_keras_file_round_trip_with_interval_outputs(tmp_path):
    inputs = keras.Input((12, 4))
    layer = forecaster(channel_embedding=True, interval_outputs=True, instance_scale=True)
    model = keras.Model(inputs, dict(zip(("forecast", "lower", "upper"), layer(inputs))))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    for name, output in model(WINDOWS).items():
        np.testing.assert_allclose(np.asarray(loaded(WINDOWS)[name]), np.asarray(output), atol=1e-6)
    assert loaded.layers[-1].get_config() == model.layers[-1].get_config()
    assert loaded.layers[-1].get_config()["interval_outputs"] is True
