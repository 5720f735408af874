"""Character-level language model and text generator, served with in-graph sampling.

Data flows one way: `seqapps.data.shakespeare` (Tiny Shakespeare or any UTF-8
text, contiguous 90/5/5 split) -> `CharVocabulary` (the characters of the
training part, id 0 for anything else; tensorflow-text `UnicodeCharTokenizer`,
so any UTF-8 text works) -> a stacked recurrent language model from
`seqapps.layers.recurrent` -> `CharGenerator` (the same weights, stepping one
character at a time with the recurrent state carried) -> `seqapps.export`.

Training modes:
- truncated backpropagation through time (`tbptt=True`, the default): the training text is
  cut into `batch_size` contiguous streams, batch `k` holds window `k` of
  every stream, and the recurrent layers are stateful, so each window starts
  from the state the previous one ended in while gradients stop at window
  boundaries. The states are reset at the start of every epoch and before
  and after validation.
- independent windows (`tbptt=False`): shuffled windows of
  `sequence_length + 1` characters, each read from a zero state.

Scores: loss in nats per character (the mean negative log-likelihood of each
next character), bits per character (nats / ln 2) and perplexity (e^nats),
on the validation and test parts, each read as one stream from its first
character with the state carried to its end (`stream_loss`).

Sampling (`CharGenerator.generate`): temperature, top-k, top-p (nucleus) or
greedy, with stateless random ops seeded by `seed`, so a seed reproduces a
sample. The prompt is read once; each generated character costs one step.
"""

import dataclasses
import hashlib
import json
import math
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqapps import diagnostics, export, layers, recipe_arguments, training
from seqapps.layers.char_vocabulary import OOV_ID, CharVocabulary
from seqapps.data import shakespeare

MODEL_NAME = "char_generator"
MAX_LENGTH = 10_000
MAX_PROMPT_CHARACTERS = 4_096
EMPTY_PROMPT = "\n"
EVALUATION_WINDOW = 512
_POSITIVE_INTEGERS = ("units", "layers", "embedding_dim", "ensemble", "sequence_length", "batch_size", "epochs",
                      "patience", "sample_length")


