"""Luong's multiplicative attention, scaled, with its key projection."""

import keras
from keras import ops

from seqapps.layers.attention_read import attention_read


@keras.saving.register_keras_serializable(package="seqapps")
class MultiplicativeAttention(keras.layers.Layer):
    """Multiplicative ("general") attention (Luong et al. 2015) of queries over a sequence of values.

    The score of a query `q` against a value `s` is `q . W s / sqrt(units)`,
    scaled as in Vaswani et al. (2017): unscaled dot products of wide vectors
    saturate the softmax. The weights are the softmax of the scores over the
    values (padding excluded) and the output is the weighted sum of the
    values. `W s` (the keys) can be computed once per sequence with
    `project_keys` and passed to every call, as a decoder does step after step.

    Args:
        units: width of the queries and of the projected keys.
        **kwargs: arguments of `keras.layers.Layer` (`name`, `dtype`, ...).

    Call arguments:
        query: `[batch, query_steps, units]`.
        values: `[batch, value_steps, value_dim]`.
        keys: `project_keys(values)`, `[batch, value_steps, units]` (`None`: computed here).
        mask: boolean `[batch, value_steps]`, False at padding (`None`: no padding).
        return_attention_scores: also return the attention weights.

    Returns:
        The context `[batch, query_steps, value_dim]`, and with
        `return_attention_scores` the weights `[batch, query_steps, value_steps]`.

    Example:

    >>> attention = MultiplicativeAttention(4)
    >>> context = attention(keras.ops.ones((2, 3, 4)), keras.ops.ones((2, 5, 6)))
    >>> tuple(context.shape)
    (2, 3, 6)
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(f"`units` must be a positive integer, got {units!r}.")
        self.units = units
        self.supports_masking = True
        self.key_projection = keras.layers.Dense(units, use_bias=False, name="key_projection")

    def build(self, query_shape, values_shape, keys_shape=None):
        if query_shape[-1] is not None and query_shape[-1] != self.units:
            raise ValueError(f"The query width must equal `units` ({self.units}), got {query_shape[-1]}.")
        if not self.key_projection.built:
            self.key_projection.build(values_shape)

    def project_keys(self, values):
        """The keys of `values` `[batch, value_steps, value_dim]`: `[batch, value_steps, units]`."""
        return self.key_projection(values)

    def call(self, query, values, keys=None, mask=None, return_attention_scores=False):
        keys = self.project_keys(values) if keys is None else keys
        scores = ops.matmul(query * (self.units**-0.5), ops.swapaxes(keys, -2, -1))
        context, weights = attention_read(scores, values, mask)
        return (context, weights) if return_attention_scores else context

    def compute_mask(self, query, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "units": self.units}
