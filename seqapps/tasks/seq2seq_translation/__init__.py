"""Spanish -> English translation with an attentional recurrent encoder-decoder, served from raw strings.

Data flows one way: `seqapps.data.spa_eng` (pairs split by unique Spanish
sentence) -> in-graph standardization and word vocabularies built from the
training split (`standardize_spanish` / `standardize_english`, tensorflow-text
`normalize_utf8` NFKD with the accents dropped) -> `Translator` (a
bidirectional `seqapps.layers.recurrent` encoder, a recurrent decoder with
attention, trained with teacher forcing and a masked loss) -> in-graph
greedy, sampling and beam-search decoding (`seqapps.decoding`) -> sacrebleu
BLEU and chrF on the test split -> `seqapps.export`.

Where each role lives:

- `config.py`: `TranslationConfig` (the recipe's settings), `evaluation_config`
  (a run's saved settings, to score it again) and the limits
  (`MAX_SOURCE_WORDS`, `MAX_BEAM_WIDTH`, `DEFAULT_MAX_LENGTH`, `ATTENTIONS`, `DECODINGS`).
- `preprocessing.py`: standardization (`standardize_spanish`,
  `standardize_english`), `build_vocabulary`, `detokenize`, the `[start]` /
  `[end]` markers.
- `model.py`: `Translator` (vectorizing, encoder, attention, the step
  decoder, greedy / sampling / beam decoding through `seqapps.decoding`,
  detokenizing, `attention_map`); its docstring describes the network.
- `serving.py`: `serving_signatures` (`serving_default`, `beam_search`).
- `datasets.py`: `pair_dataset`, length-bucketed training batches.
- `evaluation.py`: `evaluate` (BLEU, chrF, speed per decoding), `plot_attention`.
- `training.py`: `train` (the recipe end to end), `load_run` (a run's translator, rebuilt from its
  `config.json`), `masked_accuracy`, `TranslationResult`, and the steps a search reuses per trial
  (`load_pairs`, `build_vocabularies`, `build_translator`, `compile_translator`).

Beam search keeps `beam_width` hypotheses per sentence and picks the finished
one with the best length-normalized log-probability,
`log p / ((5 + length) / 6) ** alpha` (Wu et al. 2016).
"""

from seqapps.tasks.seq2seq_translation.config import (
    ATTENTIONS,
    DECODINGS,
    DEFAULT_MAX_LENGTH,
    MAX_BEAM_WIDTH,
    MAX_SOURCE_WORDS,
    MODEL_NAME,
    TranslationConfig,
    evaluation_config,
)
from seqapps.tasks.seq2seq_translation.datasets import BUCKET_BOUNDARIES, pair_dataset
from seqapps.tasks.seq2seq_translation.evaluation import evaluate, plot_attention
from seqapps.tasks.seq2seq_translation.model import Translator
from seqapps.tasks.seq2seq_translation.preprocessing import (
    END,
    START,
    UNKNOWN,
    build_vocabulary,
    detokenize,
    standardize_english,
    standardize_spanish,
)
from seqapps.tasks.seq2seq_translation.serving import serving_signatures
from seqapps.tasks.seq2seq_translation.training import (
    TranslationResult,
    build_translator,
    build_vocabularies,
    compile_translator,
    load_pairs,
    load_run,
    masked_accuracy,
    train,
)

__all__ = [
    "ATTENTIONS",
    "BUCKET_BOUNDARIES",
    "DECODINGS",
    "DEFAULT_MAX_LENGTH",
    "END",
    "MAX_BEAM_WIDTH",
    "MAX_SOURCE_WORDS",
    "MODEL_NAME",
    "START",
    "UNKNOWN",
    "TranslationConfig",
    "TranslationResult",
    "Translator",
    "build_translator",
    "build_vocabularies",
    "build_vocabulary",
    "compile_translator",
    "detokenize",
    "evaluate",
    "evaluation_config",
    "load_pairs",
    "load_run",
    "masked_accuracy",
    "pair_dataset",
    "plot_attention",
    "serving_signatures",
    "standardize_english",
    "standardize_spanish",
    "train",
]