@dataclasses.dataclass
class CharGenerationConfig:
    """Settings of the character-level generation recipe.

    Args:
        text: a UTF-8 text file to train on (default: Tiny Shakespeare from
            `$SEQAPPS_DATA_DIR`, else the tfds download).
        decode_errors: `strict` (invalid UTF-8 is an error) or `replace`.
        max_characters: train on at most this many characters of the
            training part (`None`: all); validation and test stay whole.
        cell: recurrent layer kind, a name from `seqapps.layers.KINDS`.
        units: hidden units per recurrent layer.
        layers: stacked recurrent layers.
        embedding_dim: size of the character embedding.
        ensemble: train this many models, one after the other, the k-th
            (from 0) with seed `seed + k` and in `run_dir/member_<k + 1>`;
            the scores, samples and export use the mean of their
            next-character distributions (on Tiny Shakespeare, two models
            scored 0.03 nats/char lower on validation, and 0.04 to 0.05
            lower on test, than each alone). A time budget is shared out
            between them. 1: one model, in `run_dir`.
        dropout: dropout after each recurrent layer.
        recurrent_dropout: dropout of each recurrent layer's hidden state
            inside the recurrence, one mask per window (variational dropout,
            Gal & Ghahramani 2016). 0: none.
        tbptt: stateful truncated backpropagation through time (the default)
            instead of independent windows.
        sequence_length: characters per training window (the BPTT length).
        batch_size: windows per batch (streams, with `tbptt`).
        epochs: maximum training epochs (early stopping on validation loss).
        time_budget_minutes: train for at most this many minutes (`None`: no
            budget): the learning-rate decay is planned, from the measured speed,
            to end when the budget does (or after `epochs`, if sooner), and
            training stops there, mid-epoch if need be.
        learning_rate: peak Adam learning rate; it follows a cosine decay to
            `learning_rate * 0.05` over `epochs` (or the time budget).
        clipnorm: clip the gradient to this global norm (`None`: no clipping).
        weight_decay: decoupled weight decay (AdamW) of the embedding and the
            kernels, not the biases: each step multiplies them by
            `1 - weight_decay * learning rate`. 0: none.
        ema_momentum: keep an exponential moving average of the weights with
            this momentum (Keras `use_ema`); validation, early stopping, the
            checkpoints, the test score and the export use the averaged weights.
            A run of few steps averages with a lower momentum, so that its
            first weights wear off (`averaging_momentum`). 0: no averaging.
        jit_compile: compile the training step with XLA. Off by default, as
            Keras has it on CPU-only machines: on an AVX-512 Xeon the default
            model's step took 409 ms with XLA and 173 ms without (TensorFlow's
            oneDNN kernels); on an AVX2 Xeon XLA was about 20% faster.
        patience: epochs without validation improvement before stopping.
        prompt: the prompt of the sample printed after every epoch (default:
            the first line of the validation text).
        sample_length: characters generated for that sample.
        temperature: sampling temperature of the printed samples.
        top_k: sample from the `top_k` most likely characters only (`None`: all);
            also used by the export.
        top_p: sample from the smallest set of characters whose probability
            reaches `top_p` (`None`: all); also used by the export.
        quick: one small model (no ensemble) on 200,000 training characters for one epoch, a smoke run.
        export_root: where the servable model is written (`<root>/char_generator/<version>/`).
        run_dir: checkpoints, TensorBoard logs, `history.png`, `metrics.json`,
            `vocabulary.json` and `model.keras` (ids -> next-character logits);
            an ensemble has `metrics.json` and `vocabulary.json` there, and the
            rest, per member, in `member_<k>/`.
        restart: discard the backup of an interrupted run and start over.
        seed: seed of the weights, the shuffling and the printed samples.
        verbose: Keras `fit` verbosity (2: one line per epoch).
    """

    text: str = None
    decode_errors: str = "strict"
    max_characters: int = None
    cell: str = "lstm"
    units: int = 384
    layers: int = 2
    embedding_dim: int = 64
    ensemble: int = 2
    dropout: float = 0.25
    recurrent_dropout: float = 0.0
    tbptt: bool = True
    sequence_length: int = 50
    batch_size: int = 32
    epochs: int = 9
    time_budget_minutes: float = None
    learning_rate: float = 3e-3
    clipnorm: float = 5.0
    weight_decay: float = 0.0
    ema_momentum: float = 0.999
    jit_compile: bool = False
    patience: int = 2
    prompt: str = None
    sample_length: int = 300
    temperature: float = 0.8
    top_k: int = None
    top_p: float = None
    quick: bool = False
    export_root: str = "saved_models"
    run_dir: str = "runs/char_generation"
    restart: bool = False
    seed: int = 1337
    verbose: int = 2

    def __post_init__(self):
        recipe_arguments.check_cell_and_sizes(self, _POSITIVE_INTEGERS)
        if self.max_characters is not None and (not isinstance(self.max_characters, int)
                                                or self.max_characters <= self.sequence_length):
            raise ValueError(f"`max_characters` must be an integer above sequence_length ({self.sequence_length}) "
                             f"or None, got {self.max_characters!r}.")
        if self.decode_errors not in shakespeare.DECODE_ERRORS:
            raise ValueError(f"`decode_errors` must be one of {', '.join(shakespeare.DECODE_ERRORS)}, "
                             f"got {self.decode_errors!r}.")
        check_sampling(self.temperature, self.top_k, self.top_p)
        if self.quick:
            self.epochs = 1
            self.ensemble = 1
            self.units = min(self.units, 64)
            self.layers = 1
            self.embedding_dim = min(self.embedding_dim, 16)
            self.batch_size = min(self.batch_size, 32)
            self.max_characters = min(self.max_characters or 200_000, 200_000)
            self.sample_length = min(self.sample_length, 100)


def check_sampling(temperature, top_k, top_p):
    """Raises `ValueError` for a temperature, top-k or top-p outside its range."""
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"`temperature` must be a positive finite number (use greedy=True for argmax), "
                         f"got {temperature!r}.")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k <= 0):
        raise ValueError(f"`top_k` must be a positive integer or None, got {top_k!r}.")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"`top_p` must be in (0, 1] or None, got {top_p!r}.")


