"""The classifier: raw strings -> token ids (`make_vectorizer`) -> recurrent encoder -> class probabilities."""

import keras
import numpy as np

from seqapps import layers, text
from seqapps.layers.masked_global_pooling import MaskedGlobalPooling1D
from seqapps.layers.ngram_scores import NgramScores
from seqapps.layers.token_window import TokenWindow


def make_vectorizer(vocabulary, max_tokens, truncation="head_tail", standardize_function=text.standardize):
    """A model mapping raw strings `(batch,)` to int64 token ids `(batch, max_tokens)`.

    0 is padding and 1 out of vocabulary; a text longer than `max_tokens`
    keeps what `truncation` says (see `seqapps.layers.token_window.TokenWindow`).
    `standardize_function` is `seqapps.text.standardize` (the IMDB preset's) or
    `seqapps.text.standardize_any_script`.
    """
    texts = keras.Input((), dtype="string", name="text")
    words = keras.layers.TextVectorization(
        standardize=standardize_function, vocabulary=vocabulary, ragged=True, name="vocabulary"
    )(texts)
    token_ids = TokenWindow(max_tokens, mode=truncation, name="window")(words)
    return keras.Model(texts, token_ids, name="vectorizer")


def output_units(classes):
    """Logits of a classifier of `classes` classes: one for two classes (sigmoid), else one per class (softmax)."""
    if classes < 2:
        raise ValueError(f"A classifier needs at least 2 classes, got {classes}.")
    return 1 if classes == 2 else classes


def build_model(config, classes=2):
    """The classifier on token ids: embedding -> recurrent encoder -> pooling -> class probabilities.

    Two classes: one logit and a sigmoid, the probability of the second
    class, `(batch, 1)` (the same as a softmax over the logits `(0, logit)`);
    more: one logit per class and a softmax, `(batch, classes)`. With
    `config.bag_of_words`, the logits are the recurrent part's plus the text's
    bag-of-n-grams scores (`NgramScores`, named `bag_of_ngrams`, one score
    per class); padding (id 0) adds nothing, so the output does not depend on
    how far a batch is padded.
    """
    units = output_units(classes)
    activation, output_name = ("sigmoid", "probability") if units == 1 else ("softmax", "probabilities")
    token_ids = keras.Input((None,), dtype="int64", name="token_ids")
    hidden = keras.layers.Embedding(config.vocab_size, config.embedding_dim, mask_zero=True, name="embedding")(
        token_ids
    )
    hidden = keras.layers.SpatialDropout1D(config.dropout, name="embedding_dropout")(hidden)
    for index in range(config.layers):
        hidden = layers.recurrent(
            config.cell,
            config.units,
            bidirectional=config.bidirectional,
            return_sequences=True,
            name=f"{config.cell}_{index + 1}",
        )(hidden)
    hidden = MaskedGlobalPooling1D(config.pooling, name="pooling")(hidden)
    hidden = keras.layers.Dropout(config.dropout, name="dropout")(hidden)
    if not config.bag_of_words:
        probabilities = keras.layers.Dense(units, activation=activation, name=output_name)(hidden)
        return keras.Model(token_ids, probabilities, name=f"classifier_{config.cell}")
    recurrent_logit = keras.layers.Dense(units, name="recurrent_logit")(hidden)
    bag_logit = NgramScores(
        config.vocab_size, ngrams=config.ngrams, buckets=config.ngram_buckets, units=units, name="bag_of_ngrams"
    )(token_ids)
    logit = keras.layers.Add(name="logit")([recurrent_logit, bag_logit])
    probabilities = keras.layers.Activation(activation, name=output_name)(logit)
    return keras.Model(token_ids, probabilities, name=f"classifier_{config.cell}_bag_of_words")


def build_text_model(vectorizer, model, name):
    """Wraps the classifier with its vectorizer: raw strings -> the classifier's output."""
    texts = keras.Input((), dtype="string", name="text")
    return keras.Model(texts, model(vectorizer(texts)), name=name)


def compile_model(model, learning_rate):
    """Compiles the classifier: Adam, cross-entropy (binary for one sigmoid output), accuracy."""
    binary = model.output_shape[-1] == 1
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def class_probabilities(outputs):
    """A classifier's outputs as a `(batch, classes)` NumPy array: `(1 - p, p)` for a sigmoid output."""
    outputs = np.asarray(outputs, dtype=np.float32)
    return np.concatenate([1 - outputs, outputs], axis=1) if outputs.shape[-1] == 1 else outputs
