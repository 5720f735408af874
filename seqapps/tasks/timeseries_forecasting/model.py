"""The two forecasters (`build_segment_model`, `build_window_model`), their ensemble (`average_forecasters`),
their blend with the linear baseline (`choose_linear_weight`, `blend_with_linear`), their learning-rate schedule,
and the validation guards that set an output layer back to zero (`keep_persistence_if_better`,
`keep_linear_if_better`).

Both models map the raw window `(batch, input_steps, n_features)` to the raw
forecast `(batch, horizon, n_targets)`, standardizing inside the graph (the
segment model, given covariates known in advance, takes the inputs
`{"window": ..., "future": (batch, horizon, n_future)}`), and
both forecast the change from the last observed value, so a zero output layer
makes them the persistence forecast.

With quantile outputs (`config.interval` `pinball` or `pinball_conformal`),
the forecaster returns `{"forecast", "lower", "upper"}` (raw units, lower <=
forecast <= upper): the bounds are `forecast - softplus(a)` and `forecast +
softplus(b)` in the standardized space, de-standardized like the forecast; the
trained model then returns the three standardized outputs stacked on a last
axis, for `PointAndPinballLoss`.
"""

import logging

import keras
import numpy as np

from seqapps import layers
from seqapps.data import timeseries
from seqapps.tasks.timeseries_forecasting import baselines, intervals
from seqapps.tasks.timeseries_forecasting.config import LOSSES, MODEL_NAME

logger = logging.getLogger(__name__)

# Epochs at the initial learning rate before `learning_rate_decay` applies (SegRNN's schedule).
CONSTANT_EPOCHS = 2
# The forecaster's outputs with quantile outputs (in this order on the trained model's last axis).
OUTPUTS = ("forecast", "lower", "upper")
# The weights of the linear baseline in the blend that `choose_linear_weight` tries.
LINEAR_WEIGHTS = tuple(step / 10 for step in range(11))


def _standardize(config, n_features, mean, std):
    window = keras.Input((config.input_steps, n_features), name="window")
    return window, keras.layers.Normalization(mean=mean, variance=np.square(std), name="standardize")(window)


def _models(config, inputs, standardized, mean, std, target_indices, bounds=None):
    destandardize = keras.layers.Normalization(
        mean=mean[list(target_indices)], variance=np.square(std[list(target_indices)]), invert=True, name="forecast"
    )
    name = f"forecast_{config.model}_{config.cell}_standardized"
    if bounds is None:
        forecast = destandardize(standardized)
        trained = keras.Model(inputs, standardized, name=name)
        return keras.Model(inputs, forecast, name=MODEL_NAME), trained
    outputs = (standardized, *bounds)
    trained = keras.Model(inputs, keras.ops.stack(outputs, axis=-1), name=name)
    forecaster = keras.Model(
        inputs, {output_name: destandardize(output) for output_name, output in zip(OUTPUTS, outputs)}, name=MODEL_NAME
    )
    return forecaster, trained


