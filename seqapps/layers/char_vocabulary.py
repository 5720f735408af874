"""Characters <-> ids in the graph, for character-level models (tensorflow-text)."""

import keras
import tensorflow as tf
import tensorflow_text as tf_text

OOV_ID = 0
OOV_CHARACTER = "\ufffd"


@keras.saving.register_keras_serializable(package="seqapps")
class CharVocabulary(keras.layers.Layer):
    """Characters <-> ids with tensorflow-text, in the graph: id 0 is every unknown character.

    Args:
        characters: the known characters, a string or a list of one-character
            strings, in id order (ids 1, 2, ...).

    Call arguments:
        texts: string tensor `[batch]`; returns the ids, an int32 `RaggedTensor`
            `[batch, (characters)]`. Invalid UTF-8 becomes U+FFFD first, then
            (unless it is known) the unknown id.

    Example:
    >>> vocabulary = CharVocabulary.from_text("hello world")
    >>> vocabulary(tf.constant(["hold", "hi!"])).to_list()
    [[4, 6, 5, 2], [4, 0, 0]]
    >>> vocabulary.decode(tf.ragged.constant([[4, 3, 5, 5, 6]])).numpy()
    array([b'hello'], dtype=object)
    """

    def __init__(self, characters, **kwargs):
        super().__init__(**kwargs)
        characters = list(characters)
        if not characters or len(set(characters)) != len(characters) or any(len(c) != 1 for c in characters):
            raise ValueError(f"`characters` must be distinct single characters, at least one, got {characters[:20]!r}.")
        self.characters = "".join(characters)
        self.codepoints = [ord(character) for character in characters]
        self.tokenizer = tf_text.UnicodeCharTokenizer()
        self.lookup = keras.layers.IntegerLookup(
            vocabulary=self.codepoints, num_oov_indices=1, mask_token=None, output_mode="int", name="codepoint_ids"
        )
        # id -> codepoint; the unknown id decodes as U+FFFD.
        self.id_codepoints = tf.constant([ord(OOV_CHARACTER)] + self.codepoints, tf.int32)

    def build(self, input_shape=None):
        # The lookup table is complete from the constructor; there are no weights to create.
        self.built = True

    @classmethod
    def from_text(cls, text, **kwargs):
        """The vocabulary of the characters of `text`, sorted by code point."""
        return cls(sorted(set(text)), **kwargs)

    @property
    def size(self):
        """Number of ids, the unknown id included."""
        return len(self.codepoints) + 1

    def call(self, texts):
        codepoints = self.tokenizer.tokenize(texts)
        return tf.cast(self.lookup(tf.cast(codepoints, tf.int64)), tf.int32)

    def encode_text(self, text):
        """A Python string's ids, a NumPy int32 array."""
        return self(tf.constant([text])).flat_values.numpy()

    def decode(self, ids):
        """Ids (a `RaggedTensor` or dense `[batch, length]` tensor) -> strings `[batch]`."""
        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.RaggedTensor.from_tensor(ids)
        return self.tokenizer.detokenize(tf.gather(self.id_codepoints, ids))

    def get_config(self):
        return {**super().get_config(), "characters": self.characters}
