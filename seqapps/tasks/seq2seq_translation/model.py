"""`Translator`: the attentional recurrent encoder-decoder, with its in-graph decoding.

The decoder follows Luong et al.'s (2015) global attention without input
feeding: the decoder RNN reads the previous target word, its output `h_t`
queries the encoder outputs, and the attentional vector
`LayerNorm(h_t + W context_t)` predicts the next word. (Luong's
`tanh(W [context_t; h_t])` saturated early in training here and the model
stalled at the unigram distribution; the residual, normalized form trains.)
The score of `h_t` against an encoder output `s` is Bahdanau's additive
`v . tanh(W_q h_t + W_k s)` (`attention="bahdanau"`, `seqapps.layers.AdditiveAttention`)
or Luong's multiplicative `h_t . W s / sqrt(units)` (`attention="luong"`,
`seqapps.layers.MultiplicativeAttention`, scaled as in Vaswani et al. 2017).
Without input feeding the decoder RNN runs over the whole target sentence in
training like any Keras RNN. The decoder's first state is a `tanh` projection
of the mean of the encoder outputs (one per state vector, so LSTM cells get
both `h` and `c`).

Decoding (`seqapps.decoding` over `decode_step`) stops at the end token or
after `max_length` tokens (words, or WordPiece pieces with
`tokens="subword"`). The unknown token, padding and start tokens are never
generated.
"""

import keras
import numpy as np
import tensorflow as tf

from seqapps import decoding, layers
from seqapps.tasks.seq2seq_translation.config import ATTENTIONS, DECODINGS, DEFAULT_MAX_LENGTH, MAX_SOURCE_WORDS
from seqapps.tasks.seq2seq_translation.preprocessing import (
    END,
    STANDARDIZERS,
    START,
    SubwordVectorizer,
    check_choices,
    detokenize_text,
    join_subwords,
)