@keras.saving.register_keras_serializable(package="seqapps")
class PointAndPinballLoss(keras.losses.Loss):
    """The point loss of the forecast plus the pinball losses of the two bounds, on standardized targets.

    `loss = point(truth, forecast) + pinball_weight * (pinball(truth, lower, q_lower) + pinball(truth, upper,
    q_upper))`, averaged over every window, step and target. With the default `pinball_weight` 1 the three terms
    are of one scale (the pinball loss at the median is half the absolute error) and the forecast keeps its own
    loss, so the point forecast trains as without the bounds but for the shared layers.

    Args:
        point: the forecast's loss, `mae` or `mse`.
        quantiles: the (lower, upper) levels of the bounds.
        pinball_weight: weight of each pinball loss.
        **kwargs: `keras.losses.Loss` arguments.

    Call arguments:
        y_true: `(batch, horizon, targets)`.
        y_pred: `(batch, horizon, targets, 3)`: the forecast, the lower and the upper bound.

    Example:

    >>> loss = PointAndPinballLoss("mae", (0.1, 0.9))
    >>> truth = np.zeros((1, 1, 1), "float32")
    >>> float(loss(truth, np.array([[[[1.0, -1.0, 1.0]]]], "float32")))  # 1 + 0.1 * 1 + 0.1 * 1
    1.2
    """

    def __init__(self, point="mae", quantiles=intervals.DEFAULT_QUANTILES, pinball_weight=1.0, **kwargs):
        super().__init__(**kwargs)
        if point not in LOSSES:
            raise ValueError(f"PointAndPinballLoss: `point` must be one of {', '.join(LOSSES)}, got {point!r}.")
        self.point = point
        self.quantiles = intervals.check_quantiles(quantiles)
        self.pinball_weight = float(pinball_weight)

    def call(self, y_true, y_pred):
        y_true = keras.ops.cast(y_true, y_pred.dtype)
        error = y_true - y_pred[..., 0]
        point = keras.ops.abs(error) if self.point == "mae" else keras.ops.square(error)
        pinball = intervals.pinball_loss(y_true, y_pred[..., 1], self.quantiles[0]) + intervals.pinball_loss(
            y_true, y_pred[..., 2], self.quantiles[1]
        )
        return point + self.pinball_weight * pinball

    def get_config(self):
        config = {"point": self.point, "quantiles": list(self.quantiles), "pinball_weight": self.pinball_weight}
        base_config = super().get_config()
        return {**base_config, **config}


@keras.saving.register_keras_serializable(package="seqapps")
def point_mean_absolute_error(y_true, y_pred):
    """The absolute error of the forecast (`y_pred[..., 0]`) of a model with quantile outputs."""
    return keras.ops.abs(keras.ops.cast(y_true, y_pred.dtype) - y_pred[..., 0])


def predict_outputs(forecaster, inputs, batch_size=512):
    """The forecaster's outputs on `inputs` (file units): `(forecast,)`, or `(forecast, lower, upper)` with
    quantile outputs."""
    prediction = forecaster.predict(inputs, batch_size=batch_size, verbose=0)
    if isinstance(prediction, dict):
        return tuple(prediction[name] for name in OUTPUTS)
    return (prediction,)


def build_segment_model(config, n_features, mean, std, target_indices, future_statistics=None):
    """The segment model: `SegmentRecurrentForecaster` on the standardized target columns.

    The window holds every column (the export's contract is the window
    model's), but the segment model is channel-independent: each target column
    is forecast from its own history only, with the same weights (and its
    channel embedding). The output layer starts at zero (persistence).

    With `future_statistics` (the training mean and standard deviation of each
    covariate known in advance, `(n_future,)` each), the model takes the
    inputs `{"window": ..., "future": (batch, horizon, n_future)}` in file
    units; `future` is standardized with those statistics and read by the
    decoder for each output segment (its embedding starts at zero, so the
    untrained model is still persistence).

    Returns `(forecaster, trained)`: `trained` maps the raw window to the
    standardized forecast (what the loss sees); `forecaster` adds the inverse
    standardization. Both share every layer. With quantile outputs
    (`config.quantile_outputs`) the layer's interval head gives the bounds
    (see the module docstring for both models' outputs then).
    """
    window, scaled = _standardize(config, n_features, mean, std)
    inputs, future = window, None
    if future_statistics is not None:
        future_mean, future_std = (np.asarray(values, np.float32) for values in future_statistics)
        raw_future = keras.Input((config.horizon, len(future_mean)), name="future")
        future = keras.layers.Normalization(
            mean=future_mean, variance=np.square(future_std), name="standardize_future"
        )(raw_future)
        inputs = {"window": window, "future": raw_future}
    channels = keras.ops.take(scaled, list(target_indices), axis=-1)
    outputs = layers.SegmentRecurrentForecaster(
        input_steps=config.input_steps,
        horizon=config.horizon,
        channels=len(target_indices),
        segment_length=config.segment_length,
        cell=config.cell,
        units=config.units,
        dropout=config.dropout,
        channel_embedding=config.channel_embedding,
        zero_output=True,
        instance_scale=config.instance_scale,
        future_features=0 if future is None else future.shape[-1],
        interval_outputs=config.quantile_outputs,
        name="segment_forecaster",
    )(channels, future=future)
    if config.quantile_outputs:
        return _models(config, inputs, outputs[0], mean, std, target_indices, bounds=outputs[1:])
    return _models(config, inputs, outputs, mean, std, target_indices)


