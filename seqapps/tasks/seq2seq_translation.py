"""Spanish -> English translation with an attentional recurrent encoder-decoder, served from raw strings.

Data flows one way: `seqapps.data.spa_eng` (pairs split by unique Spanish
sentence) -> in-graph standardization and word vocabularies built from the
training split (`standardize_spanish` / `standardize_english`, tensorflow-text
`normalize_utf8` NFKD with the accents dropped) -> `Translator` (a
bidirectional `seqapps.layers.recurrent` encoder, a recurrent decoder with
attention, trained with teacher forcing and a masked loss) -> in-graph
greedy, sampling and beam-search decoding -> sacrebleu BLEU and chrF on the
test split -> `seqapps.export`.

The decoder follows Luong et al.'s (2015) global attention without input
feeding: the decoder RNN reads the previous target word, its output `h_t`
queries the encoder outputs, and the attentional vector
`LayerNorm(h_t + W context_t)` predicts the next word. (Luong's
`tanh(W [context_t; h_t])` saturated early in training here and the model
stalled at the unigram distribution; the residual, normalized form trains.)
The score of `h_t` against an encoder output `s` is Bahdanau's additive
`v . tanh(W_q h_t + W_k s)` (`attention="bahdanau"`) or Luong's
multiplicative `h_t . W s / sqrt(units)` (`attention="luong"`, scaled as in
Vaswani et al. 2017), via Keras' `AdditiveAttention` / `Attention` layers.
Without input feeding the decoder RNN runs over the whole target sentence in
training like any Keras RNN. The decoder's first state is a `tanh` projection
of the mean of the encoder outputs (one per state vector, so LSTM cells get
both `h` and `c`).

Decoding stops at the end token or after `max_length` words. Beam search keeps
`beam_width` hypotheses per sentence and picks the finished one with the best
length-normalized log-probability, `log p / ((5 + length) / 6) ** alpha`
(Wu et al. 2016). The unknown word, padding and start tokens are never
generated.
"""

import dataclasses
import json
import time
from pathlib import Path

import keras
import numpy as np
import sacrebleu
import tensorflow as tf
import tensorflow_text

from seqapps import diagnostics, export, layers, recipe_arguments, training
from seqapps.diagnostics import plotting
from seqapps.data import spa_eng

MODEL_NAME = "spa_eng_translator"
ATTENTIONS = ("bahdanau", "luong")
DECODINGS = ("greedy", "sample", "beam")
START, END, UNKNOWN = "[start]", "[end]", "[UNK]"
MAX_SOURCE_WORDS = 100
MAX_BEAM_WIDTH = 16
DEFAULT_MAX_LENGTH = 50
LENGTH_PENALTY = 0.6
_POSITIVE_INTEGERS = ("units", "embedding_dim", "source_vocabulary_size", "target_vocabulary_size", "epochs",
                      "batch_size", "patience", "beam_width", "max_length")
# After NFKD and dropping the combining marks, everything but these becomes a space.
_DROPPED = r"[^ a-z0-9.?!,¿¡']"


@keras.saving.register_keras_serializable(package="seqapps")
def standardize_spanish(texts):
    """Lower-cased, accents dropped, punctuation set apart: "¿Dónde está?" -> "¿ donde esta ?".

    In order: invalid UTF-8 bytes become U+FFFD, control characters (NUL
    included) spaces; NFKD normalization (so "ó"
    is "o" plus a combining accent, and "ﬁ" is "fi"), combining marks dropped,
    lower-casing; any character but a-z, digits, spaces, apostrophes and
    `. ? ! , ¿ ¡` becomes a space (emoji, other scripts, control characters);
    those punctuation marks become words of their own; runs of spaces
    collapse. Used for both languages (the English side has few accents).
    """
    texts = tf.strings.unicode_transcode(tf.convert_to_tensor(texts, tf.string), "UTF-8", "UTF-8", errors="replace")
    # Control characters first: `normalize_utf8` would end the string at a NUL.
    texts = tf.strings.regex_replace(texts, r"\p{Cc}", " ")
    texts = tensorflow_text.normalize_utf8(texts, "NFKD")
    texts = tf.strings.regex_replace(texts, r"\p{Mn}", "")
    texts = tf.strings.lower(texts, encoding="utf-8")
    texts = tf.strings.regex_replace(texts, r"¿", " ¿ ")
    texts = tf.strings.regex_replace(texts, r"¡", " ¡ ")
    texts = tf.strings.regex_replace(texts, _DROPPED, " ")
    texts = tf.strings.regex_replace(texts, r"([.?!,¿¡])", r" \1 ")
    texts = tf.strings.regex_replace(texts, r"\s+", " ")
    return tf.strings.strip(texts)


@keras.saving.register_keras_serializable(package="seqapps")
def standardize_english(texts):
    """`standardize_spanish`, between the start and end tokens: "Hi." -> "[start] hi . [end]"."""
    return tf.strings.join([START, standardize_spanish(texts), END], separator=" ")