@dataclasses.dataclass
class CharGenerationResult:
    """What `train` measured and wrote.

    `metrics[split]` (split `validation` / `test`) holds `nats_per_character`,
    `bits_per_character`, `perplexity` and `characters` (how many were scored).
    """

    metrics: dict
    epochs_trained: int
    epoch_seconds: list
    samples: dict
    export_path: Path
    run_dir: Path
    corpus_description: str


# --- model -----------------------------------------------------------------------


def build_language_model(config, vocabulary_size, batch_size=None, stateful=False):
    """The language model: ids `(batch, steps)` -> next-character logits `(batch, steps, vocabulary_size)`.

    With `stateful=True` (truncated BPTT) the recurrent layers keep their
    state between batches, which needs a fixed `batch_size`.
    """
    ids = keras.Input((None,), batch_size=batch_size, dtype="int32", name="ids")
    hidden = keras.layers.Embedding(vocabulary_size, config.embedding_dim, name="embedding")(ids)
    for index in range(config.layers):
        hidden = layers.recurrent(config.cell, config.units, return_sequences=True, stateful=stateful,
                                  recurrent_dropout=config.recurrent_dropout, name=f"{config.cell}_{index + 1}")(hidden)
        if config.dropout:
            hidden = keras.layers.Dropout(config.dropout, name=f"dropout_{index + 1}")(hidden)
    logits = keras.layers.Dense(vocabulary_size, name="logits")(hidden)
    return keras.Model(ids, logits, name=f"char_language_model_{config.cell}")


def _flat_state_sizes(cell):
    sizes = cell.state_size
    return list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]


class _LanguageModelLayers:
    """One language model's layers, stateless, with its recurrent state as one matrix.

    The state is a float32 matrix `[batch, state_size]`: every layer's state
    vectors side by side (e.g. `h` and `c` of each LSTM layer). The layers
    have the names of `build_language_model`'s, so `copy_weights_from` loads a
    model trained either way (stateful or not).

    Args:
        config: the `CharGenerationConfig` of the model (architecture fields).
        vocabulary_size: the number of character ids.
    """

    def __init__(self, config, vocabulary_size):
        self.embedding = keras.layers.Embedding(vocabulary_size, config.embedding_dim, name="embedding")
        self.recurrent_layers = [
            layers.recurrent(config.cell, config.units, return_sequences=True, return_state=True,
                             name=f"{config.cell}_{index + 1}")
            for index in range(config.layers)
        ]
        self.output_layer = keras.layers.Dense(vocabulary_size, name="logits")
        self.state_sizes = [_flat_state_sizes(layer.cell) for layer in self.recurrent_layers]
        self.state_size = sum(sum(sizes) for sizes in self.state_sizes)

    @property
    def layers(self):
        return [self.embedding, *self.recurrent_layers, self.output_layer]

    def copy_weights_from(self, model):
        """Loads the weights of a model from `build_language_model` with the same settings."""
        for layer in self.layers:
            layer.set_weights(model.get_layer(layer.name).get_weights())

    def _split_state(self, state):
        flat = tf.split(state, [size for sizes in self.state_sizes for size in sizes], axis=-1)
        per_layer, position = [], 0
        for sizes in self.state_sizes:
            per_layer.append(flat[position:position + len(sizes)])
            position += len(sizes)
        return per_layer

    @staticmethod
    def _join_state(per_layer):
        return tf.concat([tf.cast(vector, tf.float32) for states in per_layer for vector in states], axis=-1)

    def step(self, ids, state):
        """One character per row: ids `[batch]`, state -> next-character logits `[batch, vocabulary]`, state."""
        hidden = self.embedding(ids)
        new_states = []
        for layer, states in zip(self.recurrent_layers, self._split_state(state)):
            states = states if len(states) > 1 else states[0]
            hidden, states = layer.cell(hidden, states, training=False)
            new_states.append(list(keras.tree.flatten(states)))
        return tf.cast(self.output_layer(hidden), tf.float32), self._join_state(new_states)

    def stream(self, ids, state):
        """A whole window `[batch, steps]` through the recurrent layers from `state`."""
        hidden = self.embedding(ids)
        new_states = []
        for layer, states in zip(self.recurrent_layers, self._split_state(state)):
            hidden, *states = layer(hidden, initial_state=list(states), training=False)
            new_states.append(states)
        return tf.cast(self.output_layer(hidden), tf.float32), self._join_state(new_states)


