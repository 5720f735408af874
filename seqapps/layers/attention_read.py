"""The read step the attention layers share: softmax over the values, padding excluded, then their weighted sum."""

from keras import ops


def attention_read(scores, values, mask=None):
    """Attention weights and context from scores, as Keras' `Attention` layers compute them.

    Args:
        scores: `[batch, query_steps, value_steps]`.
        values: `[batch, value_steps, value_dim]`.
        mask: boolean `[batch, value_steps]`, False at padding (`None`: no padding). Padding
            scores are lowered by 1e9 (65504 in float16) before the softmax, so a row of
            padding only still gets weights.

    Returns:
        `(context [batch, query_steps, value_dim], weights [batch, query_steps, value_steps])`.
    """
    if mask is not None:
        padding = ops.expand_dims(ops.logical_not(mask), axis=-2)
        lowest = 65504.0 if scores.dtype == "float16" else 1.0e9
        scores = ops.where(padding, scores - lowest, scores)
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(weights, values), weights
