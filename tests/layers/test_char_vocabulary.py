"""CharVocabulary: characters <-> ids with tensorflow-text."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqapps.layers.char_vocabulary import CharVocabulary


def test_vocabulary_round_trip_unknown_characters_and_serialization():
    vocabulary = CharVocabulary.from_text("abc ça😀")
    assert vocabulary.characters == " abcç😀" and vocabulary.size == 7
    ids = vocabulary(tf.constant(["ça😀", "abz", "", b"\xffa"]))
    assert ids.to_list() == [[5, 2, 6], [2, 3, 0], [], [0, 2]]  # invalid byte -> U+FFFD -> unknown id 0
    decoded = [text.decode() for text in vocabulary.decode(ids).numpy()]
    assert decoded == ["ça😀", "ab\ufffd", "", "\ufffda"]
    clone = CharVocabulary.from_config(vocabulary.get_config())
    assert clone.characters == vocabulary.characters
    with pytest.raises(ValueError, match="distinct single characters"):
        CharVocabulary(["a", "a"])


def test_docstring_example_and_keras_serialization():
    vocabulary = CharVocabulary.from_text("hello world")
    assert vocabulary(tf.constant(["hold", "hi!"])).to_list() == [[4, 6, 5, 2], [4, 0, 0]]
    assert vocabulary.decode(tf.ragged.constant([[4, 3, 5, 5, 6]])).numpy().tolist() == [b"hello"]
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(vocabulary))
    assert isinstance(clone, CharVocabulary) and clone.characters == vocabulary.characters
    np.testing.assert_array_equal(clone.encode_text("hello"), vocabulary.encode_text("hello"))
