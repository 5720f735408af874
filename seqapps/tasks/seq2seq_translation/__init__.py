"""Translation of any pair of languages (Spanish -> English by default) with an attentional recurrent
encoder-decoder, served from raw strings.

Data flows one way: `seqapps.data.parallel_texts` (the pairs of any
tab-separated file, columns and direction chosen; by default the
Spanish-English pairs of `seqapps.data.spa_eng`; split by unique source
sentence) -> in-graph standardization (`latin`, the preset's:
`standardize_spanish` / `standardize_english`, tensorflow-text
`normalize_utf8` NFKD with the accents dropped; or `any_script`, letters of
every script kept) and word or WordPiece subword vocabularies built from the
training split -> `Translator` (a
bidirectional `seqapps.layers.recurrent` encoder, a recurrent decoder with
attention, trained with teacher forcing and a masked loss) -> in-graph
greedy, sampling and beam-search decoding (`seqapps.decoding`) -> sacrebleu
BLEU and chrF on the test split -> `seqapps.export`.

Where each role lives:

- `config.py`: `TranslationConfig` (the recipe's settings), `evaluation_config`
  (a run's saved settings, to score it again) and the limits
  (`MAX_SOURCE_WORDS`, `MAX_BEAM_WIDTH`, `DEFAULT_MAX_LENGTH`, `ATTENTIONS`, `DECODINGS`).
- `preprocessing.py`: standardizations (`STANDARDIZERS`: `standardize_spanish`,
  `standardize_english`, `standardize_target`, `standardize_without_accents`...),
  `build_vocabulary`, `build_subword_vocabulary` and `SubwordVectorizer`
  (WordPiece), `detokenize_text`, `join_subwords`, the `[start]` / `[end]` markers.
- `model.py`: `Translator` (vectorizing, encoder, attention, the step
  decoder, greedy / sampling / beam decoding through `seqapps.decoding`,
  detokenizing, `attention_map`); its docstring describes the network.
- `serving.py`: `serving_signatures` (`serving_default`, `beam_search`).
- `datasets.py`: `pair_dataset`, length-bucketed training batches.
- `evaluation.py`: `evaluate` (BLEU, chrF, speed per decoding), `plot_attention`.
- `training.py`: `train` (the recipe end to end), `load_pairs` (the config's pairs, split),
  `check_standardization`, `load_run` (a run's translator, rebuilt from its `config.json`),
  `masked_accuracy`, `TranslationResult`, and the steps a search reuses per trial (`split_pairs`,
  `build_vocabularies`, `build_translator`, `compile_translator`).

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
    STANDARDIZATIONS,
    TOKENS,
    TranslationConfig,
    evaluation_config,
)
from seqapps.tasks.seq2seq_translation.datasets import BUCKET_BOUNDARIES, pair_dataset
from seqapps.tasks.seq2seq_translation.evaluation import bleu_tokenization, evaluate, plot_attention
from seqapps.tasks.seq2seq_translation.model import Translator
from seqapps.tasks.seq2seq_translation.preprocessing import (
    END,
    STANDARDIZERS,
    START,
    UNKNOWN,
    SubwordVectorizer,
    build_subword_vocabulary,
    build_vocabulary,
    detokenize,
    detokenize_text,
    join_subwords,
    standardize_english,
    standardize_spanish,
    standardize_target,
    standardize_target_without_accents,
    standardize_without_accents,
)
from seqapps.tasks.seq2seq_translation.serving import serving_signatures
from seqapps.tasks.seq2seq_translation.training import (
    TranslationResult,
    build_translator,
    build_vocabularies,
    check_standardization,
    compile_translator,
    load_pairs,
    load_run,
    masked_accuracy,
    split_pairs,
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
    "STANDARDIZATIONS",
    "STANDARDIZERS",
    "START",
    "SubwordVectorizer",
    "TOKENS",
    "UNKNOWN",
    "TranslationConfig",
    "TranslationResult",
    "Translator",
    "bleu_tokenization",
    "build_subword_vocabulary",
    "build_translator",
    "build_vocabularies",
    "build_vocabulary",
    "check_standardization",
    "compile_translator",
    "detokenize",
    "detokenize_text",
    "evaluate",
    "evaluation_config",
    "join_subwords",
    "load_pairs",
    "load_run",
    "masked_accuracy",
    "pair_dataset",
    "plot_attention",
    "serving_signatures",
    "split_pairs",
    "standardize_english",
    "standardize_spanish",
    "standardize_target",
    "standardize_target_without_accents",
    "standardize_without_accents",
    "train",
]
