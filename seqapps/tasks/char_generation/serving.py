"""The exported signatures of a `CharGenerator`."""

import tensorflow as tf

from seqapps.tasks.char_generation.config import MAX_LENGTH


def serving_signatures(generator, top_k=None, top_p=None):
    """The exported signatures.

    `serving_default`: `prompt` (string `[batch]`), `length` (int32 `[batch]`,
    1..`MAX_LENGTH`), `temperature` (float32 `[batch]`, > 0) -> `text`
    (string `[batch]`: the generated continuation, without the prompt).
    An empty prompt reads as a newline; a prompt longer than
    `MAX_PROMPT_CHARACTERS` is read from its last that many characters.

    `step`: `text` (string `[batch]`, one or more characters each), `state`
    (float32 `[batch, state_size]`; zeros to start), `temperature` ->
    `next_character` (string `[batch]`, sampled after the text), `state`
    (after the text). A streaming client feeds the prompt, then each
    character it got back, carrying `state`.

    Bad arguments fail with an InvalidArgument error naming the argument.
    """
    size = generator.state_size

    def random_seed():
        return tf.random.uniform([2], maxval=2**31 - 1, dtype=tf.int32)

    def check_temperature(temperature):
        return tf.debugging.assert_positive(
            tf.where(tf.math.is_finite(temperature), temperature, -1.0),
            message="temperature must be a positive finite number, e.g. 0.8 (lower: more conservative)",
        )

    def check_batch(name, tensor, reference):
        return tf.debugging.assert_equal(
            tf.shape(tensor)[0],
            tf.shape(reference)[0],
            message=f"{name} must have one value per prompt (the same batch size)",
        )

    @tf.function(
        input_signature=[
            tf.TensorSpec([None], tf.string, name="prompt"),
            tf.TensorSpec([None], tf.int32, name="length"),
            tf.TensorSpec([None], tf.float32, name="temperature"),
        ]
    )
    def serve(prompt, length, temperature):
        checks = [
            check_batch("length", length, prompt),
            check_batch("temperature", temperature, prompt),
            tf.debugging.assert_positive(length, message=f"length must be in [1, {MAX_LENGTH}] characters"),
            tf.debugging.assert_less_equal(
                length, MAX_LENGTH, message=f"length must be in [1, {MAX_LENGTH}] characters"
            ),
            check_temperature(temperature),
        ]
        with tf.control_dependencies(checks):
            ids = generator.generate_ids(tf.identity(prompt), length, temperature, random_seed(), top_k, top_p)
        return {"text": generator.vocabulary.decode(ids)}

    @tf.function(
        input_signature=[
            tf.TensorSpec([None], tf.string, name="text"),
            tf.TensorSpec([None, size], tf.float32, name="state"),
            tf.TensorSpec([None], tf.float32, name="temperature"),
        ]
    )
    def step(text, state, temperature):
        checks = [
            check_batch("state", state, text),
            check_batch("temperature", temperature, text),
            tf.debugging.assert_equal(tf.shape(state)[1], size, message=f"state must have shape [batch, {size}]"),
            tf.debugging.assert_positive(
                tf.strings.length(text, unit="UTF8_CHAR"), message="each text must hold at least one character"
            ),
            tf.debugging.assert_all_finite(state, "state holds NaN or Inf: pass the state a previous call returned"),
            check_temperature(temperature),
        ]
        with tf.control_dependencies(checks):
            logits, new_state = generator.read(generator.vocabulary(tf.identity(text)), state)
        next_ids = generator.sample(logits, temperature, random_seed(), top_k, top_p)
        return {"next_character": generator.vocabulary.decode(next_ids[:, None]), "state": new_state}

    return {"serving_default": serve, "step": step}
