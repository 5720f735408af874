"""Greedy search: the most likely token at each step."""

import tensorflow as tf

from seqapps.decoding.loop import decode_loop


def greedy_ids(logits):
    """The most likely token of each row of `logits` `[batch, vocabulary]`: int32 `[batch]` (the first on a tie)."""
    return tf.argmax(logits, axis=-1, output_type=tf.int32)


def greedy_search(step_function, start_ids, state, max_length, end_id=None):
    """The most likely token at each step, from `start_ids` and `state`.

    Args:
        step_function: `(ids [batch], state) -> (logits [batch, vocabulary], state)` (see `seqapps.decoding`).
        start_ids: int32 `[batch]`, the tokens the first step reads.
        state: the state the first step reads, a nest of `[batch, ...]` tensors.
        max_length: most tokens per row.
        end_id: the end token: a row that chose it is padded with it, and the
            search stops once every row has (`None`: always `max_length` tokens).

    Returns:
        int32 `[batch, steps]`.

    Example:

    >>> table = tf.math.log([[0.1, 0.9], [0.8, 0.2]])  # next-token probabilities after token 0 and 1
    >>> greedy_search(lambda ids, state: (tf.gather(table, ids), state), tf.constant([0]), (), 3).numpy()
    array([[1, 0, 1]], dtype=int32)
    """
    return decode_loop(step_function, start_ids, state, max_length, lambda logits, position: greedy_ids(logits), end_id)
