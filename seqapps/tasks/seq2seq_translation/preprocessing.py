"""From raw strings to words and back: in-graph standardization, vocabularies, detokenization."""

import keras
import tensorflow as tf
import tensorflow_text

START, END, UNKNOWN = "[start]", "[end]", "[UNK]"
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


def build_vocabulary(texts, standardize, size):
    """The `size` most frequent words of `texts` after `standardize`, after `""` and `[UNK]`."""
    vectorizer = keras.layers.TextVectorization(max_tokens=size, standardize=standardize)
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(tf.constant(texts, tf.string)).batch(1024))
    return [str(word) for word in vectorizer.get_vocabulary()]
