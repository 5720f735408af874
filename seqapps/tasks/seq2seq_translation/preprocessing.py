"""From raw strings to tokens and back: in-graph standardization, word and subword vocabularies, detokenization.

Standardizations (`STANDARDIZATIONS`, the same for source and target):

- `latin` (the Spanish -> English preset): `standardize_spanish`, NFKD with the
  accents dropped, only a-z, digits and `. ? ! , ¿ ¡ '` kept;
- `any_script`: `seqapps.text.standardize_any_script`, NFKC and case folding,
  letters of every script kept, punctuation and symbols of every script set
  apart, scripts without spaces (Han, Kana, Thai...) one token per character;
- `any_script_no_accents`: `any_script` after NFKD with the combining marks of
  Latin, Greek and Cyrillic letters dropped ("Ёлка" -> "елка", "café" ->
  "cafe"); the marks of other scripts (Devanagari vowel signs...) are kept.

Tokens (`TOKENS`): `word` (a `TextVectorization` over whole words) or
`subword` (WordPiece, `SubwordVectorizer`: a word missing from the vocabulary
is split into known pieces, `##` marking a piece inside a word).
"""

import keras
import tensorflow as tf
import tensorflow_text

from seqapps import text
from seqapps.tasks.seq2seq_translation.config import STANDARDIZATIONS, TOKENS

START, END, UNKNOWN = "[start]", "[end]", "[UNK]"
# The padding token of a WordPiece vocabulary ("" at index 0 of the translator's vocabularies).
PADDING = "[PAD]"
SUBWORD_PREFIX = "##"
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


@keras.saving.register_keras_serializable(package="seqapps")
def standardize_target(texts):
    """`seqapps.text.standardize_any_script`, between the start and end tokens: "Да!" -> "[start] да ! [end]"."""
    return tf.strings.join([START, text.standardize_any_script(texts), END], separator=" ")


@keras.saving.register_keras_serializable(package="seqapps")
def standardize_without_accents(texts):
    """`seqapps.text.standardize_any_script` after dropping the combining marks of Latin, Greek and Cyrillic letters.

    "Ёлка, café!" -> "елка , cafe !"; "हिन्दी" keeps its vowel signs and virama.
    """
    texts = tf.strings.unicode_transcode(tf.convert_to_tensor(texts, tf.string), "UTF-8", "UTF-8", errors="replace")
    texts = tf.strings.regex_replace(texts, r"\p{Cc}", " ")
    texts = tensorflow_text.normalize_utf8(texts, "NFKD")
    texts = tf.strings.regex_replace(texts, r"([\p{Latin}\p{Greek}\p{Cyrillic}])\p{Mn}+", r"\1")
    return text.standardize_any_script(texts)


@keras.saving.register_keras_serializable(package="seqapps")
def standardize_target_without_accents(texts):
    """`standardize_without_accents`, between the start and end tokens."""
    return tf.strings.join([START, standardize_without_accents(texts), END], separator=" ")


# Standardization name -> (source standardization, target standardization with the start and end tokens).
STANDARDIZERS = {
    "latin": (standardize_spanish, standardize_english),
    "any_script": (text.standardize_any_script, standardize_target),
    "any_script_no_accents": (standardize_without_accents, standardize_target_without_accents),
}
# A character of a script written without spaces (`seqapps.text.SCRIPTIO_CONTINUA`), with its marks.
_UNSPACED = text.SCRIPTIO_CONTINUA
# Punctuation that closes (attaches to the word before it): closing brackets and quotes, and the other
# punctuation but the marks that open a phrase or stand between words.
_CLOSING = r" ([\p{Pe}\p{Pf}]|[^\P{Po}¿¡\x{0022}'#&*@/\\§¶†‡])"
_OPENING = r"([\p{Ps}\p{Pi}¿¡]) "
_JOINER = r"(\p{L}\p{M}*) (['’\-]) (\p{L})"
# A decimal point or separator between digits: "3 . 5" -> "3.5".
_NUMBER = r"(\p{N}) ([.,:]) (\p{N})"


def check_choices(standardization, tokens):
    """Raises `ValueError` for an unknown standardization or token kind."""
    if standardization not in STANDARDIZATIONS:
        raise ValueError(f"Unknown standardization {standardization!r}: choose from {', '.join(STANDARDIZATIONS)}.")
    if tokens not in TOKENS:
        raise ValueError(f"Unknown tokens {tokens!r}: choose from {', '.join(TOKENS)}.")


def detokenize(words):
    """Joins word tokens `[batch, (n)]` into sentences: punctuation attached, first letter upper-cased."""
    return detokenize_text(tf.strings.reduce_join(words, axis=-1, separator=" "), "latin")


