"""In-graph text standardization for models that take raw strings.

Everything here is made of TensorFlow and TensorFlow Text ops (no
`tf.py_function`), so it runs inside `tf.data`, inside `tf.function`s with a
`tf.TensorSpec([None], tf.string)` signature, and inside exported SavedModels.

TensorFlow Text ops are custom ops: a process that loads a SavedModel using
`standardize` must `import tensorflow_text` first (TensorFlow Serving's model
server links them in).

Example:

```python
import keras
from seqapps import text

vectorize = keras.layers.TextVectorization(
    max_tokens=20_000,
    standardize=text.standardize,
    output_sequence_length=256,
)
vectorize.adapt(reviews.batch(512))
```
"""

import keras
import tensorflow as tf
import tensorflow_text

# Control characters (NUL included), the zero-width space (a word break in Thai, Khmer or Burmese text,
# which case folding would delete) and HTML line breaks (`<br />`, `<BR>`...) become spaces; matched before
# case folding, hence `(?i)`.
_CONTROL_OR_LINE_BREAK = r"(?i)<br\s*/?>|\p{Cc}|\x{200B}"
# Unicode punctuation and symbols (emoji included) become tokens of their own.
_PUNCTUATION_OR_SYMBOL = r"([\p{P}\p{S}])"
# Runs of whitespace, or a single whitespace character other than " " (leaving
# single spaces alone is 10 times faster than rewriting every one of them).
_WHITESPACE = r"[\s\p{Z}]{2,}|[^\S ]|[^\P{Z} ]"
# A letter of a script written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer,
# Burmese, Tibetan), with the combining marks that follow it: each becomes a token of its own.
SCRIPTIO_CONTINUA = r"([\p{Han}\p{Hiragana}\p{Katakana}\x{30FC}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}]\p{M}*)"


@keras.saving.register_keras_serializable(package="seqapps")
def standardize(texts):
    """Standardizes raw UTF-8 strings for word-level tokenization.

    In order: invalid UTF-8 bytes become U+FFFD; control characters (NUL, tab,
    newline...) and HTML `<br />` breaks become spaces; NFKC normalization and
    Unicode case folding (`tensorflow_text.case_fold_utf8`, e.g. "ＡＢＣ" ->
    "abc", "ﬁ" -> "fi", "Straße" -> "strasse"); every punctuation mark and
    symbol, emoji included, is set apart by spaces ("it's!" -> "it ' s !");
    runs of whitespace collapse to one space, leading and trailing whitespace
    is dropped. Empty and whitespace-only strings give "".

    Registered as a Keras serializable, so a `TextVectorization` layer built
    with `standardize=standardize` saves and loads.

    Args:
        texts: `tf.string` tensor (or anything convertible to one) of any shape.

    Returns:
        `tf.string` tensor of the same shape.

    Example:

    >>> standardize(["Great film!<br /><br />I'd see it AGAIN."]).numpy()
    array([b"great film ! i ' d see it again ."], dtype=object)
    """
    texts = tf.convert_to_tensor(texts, dtype=tf.string)
    texts = tf.strings.unicode_transcode(texts, input_encoding="UTF-8", output_encoding="UTF-8", errors="replace")
    texts = tf.strings.regex_replace(texts, _CONTROL_OR_LINE_BREAK, " ")
    texts = tensorflow_text.case_fold_utf8(texts)
    texts = tf.strings.regex_replace(texts, _PUNCTUATION_OR_SYMBOL, r" \1 ")
    texts = tf.strings.regex_replace(texts, _WHITESPACE, " ")
    return tf.strings.strip(texts)


@keras.saving.register_keras_serializable(package="seqapps")
def standardize_any_script(texts):
    """`standardize`, then every character of a script without spaces between words is a word of its own.

    Splitting on spaces alone makes a whole Chinese or Thai sentence one
    token. Here each letter of the Han, Hiragana, Katakana, Thai, Lao, Khmer,
    Myanmar and Tibetan scripts (`SCRIPTIO_CONTINUA`), with the combining
    marks that follow it, is set apart by spaces ("我喜欢" -> "我 喜 欢");
    word-level n-grams over such tokens are character n-grams. Letters of
    scripts that put spaces between words (Latin, Cyrillic, Greek, Arabic,
    Devanagari, Hangul...) stay whole words, their combining marks included
    ("हिन्दी" stays one token).

    Args:
        texts: `tf.string` tensor (or anything convertible to one) of any shape.

    Returns:
        `tf.string` tensor of the same shape.

    Example:

    >>> standardize_any_script(["Это 我喜欢, ok!"]).numpy()[0].decode()
    'это 我 喜 欢 , ok !'
    """
    texts = tf.strings.regex_replace(standardize(texts), SCRIPTIO_CONTINUA, r" \1 ")
    texts = tf.strings.regex_replace(texts, _WHITESPACE, " ")
    return tf.strings.strip(texts)


def build_vocabulary(texts, max_tokens=20_000, batch_size=512, standardize_function=standardize):
    """Builds the word vocabulary of `texts` after `standardize`.

    The words are those a `TextVectorization(standardize=standardize)`
    layer adapted on `texts` would index, most frequent first, after the
    padding token `""` and the out-of-vocabulary token `"[UNK]"`. Pass the
    list to `TextVectorization(vocabulary=...)` or save it one word per line.

    Args:
        texts: a `tf.data.Dataset` of scalar strings, or of `(text, label)`
            pairs (the labels are ignored), or a list of strings.
        max_tokens: size of the vocabulary, the two special tokens included.
        batch_size: number of texts standardized at once.
        standardize_function: the standardization of the `TextVectorization`
            layer that will use the vocabulary (`standardize` or
            `standardize_any_script`).

    Returns:
        The vocabulary, a list of at most `max_tokens` strings.

    Example:

    >>> build_vocabulary(["The cat.", "the dog!", "THE CAT"], max_tokens=4)
    ['', '[UNK]', 'the', 'cat']
    """
    if max_tokens < 3:
        raise ValueError(
            f"max_tokens={max_tokens!r} leaves no room for words after the "
            f"padding and out-of-vocabulary tokens: pass at least 3."
        )
    if not isinstance(texts, tf.data.Dataset):
        texts = tf.data.Dataset.from_tensor_slices(tf.constant(texts, dtype=tf.string))
    if isinstance(texts.element_spec, tuple):
        texts = texts.map(lambda text, *_: text)
    vectorize = keras.layers.TextVectorization(max_tokens=max_tokens, standardize=standardize_function)
    vectorize.adapt(texts.batch(batch_size))
    return [str(word) for word in vectorize.get_vocabulary()]