class CharGenerator:
    """Samples text from a character language model, one step per character, state carried.

    It holds its own stateless copy of the model's layers (one
    `_LanguageModelLayers` per ensemble member), so it works with a model
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
        self.members = [_LanguageModelLayers(config, vocabulary.size) for _ in range(config.ensemble)]
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
        """Feeds each row's characters (int32 `RaggedTensor` `[batch, (n)]`, n >= 1) from `state`.

        Returns the logits after each row's last character and the state there.
        Rows shorter than the longest keep their state once their characters end.
        """
        lengths = tf.cast(ids.row_lengths(), tf.int32)
        padded = ids.to_tensor()
        batch = tf.shape(padded)[0]
        logits = tf.zeros([batch, self.vocabulary.size], tf.float32)
        for position in tf.range(tf.shape(padded)[1]):
            tf.autograph.experimental.set_loop_options(
                shape_invariants=[(logits, tf.TensorShape([None, self.vocabulary.size])),
                                  (state, tf.TensorShape([None, self.state_size]))])
            new_logits, new_state = self.step(padded[:, position], state)
            active = (position < lengths)[:, None]
            logits = tf.where(active, new_logits, logits)
            state = tf.where(active, new_state, state)
        return logits, state

    def sample(self, logits, temperature, seed, top_k=None, top_p=None, greedy=False):
        """Draws one id per row from `logits / temperature` (never the unknown id).

        Args:
            logits: `[batch, vocabulary]`.
            temperature: float32 `[batch]`, positive.
            seed: int32 `[2]`, the stateless random seed of this draw.
            top_k, top_p: restrict the draw (see `CharGenerationConfig`).
            greedy: take the most likely id instead of drawing.
        """
        logits = logits + self.oov_mask
        if greedy:
            return tf.argmax(logits, axis=-1, output_type=tf.int32)
        logits = logits / temperature[:, None]
        if top_k is not None and top_k < self.vocabulary.size:
            kth_largest = tf.math.top_k(logits, k=top_k).values[:, -1:]
            logits = tf.where(logits < kth_largest, -np.inf, logits)
        if top_p is not None and top_p < 1:
            sorted_logits = tf.sort(logits, axis=-1, direction="DESCENDING")
            probabilities = tf.nn.softmax(sorted_logits, axis=-1)
            mass_before = tf.cumsum(probabilities, axis=-1, exclusive=True)
            kept = tf.where(mass_before < top_p, sorted_logits, np.inf)
            smallest_kept = tf.reduce_min(kept, axis=-1, keepdims=True)
            logits = tf.where(logits < smallest_kept, -np.inf, logits)
        return tf.cast(tf.random.stateless_categorical(logits, 1, seed)[:, 0], tf.int32)

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
        logits, state = self.read(ids, self.initial_state(batch))
        # At least one step, so that an empty batch still stacks a (0-row) result.
        steps = tf.reduce_max(tf.concat([length, [1]], axis=0))
        generated = tf.TensorArray(tf.int32, size=steps, element_shape=tf.TensorShape([None]))
        for position in tf.range(steps):
            tf.autograph.experimental.set_loop_options(
                shape_invariants=[(logits, tf.TensorShape([None, self.vocabulary.size])),
                                  (state, tf.TensorShape([None, self.state_size]))])
            next_ids = self.sample(logits, temperature, tf.stack([seed[0], seed[1] + position]), top_k, top_p, greedy)
            generated = generated.write(position, next_ids)
            logits, state = self.step(next_ids, state)
        all_ids = tf.reshape(tf.transpose(generated.stack()), [batch, steps])
        return tf.RaggedTensor.from_tensor(all_ids, lengths=length)

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
            tf.constant(prompts, tf.string), tf.fill([batch], length), tf.fill([batch], float(temperature)),
            tf.constant([seed, 0], tf.int32),
        )
        return [text.decode("utf-8") for text in self.vocabulary.decode(ids).numpy()]

    def _generate_function(self, top_k, top_p, greedy):
        key = (top_k, top_p, greedy)
        if key not in self._generate_functions:
            self._generate_functions[key] = tf.function(
                lambda prompt, length, temperature, seed: self.generate_ids(
                    prompt, length, temperature, seed, top_k, top_p, greedy),
                input_signature=[tf.TensorSpec([None], tf.string), tf.TensorSpec([None], tf.int32),
                                 tf.TensorSpec([None], tf.float32), tf.TensorSpec([2], tf.int32)],
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
            inputs = ids[start:start + window][None]
            targets = ids[start + 1:start + window + 1][None]
            inputs = inputs[:, :targets.shape[1]]
            logits, state = self._stream_step(tf.constant(inputs), state)
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
            total += float(tf.reduce_sum(losses))
            count += targets.shape[1]
        return total / count, count


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
            message="temperature must be a positive finite number, e.g. 0.8 (lower: more conservative)")

    def check_batch(name, tensor, reference):
        return tf.debugging.assert_equal(
            tf.shape(tensor)[0], tf.shape(reference)[0],
            message=f"{name} must have one value per prompt (the same batch size)")

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="prompt"),
                                  tf.TensorSpec([None], tf.int32, name="length"),
                                  tf.TensorSpec([None], tf.float32, name="temperature")])
    def serve(prompt, length, temperature):
        checks = [
            check_batch("length", length, prompt),
            check_batch("temperature", temperature, prompt),
            tf.debugging.assert_positive(length, message=f"length must be in [1, {MAX_LENGTH}] characters"),
            tf.debugging.assert_less_equal(length, MAX_LENGTH,
                                           message=f"length must be in [1, {MAX_LENGTH}] characters"),
            check_temperature(temperature),
        ]
        with tf.control_dependencies(checks):
            ids = generator.generate_ids(tf.identity(prompt), length, temperature, random_seed(), top_k, top_p)
        return {"text": generator.vocabulary.decode(ids)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text"),
                                  tf.TensorSpec([None, size], tf.float32, name="state"),
                                  tf.TensorSpec([None], tf.float32, name="temperature")])
    def step(text, state, temperature):
        checks = [
            check_batch("state", state, text),
            check_batch("temperature", temperature, text),
            tf.debugging.assert_equal(tf.shape(state)[1], size, message=f"state must have shape [batch, {size}]"),
            tf.debugging.assert_positive(tf.strings.length(text, unit="UTF8_CHAR"),
                                         message="each text must hold at least one character"),
            tf.debugging.assert_all_finite(state, "state holds NaN or Inf: pass the state a previous call returned"),
            check_temperature(temperature),
        ]
        with tf.control_dependencies(checks):
            logits, new_state = generator.read(generator.vocabulary(tf.identity(text)), state)
        next_ids = generator.sample(logits, temperature, random_seed(), top_k, top_p)
        return {"next_character": generator.vocabulary.decode(next_ids[:, None]), "state": new_state}

    return {"serving_default": serve, "step": step}


# --- data ------------------------------------------------------------------------


def window_dataset(ids, config, shuffle):
    """Independent windows: `(inputs, next characters)` of `sequence_length`, batched."""
    length = config.sequence_length
    count = (len(ids) - 1) // length
    starts = np.arange(count) * length
    windows = np.stack([ids[start:start + length + 1] for start in starts])
    dataset = tf.data.Dataset.from_tensor_slices((windows[:, :-1], windows[:, 1:]))
    if shuffle:
        dataset = training.shuffle_each_epoch(dataset, count, config.seed)
    return dataset.batch(config.batch_size, drop_remainder=shuffle).prefetch(tf.data.AUTOTUNE)


def stream_dataset(ids, config):
    """Truncated BPTT batches: `batch_size` contiguous streams, batch `k` = window `k` of each."""
    length, streams = config.sequence_length, config.batch_size
    windows_per_stream = (len(ids) - 1) // streams // length
    if windows_per_stream == 0:
        raise ValueError(
            f"{len(ids):,} characters are too few for {streams} streams of {length}-character windows: "
            "lower batch_size or sequence_length, or train on more text.")
    used = windows_per_stream * length
    per_stream = (len(ids) - 1) // streams
    rows = np.stack([ids[index * per_stream:index * per_stream + used + 1] for index in range(streams)])
    inputs = rows[:, :-1].reshape(streams, windows_per_stream, length).transpose(1, 0, 2)
    targets = rows[:, 1:].reshape(streams, windows_per_stream, length).transpose(1, 0, 2)
    return tf.data.Dataset.from_tensor_slices((inputs, targets)).prefetch(tf.data.AUTOTUNE)


class ResetStates(keras.callbacks.Callback):
    """Zeroes the stateful layers' states at each epoch start and around validation."""

    def _reset(self, *arguments):
        for layer in self.model.layers:
            if getattr(layer, "stateful", False):
                layer.reset_state()

    on_epoch_begin = on_test_begin = on_test_end = _reset