def detokenize_text(sentences, standardization):
    """Standardized sentences `[batch]` (tokens separated by spaces) -> text: punctuation attached, first letter
    upper-cased.

    `latin`: `. ? ! ,` attach to the word before, `¿ ¡` to the word after.
    Otherwise, by Unicode category: closing brackets and quotes and most other
    punctuation (`. , ! ? ; : 。 ، ।`...) attach to the word before, opening
    ones to the word after; an apostrophe or hyphen between letters joins
    them ("it ' s" -> "it's"), a point between digits too ("3 . 5" -> "3.5");
    characters of scripts written without spaces join up, across their
    punctuation ("我 喜 欢 。 你 呢 ?" -> "我喜欢。你呢?").
    """
    if standardization == "latin":
        sentences = tf.strings.regex_replace(sentences, r" ([.?!,])", r"\1")
        sentences = tf.strings.regex_replace(sentences, r"([¿¡]) ", r"\1")
    else:
        for _ in range(2):  # a match consumes the character after the space: twice joins a whole run
            sentences = tf.strings.regex_replace(sentences, _UNSPACED + " " + _UNSPACED, r"\1\2")
            sentences = tf.strings.regex_replace(sentences, _JOINER, r"\1\2\3")
            sentences = tf.strings.regex_replace(sentences, _NUMBER, r"\1\2\3")
        sentences = tf.strings.regex_replace(sentences, _CLOSING, r"\1")
        sentences = tf.strings.regex_replace(sentences, _OPENING, r"\1")
        # No space after the punctuation of a script written without spaces: "我。 你" -> "我。你".
        sentences = tf.strings.regex_replace(sentences, _UNSPACED + r"(\p{P}+) " + _UNSPACED, r"\1\2\3")
    characters = tf.strings.unicode_split(sentences, "UTF-8")
    first = tf.strings.upper(tf.strings.reduce_join(characters[:, :1], axis=-1), encoding="utf-8")
    return tf.strings.join([first, tf.strings.reduce_join(characters[:, 1:], axis=-1)])


def build_vocabulary(texts, standardize, size):
    """The `size` most frequent words of `texts` after `standardize`, after `""` and `[UNK]`."""
    vectorizer = keras.layers.TextVectorization(max_tokens=size, standardize=standardize)
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(tf.constant(texts, tf.string)).batch(1024))
    return [str(word) for word in vectorizer.get_vocabulary()]


def build_subword_vocabulary(texts, standardize, size, reserved=()):
    """A WordPiece vocabulary of about `size` pieces learned from `texts` after `standardize`.

    `tensorflow_text.tools.wordpiece_vocab.bert_vocab_from_dataset` learns it
    from the standardized words (every character seen is a piece, so a new
    word is never wholly unknown unless it holds an unseen character).
    Returns `["", "[UNK]", *reserved, pieces...]`, pieces inside a word
    starting with `##`.
    """
    from tensorflow_text.tools.wordpiece_vocab import bert_vocab_from_dataset

    standardized = tf.data.Dataset.from_tensor_slices(tf.constant(texts, tf.string)).batch(1024).map(standardize)
    vocabulary = bert_vocab_from_dataset.bert_vocab_from_dataset(
        standardized,
        vocab_size=size,
        reserved_tokens=[PADDING, UNKNOWN, *reserved],
        bert_tokenizer_params={"lower_case": False},
    )
    return ["", *vocabulary[1:]]


@keras.saving.register_keras_serializable(package="seqapps")
class SubwordVectorizer(keras.layers.Layer):
    """Raw strings -> WordPiece ids, 0-padded, in the graph (tensorflow-text `FastWordpieceTokenizer`).

    Args:
        vocabulary: `""` (padding), `[UNK]`, then the pieces (`build_subword_vocabulary`).
        standardize: the standardization (a registered function of this module or of `seqapps.text`), run first;
            its words, split on spaces, are cut into the longest pieces of the vocabulary.

    Call arguments:
        texts: `tf.string` `[batch]`.

    Returns: int64 ids `[batch, pieces]`, 0-padded to the longest row.

    Example:

    >>> vectorize = SubwordVectorizer(["", "[UNK]", "cat", "##s"], text.standardize_any_script)
    >>> vectorize(["Cats"]).numpy()
    array([[2, 3]])
    """

    def __init__(self, vocabulary, standardize, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if len(vocabulary) < 2 or vocabulary[0] != "" or vocabulary[1] != UNKNOWN:
            raise ValueError(f"A subword vocabulary starts with '' and {UNKNOWN!r}, got {list(vocabulary[:2])!r}.")
        self.vocabulary = list(vocabulary)
        self.standardize = standardize
        self.tokenizer = tensorflow_text.FastWordpieceTokenizer(
            [PADDING, *self.vocabulary[1:]],
            suffix_indicator=SUBWORD_PREFIX,
            token_out_type=tf.int64,
            unknown_token=UNKNOWN,
            no_pretokenization=True,
        )

    def call(self, texts):
        words = tf.strings.split(self.standardize(texts))
        ids = self.tokenizer.tokenize(words).merge_dims(-2, -1)
        return ids.to_tensor(default_value=0)

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary": self.vocabulary,
            "standardize": keras.saving.get_registered_name(self.standardize),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["standardize"] = keras.saving.get_registered_object(config["standardize"])
        return cls(**config)


def join_subwords(sentences):
    """WordPiece pieces separated by spaces -> words separated by spaces ("cat ##s" -> "cats")."""
    return tf.strings.regex_replace(sentences, r"(^| )" + SUBWORD_PREFIX, "")
