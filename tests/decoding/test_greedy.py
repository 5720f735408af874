"""Greedy search over hand-written step functions whose answers are known."""

import numpy as np
import tensorflow as tf

from seqapps import decoding

START, A, B, END = 0, 1, 2, 3
# Next-token probabilities after each token (rows: the token just read).
TABLE = np.log(
    np.array(
        [
            [1e-9, 0.6, 0.4, 1e-9],  # after the start: a, or b
            [1e-9, 0.4, 0.3, 0.3],  # after a: a again most likely, never quite ending
            [1e-9, 0.02, 0.01, 0.97],  # after b: the end
            [1e-9, 1e-9, 1e-9, 1.0],  # after the end: the end
        ],
        np.float32,
    )
)


def markov_step(ids, state):
    return tf.gather(TABLE, ids), state


def test_greedy_takes_the_most_likely_token_at_each_step():
    ids = decoding.greedy_search(markov_step, tf.constant([START, B]), (), max_length=4)
    np.testing.assert_array_equal(ids, [[A, A, A, A], [END, END, END, END]])


def test_end_id_pads_finished_rows_and_stops_once_all_finished():
    step_to_end = np.log(
        np.array(
            [[0.1, 0.9, 1e-9, 1e-9], [1e-9, 1e-9, 0.9, 0.1], [1e-9, 1e-9, 1e-9, 1.0], [0.5, 0.5, 1e-9, 1e-9]],
            np.float32,
        )
    )
    ids = decoding.greedy_search(
        lambda ids, state: (tf.gather(step_to_end, ids), state), tf.constant([START, B]), (), max_length=10, end_id=END
    )
    # Row 0: start -> a -> b -> end; row 1: b -> end, then padded with the end token.
    np.testing.assert_array_equal(ids, [[A, B, END], [END, END, END]])


def test_the_state_is_carried_from_step_to_step():
    """A step whose scores depend on a counter in the state: the token is the step number, mod 4."""

    def counting_step(ids, state):
        return tf.one_hot(state["count"] % 4, 4), {"count": state["count"] + 1}

    ids = decoding.greedy_search(counting_step, tf.constant([0, 0]), {"count": tf.constant([0, 2])}, max_length=6)
    np.testing.assert_array_equal(ids, [[0, 1, 2, 3, 0, 1], [2, 3, 0, 1, 2, 3]])


def test_traces_with_a_dynamic_batch():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32), tf.TensorSpec([], tf.int32)])
    def search(start_ids, max_length):
        state = tf.zeros([tf.shape(start_ids)[0], 3])
        return decoding.greedy_search(
            lambda ids, state: (tf.gather(TABLE, ids), state + 1.0), start_ids, state, max_length, end_id=END
        )

    np.testing.assert_array_equal(search(tf.constant([START, B]), tf.constant(3)), [[A, A, A], [END, END, END]])
    assert search(tf.zeros([0], tf.int32), tf.constant(3)).shape[0] == 0


def test_greedy_ids_takes_the_first_of_equal_scores():
    np.testing.assert_array_equal(decoding.greedy_ids(tf.constant([[0.0, 2.0, 2.0], [-np.inf, -1.0, -3.0]])), [1, 1])
