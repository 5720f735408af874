"""Keras layers and layer builders that the tasks assemble models from.

One layer per file, each registered as `seqapps>ClassName`:

- `recurrent_factory.py`: `recurrent(kind, units, ...)`, one name for every
  recurrent layer (the seqapps cells and the Keras built-ins); `KINDS` lists
  the names (used as argparse choices).
- `masked_global_pooling.py`: `MaskedGlobalPooling1D`, max/average pooling
  over time that respects the padding mask.
- `ngram_scores.py`: `NgramScores`, a linear bag-of-n-grams term (learned
  scores of words and hashed word sequences).
- `token_window.py`: `TokenWindow`, fixed-length windows of token ids keeping
  the head, the tail or both.
- `char_vocabulary.py`: `CharVocabulary`, characters <-> ids in the graph
  (tensorflow-text), unknown characters -> id 0.

The cells themselves live in `seqapps.cells`.
"""

from seqapps.layers.char_vocabulary import CharVocabulary
from seqapps.layers.masked_global_pooling import MaskedGlobalPooling1D
from seqapps.layers.ngram_scores import NgramScores
from seqapps.layers.recurrent_factory import (
    BIDIRECTIONAL_MERGE_MODES,
    BUILTIN_KINDS,
    BUILTIN_LAYERS,
    KINDS,
    RNN_ARGUMENTS,
    recurrent,
)
from seqapps.layers.token_window import TokenWindow

__all__ = [
    "BIDIRECTIONAL_MERGE_MODES",
    "BUILTIN_KINDS",
    "BUILTIN_LAYERS",
    "KINDS",
    "RNN_ARGUMENTS",
    "CharVocabulary",
    "MaskedGlobalPooling1D",
    "NgramScores",
    "TokenWindow",
    "recurrent",
]
