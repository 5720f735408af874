"""SegRNN-style forecaster: channel-independent, segment-wise recurrence, parallel decoding."""

import keras
from keras import ops

from seqapps.layers.recurrent_factory import KINDS, recurrent

# Added to each window's standard deviation under `instance_scale`, so a constant window divides by a small number.
SCALE_EPSILON = 1e-5


@keras.saving.register_keras_serializable(package="seqapps")
class SegmentRecurrentForecaster(keras.layers.Layer):
    """Segment-recurrent, channel-independent multi-step forecaster (SegRNN, Lin et al. 2023).

    Every channel (column) of the window is forecast on its own, through the
    same weights:

    1. instance normalization: each channel's last value is subtracted from its
       window and added back to its forecast;
    2. the `input_steps` rows are cut into segments of `segment_length` rows,
       each embedded by `Dense(units)` + ReLU, and one recurrent layer reads
       the `input_steps / segment_length` segments;
    3. parallel decoding: for each output segment, the final state (each state
       of the cell, e.g. both of an LSTM) takes ONE step of the same recurrent
       layer on a learned embedding of the segment's position (half of it the
       learned embedding of the channel when `channel_embedding`); all output
       segments run at once, then dropout and `Dense(segment_length)` turn each
       step's output into its rows. With `future_features`, each output
       segment's rows of covariates known in advance (`future`, e.g. calendar
       features or a planned load) are embedded by a `Dense` without bias and
       added to that segment's position embedding; the embedding starts at
       zero, so the untrained layer forecasts as it would without them.

    With `instance_scale=True` each channel's window is also divided by its
    own standard deviation over the window (plus `SCALE_EPSILON`) and the
    forecast multiplied back (the scaling half of RevIN, Kim et al., ICLR
    2022), so series of very different magnitudes share the weights: the
    forecast of `a * window + b` (a > 0) is `a * forecast(window) + b`.

    A `horizon` that is not a multiple of `segment_length` is decoded as
    `ceil(horizon / segment_length)` segments and the extra rows are cropped.
    With `zero_output=True` the output `Dense` starts at zero, so the
    untrained layer forecasts each channel's last value (persistence).

    With `interval_outputs=True` a second `Dense(2 * segment_length)` reads
    the same decoded step and gives, through a softplus, each row's distance
    down to a lower bound and up to an upper bound (e.g. quantiles trained by
    the pinball loss): `lower = forecast - softplus(a)`, `upper = forecast +
    softplus(b)` (times the window's spread under `instance_scale`), so the
    bounds never cross the forecast.

    Args:
        input_steps: rows of the window, a multiple of `segment_length`.
        horizon: rows forecast.
        channels: columns of the window (the size of the channel embedding).
        segment_length: rows per segment.
        cell: recurrent layer kind, one of `seqapps.layers.KINDS`.
        units: size of the segment embedding and of the recurrent state.
        dropout: dropout rate before the output `Dense`.
        channel_embedding: learn an embedding per channel (then the forecast of
            a channel depends on which channel it is); `False`: every channel is
            treated alike.
        zero_output: initialize the output `Dense` to zero (persistence).
        instance_scale: divide each channel's window by its own spread (above).
        future_features: covariates per forecast row that `call` takes as
            `future` (0: none).
        interval_outputs: also return a lower and an upper bound (above).
        **kwargs: Layer arguments.

    Call arguments:
        inputs: float tensor `(batch, input_steps, channels)`, e.g. standardized windows.
        future: float tensor `(batch, horizon, future_features)`, the
            covariates of the forecast rows (e.g. standardized), shared by
            every channel; required when `future_features` > 0, else `None`.
        training: whether dropout is active.

    Returns:
        `(batch, horizon, channels)`, in the units of `inputs`; with
        `interval_outputs`, the tuple `(forecast, lower, upper)` of three such
        tensors, lower <= forecast <= upper.

    Example:

    >>> layer = SegmentRecurrentForecaster(input_steps=48, horizon=30, channels=3, segment_length=12, units=8)
    >>> layer(keras.ops.ones((2, 48, 3))).shape
    (2, 30, 3)
    """

    def __init__(
        self,
        input_steps,
        horizon,
        channels,
        segment_length=24,
        cell="gru",
        units=512,
        dropout=0.0,
        channel_embedding=False,
        zero_output=True,
        instance_scale=False,
        future_features=0,
        interval_outputs=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in (
            ("input_steps", input_steps),
            ("horizon", horizon),
            ("channels", channels),
            ("segment_length", segment_length),
            ("units", units),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"SegmentRecurrentForecaster: `{name}` must be a positive integer, got {value!r}.")
        if isinstance(future_features, bool) or not isinstance(future_features, int) or future_features < 0:
            raise ValueError(
                "SegmentRecurrentForecaster: `future_features` must be a non-negative integer, "
                f"got {future_features!r}."
            )
        if input_steps % segment_length:
            multiples = ", ".join(str(segment_length * count) for count in range(1, 4))
            raise ValueError(
                f"SegmentRecurrentForecaster: input_steps={input_steps} is not a multiple of "
                f"segment_length={segment_length}; use {multiples}, ... (or another segment_length)."
            )
        if cell not in KINDS:
            raise ValueError(f"SegmentRecurrentForecaster: unknown cell {cell!r}; choose one of {', '.join(KINDS)}.")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"SegmentRecurrentForecaster: `dropout` must be in [0, 1), got {dropout!r}.")
        if channel_embedding and units < 2:
            raise ValueError(
                f"SegmentRecurrentForecaster: units={units} is too small to share with a channel embedding (>= 2)."
            )
        self.input_steps, self.horizon, self.channels = input_steps, horizon, channels
        self.segment_length, self.cell, self.units = segment_length, cell, units
        self.dropout, self.channel_embedding, self.zero_output = float(dropout), bool(channel_embedding), zero_output
        self.instance_scale = bool(instance_scale)
        self.future_features = future_features
        self.interval_outputs = bool(interval_outputs)
        self.input_segments = input_steps // segment_length
        self.output_segments = -(-horizon // segment_length)
        self.segment_embedding = keras.layers.Dense(units, activation="relu", name="segment_embedding")
        self.recurrent_layer = recurrent(cell, units, return_state=True, name=cell)
        self.output_dropout = keras.layers.Dropout(self.dropout, name="output_dropout")
        initializer = "zeros" if zero_output else "glorot_uniform"
        self.segment_output = keras.layers.Dense(segment_length, kernel_initializer=initializer, name="segment_output")
        self.interval_output = None
        if self.interval_outputs:
            self.interval_output = keras.layers.Dense(
                2 * segment_length, kernel_initializer=initializer, name="interval_output"
            )
        self.position_units = units // 2 if self.channel_embedding else units
        self.future_embedding = None
        if future_features:
            self.future_embedding = keras.layers.Dense(
                self.position_units, use_bias=False, kernel_initializer="zeros", name="future_embedding"
            )

    def build(self, inputs_shape, future_shape=None):
        if inputs_shape[-2] is not None and tuple(inputs_shape[-2:]) != (self.input_steps, self.channels):
            raise ValueError(
                f"SegmentRecurrentForecaster expects windows of shape (batch, {self.input_steps}, {self.channels}), "
                f"got {tuple(inputs_shape)}."
            )
        if future_shape is not None and not self.future_features:
            raise ValueError("SegmentRecurrentForecaster with future_features=0 takes no `future`.")
        if future_shape is not None and tuple(future_shape[-2:]) != (self.horizon, self.future_features):
            raise ValueError(
                f"SegmentRecurrentForecaster expects `future` of shape (batch, {self.horizon}, "
                f"{self.future_features}) (future_features={self.future_features}), got {tuple(future_shape)}."
            )
        position_units = self.position_units
        self.position_embedding = self.add_weight(
            shape=(self.output_segments, position_units),
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            name="position_embedding",
        )
        if self.channel_embedding:
            self.channel_embeddings = self.add_weight(
                shape=(self.channels, self.units - position_units),
                initializer=keras.initializers.RandomNormal(stddev=1.0),
                name="channel_embeddings",
            )
        self.segment_embedding.build((None, self.segment_length))
        self.recurrent_layer.build((None, self.input_segments, self.units))
        self.output_dropout.build((None, self.units))
        self.segment_output.build((None, self.units))
        if self.interval_output is not None:
            self.interval_output.build((None, self.units))
        if self.future_embedding is not None:
            self.future_embedding.build((None, self.output_segments, self.segment_length * self.future_features))

    def call(self, inputs, future=None, training=None):
        if (future is None) != (self.future_embedding is None):
            raise ValueError(
                f"SegmentRecurrentForecaster with future_features={self.future_features} "
                + ("needs `future` (batch, horizon, future_features)." if future is None else "takes no `future`.")
            )
        batch = ops.shape(inputs)[0]
        last = inputs[:, -1:, :]
        relative = inputs - last
        if self.instance_scale:
            scale = ops.std(inputs, axis=1, keepdims=True) + SCALE_EPSILON
            relative = relative / scale
        relative = ops.transpose(relative, (0, 2, 1))
        segments = ops.reshape(relative, (-1, self.input_segments, self.segment_length))
        _, *states = self.recurrent_layer(self.segment_embedding(segments))
        # One decoding step per (window, channel, output segment), all at once.
        position = self.position_embedding[None]
        if future is not None:
            padding = self.output_segments * self.segment_length - self.horizon
            future = ops.pad(ops.cast(future, position.dtype), [[0, 0], [0, padding], [0, 0]])
            rows = ops.reshape(future, (-1, self.output_segments, self.segment_length * self.future_features))
            position = position + self.future_embedding(rows)
        queries = ops.broadcast_to(
            position[:, None],
            (batch, self.channels, self.output_segments, self.position_units),
        )
        if self.channel_embedding:
            channel = ops.broadcast_to(
                self.channel_embeddings[None, :, None],
                (batch, self.channels, self.output_segments, self.channel_embeddings.shape[-1]),
            )
            queries = ops.concatenate([queries, channel], axis=-1)
        queries = ops.reshape(queries, (-1, 1, self.units))
        states = [ops.repeat(state, self.output_segments, axis=0) for state in states]
        decoded, *_ = self.recurrent_layer(queries, initial_state=states)
        decoded = self.output_dropout(decoded, training=training)
        forecast = self._per_row(self.segment_output(decoded), batch)
        if self.instance_scale:
            forecast = forecast * scale
        forecast = forecast + last
        if self.interval_output is None:
            return forecast
        widths = ops.softplus(self.interval_output(decoded))
        below = self._per_row(widths[..., : self.segment_length], batch)
        above = self._per_row(widths[..., self.segment_length :], batch)
        if self.instance_scale:
            below, above = below * scale, above * scale
        return forecast, forecast - below, forecast + above

    def _per_row(self, rows, batch):
        """`(batch * channels * output_segments, 1, segment_length)` -> `(batch, horizon, channels)`."""
        rows = ops.reshape(rows, (batch, self.channels, self.output_segments * self.segment_length))
        return ops.transpose(rows[:, :, : self.horizon], (0, 2, 1))

    def compute_output_shape(self, input_shape):
        shape = (input_shape[0], self.horizon, self.channels)
        return (shape, shape, shape) if self.interval_outputs else shape

    def get_config(self):
        config = {
            "input_steps": self.input_steps,
            "horizon": self.horizon,
            "channels": self.channels,
            "segment_length": self.segment_length,
            "cell": self.cell,
            "units": self.units,
            "dropout": self.dropout,
            "channel_embedding": self.channel_embedding,
            "zero_output": self.zero_output,
            "instance_scale": self.instance_scale,
            "future_features": self.future_features,
            "interval_outputs": self.interval_outputs,
        }
        base_config = super().get_config()
        return {**base_config, **config}
