"""Global pooling over time that respects the padding mask."""

import keras
from keras import ops

MODES = ("max", "average", "max_average")


@keras.saving.register_keras_serializable(package="seqapps")
class MaskedGlobalPooling1D(keras.layers.Layer):
    """Global max and/or average pooling over the time axis, ignoring masked steps.

    Keras' `GlobalMaxPooling1D` discards the mask, so padded steps take part
    in the maximum. Here only valid steps count; a sequence with no valid step
    (an empty review) pools to zeros rather than `-inf` or NaN.

    Args:
        mode: `"max"`, `"average"`, or `"max_average"` (both, concatenated:
            output size twice the features).
        **kwargs: Layer arguments.

    Call arguments:
        inputs: tensor `(batch, steps, features)`.
        mask: optional boolean tensor `(batch, steps)`, True for valid steps.

    Example:

    >>> pooling = MaskedGlobalPooling1D("max_average")
    >>> pooling(keras.ops.ones((2, 5, 3)), mask=keras.ops.ones((2, 5), "bool")).shape
    (2, 6)
    """

    def __init__(self, mode="max_average", **kwargs):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"MaskedGlobalPooling1D: unknown mode {mode!r}; choose one of {', '.join(MODES)}.")
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            mask = ops.ones(ops.shape(inputs)[:2], dtype="bool")
        valid = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        has_valid = ops.cast(ops.sum(valid, axis=1) > 0, inputs.dtype)
        pooled = []
        if self.mode in ("max", "max_average"):
            lowest = ops.min(inputs) - 1.0
            maximum = ops.max(ops.where(valid > 0, inputs, lowest), axis=1)
            pooled.append(maximum * has_valid)
        if self.mode in ("average", "max_average"):
            count = ops.maximum(ops.sum(valid, axis=1), 1.0)
            pooled.append(ops.sum(inputs * valid, axis=1) / count)
        return pooled[0] if len(pooled) == 1 else ops.concatenate(pooled, axis=-1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        features = input_shape[-1] * (2 if self.mode == "max_average" else 1)
        return (input_shape[0], features)

    def get_config(self):
        config = {"mode": self.mode}
        base_config = super().get_config()
        return {**base_config, **config}