@keras.saving.register_keras_serializable(package="seqapps")
class Translator(keras.Model):
    """An attentional recurrent encoder-decoder over word or subword vocabularies (see
    `seqapps.tasks.seq2seq_translation.model`).

    Args:
        source_vocabulary: source words (or WordPiece pieces), `""` and `[UNK]` first.
        target_vocabulary: target words (or pieces), `""` and `[UNK]` first, holding `[start]` and `[end]`.
        cell: recurrent layer kind (`seqapps.layers.KINDS`).
        units: units of each encoder direction and of the decoder.
        embedding_dim: size of the word embeddings.
        attention: `bahdanau` or `luong`.
        dropout: dropout on the embeddings and before the output layer.
        standardization: a name from `preprocessing.STANDARDIZATIONS` (`latin`: the Spanish -> English
            preset's), for both languages.
        tokens: `word` (`TextVectorization`) or `subword` (WordPiece, `SubwordVectorizer`); the vocabularies
            must be of that kind.

    Call arguments:
        inputs: `(source_ids, target_input_ids)`, int32 `[batch, source_steps]` and
            `[batch, target_steps]`, 0-padded; the target starts with `[start]`.
        training: whether dropout is on.

    Returns: next-word logits `[batch, target_steps, target vocabulary size]`.

    Example:

    >>> translator = Translator(["", "[UNK]", "hola"], ["", "[UNK]", "[start]", "[end]", "hello"], units=8)
    >>> translator.translate(["hola"], decoding="greedy")  # doctest: +SKIP
    """

    def __init__(
        self,
        source_vocabulary,
        target_vocabulary,
        cell="gru",
        units=256,
        embedding_dim=256,
        attention="luong",
        dropout=0.2,
        standardization="latin",
        tokens="word",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if cell not in layers.KINDS:
            raise ValueError(f"Unknown cell {cell!r}: choose from {', '.join(layers.KINDS)}.")
        if attention not in ATTENTIONS:
            raise ValueError(f"Unknown attention {attention!r}: choose from {', '.join(ATTENTIONS)}.")
        check_choices(standardization, tokens)
        for token in (START, END):
            if token not in target_vocabulary:
                raise ValueError(
                    f"The target vocabulary lacks {token!r}: build it from target texts standardized with the "
                    "start and end tokens (`preprocessing.STANDARDIZERS`), or reserve them."
                )
        self.source_vocabulary = list(source_vocabulary)
        self.target_vocabulary = list(target_vocabulary)
        self.cell = cell
        self.units = units
        self.embedding_dim = embedding_dim
        self.attention = attention
        self.dropout = dropout
        self.standardization = standardization
        self.tokens = tokens
        self.start_id = self.target_vocabulary.index(START)
        self.end_id = self.target_vocabulary.index(END)
        self.target_size = len(self.target_vocabulary)

        source_standardize, target_standardize = STANDARDIZERS[standardization]
        if tokens == "word":
            self.source_vectorizer = keras.layers.TextVectorization(
                standardize=source_standardize, vocabulary=self.source_vocabulary[2:], name="source_vectorizer"
            )
            self.target_vectorizer = keras.layers.TextVectorization(
                standardize=target_standardize, vocabulary=self.target_vocabulary[2:], name="target_vectorizer"
            )
        else:
            self.source_vectorizer = SubwordVectorizer(
                self.source_vocabulary, source_standardize, name="source_vectorizer"
            )
            self.target_vectorizer = SubwordVectorizer(
                self.target_vocabulary, target_standardize, name="target_vectorizer"
            )
        self.source_embedding = keras.layers.Embedding(
            len(self.source_vocabulary), embedding_dim, mask_zero=True, name="source_embedding"
        )
        self.target_embedding = keras.layers.Embedding(
            self.target_size, embedding_dim, mask_zero=True, name="target_embedding"
        )
        self.embedding_dropout = keras.layers.Dropout(dropout, name="embedding_dropout")
        self.encoder = layers.recurrent(cell, units, bidirectional=True, return_sequences=True, name="encoder")
        self.decoder = layers.recurrent(cell, units, return_sequences=True, return_state=True, name="decoder")
        self.state_sizes = layers.flat_state_sizes(self.decoder.cell)
        self.bridges = [
            keras.layers.Dense(size, activation="tanh", name=f"bridge_{index}")
            for index, size in enumerate(self.state_sizes)
        ]
        if attention == "bahdanau":
            scores = layers.AdditiveAttention(units, name="additive_attention")
        else:
            scores = layers.MultiplicativeAttention(units, name="multiplicative_attention")
        # `.keras` and `.weights.h5` files address a model's weights by attribute name and by position among its
        # layers. Tracking the attention's projections here, before the attention layer, as before it was a
        # seqapps layer, keeps that layout: files saved then load.
        self.key_projection = scores.key_projection
        if attention == "bahdanau":
            self.query_projection = scores.query_projection
        self.scores = scores
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
        """Encoder outputs `[batch, steps, 2 units]`, their attention keys, the source mask, the first decoder state."""
        mask = source_ids != 0
        embedded = self.embedding_dropout(self.source_embedding(source_ids), training=training)
        outputs = self.encoder(embedded, mask=mask, training=training)
        weights = keras.ops.cast(mask, outputs.dtype)[..., None]
        pooled = keras.ops.sum(outputs * weights, axis=1) / keras.ops.maximum(keras.ops.sum(weights, axis=1), 1.0)
        states = [bridge(pooled) for bridge in self.bridges]
        return outputs, self.scores.project_keys(outputs), mask, states

    def attend(self, decoder_outputs, encoder_outputs, keys, mask, return_attention_scores=False):
        """Logits of the next word from the decoder outputs `[batch, steps, units]`, and optionally the attention."""
        context, attention = self.scores(
            decoder_outputs, encoder_outputs, keys=keys, mask=mask, return_attention_scores=True
        )
        attentional = self.combine_norm(decoder_outputs + self.combine(context))
        logits = self.output_layer(self.output_dropout(attentional))
        return (logits, attention) if return_attention_scores else logits

    def call(self, inputs, training=False):
        return self.teacher_forcing(*inputs, training=training)[0]

    def teacher_forcing(self, source_ids, target_ids, training=False):
        """The decoder reading whole target sentences: next-word logits and attention `[batch, target, source]`."""
        encoder_outputs, keys, mask, states = self.encode(source_ids, training)
        embedded = self.embedding_dropout(self.target_embedding(target_ids), training=training)
        decoder_outputs, *_ = self.decoder(embedded, initial_state=states, mask=target_ids != 0, training=training)
        return self.attend(decoder_outputs, encoder_outputs, keys, mask, return_attention_scores=True)

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
        """Source strings `[batch]` -> 0-padded ids, at most `MAX_SOURCE_WORDS` tokens, at least one ([UNK] if none)."""
        ids = self.source_vectorizer(texts)[:, :MAX_SOURCE_WORDS]
        ids = tf.pad(ids, [[0, 0], [0, 1]])
        empty = tf.reduce_all(ids == 0, axis=1, keepdims=True)
        first_column = tf.where(empty, tf.ones_like(ids[:, :1]), ids[:, :1])
        return tf.cast(tf.concat([first_column, ids[:, 1:]], axis=1), tf.int32)

    def words(self, ids):
        """Target ids `[batch, steps]` -> sentences `[batch]`, cut at the end token, subwords joined, detokenized."""
        ids = tf.convert_to_tensor(ids)
        is_end = tf.cast(ids == self.end_id, tf.int32)
        lengths = tf.reduce_sum(1 - tf.minimum(tf.cumsum(is_end, axis=1), 1), axis=1)
        ragged = tf.RaggedTensor.from_tensor(ids, lengths=lengths)
        tokens = tf.gather(tf.constant(self.target_vocabulary), ragged)
        sentences = tf.strings.reduce_join(tokens, axis=-1, separator=" ")
        if self.tokens == "subword":
            sentences = join_subwords(sentences)
        return detokenize_text(sentences, self.standardization)

    # --- decoding ----------------------------------------------------------------

    def greedy_ids(self, source_ids, max_length, temperature=None, seed=None):
        """Greedy (or with `temperature` `[batch]` and `seed` `[2]`, sampled) decoding: ids `[batch, steps]`."""
        encoder_outputs, keys, mask, states = self.encode(source_ids)

        def step(word_ids, states):
            return self.decode_step(word_ids, states, encoder_outputs, keys, mask)[:2]

        start_ids = tf.fill([tf.shape(source_ids)[0]], self.start_id)
        if temperature is None:
            return decoding.greedy_search(step, start_ids, states, max_length, end_id=self.end_id)
        return decoding.sampling_search(step, start_ids, states, max_length, temperature, seed, end_id=self.end_id)

    def beam_ids(self, source_ids, beam_width, max_length, length_penalty=decoding.LENGTH_PENALTY):
        """Beam search: the best length-normalized hypothesis per row, ids `[batch, steps]`."""
        encoder_outputs, keys, mask, states = self.encode(source_ids)
        # Every beam of a sentence reads the same encoder outputs.
        encoder_outputs, keys, mask = (
            decoding.tile_beams(tensor, beam_width) for tensor in (encoder_outputs, keys, mask)
        )

        def step(word_ids, states):
            return self.decode_step(word_ids, states, encoder_outputs, keys, mask)[:2]

        start_ids = tf.fill([tf.shape(source_ids)[0]], self.start_id)
        return decoding.beam_search(step, start_ids, states, beam_width, max_length, self.end_id, length_penalty)

    def translate(self, texts, decoding="beam", beam_width=5, max_length=DEFAULT_MAX_LENGTH, temperature=1.0, seed=0):
        """Translates source strings; returns a list of target strings.

        Args:
            texts: a string or a list of strings.
            decoding: `greedy`, `sample` (with `temperature`, seeded) or `beam`.
            beam_width: hypotheses kept per sentence, for `beam`.
            max_length: most tokens (words or subwords) per translation.
        """
        if decoding not in DECODINGS:
            raise ValueError(f"Unknown decoding {decoding!r}: choose from {', '.join(DECODINGS)}.")
        if isinstance(texts, str):
            texts = [texts]
        source_ids = self.source_ids(tf.constant(texts, tf.string))
        if decoding == "beam":
            ids = self._beam(source_ids, tf.constant(beam_width), tf.constant(max_length))
        elif decoding == "greedy":
            ids = self._greedy(source_ids, tf.constant(max_length))
        else:
            batch = len(texts)
            ids = self._sample(
                source_ids,
                tf.constant(max_length),
                tf.fill([batch], float(temperature)),
                tf.constant([seed, 0], tf.int32),
            )
        return [sentence.decode("utf-8") for sentence in self.words(ids).numpy()]

    @tf.function(reduce_retracing=True)
    def _beam(self, source_ids, beam_width, max_length):
        return self.beam_ids(source_ids, beam_width, max_length)

    @tf.function(reduce_retracing=True)
    def _greedy(self, source_ids, max_length):
        return self.greedy_ids(source_ids, max_length)

    @tf.function(reduce_retracing=True)
    def _sample(self, source_ids, max_length, temperature, seed):
        return self.greedy_ids(source_ids, max_length, temperature, seed)

    def attention_map(self, text, max_length=DEFAULT_MAX_LENGTH):
        """Greedy translation of one sentence and its attention: (source tokens, target tokens, [target, source])."""
        source_ids = self.source_ids(tf.constant([text]))
        ids = self._greedy(source_ids, tf.constant(max_length))[0].numpy().tolist()
        target = [self.target_vocabulary[index] for index in ids]
        if END in target:
            target = target[: target.index(END) + 1]
        source = [self.source_vocabulary[index] for index in source_ids[0].numpy() if index != 0]
        # The decoder reading its own words: the attention each step of the greedy decoding had.
        _, attention = self.teacher_forcing(source_ids, tf.constant([[self.start_id] + ids[: len(target) - 1]]))
        return source, target, attention[0, :, : len(source)].numpy()

    def get_config(self):
        return {
            **super().get_config(),
            "source_vocabulary": self.source_vocabulary,
            "target_vocabulary": self.target_vocabulary,
            "cell": self.cell,
            "units": self.units,
            "embedding_dim": self.embedding_dim,
            "attention": self.attention,
            "dropout": self.dropout,
            "standardization": self.standardization,
            "tokens": self.tokens,
        }
