"""The token-by-token loop of greedy search and sampling."""

import tensorflow as tf


def batch_shape_invariants(state):
    """Shape invariants of a state nest for a loop over a dynamic batch: every tensor's first dimension unknown."""
    return tf.nest.map_structure(lambda tensor: tf.TensorShape([None]).concatenate(tensor.shape[1:]), state)


def decode_loop(step_function, start_ids, state, max_length, choose, end_id=None):
    """Steps `step_function` from `start_ids`, choosing one token per row and step with `choose`.

    At each position: `logits, state = step_function(ids, state)`, then
    `ids = choose(logits, position)`. With `end_id`, a row that chose it is
    finished: it goes on with `end_id`, and the loop ends once every row is
    finished (or after `max_length` steps); without, it runs `max_length` steps.

    Args:
        step_function: `(ids [batch], state) -> (logits [batch, vocabulary], state)` (see `seqapps.decoding`).
        start_ids: int32 `[batch]`, the tokens the first step reads.
        state: the state the first step reads, a nest of `[batch, ...]` tensors.
        max_length: most steps, a Python or scalar int32.
        choose: `(logits, position) -> ids`, int32 `[batch]`.
        end_id: the end token (`None`: none).

    Returns:
        int32 `[batch, steps]`, the chosen tokens (steps <= `max_length`).
    """
    ids = tf.convert_to_tensor(start_ids, tf.int32)
    batch = tf.shape(ids)[0]
    finished = tf.zeros([batch], tf.bool)
    outputs = tf.TensorArray(tf.int32, size=0, dynamic_size=True, element_shape=tf.TensorShape([None]))
    state_invariants = batch_shape_invariants(state)
    for position in tf.range(max_length):
        tf.autograph.experimental.set_loop_options(
            shape_invariants=[
                (ids, tf.TensorShape([None])),
                (finished, tf.TensorShape([None])),
                (state, state_invariants),
            ]
        )
        logits, state = step_function(ids, state)
        ids = choose(logits, position)
        if end_id is not None:
            ids = tf.where(finished, end_id, ids)
            finished = finished | (ids == end_id)
        outputs = outputs.write(position, ids)
        if end_id is not None and tf.reduce_all(finished):
            break
    return tf.transpose(outputs.stack())