class PrintSample(keras.callbacks.Callback):
    """Prints a generated sample after every epoch (the generator gets the model's current weights)."""

    def __init__(self, generator, config, prompt, print_function):
        super().__init__()
        self.generator, self.config, self.prompt, self.print_function = generator, config, prompt, print_function
        self.samples = {}

    def on_epoch_end(self, epoch, logs=None):
        self.generator.copy_weights_from(self.model)
        text = self.generator.generate([self.prompt], self.config.sample_length, self.config.temperature,
                                       self.config.top_k, self.config.top_p, seed=self.config.seed + epoch)[0]
        self.samples[epoch + 1] = text
        self.print_function(f"--- sample after epoch {epoch + 1} (temperature {self.config.temperature}) ---\n"
                            f"{self.prompt}{text}\n---")


def averaging_momentum(ema_momentum, planned_steps):
    """The weight average's momentum for a run of `planned_steps` steps: `ema_momentum`, lowered where need be
    so that the first steps' weights count for under 1% (e^-5) of the final average. Keras' average has no
    warm-up: it starts from the weights after the first step, so 0.999 over 500 steps would keep 61% of them.
    0: no averaging (also when `planned_steps` is too few to average over)."""
    return max(0.0, min(ema_momentum, 1 - 5 / planned_steps)) if ema_momentum else 0.0


