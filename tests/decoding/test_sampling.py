"""Sampling: the top-k and top-p filters, seeding, and draws that follow the distribution."""

import numpy as np
import pytest
import tensorflow as tf

from seqapps import decoding

# Probabilities exact in binary, so that the masses top-p compares are exact too.
PROBABILITIES = np.array([[0.125, 0.5, 0.125, 0.25]], np.float32)
LOGITS = tf.constant(np.log(PROBABILITIES))


def kept(logits):
    return np.flatnonzero(np.isfinite(np.asarray(logits)[0])).tolist()


@pytest.mark.parametrize(
    "top_p, expected", [(0.5, [1]), (0.7, [1, 3]), (0.75, [1, 3]), (0.8, [0, 1, 2, 3]), (1.0, [0, 1, 2, 3])]
)
def test_top_p_keeps_the_smallest_set_of_most_likely_tokens_reaching_p(top_p, expected):
    # 0.875 reaches 0.8 with one of the two tokens of 0.125: both stay, as tokens of equal score always do.
    assert kept(decoding.top_p_filter(LOGITS, top_p)) == expected


@pytest.mark.parametrize("top_k, expected", [(1, [1]), (2, [1, 3]), (4, [0, 1, 2, 3])])
def test_top_k_keeps_the_k_most_likely_tokens(top_k, expected):
    assert kept(decoding.top_k_filter(LOGITS, top_k)) == expected


def test_top_k_of_one_and_a_tiny_top_p_are_greedy():
    logits = tf.constant(np.random.default_rng(0).normal(size=(50, 7)) * 3, tf.float32)
    temperature, seed = tf.ones([50]), tf.constant([1, 2])
    greedy = decoding.greedy_ids(logits).numpy()
    np.testing.assert_array_equal(decoding.sample_ids(logits, temperature, seed, top_k=1), greedy)
    np.testing.assert_array_equal(decoding.sample_ids(logits, temperature, seed, top_p=1e-6), greedy)
    np.testing.assert_array_equal(decoding.sample_ids(logits, temperature * 1e-4, seed), greedy)


def test_the_same_seed_draws_the_same_tokens():
    logits = tf.zeros([200, 10])
    first = decoding.sample_ids(logits, tf.ones([200]), tf.constant([3, 4])).numpy()
    np.testing.assert_array_equal(decoding.sample_ids(logits, tf.ones([200]), tf.constant([3, 4])), first)
    assert not np.array_equal(decoding.sample_ids(logits, tf.ones([200]), tf.constant([3, 5])), first)


def test_draws_follow_the_distribution_and_never_a_minus_infinity_token():
    logits = tf.tile(tf.constant([[np.log(0.7), np.log(0.2), np.log(0.1), -np.inf]], tf.float32), [20_000, 1])
    draws = decoding.sample_ids(logits, tf.ones([20_000]), tf.constant([0, 7])).numpy()
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20_000, [0.7, 0.2, 0.1, 0.0], atol=0.015)
    # Temperature 2 flattens the distribution: p ** (1 / 2), renormalized.
    flat = decoding.sample_ids(logits, tf.fill([20_000], 2.0), tf.constant([0, 7])).numpy()
    expected = np.sqrt([0.7, 0.2, 0.1]) / np.sum(np.sqrt([0.7, 0.2, 0.1]))
    np.testing.assert_allclose(np.bincount(flat, minlength=4)[:3] / 20_000, expected, atol=0.015)


def test_sampling_search_draws_each_step_with_its_own_seed():
    table = tf.constant(np.log(np.random.default_rng(1).dirichlet(np.ones(5), size=5)), tf.float32)

    def step(ids, state):
        return tf.gather(table, ids), state

    temperature, seed = tf.ones([3]), tf.constant([11, 100])
    ids = decoding.sampling_search(step, tf.constant([0, 1, 2]), (), 6, temperature, seed).numpy()
    previous = np.array([0, 1, 2])
    for position in range(6):
        expected = decoding.sample_ids(tf.gather(table, previous), temperature, tf.constant([11, 100 + position]))
        np.testing.assert_array_equal(ids[:, position], expected)
        previous = ids[:, position]
    np.testing.assert_array_equal(decoding.sampling_search(step, tf.constant([0, 1, 2]), (), 6, temperature, seed), ids)
    greedy = decoding.greedy_search(step, tf.constant([0, 1, 2]), (), 6)
    np.testing.assert_array_equal(
        decoding.sampling_search(step, tf.constant([0, 1, 2]), (), 6, temperature, seed, top_k=1), greedy
    )
