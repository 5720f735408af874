"""The exported signatures of a `Translator`."""

import tensorflow as tf

from seqapps.tasks.seq2seq_translation.config import DEFAULT_MAX_LENGTH, MAX_BEAM_WIDTH


def serving_signatures(translator, beam_width, max_length=DEFAULT_MAX_LENGTH):
    """The exported signatures.

    `serving_default`: `text` (string `[batch]`, source language) -> `translation`
    (string `[batch]`, target language), beam search of width `beam_width`.
    `beam_search`: `text` and `beam_width` (int32 scalar, 1..`MAX_BEAM_WIDTH`)
    -> `translation`. Only the first `MAX_SOURCE_WORDS` tokens of a sentence
    are read; a sentence with no known word (empty, emoji only...) still gets
    a translation. A beam width out of range is an InvalidArgument error.
    """

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve(text):
        ids = translator.beam_ids(translator.source_ids(text), beam_width, max_length)
        return {"translation": translator.words(ids)}

    @tf.function(
        input_signature=[tf.TensorSpec([None], tf.string, name="text"), tf.TensorSpec([], tf.int32, name="beam_width")]
    )
    def beam_search(text, beam_width):
        message = f"beam_width must be in [1, {MAX_BEAM_WIDTH}]"
        checks = [
            tf.debugging.assert_greater_equal(beam_width, 1, message=message),
            tf.debugging.assert_less_equal(beam_width, MAX_BEAM_WIDTH, message=message),
        ]
        with tf.control_dependencies(checks):
            ids = translator.beam_ids(translator.source_ids(tf.identity(text)), beam_width, max_length)
        return {"translation": translator.words(ids)}

    return {"serving_default": serve, "beam_search": beam_search}