def averaging_note(requested, momentum, planned_steps):
    """What the training line says of the weight average: `, weight average (EMA 0.96, lowered from 0.999 for
    125 steps)`; empty when none was asked for."""
    if not requested:
        return ""
    if not momentum:
        return f", no weight average ({planned_steps} steps are too few to average over)"
    lowered = f", lowered from {requested:g} for {planned_steps} steps" if momentum < requested else ""
    return f", weight average (EMA {momentum:.4g}{lowered})"


def build_optimizer(config, learning_rate, ema_momentum=0.0):
    """Adam on `learning_rate` (a float or a schedule) with global clipping, weight decay (not of biases)
    and, with `ema_momentum` (see `averaging_momentum`), a moving average of the weights."""
    averaging = {"use_ema": True, "ema_momentum": ema_momentum} if ema_momentum else {}
    optimizer = keras.optimizers.Adam(learning_rate, global_clipnorm=config.clipnorm,
                                      weight_decay=config.weight_decay or None, **averaging)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    return optimizer


def loss_metrics(nats, characters):
    return {"nats_per_character": nats, "bits_per_character": nats / math.log(2), "perplexity": math.exp(nats),
            "characters": characters}


# --- training --------------------------------------------------------------------


# Config fields that do not change what a model learns: an ensemble member trained with other values of
# them is reused by a later run (`_train_member`).
_OUTPUT_SETTINGS = ("prompt", "sample_length", "temperature", "top_k", "top_p", "export_root", "restart", "verbose")


