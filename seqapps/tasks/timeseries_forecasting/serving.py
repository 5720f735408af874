"""The serving signature of the exported forecaster."""

import tensorflow as tf


def serving_function(forecaster, input_steps, n_features, interval=None):
    """`serving_default`: `window` (float32 [batch, input_steps, n_features], file units) ->
    `forecast` (float32 [batch, horizon, n_targets], file units), and with an
    `interval` (a `ConformalInterval`) its bounds `lower` and `upper` (same
    shape and units, lower <= forecast <= upper).

    A window of another shape, or holding NaN or Inf, fails with an
    InvalidArgument error saying so (TF Serving's C++ server does not check
    shapes against the signature itself), and so does a finite window whose
    values are too large for float32 arithmetic (about 1e38 in file units, less
    for features with a small training spread): its forecast would be NaN or
    Inf.
    """
    expected = f"[batch, {input_steps}, {n_features}]"

    @tf.function(input_signature=[tf.TensorSpec([None, input_steps, n_features], tf.float32, name="window")])
    def serve(window):
        shape = tf.shape(window)
        # Padded with -1, the shape compares without an indexing error whatever the rank of the window.
        steps_features_and_more = tf.concat([shape, [-1, -1, -1]], axis=0)[1:4]
        right_shape = tf.reduce_all(tf.equal(steps_features_and_more, [input_steps, n_features, -1]))
        check_shape = tf.debugging.Assert(
            right_shape,
            [f"window must have shape {expected} (steps, then features in training order), got", shape],
            summarize=8,
        )
        with tf.control_dependencies([check_shape]):
            window = tf.debugging.assert_all_finite(
                window,
                f"window holds NaN or Inf values: send finite numbers in file units, shape {expected} "
                "(fill or drop missing values first)",
            )
        forecast = tf.debugging.assert_all_finite(
            tf.cast(forecaster(window), tf.float32),
            "forecast is NaN or Inf: the window's values are too large for float32 arithmetic; send values "
            "in file units of the magnitude of the training data",
        )
        if interval is None:
            return {"forecast": forecast}
        return {
            "forecast": forecast,
            "lower": forecast + tf.constant(interval.lower, tf.float32),
            "upper": forecast + tf.constant(interval.upper, tf.float32),
        }

    return serve