def detokenize(words):
    """Joins word tokens `[batch, (n)]` into sentences: punctuation attached, first letter upper-cased."""
    sentences = tf.strings.reduce_join(words, axis=-1, separator=" ")
    sentences = tf.strings.regex_replace(sentences, r" ([.?!,])", r"\1")
    sentences = tf.strings.regex_replace(sentences, r"([¿¡]) ", r"\1")
    characters = tf.strings.unicode_split(sentences, "UTF-8")
    first = tf.strings.upper(tf.strings.reduce_join(characters[:, :1], axis=-1), encoding="utf-8")
    return tf.strings.join([first, tf.strings.reduce_join(characters[:, 1:], axis=-1)])


@dataclasses.dataclass
class TranslationConfig:
    """Settings of the Spanish -> English translation recipe.

    Args:
        data: `spa-eng.zip`, `spa.txt` or a folder holding either (default:
            `$SEQAPPS_DATA_DIR/spa-eng/spa-eng.zip`, else the download).
        max_pairs: train on at most this many training pairs (`None`: all);
            validation and test stay whole.
        cell: recurrent layer kind of the encoder and the decoder, a name from `seqapps.layers.KINDS`.
        units: units of each encoder direction and of the decoder.
        embedding_dim: size of the word embeddings.
        attention: `bahdanau` (additive) or `luong` (multiplicative) scores.
        dropout: dropout on the embeddings and before the output layer.
        source_vocabulary_size, target_vocabulary_size: words per vocabulary,
            the padding and unknown tokens included, most frequent in train first.
        max_training_words: training sentences are cut to this many words
            (start and end tokens included).
        epochs: maximum epochs (early stopping on validation loss).
        batch_size: sentence pairs per batch (batched by similar length).
        learning_rate: peak Adam learning rate, cosine decay to 5% of it.
        clipnorm: clip gradients to this global norm (`None`: no clipping).
        patience: epochs without validation improvement before stopping.
        time_budget_minutes: stop after the epoch that would leave too little
            time for another one within this many minutes (`None`: no budget).
        beam_width: beam width of the evaluation and of the exported
            `serving_default` (1 would be greedy).
        max_length: most words of a translation.
        evaluation_pairs: score at most this many test pairs (`None`: all 2,000).
        quick: a small model on 5,000 pairs for one epoch, a smoke run.
        evaluate_only: train nothing: score and export the best weights of the
            run in `run_dir` (its `vocabulary.json` and `best.weights.h5`,
            trained with the same architecture settings).
        export_root, run_dir, restart, seed, verbose: see the other recipes.
    """

    data: str = None
    max_pairs: int = None
    cell: str = "gru"
    units: int = 256
    embedding_dim: int = 256
    attention: str = "luong"
    dropout: float = 0.2
    source_vocabulary_size: int = 12_000
    target_vocabulary_size: int = 8_000
    max_training_words: int = 40
    epochs: int = 8
    batch_size: int = 64
    learning_rate: float = 2e-3
    clipnorm: float = 5.0
    patience: int = 2
    time_budget_minutes: float = None
    beam_width: int = 5
    max_length: int = DEFAULT_MAX_LENGTH
    evaluation_pairs: int = None
    quick: bool = False
    evaluate_only: bool = False
    export_root: str = "saved_models"
    run_dir: str = "runs/seq2seq_translation"
    restart: bool = False
    seed: int = 1337
    verbose: int = 2

    def __post_init__(self):
        recipe_arguments.check_cell_and_sizes(self, _POSITIVE_INTEGERS)
        if self.attention not in ATTENTIONS:
            raise ValueError(f"Unknown attention {self.attention!r}: choose from {', '.join(ATTENTIONS)}.")
        for name in ("max_pairs", "evaluation_pairs"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                raise ValueError(f"`{name}` must be a positive integer or None, got {value!r}.")
        if self.beam_width > MAX_BEAM_WIDTH:
            raise ValueError(f"`beam_width` must be at most {MAX_BEAM_WIDTH}, got {self.beam_width}.")
        if self.max_training_words < 3:
            raise ValueError(f"`max_training_words` must be at least 3, got {self.max_training_words!r}.")
        for name in ("source_vocabulary_size", "target_vocabulary_size"):
            if getattr(self, name) < 5:
                raise ValueError(f"`{name}` must be at least 5, got {getattr(self, name)!r}.")
        if self.quick:
            self.epochs = 1
            self.units = min(self.units, 64)
            self.embedding_dim = min(self.embedding_dim, 32)
            self.max_pairs = min(self.max_pairs or 5_000, 5_000)
            self.evaluation_pairs = min(self.evaluation_pairs or 200, 200)
            self.source_vocabulary_size = min(self.source_vocabulary_size, 2_000)
            self.target_vocabulary_size = min(self.target_vocabulary_size, 2_000)
            self.beam_width = min(self.beam_width, 3)


def build_vocabulary(texts, standardize, size):
    """The `size` most frequent words of `texts` after `standardize`, after `""` and `[UNK]`."""
    vectorizer = keras.layers.TextVectorization(max_tokens=size, standardize=standardize)
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(tf.constant(texts, tf.string)).batch(1024))
    return [str(word) for word in vectorizer.get_vocabulary()]