def _train_member(config, index, ids, vocabulary, prompt, seconds_spent, print_function):
    """Trains ensemble member `index` (or the only model, when `config.ensemble` is 1).

    A member's run folder keeps its checkpoints (an interrupted member resumes
    there), `history.json`, `history.png` and `model.keras`; an ensemble member
    also `member.json`, and a later run with the same settings (but for
    `_OUTPUT_SETTINGS`) and training text reloads a finished member instead of
    training it again.
    A time budget's remainder after `seconds_spent` is shared out equally
    between the members left.

    Returns:
        The trained model, its epochs and the seconds of each.
    """
    if config.ensemble == 1:
        run_dir, member_config = Path(config.run_dir), config
    else:
        run_dir = training.start_run(Path(config.run_dir) / f"member_{index + 1}", config.restart, config.seed + index)
        budget = config.time_budget_minutes and max(1 / 60, (config.time_budget_minutes - seconds_spent / 60) / (
            config.ensemble - index))
        member_config = dataclasses.replace(config, seed=config.seed + index, time_budget_minutes=budget)
        settings = {name: value for name, value in dataclasses.asdict(config).items() if name not in _OUTPUT_SETTINGS}
        # The text itself, so that a changed file at the same path is trained on again.
        settings["training_text"] = hashlib.sha256(np.asarray(ids["train"]).tobytes()).hexdigest()
        finished = run_dir / "member.json"
        record = json.loads(finished.read_text()) if finished.exists() and not config.restart else None
        if record is not None and record["settings"] == settings:
            print_function(f"Member {index + 1}: reusing the finished model in {run_dir}.")
            return keras.saving.load_model(run_dir / "model.keras"), record["epochs"], record["epoch_seconds"]
        finished.unlink(missing_ok=True)
        print_function(f"--- member {index + 1} of {config.ensemble} (seed {member_config.seed}"
                       + (f", {budget:.1f} minutes" if budget else "") + ") ---")
    model, history, epoch_seconds = _fit(member_config, ids, vocabulary, prompt, run_dir, print_function)
    model.save(run_dir / "model.keras")
    epochs = len(history.history["loss"])
    if config.ensemble > 1:
        (run_dir / "member.json").write_text(json.dumps(
            {"settings": settings, "epochs": epochs, "epoch_seconds": epoch_seconds}, indent=1))
    return model, epochs, epoch_seconds


def _fit(config, ids, vocabulary, prompt, run_dir, print_function):
    """Builds and fits one language model in `run_dir` -> (model, Keras history, seconds of each epoch)."""
    if config.tbptt:
        model = build_language_model(config, vocabulary.size, batch_size=config.batch_size, stateful=True)
        train_data, validation_data = stream_dataset(ids["train"], config), stream_dataset(ids["validation"], config)
    else:
        model = build_language_model(config, vocabulary.size)
        train_data = window_dataset(ids["train"], config, shuffle=True)
        validation_data = window_dataset(ids["validation"], config, shuffle=False).cache()
    steps_per_epoch = int(train_data.cardinality())
    # A cosine decay to 5% of the peak over `epochs`, which a time budget re-plans to end with the budget.
    planned_steps = config.epochs * steps_per_epoch
    schedule = training.PlannedCosineDecay(config.learning_rate, planned_steps, alpha=0.05)
    momentum = averaging_momentum(config.ema_momentum, planned_steps)
    model.compile(optimizer=build_optimizer(config, schedule, momentum),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=config.jit_compile)
    model.summary(print_fn=print_function)
    print_function(f"Training: {'truncated BPTT, stateful' if config.tbptt else 'independent windows'}, "
                   f"{config.sequence_length}-character windows, batch {config.batch_size}, "
                   f"{steps_per_epoch} steps per epoch, up to {config.epochs} epochs"
                   f"{averaging_note(config.ema_momentum, momentum, planned_steps)}.")

    sampler = PrintSample(CharGenerator(dataclasses.replace(config, ensemble=1), vocabulary), config, prompt,
                          print_function)
    epoch_seconds = []
    callbacks = training.standard_callbacks(run_dir, "val_loss", "min", config.patience, epoch_seconds,
                                            train_dataset=None if config.tbptt else train_data,
                                            averaged_weights=bool(momentum)) + [sampler]
    if config.time_budget_minutes:
        callbacks.append(training.TimeBudget(config.time_budget_minutes, epoch_seconds, print_function,
                                             schedule=schedule))
    if config.tbptt:
        callbacks.insert(0, ResetStates())
    history = model.fit(train_data, validation_data=validation_data, epochs=config.epochs, callbacks=callbacks,
                        shuffle=False, verbose=config.verbose)
    training.check_finite_history(history, run_dir)
    (run_dir / "history.json").write_text(json.dumps(history.history, indent=1))
    diagnostics.plot_history(history, run_dir / "history.png")
    return model, history, epoch_seconds


