"""The serving signature of the exported forecaster."""

import tensorflow as tf


def _checked(tensor, name, dimensions, expected, order):
    """`tensor`, once its shape is `[batch, *dimensions]` and it holds only finite numbers (else InvalidArgument)."""
    shape = tf.shape(tensor)
    padding = [-1] * (len(dimensions) + 1)
    # Padded with -1, the shape compares without an indexing error whatever the rank of the tensor.
    dimensions_and_more = tf.concat([shape, padding], axis=0)[1 : len(dimensions) + 2]
    right_shape = tf.reduce_all(tf.equal(dimensions_and_more, list(dimensions) + [-1]))
    check_shape = tf.debugging.Assert(
        right_shape, [f"{name} must have shape {expected} ({order}), got", shape], summarize=8
    )
    with tf.control_dependencies([check_shape]):
        return tf.debugging.assert_all_finite(
            tensor,
            f"{name} holds NaN or Inf values: send finite numbers in file units, shape {expected} "
            "(fill or drop missing values first)",
        )


def serving_function(forecaster, input_steps, n_features, interval=None, future_shape=None):
    """`serving_default`: `window` (float32 [batch, input_steps, n_features], file units) ->
    `forecast` (float32 [batch, horizon, n_targets], file units), and with an
    `interval` (a `ConformalInterval` or `QuantileInterval`) its bounds `lower`
    and `upper` (same shape and units, lower <= forecast <= upper): the
    forecast plus the conformal offsets, or the forecaster's own `lower` and
    `upper` outputs plus the interval's corrections (never across the forecast).

    With `future_shape` `(horizon, n_future)` (a forecaster of covariates known
    in advance), a second input `future` (float32 [batch, horizon, n_future],
    file units: the future columns, then the calendar features of each
    forecast row's timestamp, in the order of `series.json`'s `future_names`)
    with as many rows as `window`.

    A window (or future) of another shape, or holding NaN or Inf, fails with
    an InvalidArgument error saying so (TF Serving's C++ server does not check
    shapes against the signature itself), and so does a finite window whose
    values are too large for float32 arithmetic (about 1e38 in file units, less
    for features with a small training spread): its forecast would be NaN or
    Inf.
    """
    expected = f"[batch, {input_steps}, {n_features}]"

    def outputs(prediction):
        bounds = None
        if isinstance(prediction, dict):
            prediction, bounds = prediction["forecast"], (prediction["lower"], prediction["upper"])
        forecast = tf.debugging.assert_all_finite(
            tf.cast(prediction, tf.float32),
            "forecast is NaN or Inf: the window's values are too large for float32 arithmetic; send values "
            "in file units of the magnitude of the training data",
        )
        if interval is None and bounds is None:
            return {"forecast": forecast}
        if bounds is None:
            return {
                "forecast": forecast,
                "lower": forecast + tf.constant(interval.lower, tf.float32),
                "upper": forecast + tf.constant(interval.upper, tf.float32),
            }
        lower, upper = (tf.cast(bound, tf.float32) for bound in bounds)
        if interval is not None:
            lower = lower + tf.constant(interval.lower, tf.float32)
            upper = upper + tf.constant(interval.upper, tf.float32)
        return {"forecast": forecast, "lower": tf.minimum(lower, forecast), "upper": tf.maximum(upper, forecast)}

    def checked_window(window):
        return _checked(window, "window", (input_steps, n_features), expected, "steps, then features in training order")

    if future_shape is None:

        @tf.function(input_signature=[tf.TensorSpec([None, input_steps, n_features], tf.float32, name="window")])
        def serve(window):
            return outputs(forecaster(checked_window(window)))

        return serve

    horizon, n_future = future_shape
    future_expected = f"[batch, {horizon}, {n_future}]"

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, input_steps, n_features], tf.float32, name="window"),
            tf.TensorSpec([None, horizon, n_future], tf.float32, name="future"),
        ]
    )
    def serve_with_future(window, future):
        window = checked_window(window)
        future = _checked(
            future, "future", (horizon, n_future), future_expected, "forecast steps, then the future_names in order"
        )
        same_batch = tf.debugging.Assert(
            tf.equal(tf.shape(window)[0], tf.shape(future)[0]),
            ["window and future must hold as many rows (batch), got", tf.shape(window)[0], tf.shape(future)[0]],
        )
        with tf.control_dependencies([same_batch]):
            future = tf.identity(future)
        return outputs(forecaster({"window": window, "future": future}))

    return serve_with_future
