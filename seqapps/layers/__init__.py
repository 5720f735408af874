"""Keras layers and layer builders that the tasks assemble models from.

One layer per file, each registered as `seqapps>ClassName`:

- `recurrent_factory.py`: `recurrent(kind, units, ...)`, one name for every
  recurrent layer (the seqapps cells and the Keras built-ins); `KINDS` lists
  the names (used as argparse choices); `flat_state_sizes(cell)`, the sizes of
  a cell's state vectors.
- `masked_global_pooling.py`: `MaskedGlobalPooling1D`, max/average pooling
  over time that respects the padding mask.
- `ngram_scores.py`: `NgramScores`, a linear bag-of-n-grams term (learned
  scores of words and hashed word sequences).
- `token_window.py`: `TokenWindow`, fixed-length windows of token ids keeping
  the head, the tail or both.
- `char_vocabulary.py`: `CharVocabulary`, characters <-> ids in the graph
  (tensorflow-text), unknown characters -> id 0.
- `additive_attention.py`: `AdditiveAttention`, Bahdanau's attention
  `v . tanh(W_q q + W_k s)`, with its projections.
- `multiplicative_attention.py`: `MultiplicativeAttention`, Luong's attention
  `q . W s / sqrt(units)`, with its key projection.
- `attention_read.py`: `attention_read`, the masked softmax and weighted sum
  both attention layers end with.
- `segment_recurrent_forecaster.py`: `SegmentRecurrentForecaster`, the
  SegRNN forecaster: channel-independent, last-value normalized, a recurrent
  layer over segments of the window, parallel decoding of output segments.

The cells themselves live in `seqapps.cells`.
"""

from seqapps.layers.additive_attention import AdditiveAttention
from seqapps.layers.attention_read import attention_read
from seqapps.layers.char_vocabulary import CharVocabulary
from seqapps.layers.masked_global_pooling import MaskedGlobalPooling1D
from seqapps.layers.multiplicative_attention import MultiplicativeAttention
from seqapps.layers.ngram_scores import NgramScores
from seqapps.layers.recurrent_factory import (
    BIDIRECTIONAL_MERGE_MODES,
    BUILTIN_KINDS,
    BUILTIN_LAYERS,
    KINDS,
    RNN_ARGUMENTS,
    flat_state_sizes,
    recurrent,
)
from seqapps.layers.segment_recurrent_forecaster import SegmentRecurrentForecaster
from seqapps.layers.token_window import TokenWindow

__all__ = [
    "BIDIRECTIONAL_MERGE_MODES",
    "BUILTIN_KINDS",
    "BUILTIN_LAYERS",
    "KINDS",
    "RNN_ARGUMENTS",
    "AdditiveAttention",
    "CharVocabulary",
    "MaskedGlobalPooling1D",
    "MultiplicativeAttention",
    "NgramScores",
    "SegmentRecurrentForecaster",
    "TokenWindow",
    "attention_read",
    "flat_state_sizes",
    "recurrent",
]
