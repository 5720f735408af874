"""`CharGenerator`: sampling, stepping and scoring with one or an ensemble of language models."""

import math

import numpy as np
import tensorflow as tf

from seqapps import decoding
from seqapps.tasks.char_generation.config import (
    EMPTY_PROMPT,
    EVALUATION_WINDOW,
    MAX_LENGTH,
    MAX_PROMPT_CHARACTERS,
    check_sampling,
)
from seqapps.tasks.char_generation.model import LanguageModelLayers


class CharGenerator:
    """Samples text from a character language model, one step per character, state carried.

    It holds its own stateless copy of the model's layers (one
    `LanguageModelLayers` per ensemble member), so it works with a model
    trained either way; `copy_weights_from` loads trained models' weights (the
    same architecture, from `build_language_model`). An ensemble's next-character
    distribution is the mean of its members' (its "logits" are the log of that mean).

    The recurrent state travels as one float32 matrix `[batch, state_size]`
    (every member's and layer's state vectors side by side), which is what the
    exported `step` signature takes and returns.

    Args:
        config: the `CharGenerationConfig` of the model (architecture fields and `ensemble`).
        vocabulary: the `CharVocabulary`.
    """

    def __init__(self, config, vocabulary):
        self.vocabulary = vocabulary
        self.members = [LanguageModelLayers(config, vocabulary.size) for _ in range(config.ensemble)]
        self.state_size = sum(member.state_size for member in self.members)
        self.oov_mask = tf.constant([-np.inf] + [0.0] * (vocabulary.size - 1), tf.float32)
        self._stream_step = tf.function(self._stream, reduce_retracing=True)
        self._generate_functions = {}
        self._stream(tf.zeros([1, 1], tf.int32), self.initial_state(1))  # builds the layers

    @property
    def layers(self):
        """Every layer holding weights or tables the generator uses (what an export tracks)."""
        return [self.vocabulary, *(layer for member in self.members for layer in member.layers)]

    def copy_weights_from(self, models):
        """Loads the weights of models from `build_language_model` with the same settings: one model, or a
        list with one per ensemble member."""
        models = list(models) if isinstance(models, (list, tuple)) else [models]
        if len(models) != len(self.members):
            raise ValueError(f"Expected {len(self.members)} model(s), one per ensemble member, got {len(models)}.")
        for member, model in zip(self.members, models):
            member.copy_weights_from(model)

    def initial_state(self, batch_size):
        return tf.zeros([batch_size, self.state_size], tf.float32)

    def _combine(self, method, ids, state):
        """Runs `method` ("step" or "stream") of every member on its part of `state`; averages their
        next-character distributions and joins their states."""
        if len(self.members) == 1:
            return getattr(self.members[0], method)(ids, state)
        parts = tf.split(state, [member.state_size for member in self.members], axis=-1)
        outputs = [getattr(member, method)(ids, part) for member, part in zip(self.members, parts)]
        log_probabilities = tf.stack([tf.nn.log_softmax(logits) for logits, _ in outputs])
        mean = tf.reduce_logsumexp(log_probabilities, axis=0) - math.log(len(self.members))
        return mean, tf.concat([new_state for _, new_state in outputs], axis=-1)

    def step(self, ids, state):
        """One character per row: ids `[batch]`, state -> next-character logits `[batch, vocabulary]`, state."""
        return self._combine("step", ids, state)

    def _stream(self, ids, state):
        """A whole window `[batch, steps]` from `state` -> logits `[batch, steps, vocabulary]`, state."""
        return self._combine("stream", ids, state)

    def read(self, ids, state):
        """Feeds each row's characters (int32 `RaggedTensor` `[batch, (n)]`) from `state`.

        Returns the logits after each row's last character and the state there.
        Rows shorter than the longest keep their state once their characters end
        (a row of no characters keeps `state`, with logits of zeros).
        """
        lengths = tf.cast(ids.row_lengths(), tf.int32)
        padded = ids.to_tensor()
        batch = tf.shape(padded)[0]
        logits = tf.zeros([batch, self.vocabulary.size], tf.float32)
        for position in tf.range(tf.shape(padded)[1]):
            tf.autograph.experimental.set_loop_options(
                shape_invariants=[
                    (logits, tf.TensorShape([None, self.vocabulary.size])),
                    (state, tf.TensorShape([None, self.state_size])),
                ]
            )
            new_logits, new_state = self.step(padded[:, position], state)
            active = (position < lengths)[:, None]
            logits = tf.where(active, new_logits, logits)
            state = tf.where(active, new_state, state)
        return logits, state

    def sample(self, logits, temperature, seed, top_k=None, top_p=None, greedy=False):
        """Draws one id per row from `logits / temperature` (never the unknown id), with `seqapps.decoding`.

        Args:
            logits: `[batch, vocabulary]`.
            temperature: float32 `[batch]`, positive.
            seed: int32 `[2]`, the stateless random seed of this draw.
            top_k, top_p: restrict the draw (see `CharGenerationConfig`).
            greedy: take the most likely id instead of drawing.
        """
        logits = logits + self.oov_mask
        if greedy:
            return decoding.greedy_ids(logits)
        return decoding.sample_ids(logits, temperature, seed, top_k, top_p)

    def generate_ids(self, prompt, length, temperature, seed, top_k=None, top_p=None, greedy=False):
        """Generated ids, a `RaggedTensor` `[batch, (length[i])]`, after reading each prompt.

        Args:
            prompt: string `[batch]`; an empty prompt reads as `EMPTY_PROMPT`
                (a newline), and only the last `MAX_PROMPT_CHARACTERS` are read.
            length: int32 `[batch]`, characters to generate per row (>= 1).
            temperature: float32 `[batch]`.
            seed: int32 `[2]`.
        """
        prompt = tf.where(tf.strings.length(prompt) > 0, prompt, EMPTY_PROMPT)
        ids = self.vocabulary(prompt)[:, -MAX_PROMPT_CHARACTERS:]
        batch = tf.shape(prompt)[0]
        # All but each prompt's last character are read here; the decoding starts by stepping that last one.
        _, state = self.read(ids[:, :-1], self.initial_state(batch))
        last_ids = tf.gather(ids.values, ids.row_limits() - 1)

        def step(ids, state):
            logits, state = self.step(ids, state)
            return logits + self.oov_mask, state

        # At least one step, so that an empty batch still stacks a (0-row) result.
        steps = tf.reduce_max(tf.concat([length, [1]], axis=0))
        if greedy:
            generated = decoding.greedy_search(step, last_ids, state, steps)
        else:
            generated = decoding.sampling_search(step, last_ids, state, steps, temperature, seed, top_k, top_p)
        return tf.RaggedTensor.from_tensor(tf.reshape(generated, [batch, steps]), lengths=length)

    def generate(self, prompts, length=200, temperature=1.0, top_k=None, top_p=None, greedy=False, seed=0):
        """Continues each prompt with `length` characters; returns a list of Python strings.

        Example:
        >>> generator.generate(["ROMEO:"], length=40, temperature=0.8, seed=1)  # doctest: +SKIP
        """
        if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= MAX_LENGTH:
            raise ValueError(f"`length` must be an integer in [1, {MAX_LENGTH}], got {length!r}.")
        if not greedy:
            check_sampling(temperature, top_k, top_p)
        if isinstance(prompts, str):
            prompts = [prompts]
        batch = len(prompts)
        ids = self._generate_function(top_k, top_p, greedy)(
            tf.constant(prompts, tf.string),
            tf.fill([batch], length),
            tf.fill([batch], float(temperature)),
            tf.constant([seed, 0], tf.int32),
        )
        return [text.decode("utf-8") for text in self.vocabulary.decode(ids).numpy()]

    def _generate_function(self, top_k, top_p, greedy):
        key = (top_k, top_p, greedy)
        if key not in self._generate_functions:
            self._generate_functions[key] = tf.function(
                lambda prompt, length, temperature, seed: self.generate_ids(
                    prompt, length, temperature, seed, top_k, top_p, greedy
                ),
                input_signature=[
                    tf.TensorSpec([None], tf.string),
                    tf.TensorSpec([None], tf.int32),
                    tf.TensorSpec([None], tf.float32),
                    tf.TensorSpec([2], tf.int32),
                ],
            )
        return self._generate_functions[key]

    def stream_loss(self, ids, window=EVALUATION_WINDOW):
        """Mean negative log-likelihood (nats) of each character of `ids` given all before it.

        The text is read as one stream from a zero state, `window` characters
        per call with the state carried, so every character but the first is scored.
        """
        ids = np.asarray(ids, np.int32)
        state = self.initial_state(1)
        total, count = 0.0, 0
        for start in range(0, len(ids) - 1, window):
            inputs = ids[start : start + window][None]
            targets = ids[start + 1 : start + window + 1][None]
            inputs = inputs[:, : targets.shape[1]]
            logits, state = self._stream_step(tf.constant(inputs), state)
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
            total += float(tf.reduce_sum(losses))
            count += targets.shape[1]
        return total / count, count
