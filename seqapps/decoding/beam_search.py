"""Beam search: the best length-normalized hypothesis among `beam_width` kept per row."""

import numpy as np
import tensorflow as tf

from seqapps.decoding.loop import batch_shape_invariants

LENGTH_PENALTY = 0.6


def tile_beams(tensor, beam_width):
    """Each row of `tensor` repeated `beam_width` times in place (`[batch, ...]` -> `[batch * beam_width, ...]`),
    the layout of the rows `beam_search` passes its step function: what it closes over is tiled with this."""
    return tf.repeat(tensor, beam_width, axis=0)


def beam_search(step_function, start_ids, state, beam_width, max_length, end_id, length_penalty=LENGTH_PENALTY):
    """Beam search from `start_ids` and `state`: the best hypothesis of each row.

    Each step extends every kept hypothesis by every token and keeps the
    `beam_width` of highest summed log-probability (at the start only the
    first beam is alive, so the first step keeps `beam_width` different
    tokens). A hypothesis that chose `end_id` is finished: it goes on with
    `end_id` at no cost. The search stops once every hypothesis is finished or
    after `max_length` steps, and returns, per row, the finished hypothesis of
    best length-normalized score `log p / ((5 + length) / 6) ** length_penalty`
    (Wu et al. 2016; the length counts `end_id`); an unfinished one only when
    none finished.

    Args:
        step_function: `(ids [batch * beam_width], state) -> (log-probabilities
            [batch * beam_width, vocabulary], state)`; row `b * beam_width + k`
            is beam `k` of row `b` (see `tile_beams`).
        start_ids: int32 `[batch]`, the tokens the first step reads.
        state: the state the first step reads, a nest of `[batch, ...]` tensors
            (tiled here; the state of each kept hypothesis follows it).
        beam_width: hypotheses kept per row, a Python or scalar int32 (1: greedy search).
        max_length: most tokens per hypothesis.
        end_id: the end token.
        length_penalty: the exponent of the length normalization (0: none).

    Returns:
        int32 `[batch, steps]`, the best hypothesis of each row (after `end_id`, `end_id` again).
    """
    start_ids = tf.convert_to_tensor(start_ids, tf.int32)
    batch = tf.shape(start_ids)[0]
    state = tf.nest.map_structure(lambda tensor: tile_beams(tensor, beam_width), state)
    # Only the first beam is alive at the start, so the first step draws `beam_width` different words.
    scores = tf.where(tf.range(beam_width)[None, :] == 0, 0.0, -np.inf) + tf.zeros([batch, 1])
    sequences = tf.zeros([batch * beam_width, 0], tf.int32)
    ids = tile_beams(start_ids, beam_width)
    finished = tf.zeros([batch, beam_width], tf.bool)
    lengths = tf.zeros([batch, beam_width], tf.float32)
    offsets = (tf.range(batch) * beam_width)[:, None]
    state_invariants = batch_shape_invariants(state)
    for _ in tf.range(max_length):
        tf.autograph.experimental.set_loop_options(
            shape_invariants=[
                (sequences, tf.TensorShape([None, None])),
                (ids, tf.TensorShape([None])),
                (scores, tf.TensorShape([None, None])),
                (finished, tf.TensorShape([None, None])),
                (lengths, tf.TensorShape([None, None])),
                (state, state_invariants),
            ]
        )
        log_probabilities, state = step_function(ids, state)
        vocabulary = log_probabilities.shape[-1] or tf.shape(log_probabilities)[-1]
        log_probabilities = tf.reshape(log_probabilities, [batch, beam_width, vocabulary])
        # A finished hypothesis can only go on with the end token, at no cost.
        only_end = tf.where(tf.range(vocabulary) == end_id, 0.0, -np.inf)
        log_probabilities = tf.where(finished[..., None], only_end, log_probabilities)
        candidates = tf.reshape(scores[..., None] + log_probabilities, [batch, beam_width * vocabulary])
        scores, best = tf.math.top_k(candidates, k=beam_width)
        origin = tf.reshape(best // vocabulary + offsets, [-1])
        ids = tf.reshape(best % vocabulary, [-1])
        sequences = tf.concat([tf.gather(sequences, origin), ids[:, None]], axis=1)
        state = tf.nest.map_structure(lambda tensor: tf.gather(tensor, origin), state)
        was_finished = tf.reshape(tf.gather(tf.reshape(finished, [-1]), origin), [batch, beam_width])
        lengths = tf.reshape(tf.gather(tf.reshape(lengths, [-1]), origin), [batch, beam_width])
        lengths += tf.cast(~was_finished, tf.float32)
        finished = was_finished | tf.reshape(ids == end_id, [batch, beam_width])
        if tf.reduce_all(finished):
            break
    normalized = scores / ((5.0 + lengths) / 6.0) ** length_penalty
    # Prefer finished hypotheses; an unfinished one only wins when none finished.
    normalized = tf.where(finished, normalized, normalized - 1e9)
    best_beam = tf.argmax(normalized, axis=1, output_type=tf.int32)
    return tf.gather(sequences, best_beam + offsets[:, 0])