def build_window_model(config, n_features, n_targets, mean, std, target_indices, linear=None):
    """The window model: a recurrent encoder over every column -> dense head of every step and target.

    The window is standardized with the training statistics, then expressed
    relative to its last row (each feature minus its last value), which makes
    the encoder insensitive to level shifts between training and test years.
    Without `linear`, the head forecasts the change of each target from its
    last value. With `linear` (a fitted `RidgeForecaster`), the ridge forecast
    is a frozen layer of the model (`linear_forecast`), the head's output is
    added to it, and the head starts at zero, so the untrained model is the
    linear baseline. With quantile outputs (`config.quantile_outputs`), a
    second head (`interval_widths`, softplus) gives each step's distance from
    the forecast down to the lower and up to the upper bound.

    Returns `(forecaster, trained)`, as `build_segment_model`.
    """
    window, scaled = _standardize(config, n_features, mean, std)
    last_values = scaled[:, -1:, :]
    hidden = keras.layers.Subtract(name="relative_to_last")([scaled, last_values])
    for index in range(config.layers):
        hidden = layers.recurrent(
            config.cell, config.units, return_sequences=index < config.layers - 1, name=f"{config.cell}_{index + 1}"
        )(hidden)
    if config.dropout:
        hidden = keras.layers.Dropout(config.dropout, name="dropout")(hidden)
    head = keras.layers.Dense(
        config.horizon * n_targets, name="forecast_change", kernel_initializer="zeros" if linear else "glorot_uniform"
    )
    change = keras.layers.Reshape((config.horizon, n_targets), name="per_step")(head(hidden))
    if linear:
        base = _frozen_ridge(linear, scaled, dense_name="linear_forecast", output_name="linear_per_step")
    else:
        base = keras.ops.take(last_values, list(target_indices), axis=-1)
    standardized = keras.layers.Add(name="standardized_forecast")([base, change])
    if not config.quantile_outputs:
        return _models(config, window, standardized, mean, std, target_indices)
    widths = keras.layers.Dense(config.horizon * n_targets * 2, activation="softplus", name="interval_widths")(hidden)
    widths = keras.layers.Reshape((config.horizon, n_targets, 2), name="interval_widths_per_step")(widths)
    bounds = (
        keras.layers.Subtract(name="lower_bound")([standardized, widths[..., 0]]),
        keras.layers.Add(name="upper_bound")([standardized, widths[..., 1]]),
    )
    return _models(config, window, standardized, mean, std, target_indices, bounds=bounds)


def build_model(config, n_features, n_targets, mean, std, target_indices, linear=None, future_statistics=None):
    """The model `config.model` names; see `build_segment_model` and `build_window_model`.

    `future_statistics`: `(mean, std)` of the covariates known in advance
    (`timeseries.future_covariates`), for the segment model only.
    """
    if config.model == "segment":
        return build_segment_model(config, n_features, mean, std, target_indices, future_statistics)
    if future_statistics is not None:
        raise ValueError(
            "The window model reads no covariates known in advance (future_columns, calendar_features). "
            "Fix: use model='segment' (--model segment), or leave them out."
        )
    return build_window_model(config, n_features, n_targets, mean, std, target_indices, linear)