def train(config, print_function=print):
    """Loads the text, trains, scores validation and test, prints samples and exports.

    Returns:
        A `CharGenerationResult`.
    """
    run_dir = training.start_run(config.run_dir, config.restart, config.seed)
    corpus = shakespeare.load(config.text, errors=config.decode_errors)
    vocabulary = CharVocabulary.from_text(corpus.train, name="vocabulary")
    train_text = corpus.train[:config.max_characters] if config.max_characters else corpus.train
    description = corpus.describe() + (f"; training on the first {len(train_text):,}" if config.max_characters else "")
    print_function(description)
    ids = {"train": vocabulary.encode_text(train_text),
           **{split: vocabulary.encode_text(corpus.split(split)) for split in ("validation", "test")}}
    unknown = {split: int(np.sum(ids[split] == OOV_ID)) for split in ("validation", "test")}
    print_function(f"Vocabulary: {vocabulary.size - 1} characters from the training text, plus id 0 for unknown "
                   f"ones (validation {unknown['validation']}, test {unknown['test']} unknown characters).")
    (run_dir / "vocabulary.json").write_text(json.dumps({"characters": vocabulary.characters}))

    prompt = config.prompt if config.prompt is not None else corpus.validation.lstrip("\n").split("\n")[0][:60] + "\n"
    if config.ensemble > 1:
        print_function(f"Ensemble of {config.ensemble} models, seeds {config.seed} to "
                       f"{config.seed + config.ensemble - 1}, trained one after the other in {run_dir}/member_<k>.")
    models, epochs_trained, epoch_seconds = [], 0, []
    for index in range(config.ensemble):
        model, member_epochs, member_seconds = _train_member(config, index, ids, vocabulary, prompt,
                                                             sum(epoch_seconds), print_function)
        models.append(model)
        epochs_trained += member_epochs
        epoch_seconds += member_seconds

    generator = CharGenerator(config, vocabulary)
    generator.copy_weights_from(models)
    metrics = {}
    for split in ("validation", "test"):
        start = time.perf_counter()
        nats, count = generator.stream_loss(ids[split])
        metrics[split] = loss_metrics(nats, count)
        print_function(f"{split}: {nats:.4f} nats/char, {metrics[split]['bits_per_character']:.4f} bits/char, "
                       f"perplexity {metrics[split]['perplexity']:.2f} ({count:,} characters, "
                       f"{time.perf_counter() - start:.0f} s)")
    print_function("For scale: a uniform guess over the vocabulary scores "
                   f"{math.log(vocabulary.size - 1):.2f} nats/char; nanoGPT's character Transformer reports 1.47 "
                   "(validation, A100) and 1.88 (small CPU configuration) on Tiny Shakespeare.")
    if epoch_seconds:
        print_function(f"Training: {len(epoch_seconds)} epoch(s), median {np.median(epoch_seconds):.0f} s per epoch, "
                       f"{sum(epoch_seconds) / 60:.1f} min")

    samples = {}
    for temperature in (0.5, 0.8, 1.0):
        samples[f"temperature {temperature}"] = generator.generate(
            [prompt], config.sample_length, temperature, config.top_k, config.top_p, seed=config.seed)[0]
    samples["greedy"] = generator.generate([prompt], config.sample_length, greedy=True)[0]
    for name, text in samples.items():
        print_function(f"--- {name} ---\n{prompt}{text}")
    (run_dir / "metrics.json").write_text(json.dumps(
        {"metrics": metrics, "samples": samples, "epochs_trained": epochs_trained,
         "epoch_seconds": epoch_seconds, "corpus": description}, indent=1))

    export_path = export.export_for_serving(
        generator.layers, config.export_root, MODEL_NAME,
        serving_signatures(generator, config.top_k, config.top_p),
        # Near-greedy warmup requests: TF Serving warms up, and the export check
        # compares reloaded outputs, on requests whose answer does not depend on the random draw.
        warmup_examples=[{"prompt": [prompt], "length": [32], "temperature": [1e-4]}],
    )
    print_function(f"Exported to {export_path} (serving_default: prompt, length, temperature -> text; step: text, "
                   f"state [batch, {generator.state_size}], temperature -> next_character, state).")
    return CharGenerationResult(
        metrics=metrics,
        epochs_trained=epochs_trained,
        epoch_seconds=epoch_seconds,
        samples=samples,
        export_path=Path(export_path),
        run_dir=run_dir,
        corpus_description=description,
    )
