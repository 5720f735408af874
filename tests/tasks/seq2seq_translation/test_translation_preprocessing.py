"""seq2seq_translation/preprocessing.py: standardization and detokenization."""

import pytest
import tensorflow as tf

from seqapps.tasks import seq2seq_translation as task


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("¿Dónde está el niño?", "¿ donde esta el nino ?"),
        ("  ¡HOLA,   Señor!  ", "¡ hola , senor !"),
        ("Don't stop.", "don't stop ."),
        ("ﬁesta 😀 漢字\t\x00ok", "fiesta ok"),
        ("", ""),
    ],
)
def test_standardize(raw, expected):
    assert task.standardize_spanish([raw]).numpy()[0].decode("utf-8") == expected


def test_standardize_english_adds_the_markers_and_replaces_invalid_utf8():
    assert task.standardize_english(["Hi!"]).numpy()[0] == b"[start] hi ! [end]"
    assert task.standardize_spanish([b"ca\xffsa"]).numpy()[0] == b"ca sa"


def test_detokenize():
    words = tf.ragged.constant([["i", "see", "it", ".", "¿", "ok", "?"], [], ["tom", ",", "go", "!"]])
    assert [text.decode() for text in task.detokenize(words).numpy()] == ["I see it. ¿ok?", "", "Tom, go!"]