def average_forecasters(forecasters):
    """An ensemble: one forecaster taking the inputs of `forecasters` (built by `build_model` with the same
    settings but the seed) and returning the mean of their outputs (the forecast, and the bounds with quantile
    outputs). The members are renamed `member_1`, `member_2`, ... in place, so that their names are unique inside
    the ensemble."""
    inputs = _inputs_like(forecasters[0])
    for index, member in enumerate(forecasters):
        member.name = f"member_{index + 1}"
    outputs = [member(inputs) for member in forecasters]
    averaged = keras.tree.map_structure(lambda *values: keras.layers.Average()(list(values)), *outputs)
    return keras.Model(inputs, averaged, name=MODEL_NAME)


def choose_linear_weight(forecast, linear, truth, target_std):
    """The weight `w` of `LINEAR_WEIGHTS` whose blend `(1 - w) * forecast + w * linear` has the lowest
    standardized MAE against `truth` (arrays `(windows, horizon, targets)` in file units, of the validation
    split) -> `(w, {w: MAE})`. Ties go to the smaller weight, so 0 (the forecaster alone) wins unless the
    linear forecast helps."""
    forecast, linear, truth, target_std = (
        np.asarray(values, np.float64) for values in (forecast, linear, truth, target_std)
    )
    errors = {
        weight: float(np.mean(np.abs((1 - weight) * forecast + weight * linear - truth) / target_std))
        for weight in LINEAR_WEIGHTS
    }
    return min(errors, key=lambda weight: (errors[weight], weight)), errors


def linear_forecast(linear, window, mean, std):
    """A fitted ridge baseline (`baselines.ChannelRidgeForecaster` or `baselines.RidgeForecaster`) as frozen
    Keras layers: raw `window` `(batch, input_steps, n_features)` -> its forecast in file units, equal to
    `linear.predict`."""
    scaled = keras.layers.Normalization(mean=mean, variance=np.square(std), name="linear_standardize")(window)
    if isinstance(linear, baselines.ChannelRidgeForecaster):
        # Each target column through the same weights, relative to its last value.
        history = keras.ops.take(scaled, linear.target_indices, axis=-1)
        last = history[:, -1:, :]
        relative = keras.layers.Subtract(name="linear_relative_to_last")([history[:, :-1, :], last])
        per_channel = keras.layers.Permute((2, 1), name="linear_per_channel")(relative)
        dense = keras.layers.Dense(linear.horizon, trainable=False, name="linear_weights")
        change = keras.layers.Permute((2, 1), name="linear_per_step")(dense(per_channel))
        weights = np.asarray(linear.weights, np.float32)
        dense.set_weights([weights[:-1], weights[-1]])
        standardized = keras.layers.Add(name="linear_standardized")([change, last])
    else:
        standardized = _frozen_ridge(linear, scaled, dense_name="linear_weights", output_name="linear_standardized")
    return keras.layers.Normalization(
        mean=linear.target_mean, variance=np.square(linear.target_std), invert=True, name="linear_forecast"
    )(standardized)


def blend_with_linear(forecaster, linear, weight, mean, std):
    """One forecaster taking the inputs of `forecaster` and returning `(1 - weight) * its forecast + weight *`
    the forecast of the fitted ridge baseline `linear` (`linear_forecast`, on the window's `mean` and `std`);
    with quantile outputs, the bounds move with the forecast. `forecaster` is renamed `network` in place (a layer
    of the blend)."""
    inputs = _inputs_like(forecaster)
    window = inputs["window"] if isinstance(inputs, dict) else inputs
    forecaster.name = "network"
    outputs = forecaster(inputs)
    network = outputs["forecast"] if isinstance(outputs, dict) else outputs
    blended = keras.layers.Add(name="blend")(
        [
            keras.layers.Rescaling(1 - weight, name="network_share")(network),
            keras.layers.Rescaling(weight, name="linear_share")(linear_forecast(linear, window, mean, std)),
        ]
    )
    if not isinstance(outputs, dict):
        return keras.Model(inputs, blended, name=MODEL_NAME)
    shift = keras.layers.Subtract(name="blend_shift")([blended, network])
    bounds = {name: keras.layers.Add(name=f"blended_{name}")([outputs[name], shift]) for name in OUTPUTS[1:]}
    return keras.Model(inputs, {"forecast": blended, **bounds}, name=MODEL_NAME)


