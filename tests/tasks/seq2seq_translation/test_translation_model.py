"""seq2seq_translation/model.py: the network, its step decoder and decodings, its config and `.keras` file."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from translation_helpers import small_translator

from seqapps.tasks import seq2seq_translation as task
from seqapps.tasks.seq2seq_translation import Translator


def test_translator_needs_the_markers_in_its_target_vocabulary():
    with pytest.raises(ValueError, match="lacks '\\[start\\]'"):
        Translator(["", "[UNK]", "a"], ["", "[UNK]", "b", "[end]"])


@pytest.mark.parametrize(
    "cell, attention", [("gru", "luong"), ("lstm", "bahdanau"), ("keras_lstm", "luong"), ("elman", "bahdanau")]
)
def test_step_decoder_matches_teacher_forcing(cell, attention):
    translator = small_translator(cell, attention)
    source = tf.constant([[5, 6, 7, 8, 11, 2], [9, 10, 2, 0, 0, 0]])
    target = tf.constant([[2, 5, 6, 7, 8], [2, 9, 4, 0, 0]])
    expected = tf.nn.log_softmax(translator((source, target)) + translator.never_generated).numpy()
    encoder_outputs, keys, mask, states = translator.encode(source)
    for position in range(target.shape[1]):
        log_probabilities, states, attention_weights = translator.decode_step(
            target[:, position], states, encoder_outputs, keys, mask
        )
        for row, length in enumerate([5, 3]):
            if position < length:
                np.testing.assert_allclose(log_probabilities[row], expected[row, position], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(np.sum(attention_weights, axis=-1), 1.0, rtol=1e-5)
        assert np.all(attention_weights[1, 3:] < 1e-6)  # padding gets no attention


@pytest.mark.parametrize("cell", ["gru", "keras_lstm"])
def test_beam_width_one_is_greedy(cell):
    translator = small_translator(cell, units=16)
    texts = ["Yo veo la casa hoy.", "¿El perro?", "", "Yo yo yo yo"]
    greedy = translator.translate(texts, decoding="greedy", max_length=12)
    assert translator.translate(texts, decoding="beam", beam_width=1, max_length=12) == greedy


def test_beam_search_finds_the_best_hypothesis_when_the_beam_holds_every_word():
    """With one decoding step and a beam as wide as the vocabulary, beam search is exhaustive."""
    translator = small_translator(units=16)
    source_ids = translator.source_ids(tf.constant(["Yo veo la casa.", "El perro."]))
    encoder_outputs, keys, mask, states = translator.encode(source_ids)
    log_probabilities, _, _ = translator.decode_step(
        tf.fill([2], translator.start_id), states, encoder_outputs, keys, mask
    )
    # After one step every hypothesis has length 1, so the best one is the most likely finished word: [end].
    beam_ids = translator._beam(source_ids, tf.constant(translator.target_size), tf.constant(1))
    np.testing.assert_array_equal(beam_ids[:, 0], [translator.end_id] * 2)
    # Unfinished hypotheses win only when no hypothesis finished: then the most likely word.
    translator.never_generated = tf.tensor_scatter_nd_update(
        translator.never_generated, [[translator.end_id]], [-np.inf]
    )
    beam_ids = translator.beam_ids(source_ids, translator.target_size, 1)
    np.testing.assert_array_equal(
        beam_ids[:, 0], np.argmax(log_probabilities.numpy() + translator.never_generated.numpy(), axis=-1)
    )


def test_sampling_is_seeded_and_never_emits_special_tokens():
    translator = small_translator(units=16)
    first = translator.translate(["Yo veo la casa."] * 3, decoding="sample", temperature=2.0, seed=3, max_length=8)
    assert first == translator.translate(
        ["Yo veo la casa."] * 3, decoding="sample", temperature=2.0, seed=3, max_length=8
    )
    assert not any("[" in text for text in first)
    with pytest.raises(ValueError, match="Unknown decoding"):
        translator.translate(["hola"], decoding="topk")


def test_source_ids_truncate_and_never_leave_a_row_empty():
    translator = small_translator()
    ids = translator.source_ids(tf.constant(["", "yo " * 500, "😀"])).numpy()
    assert ids.shape[1] == task.MAX_SOURCE_WORDS + 1
    assert ids[0, 0] == 1 and ids[2, 0] == 1 and np.all(ids[1, : task.MAX_SOURCE_WORDS] == 5)


def test_config_round_trip_and_keras_file(tmp_path):
    translator = small_translator("lstm", "bahdanau")
    clone = Translator.from_config(translator.get_config())
    clone((tf.constant([[5, 6]]), tf.constant([[2, 5]])))
    clone.set_weights(translator.get_weights())
    inputs = (tf.constant([[5, 6, 7, 8, 2]]), tf.constant([[2, 5, 6, 7]]))
    np.testing.assert_allclose(clone(inputs), translator(inputs), rtol=1e-6)
    translator.save(tmp_path / "translator.keras")
    loaded = keras.saving.load_model(tmp_path / "translator.keras", safe_mode=True)
    np.testing.assert_allclose(loaded(inputs), translator(inputs), rtol=1e-6)
    assert loaded.translate(["Yo veo la casa."], "greedy") == translator.translate(["Yo veo la casa."], "greedy")