def _flat_state_sizes(cell):
    sizes = cell.state_size
    return list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]


@keras.saving.register_keras_serializable(package="seqapps")
class Translator(keras.Model):
    """An attentional recurrent encoder-decoder over word vocabularies (see the module docstring).

    Args:
        source_vocabulary: Spanish words, `""` and `[UNK]` first.
        target_vocabulary: English words, `""` and `[UNK]` first, holding `[start]` and `[end]`.
        cell: recurrent layer kind (`seqapps.layers.KINDS`).
        units: units of each encoder direction and of the decoder.
        embedding_dim: size of the word embeddings.
        attention: `bahdanau` or `luong`.
        dropout: dropout on the embeddings and before the output layer.

    Call arguments:
        inputs: `(source_ids, target_input_ids)`, int32 `[batch, source_steps]` and
            `[batch, target_steps]`, 0-padded; the target starts with `[start]`.
        training: whether dropout is on.

    Returns: next-word logits `[batch, target_steps, target vocabulary size]`.

    Example:

    >>> translator = Translator(["", "[UNK]", "hola"], ["", "[UNK]", "[start]", "[end]", "hello"], units=8)
    >>> translator.translate(["hola"], decoding="greedy")  # doctest: +SKIP
    """

    def __init__(self, source_vocabulary, target_vocabulary, cell="gru", units=256, embedding_dim=256,
                 attention="luong", dropout=0.2, **kwargs):
        super().__init__(**kwargs)
        if cell not in layers.KINDS:
            raise ValueError(f"Unknown cell {cell!r}: choose from {', '.join(layers.KINDS)}.")
        if attention not in ATTENTIONS:
            raise ValueError(f"Unknown attention {attention!r}: choose from {', '.join(ATTENTIONS)}.")
        for token in (START, END):
            if token not in target_vocabulary:
                raise ValueError(f"The target vocabulary lacks {token!r}: build it from `standardize_english` texts.")
        self.source_vocabulary = list(source_vocabulary)
        self.target_vocabulary = list(target_vocabulary)
        self.cell = cell
        self.units = units
        self.embedding_dim = embedding_dim
        self.attention = attention
        self.dropout = dropout
        self.start_id = self.target_vocabulary.index(START)
        self.end_id = self.target_vocabulary.index(END)
        self.target_size = len(self.target_vocabulary)

        self.source_vectorizer = keras.layers.TextVectorization(
            standardize=standardize_spanish, vocabulary=self.source_vocabulary[2:], name="source_vectorizer")
        self.target_vectorizer = keras.layers.TextVectorization(
            standardize=standardize_english, vocabulary=self.target_vocabulary[2:], name="target_vectorizer")
        self.source_embedding = keras.layers.Embedding(len(self.source_vocabulary), embedding_dim, mask_zero=True,
                                                       name="source_embedding")
        self.target_embedding = keras.layers.Embedding(self.target_size, embedding_dim, mask_zero=True,
                                                       name="target_embedding")
        self.embedding_dropout = keras.layers.Dropout(dropout, name="embedding_dropout")
        self.encoder = layers.recurrent(cell, units, bidirectional=True, return_sequences=True, name="encoder")
        self.decoder = layers.recurrent(cell, units, return_sequences=True, return_state=True, name="decoder")
        self.state_sizes = _flat_state_sizes(self.decoder.cell)
        self.bridges = [keras.layers.Dense(size, activation="tanh", name=f"bridge_{index}")
                        for index, size in enumerate(self.state_sizes)]
        self.key_projection = keras.layers.Dense(units, use_bias=False, name="key_projection")
        if attention == "bahdanau":
            self.query_projection = keras.layers.Dense(units, use_bias=False, name="query_projection")
            self.scores = keras.layers.AdditiveAttention(name="additive_attention")
        else:
            self.query_projection = None
            self.scores = keras.layers.Attention(name="multiplicative_attention")
        self.combine = keras.layers.Dense(units, name="context_projection")
        self.combine_norm = keras.layers.LayerNormalization(name="attentional")
        self.output_dropout = keras.layers.Dropout(dropout, name="output_dropout")
        self.output_layer = keras.layers.Dense(self.target_size, name="logits")
        never = np.zeros(self.target_size, np.float32)
        never[[0, 1, self.start_id]] = -np.inf
        self.never_generated = tf.constant(never)
        self.build()

    # --- the network ------------------------------------------------------------

    def build(self, input_shape=None):
        """Creates every weight by running the network once on a two-word pair."""
        two_words = keras.ops.ones((1, 2), dtype="int32")
        self.call((two_words, two_words))
        self.built = True

    def encode(self, source_ids, training=False):
        """Encoder outputs `[batch, steps, 2 units]`, their attention keys, the source mask and the decoder's first state."""
        mask = source_ids != 0
        embedded = self.embedding_dropout(self.source_embedding(source_ids), training=training)
        outputs = self.encoder(embedded, mask=mask, training=training)
        weights = keras.ops.cast(mask, outputs.dtype)[..., None]
        pooled = keras.ops.sum(outputs * weights, axis=1) / keras.ops.maximum(keras.ops.sum(weights, axis=1), 1.0)
        states = [bridge(pooled) for bridge in self.bridges]
        return outputs, self.key_projection(outputs), mask, states

    def attend(self, decoder_outputs, encoder_outputs, keys, mask, return_attention_scores=False):
        """Logits of the next word from the decoder outputs `[batch, steps, units]`, and optionally the attention."""
        if self.query_projection is None:
            # Scaled as in Vaswani et al. (2017): unscaled dot products of `units`-wide vectors saturate the
            # softmax early in training, and the model then stalls at the unigram distribution.
            query = decoder_outputs * (self.units ** -0.5)
        else:
            query = self.query_projection(decoder_outputs)
        context, attention = self.scores([query, encoder_outputs, keys], mask=[None, mask],
                                         return_attention_scores=True)
        attentional = self.combine_norm(decoder_outputs + self.combine(context))
        logits = self.output_layer(self.output_dropout(attentional))
        return (logits, attention) if return_attention_scores else logits

    def call(self, inputs, training=False):
        source_ids, target_ids = inputs
        encoder_outputs, keys, mask, states = self.encode(source_ids, training)
        embedded = self.embedding_dropout(self.target_embedding(target_ids), training=training)
        decoder_outputs, *_ = self.decoder(embedded, initial_state=states, mask=target_ids != 0, training=training)
        return self.attend(decoder_outputs, encoder_outputs, keys, mask)

    def decode_step(self, word_ids, states, encoder_outputs, keys, mask):
        """One target word per row: ids `[batch]` -> log-probabilities `[batch, vocabulary]`, states, attention."""
        # The embedding matrix read directly: the layer would attach its padding mask, which a cell does not take.
        hidden = keras.ops.take(self.target_embedding.embeddings, word_ids, axis=0)
        cell_states = states if len(states) > 1 else states[0]
        output, new_states = self.decoder.cell(hidden, cell_states, training=False)
        logits, attention = self.attend(output[:, None, :], encoder_outputs, keys, mask, return_attention_scores=True)
        logits = tf.cast(logits[:, 0], tf.float32) + self.never_generated
        return tf.nn.log_softmax(logits), list(keras.tree.flatten(new_states)), attention[:, 0]

    # --- from text to ids and back ----------------------------------------------

    def source_ids(self, texts):
        """Spanish strings `[batch]` -> 0-padded ids, at most `MAX_SOURCE_WORDS`, at least one per row ([UNK] if none)."""
        ids = self.source_vectorizer(texts)[:, :MAX_SOURCE_WORDS]
        ids = tf.pad(ids, [[0, 0], [0, 1]])
        empty = tf.reduce_all(ids == 0, axis=1, keepdims=True)
        first_column = tf.where(empty, tf.ones_like(ids[:, :1]), ids[:, :1])
        return tf.cast(tf.concat([first_column, ids[:, 1:]], axis=1), tf.int32)

    def words(self, ids):
        """Target ids `[batch, steps]` -> sentences `[batch]`, cut at the end token."""
        ids = tf.convert_to_tensor(ids)
        is_end = tf.cast(ids == self.end_id, tf.int32)
        lengths = tf.reduce_sum(1 - tf.minimum(tf.cumsum(is_end, axis=1), 1), axis=1)
        ragged = tf.RaggedTensor.from_tensor(ids, lengths=lengths)
        return detokenize(tf.gather(tf.constant(self.target_vocabulary), ragged))

    # --- decoding ----------------------------------------------------------------

    def greedy_ids(self, source_ids, max_length, temperature=None, seed=None):
        """Greedy (or with `temperature`, sampled) decoding: ids `[batch, steps]` and attention `[batch, steps, source]`."""
        encoder_outputs, keys, mask, states = self.encode(source_ids)
        batch = tf.shape(source_ids)[0]
        word_ids = tf.fill([batch], self.start_id)
        finished = tf.zeros([batch], tf.bool)
        outputs = tf.TensorArray(tf.int32, size=0, dynamic_size=True, element_shape=tf.TensorShape([None]))
        attentions = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        source_steps = tf.shape(source_ids)[1]
        for position in tf.range(max_length):
            tf.autograph.experimental.set_loop_options(shape_invariants=[
                (word_ids, tf.TensorShape([None])), (finished, tf.TensorShape([None])),
                (states, [tf.TensorShape([None, size]) for size in self.state_sizes])])
            log_probabilities, states, attention = self.decode_step(word_ids, states, encoder_outputs, keys, mask)
            if temperature is None:
                word_ids = tf.argmax(log_probabilities, axis=-1, output_type=tf.int32)
            else:
                draw_seed = tf.stack([seed[0], seed[1] + position])
                word_ids = tf.cast(tf.random.stateless_categorical(
                    log_probabilities / temperature[:, None], 1, draw_seed)[:, 0], tf.int32)
            word_ids = tf.where(finished, self.end_id, word_ids)
            outputs = outputs.write(position, word_ids)
            attentions = attentions.write(position, tf.reshape(tf.cast(attention, tf.float32), [batch, source_steps]))
            finished = finished | (word_ids == self.end_id)
            if tf.reduce_all(finished):
                break
        return tf.transpose(outputs.stack()), tf.transpose(attentions.stack(), [1, 0, 2])

    def beam_ids(self, source_ids, beam_width, max_length, length_penalty=LENGTH_PENALTY):
        """Beam search: the best length-normalized hypothesis per row, ids `[batch, steps]`."""
        encoder_outputs, keys, mask, states = self.encode(source_ids)
        batch = tf.shape(source_ids)[0]
        vocabulary = self.target_size

        def tile(tensor):
            return tf.repeat(tensor, beam_width, axis=0)

        encoder_outputs, keys, mask = tile(encoder_outputs), tile(keys), tile(mask)
        states = [tile(state) for state in states]
        # Only the first beam is alive at the start, so the first step draws `beam_width` different words.
        scores = tf.where(tf.range(beam_width)[None, :] == 0, 0.0, -np.inf) + tf.zeros([batch, 1])
        sequences = tf.zeros([batch * beam_width, 0], tf.int32)
        word_ids = tf.fill([batch * beam_width], self.start_id)
        finished = tf.zeros([batch, beam_width], tf.bool)
        lengths = tf.zeros([batch, beam_width], tf.float32)
        only_end = tf.where(tf.range(vocabulary) == self.end_id, 0.0, -np.inf)
        offsets = (tf.range(batch) * beam_width)[:, None]
        for _ in tf.range(max_length):
            tf.autograph.experimental.set_loop_options(shape_invariants=[
                (sequences, tf.TensorShape([None, None])), (word_ids, tf.TensorShape([None])),
                (scores, tf.TensorShape([None, None])), (finished, tf.TensorShape([None, None])),
                (lengths, tf.TensorShape([None, None])),
                (states, [tf.TensorShape([None, size]) for size in self.state_sizes])])
            log_probabilities, states, _ = self.decode_step(word_ids, states, encoder_outputs, keys, mask)
            log_probabilities = tf.reshape(log_probabilities, [batch, beam_width, vocabulary])
            # A finished hypothesis can only go on with the end token, at no cost.
            log_probabilities = tf.where(finished[..., None], only_end, log_probabilities)
            candidates = tf.reshape(scores[..., None] + log_probabilities, [batch, beam_width * vocabulary])
            scores, best = tf.math.top_k(candidates, k=beam_width)
            origin = tf.reshape(best // vocabulary + offsets, [-1])
            word_ids = tf.reshape(best % vocabulary, [-1])
            sequences = tf.concat([tf.gather(sequences, origin), word_ids[:, None]], axis=1)
            states = [tf.gather(state, origin) for state in states]
            was_finished = tf.reshape(tf.gather(tf.reshape(finished, [-1]), origin), [batch, beam_width])
            lengths = tf.reshape(tf.gather(tf.reshape(lengths, [-1]), origin), [batch, beam_width])
            lengths += tf.cast(~was_finished, tf.float32)
            finished = was_finished | tf.reshape(word_ids == self.end_id, [batch, beam_width])
            if tf.reduce_all(finished):
                break
        normalized = scores / ((5.0 + lengths) / 6.0) ** length_penalty
        # Prefer finished hypotheses; an unfinished one only wins when none finished.
        normalized = tf.where(finished, normalized, normalized - 1e9)
        best_beam = tf.argmax(normalized, axis=1, output_type=tf.int32)
        return tf.gather(sequences, best_beam + offsets[:, 0])

    def translate(self, texts, decoding="beam", beam_width=5, max_length=DEFAULT_MAX_LENGTH, temperature=1.0, seed=0):
        """Translates Spanish strings; returns a list of English strings.

        Args:
            texts: a string or a list of strings.
            decoding: `greedy`, `sample` (with `temperature`, seeded) or `beam`.
            beam_width: hypotheses kept per sentence, for `beam`.
            max_length: most words per translation.
        """
        if decoding not in DECODINGS:
            raise ValueError(f"Unknown decoding {decoding!r}: choose from {', '.join(DECODINGS)}.")
        if isinstance(texts, str):
            texts = [texts]
        source_ids = self.source_ids(tf.constant(texts, tf.string))
        if decoding == "beam":
            ids = self._beam(source_ids, tf.constant(beam_width), tf.constant(max_length))
        elif decoding == "greedy":
            ids = self._greedy(source_ids, tf.constant(max_length))[0]
        else:
            batch = len(texts)
            ids = self._sample(source_ids, tf.constant(max_length), tf.fill([batch], float(temperature)),
                               tf.constant([seed, 0], tf.int32))
        return [sentence.decode("utf-8") for sentence in self.words(ids).numpy()]

    @tf.function(reduce_retracing=True)
    def _beam(self, source_ids, beam_width, max_length):
        return self.beam_ids(source_ids, beam_width, max_length)

    @tf.function(reduce_retracing=True)
    def _greedy(self, source_ids, max_length):
        return self.greedy_ids(source_ids, max_length)

    @tf.function(reduce_retracing=True)
    def _sample(self, source_ids, max_length, temperature, seed):
        return self.greedy_ids(source_ids, max_length, temperature, seed)[0]

    def attention_map(self, text, max_length=DEFAULT_MAX_LENGTH):
        """Greedy translation of one sentence with its attention: (source words, target words, weights [target, source])."""
        source_ids = self.source_ids(tf.constant([text]))
        ids, attention = self._greedy(source_ids, tf.constant(max_length))
        target = [self.target_vocabulary[index] for index in ids[0].numpy()]
        if END in target:
            target = target[:target.index(END) + 1]
        source = [self.source_vocabulary[index] for index in source_ids[0].numpy() if index != 0]
        return source, target, attention[0, :len(target), :len(source)].numpy()

    def get_config(self):
        return {**super().get_config(), "source_vocabulary": self.source_vocabulary,
                "target_vocabulary": self.target_vocabulary, "cell": self.cell, "units": self.units,
                "embedding_dim": self.embedding_dim, "attention": self.attention, "dropout": self.dropout}


def serving_signatures(translator, beam_width, max_length=DEFAULT_MAX_LENGTH):
    """The exported signatures.

    `serving_default`: `text` (string `[batch]`, Spanish) -> `translation`
    (string `[batch]`, English), beam search of width `beam_width`.
    `beam_search`: `text` and `beam_width` (int32 scalar, 1..`MAX_BEAM_WIDTH`)
    -> `translation`. Only the first `MAX_SOURCE_WORDS` words of a sentence
    are read; a sentence with no known word (empty, emoji only...) still gets
    a translation. A beam width out of range is an InvalidArgument error.
    """

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve(text):
        ids = translator.beam_ids(translator.source_ids(text), beam_width, max_length)
        return {"translation": translator.words(ids)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text"),
                                  tf.TensorSpec([], tf.int32, name="beam_width")])
    def beam_search(text, beam_width):
        checks = [tf.debugging.assert_greater_equal(beam_width, 1, message=f"beam_width must be in [1, {MAX_BEAM_WIDTH}]"),
                  tf.debugging.assert_less_equal(beam_width, MAX_BEAM_WIDTH,
                                                 message=f"beam_width must be in [1, {MAX_BEAM_WIDTH}]")]
        with tf.control_dependencies(checks):
            ids = translator.beam_ids(translator.source_ids(tf.identity(text)), beam_width, max_length)
        return {"translation": translator.words(ids)}

    return {"serving_default": serve, "beam_search": beam_search}