def _inputs_like(model):
    """New `keras.Input`s with the structure, shapes, dtypes and names of `model`'s inputs, for a model that
    wraps it."""
    return keras.tree.map_structure(
        lambda tensor: keras.Input(batch_shape=tensor.shape, dtype=tensor.dtype, name=tensor.name), model.input
    )


def _frozen_ridge(linear, scaled, dense_name, output_name):
    """The multivariate ridge (`baselines.RidgeForecaster`) on the standardized window `scaled` as a frozen Dense
    layer `dense_name` -> its standardized forecast `(batch, horizon, targets)`, the layer `output_name`."""
    history = keras.layers.Flatten(name="linear_inputs")(keras.ops.take(scaled, list(linear.columns), axis=-1))
    weights = np.asarray(linear.weights, np.float32)
    dense = keras.layers.Dense(weights.shape[1], trainable=False, name=dense_name)
    forecast = dense(history)
    dense.set_weights([weights[:-1], weights[-1]])
    return keras.layers.Reshape((linear.horizon, len(linear.target_std)), name=output_name)(forecast)


def output_layer(trained):
    """The layer whose zero weights make the model its base forecast (persistence, or the frozen linear one)."""
    names = [layer.name for layer in trained.layers]
    if "segment_forecaster" in names:
        return trained.get_layer("segment_forecaster").segment_output
    return trained.get_layer("forecast_change")


def _zero(layer):
    layer.set_weights([np.zeros_like(weight) for weight in layer.get_weights()])


def learning_rate_schedule(learning_rate, decay):
    """Epoch -> learning rate: constant for `CONSTANT_EPOCHS` epochs, then times `decay` every epoch."""

    def schedule(epoch, current=None):
        return float(learning_rate * decay ** max(0, epoch - CONSTANT_EPOCHS + 1))

    return schedule


def keep_persistence_if_better(trained, model_mae, persistence_mae):
    """Sets the output layer back to zero (the model = persistence) unless the model beat persistence.

    Args:
        trained: the trained model (`build_model`'s second model).
        model_mae, persistence_mae: standardized validation MAE of the model and of persistence.

    Returns:
        Whether the trained output layer was kept.
    """
    if model_mae < persistence_mae:
        logger.info(f"Model kept: validation MAE (standardized) {model_mae:.4f}, persistence {persistence_mae:.4f}.")
        return True
    _zero(output_layer(trained))
    logger.info(
        f"The model did not beat persistence on validation MAE (standardized: {model_mae:.4f}, persistence "
        f"{persistence_mae:.4f}): its output layer is set back to zero, so the model is the persistence forecast."
    )
    return False


def keep_linear_if_better(trained, ridge, validation_starts, best_validation_mae):
    """Sets the head back to zero (the model = the linear forecast) if training never beat its validation MAE."""
    _, truth = timeseries.gather_windows(ridge.series, validation_starts, 1, ridge.horizon)
    scaled_truth = (truth - ridge.target_mean) / ridge.target_std
    linear_mae = float(np.mean(np.abs(ridge.predict(validation_starts, scaled=True) - scaled_truth)))
    if best_validation_mae < linear_mae:
        logger.info(
            f"Recurrent correction kept: validation MAE (standardized) {best_validation_mae:.4f}, "
            f"linear component alone {linear_mae:.4f}."
        )
        return
    _zero(output_layer(trained))
    logger.info(
        f"Training never beat the linear component on validation MAE (standardized: best "
        f"{best_validation_mae:.4f}, linear alone {linear_mae:.4f}): the head is set back to zero, "
        "so the model is the linear forecast."
    )
