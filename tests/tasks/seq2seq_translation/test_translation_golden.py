"""The Spanish -> English preset's standardization, frozen: its vocabularies, and so its BLEU, must not change.

The expected strings are the output of `standardize_spanish` / `standardize_english` before the translation
task learned other languages; a change to them changes every trained preset model.
"""

import tensorflow as tf

from seqapps.tasks import seq2seq_translation as task

GOLDEN = [
    ("¿Dónde está el niño?", "¿ donde esta el nino ?"),
    ("  ¡HOLA,   Señor!  ", "¡ hola , senor !"),
    ("Don't stop.", "don't stop ."),
    ("ﬁesta 😀 漢字\t\x00ok", "fiesta ok"),
    ("", ""),
    ('Tom\'s 3 cats; "quoted" (x) - y: z...', "tom's 3 cats quoted x y z . . ."),
    ("Привет, мир!", ", !"),
    ("Straße Ælfred ø Œuvre", "stra e lfred uvre"),
    ("Ça va? Très bien—merci!", "ca va ? tres bien merci !"),
    ("１２３ ＡＢＣ", "123 abc"),
    ("e\u0301te\u0301", "ete"),
    ("¿¡Qué!?", "¿ ¡ que ! ?"),
]


def test_the_preset_standardization_is_unchanged():
    raw = [text for text, _ in GOLDEN]
    assert [text.decode() for text in task.standardize_spanish(raw).numpy()] == [text for _, text in GOLDEN]
    assert [text.decode() for text in task.standardize_english(raw).numpy()] == [
        f"[start] {text} [end]" for _, text in GOLDEN
    ]


def test_the_preset_detokenization_is_unchanged():
    words = tf.ragged.constant([["i", "see", "it", ".", "¿", "ok", "?"], ["don't", ",", "go", "!"], []])
    assert [text.decode() for text in task.detokenize(words).numpy()] == ["I see it. ¿ok?", "Don't, go!", ""]
