"""Sampling: a draw at each step from the softmax of the logits over a temperature, optionally top-k / top-p."""

import numpy as np
import tensorflow as tf

from seqapps.decoding.loop import decode_loop


def top_k_filter(logits, top_k):
    """`logits` `[batch, vocabulary]` with all but each row's `top_k` largest set to -inf (ties at the k-th kept)."""
    kth_largest = tf.math.top_k(logits, k=top_k).values[:, -1:]
    return tf.where(logits < kth_largest, -np.inf, logits)


def top_p_filter(logits, top_p):
    """`logits` `[batch, vocabulary]` keeping, per row, the smallest set of most likely tokens whose probability
    reaches `top_p` (nucleus sampling, Holtzman et al. 2020); the others -inf. The most likely token always stays."""
    sorted_logits = tf.sort(logits, axis=-1, direction="DESCENDING")
    probabilities = tf.nn.softmax(sorted_logits, axis=-1)
    mass_before = tf.cumsum(probabilities, axis=-1, exclusive=True)
    kept = tf.where(mass_before < top_p, sorted_logits, np.inf)
    smallest_kept = tf.reduce_min(kept, axis=-1, keepdims=True)
    return tf.where(logits < smallest_kept, -np.inf, logits)


def sample_ids(logits, temperature, seed, top_k=None, top_p=None):
    """One token per row drawn from `softmax(logits / temperature)`, restricted by `top_k` then `top_p`.

    Args:
        logits: `[batch, vocabulary]`; a -inf token is never drawn.
        temperature: float32 `[batch]`, positive.
        seed: int32 `[2]`, the stateless random seed of this draw: the same
            seed and logits draw the same tokens.
        top_k: draw from the `top_k` most likely tokens only (`None`, or at
            least the vocabulary size: all).
        top_p: draw from the smallest set of tokens whose probability reaches
            `top_p` (`None` or 1: all).

    Returns:
        int32 `[batch]`.
    """
    logits = logits / temperature[:, None]
    vocabulary = logits.shape[-1]
    if top_k is not None and (vocabulary is None or top_k < vocabulary):
        logits = top_k_filter(logits, top_k)
    if top_p is not None and top_p < 1:
        logits = top_p_filter(logits, top_p)
    return tf.cast(tf.random.stateless_categorical(logits, 1, seed)[:, 0], tf.int32)


def sampling_search(
    step_function, start_ids, state, max_length, temperature, seed, top_k=None, top_p=None, end_id=None
):
    """A drawn token at each step (`sample_ids`), from `start_ids` and `state`.

    Args:
        step_function: `(ids [batch], state) -> (logits [batch, vocabulary], state)` (see `seqapps.decoding`).
        start_ids: int32 `[batch]`, the tokens the first step reads.
        state: the state the first step reads, a nest of `[batch, ...]` tensors.
        max_length: most tokens per row.
        temperature: float32 `[batch]`, positive.
        seed: int32 `[2]`; step `position` draws with seed `[seed[0], seed[1] + position]`,
            so a seed reproduces the whole sequence.
        top_k, top_p: restrict each draw (see `sample_ids`).
        end_id: the end token: a row that drew it is padded with it, and the
            search stops once every row has (`None`: always `max_length` tokens).

    Returns:
        int32 `[batch, steps]`.
    """

    def choose(logits, position):
        return sample_ids(logits, temperature, tf.stack([seed[0], seed[1] + position]), top_k, top_p)

    return decode_loop(step_function, start_ids, state, max_length, choose, end_id)
