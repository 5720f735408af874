"""Beam search over hand-written step functions, against greedy search and an exhaustive search."""

import itertools

import numpy as np
import pytest
import tensorflow as tf

from seqapps import decoding

START, A, B, END = 0, 1, 2, 3
TABLE = np.log(
    np.array(
        [
            [1e-9, 0.6, 0.4, 1e-9],  # after the start: a, or b
            [1e-9, 0.4, 0.3, 0.3],  # after a: a again most likely
            [1e-9, 0.02, 0.01, 0.97],  # after b: the end
            [1e-9, 1e-9, 1e-9, 1.0],
        ],
        np.float32,
    )
)


def markov_step(ids, state):
    return tf.gather(TABLE, ids), state


def test_beam_search_finds_what_greedy_search_misses():
    """Greedy takes a (0.6) and goes on with a; the beam keeps b (0.4), whose end (0.97) makes b-end the best."""
    greedy = decoding.greedy_search(markov_step, tf.constant([START]), (), 3, end_id=END)
    np.testing.assert_array_equal(greedy, [[A, A, A]])
    beam = decoding.beam_search(markov_step, tf.constant([START]), (), beam_width=2, max_length=3, end_id=END)
    np.testing.assert_array_equal(beam, [[B, END, END]])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_beam_of_one_is_greedy_search(seed):
    table = tf.constant(np.log(np.random.default_rng(seed).dirichlet(np.ones(6) * 0.5, size=6)), tf.float32)

    def step(ids, state):
        return tf.gather(table, ids), state

    start = tf.constant([0, 1, 2, 4])
    greedy = decoding.greedy_search(step, start, (), 8, end_id=5).numpy()
    beam = decoding.beam_search(step, start, (), beam_width=1, max_length=8, end_id=5).numpy()
    np.testing.assert_array_equal(beam[:, : greedy.shape[1]], greedy)
    assert np.all(beam[:, greedy.shape[1] :] == 5)


def exhaustive(table, start, vocabulary, max_length, end_id, length_penalty):
    """The best hypothesis by enumeration: finished ones (ending at `end_id`) first, as beam search prefers them."""
    best = None
    for length in range(1, max_length + 1):
        for words in itertools.product(range(vocabulary), repeat=length):
            if end_id in words[:-1] or (length < max_length and words[-1] != end_id):
                continue
            previous, current, score = start, start, 0.0
            for word in words:
                score += table[previous, current, word]
                previous, current = current, word
            normalized = score / ((5.0 + length) / 6.0) ** length_penalty - (0 if words[-1] == end_id else 1e9)
            if best is None or normalized > best[0]:
                best = normalized, words
    return list(best[1])


@pytest.mark.parametrize("seed, length_penalty", [(0, 0.6), (1, 0.6), (2, 0.0), (3, 1.5)])
def test_a_beam_holding_every_hypothesis_finds_the_best_one(seed, length_penalty):
    """A second-order step (the scores depend on the token before the last, kept in the state), so the search
    must carry each hypothesis' state along with it; three steps over four words, a beam of 64 holds them all."""
    vocabulary, end_id, max_length = 4, 3, 3
    table = np.log(np.random.default_rng(seed).dirichlet(np.ones(vocabulary) * 0.7, size=(vocabulary, vocabulary)))
    table = table.astype(np.float32)

    def step(ids, previous):
        return tf.gather_nd(table, tf.stack([previous, ids], axis=1)), ids

    start = tf.constant([0, 1])
    beam = decoding.beam_search(
        step, start, start, beam_width=64, max_length=max_length, end_id=end_id, length_penalty=length_penalty
    ).numpy()
    for row, first in enumerate([0, 1]):
        expected = exhaustive(table, first, vocabulary, max_length, end_id, length_penalty)
        assert beam[row, : len(expected)].tolist() == expected, (row, expected, beam[row])


def test_traces_with_a_dynamic_batch_and_beam_width():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32), tf.TensorSpec([], tf.int32)])
    def search(start_ids, beam_width):
        state = {"steps": tf.zeros([tf.shape(start_ids)[0]])}
        return decoding.beam_search(
            lambda ids, state: (tf.gather(TABLE, ids), {"steps": state["steps"] + 1}),
            start_ids,
            state,
            beam_width,
            3,
            END,
        )

    np.testing.assert_array_equal(search(tf.constant([START, START]), tf.constant(2)), [[B, END, END]] * 2)
    np.testing.assert_array_equal(search(tf.constant([START]), tf.constant(1)), [[A, A, A]])
    assert search(tf.zeros([0], tf.int32), tf.constant(3)).shape[0] == 0


def test_tile_beams_repeats_each_row_in_place():
    np.testing.assert_array_equal(
        decoding.tile_beams(tf.constant([[1, 2], [3, 4]]), 2), [[1, 2], [1, 2], [3, 4], [3, 4]]
    )