# --- data ------------------------------------------------------------------------


BUCKET_BOUNDARIES = (6, 8, 10, 12, 15, 20, 30)


def pair_dataset(translator, pairs, config, shuffle):
    """`((source ids, target input ids), target output ids)` batches of similar length, 0-padded.

    Sentences are cut to `config.max_training_words` words; pairs whose
    Spanish side standardizes to nothing are dropped. The dataset knows its
    number of batches.
    """
    source_ids, target_ids = [], []
    for start in range(0, len(pairs), 4096):
        chunk = pairs[start:start + 4096]
        source_ids.append(tf.RaggedTensor.from_tensor(
            translator.source_vectorizer(tf.constant([source for source, _ in chunk])), padding=0))
        target_ids.append(tf.RaggedTensor.from_tensor(
            translator.target_vectorizer(tf.constant([target for _, target in chunk])), padding=0))
    source_ids = tf.cast(tf.concat(source_ids, axis=0)[:, :config.max_training_words], tf.int32)
    target_ids = tf.cast(tf.concat(target_ids, axis=0)[:, :config.max_training_words + 1], tf.int32)
    kept = source_ids.row_lengths().numpy() > 0
    source_ids, target_ids = tf.ragged.boolean_mask(source_ids, kept), tf.ragged.boolean_mask(target_ids, kept)
    # A batch's length is its longest source or target input; batches hold sentences of one length bucket.
    lengths = np.maximum(source_ids.row_lengths().numpy(), target_ids.row_lengths().numpy() - 1)
    buckets = np.searchsorted(np.array(BUCKET_BOUNDARIES), lengths, side="right")
    batches = int(sum(-(-np.sum(buckets == bucket) // config.batch_size) for bucket in range(len(BUCKET_BOUNDARIES) + 1)))
    dataset = tf.data.Dataset.from_tensor_slices((source_ids, target_ids))
    if shuffle:
        dataset = training.shuffle_each_epoch(dataset, len(lengths), config.seed)
    dataset = dataset.map(lambda source, target: ((source, target[:-1]), target[1:]))
    dataset = dataset.bucket_by_sequence_length(
        lambda inputs, target: tf.maximum(tf.shape(inputs[0])[0], tf.shape(target)[0]),
        bucket_boundaries=list(BUCKET_BOUNDARIES),
        bucket_batch_sizes=[config.batch_size] * (len(BUCKET_BOUNDARIES) + 1))
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(tf.data.AUTOTUNE)


def masked_accuracy(targets, logits):
    """Accuracy of the next-word predictions over the non-padding target words of a batch."""
    targets = keras.ops.cast(targets, "int32")
    mask = keras.ops.cast(targets != 0, "float32")
    correct = keras.ops.cast(keras.ops.argmax(logits, axis=-1) == targets, "float32")
    return keras.ops.sum(correct * mask) / keras.ops.maximum(keras.ops.sum(mask), 1.0)


def plot_attention(maps, path):
    """Heat maps of attention weights, one panel per `(source words, target words, weights)` from `attention_map`."""
    figure, axes = plotting.new_figure(rows=len(maps), width=7.0, height_per_row=4.0)
    for axis, (source, target, weights) in zip(axes[:, 0], maps):
        axis.imshow(weights, cmap="viridis", aspect="auto", vmin=0.0, vmax=1.0)
        axis.set_xticks(range(len(source)), source, rotation=60, fontsize="small")
        axis.set_yticks(range(len(target)), target, fontsize="small")
        axis.set_xlabel("Spanish (source)")
        axis.set_ylabel("English (generated)")
    return plotting.save(figure, path)


@dataclasses.dataclass
class TranslationResult:
    """What `train` measured and wrote.

    `metrics[decoding]` (`greedy`, `beam`) holds `bleu`, `chrf`,
    `sentences_per_second` and `sentences`; `samples` the printed examples.
    """

    metrics: dict
    epochs_trained: int
    epoch_seconds: list
    samples: list
    export_path: Path
    run_dir: Path
    data_description: str


def evaluate(translator, pairs, decodings, beam_width, max_length, batch_size=64):
    """sacrebleu BLEU and chrF of each decoding on `pairs` (one reference each) and its speed.

    Each distinct Spanish sentence is translated once. BLEU is case-insensitive
    (`lowercase=True`, 13a tokenization) since the model writes lower-case words
    with a capital first letter; chrF is case-sensitive as sacrebleu defines it.

    Returns:
        `({decoding: metrics}, {decoding: {spanish: translation}})`.
    """
    sources = list(dict.fromkeys(source for source, _ in pairs))
    references = [english for _, english in pairs]
    metrics, translations = {}, {}
    for decoding in decodings:
        start = time.perf_counter()
        outputs = []
        for index in range(0, len(sources), batch_size):
            outputs += translator.translate(sources[index:index + batch_size], decoding=decoding,
                                            beam_width=beam_width, max_length=max_length)
        seconds = time.perf_counter() - start
        translated = dict(zip(sources, outputs))
        hypotheses = [translated[source] for source, _ in pairs]
        metrics[decoding] = {
            "bleu": sacrebleu.corpus_bleu(hypotheses, [references], lowercase=True).score,
            "chrf": sacrebleu.corpus_chrf(hypotheses, [references]).score,
            "sentences_per_second": len(sources) / seconds,
            "sentences": len(sources),
            "pairs": len(pairs),
        }
        translations[decoding] = translated
    return metrics, translations


# --- training --------------------------------------------------------------------


def load_run(run_dir, config):
    """The `Translator` of a run folder: its `vocabulary.json` and `best.weights.h5`, with `config`'s architecture."""
    run_dir = Path(run_dir)
    missing = [name for name in ("vocabulary.json", training.BEST_WEIGHTS) if not (run_dir / name).exists()]
    if missing:
        raise FileNotFoundError(f"{run_dir} holds no {' or '.join(missing)}: train there first (without "
                                "evaluate_only), or pass the run_dir of a finished or interrupted run.")
    vocabulary = json.loads((run_dir / "vocabulary.json").read_text())
    translator = Translator(vocabulary["source"], vocabulary["target"], config.cell, config.units,
                            config.embedding_dim, config.attention, config.dropout,
                            name=f"translator_{config.cell}_{config.attention}")
    translator.load_weights(run_dir / training.BEST_WEIGHTS)
    return translator


def _fit(config, pairs, train_pairs, run_dir, print_function):
    """Builds the vocabularies and the translator and trains it; returns it, the epoch seconds and the epoch count."""
    source_vocabulary = build_vocabulary([source for source, _ in train_pairs], standardize_spanish,
                                         config.source_vocabulary_size)
    target_vocabulary = build_vocabulary([target for _, target in train_pairs], standardize_english,
                                         config.target_vocabulary_size)
    print_function(f"Vocabularies from the training pairs: {len(source_vocabulary):,} Spanish and "
                   f"{len(target_vocabulary):,} English words (padding and [UNK] included).")
    (run_dir / "vocabulary.json").write_text(json.dumps({"source": source_vocabulary, "target": target_vocabulary}))

    translator = Translator(source_vocabulary, target_vocabulary, config.cell, config.units, config.embedding_dim,
                            config.attention, config.dropout, name=f"translator_{config.cell}_{config.attention}")
    train_data = pair_dataset(translator, train_pairs, config, shuffle=True)
    validation_data = pair_dataset(translator, pairs.validation, config, shuffle=False)
    steps_per_epoch = int(train_data.cardinality())
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, config.epochs * steps_per_epoch, alpha=0.05)
    translator.compile(optimizer=keras.optimizers.Adam(schedule, global_clipnorm=config.clipnorm),
                       loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
                       metrics=[masked_accuracy])
    translator.summary(print_fn=print_function)
    print_function(f"Training: teacher forcing, batches of {config.batch_size} pairs of similar length, "
                   f"{steps_per_epoch} steps per epoch, up to {config.epochs} epochs.")

    epoch_seconds = []
    callbacks = training.standard_callbacks(run_dir, "val_loss", "min", config.patience, epoch_seconds,
                                            train_dataset=train_data)
    if config.time_budget_minutes:
        callbacks.append(training.TimeBudget(config.time_budget_minutes, epoch_seconds, print_function))
    history = translator.fit(train_data, validation_data=validation_data, epochs=config.epochs,
                             callbacks=callbacks, shuffle=False, verbose=config.verbose)
    training.check_finite_history(history, run_dir)
    (run_dir / "history.json").write_text(json.dumps(history.history, indent=1))
    diagnostics.plot_history(history, run_dir / "history.png")
    if epoch_seconds:
        print_function(f"Training: {len(epoch_seconds)} epoch(s), median {np.median(epoch_seconds):.0f} s per epoch, "
                       f"{sum(epoch_seconds) / 60:.1f} min")

    return translator, epoch_seconds, len(history.history["loss"])


def train(config, print_function=print):
    """Loads the pairs, builds the vocabularies, trains, scores the test split, prints samples and exports.

    With `config.evaluate_only`, it trains nothing and scores and exports the
    best weights of the run in `config.run_dir` instead.

    Returns:
        A `TranslationResult`.
    """
    pairs = spa_eng.load(config.data)
    train_pairs = pairs.train[:config.max_pairs] if config.max_pairs else pairs.train
    test_pairs = pairs.test[:config.evaluation_pairs] if config.evaluation_pairs else pairs.test
    description = pairs.describe() + (f"; training on {len(train_pairs):,} pairs" if config.max_pairs else "")
    print_function(description)
    if config.evaluate_only:
        run_dir = Path(config.run_dir)
        translator = load_run(run_dir, config)
        print_function(f"Scoring the best weights of the run in {run_dir} (no training).")
        history_file = run_dir / "history.json"
        epochs_trained = len(json.loads(history_file.read_text())["loss"]) if history_file.exists() else 0
        epoch_seconds = []
    else:
        run_dir = training.start_run(config.run_dir, config.restart, config.seed)
        translator, epoch_seconds, epochs_trained = _fit(config, pairs, train_pairs, run_dir, print_function)

    metrics, translations = evaluate(translator, test_pairs, ("greedy", "beam"), config.beam_width, config.max_length)
    for decoding, values in metrics.items():
        label = f"beam search (width {config.beam_width})" if decoding == "beam" else "greedy"
        print_function(f"test, {label}: BLEU {values['bleu']:.2f}, chrF {values['chrf']:.2f} "
                       f"({values['pairs']:,} pairs, {values['sentences_per_second']:.1f} sentences/s)")
    print_function(f"Beam search minus greedy: {metrics['beam']['bleu'] - metrics['greedy']['bleu']:+.2f} BLEU.")
    samples = []
    for spanish, english in test_pairs[:10]:
        samples.append({"spanish": spanish, "reference": english, "greedy": translations["greedy"][spanish],
                        "beam": translations["beam"][spanish]})
        print_function(f"  es: {spanish}\n  reference: {english}\n  greedy:    {translations['greedy'][spanish]}\n"
                       f"  beam:      {translations['beam'][spanish]}")
    maps = [translator.attention_map(spanish, config.max_length) for spanish, _ in test_pairs[:3]]
    print_function(f"Attention heat maps: {plot_attention(maps, run_dir / 'attention.png')}")
    (run_dir / "metrics.json").write_text(json.dumps(
        {"metrics": metrics, "samples": samples, "epochs_trained": epochs_trained,
         "epoch_seconds": epoch_seconds, "data": description}, indent=1))
    translator.save_weights(run_dir / "translator.weights.h5")

    export_path = export.export_for_serving(
        translator, config.export_root, MODEL_NAME, serving_signatures(translator, config.beam_width, config.max_length),
        warmup_examples=[{"text": [spanish for spanish, _ in test_pairs[:2]]}],
    )
    print_function(f"Exported to {export_path} (serving_default: text -> translation, beam width "
                   f"{config.beam_width}; beam_search: text, beam_width -> translation).")
    return TranslationResult(
        metrics=metrics,
        epochs_trained=epochs_trained,
        epoch_seconds=epoch_seconds,
        samples=samples,
        export_path=Path(export_path),
        run_dir=run_dir,
        data_description=description,
    )
