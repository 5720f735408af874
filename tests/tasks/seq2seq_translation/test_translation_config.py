"""seq2seq_translation/config.py: the recipe's settings."""

import pytest

from seqapps.tasks.seq2seq_translation import TranslationConfig


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        (dict(cell="transformer"), "Unknown cell"),
        (dict(attention="dot"), "Unknown attention"),
        (dict(units=0), "`units` must be a positive integer"),
        (dict(beam_width=17), "`beam_width` must be at most 16"),
        (dict(max_pairs=0), "`max_pairs`"),
        (dict(dropout=1.0), "`dropout`"),
        (dict(target_vocabulary_size=4), "`target_vocabulary_size`"),
        (dict(max_training_words=2), "`max_training_words`"),
    ],
)
def test_bad_config(arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        TranslationConfig(**arguments)
