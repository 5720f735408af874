"""Spanish -> English translation with an attentional recurrent encoder-decoder, exported for TF Serving.

What it does: builds Spanish and English word vocabularies from the training
pairs (tensorflow-text NFKD normalization, accents dropped, lower-cased,
punctuation set apart, all in the graph), trains a bidirectional recurrent
encoder and a recurrent decoder with Bahdanau (additive) or Luong
(multiplicative) attention by teacher forcing, scores the test split with
sacrebleu BLEU and chrF for greedy and beam-search decoding, prints 10 sample
translations beside their references, draws attention heat maps
(`<run-dir>/attention.png`) and exports a SavedModel to
`<export-root>/spa_eng_translator/<version>/`: `serving_default` takes `text`
(Spanish strings) and returns `translation` (beam search); `beam_search`
also takes `beam_width` (int32 scalar, 1 to 16).
Data: the Anki/Tatoeba Spanish-English pairs (`spa-eng.zip`) from `--data`,
`$SEQAPPS_DATA_DIR/spa-eng/spa-eng.zip` or the TensorFlow download, split by
unique Spanish sentence: 2,000 test and 2,000 validation pairs, the rest train.
Baseline: BLEU 0 for copying the Spanish input; the target is BLEU >= 35 with
beam search after at most 90 minutes of training on 2 cores.
Expected result: see BENCHMARKS.md ("Translation") for the default
configuration; `--quick` (a small model, 5,000 pairs, one epoch, 200 test
pairs) only checks that everything runs, in about a minute on 2 cores, and
translates poorly.

    python recipes/seq2seq_translation.py --quick
    seqapps predict saved_models/spa_eng_translator "¿Dónde está la estación?"
"""

import argparse
import sys

from seqapps import layers, recipe_arguments
from seqapps.tasks.seq2seq_translation import ATTENTIONS, MAX_BEAM_WIDTH, TranslationConfig, train


def main(argv=None):
    defaults = TranslationConfig()
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--data",
        default=defaults.data,
        help="spa-eng.zip, spa.txt or a folder holding either (default: $SEQAPPS_DATA_DIR, else download)",
    )
    data.add_argument(
        "--max-pairs", type=int, default=defaults.max_pairs, help="train on at most this many pairs (default: all)"
    )
    data.add_argument("--source-vocabulary-size", type=int, default=defaults.source_vocabulary_size)
    data.add_argument("--target-vocabulary-size", type=int, default=defaults.target_vocabulary_size)
    data.add_argument(
        "--max-training-words",
        type=int,
        default=defaults.max_training_words,
        help="training sentences are cut to this many words",
    )
    model = parser.add_argument_group("model and training")
    model.add_argument("--cell", choices=layers.KINDS, default=defaults.cell, help="recurrent layer kind")
    model.add_argument("--units", type=int, default=defaults.units, help="units per encoder direction and decoder")
    model.add_argument("--embedding-dim", type=int, default=defaults.embedding_dim)
    model.add_argument(
        "--attention",
        choices=ATTENTIONS,
        default=defaults.attention,
        help="additive (bahdanau) or multiplicative (luong) attention scores",
    )
    model.add_argument("--dropout", type=float, default=defaults.dropout)
    model.add_argument("--epochs", type=int, default=defaults.epochs, help="maximum epochs (early stopping)")
    model.add_argument("--batch-size", type=int, default=defaults.batch_size)
    model.add_argument(
        "--learning-rate",
        type=float,
        default=defaults.learning_rate,
        help="peak learning rate (cosine decay to 5%% of it)",
    )
    model.add_argument("--clipnorm", type=float, default=defaults.clipnorm, help="clip gradients to this global norm")
    model.add_argument(
        "--patience", type=int, default=defaults.patience, help="epochs without validation improvement before stopping"
    )
    model.add_argument(
        "--time-budget-minutes",
        type=float,
        default=defaults.time_budget_minutes,
        help="stop before an epoch that would end past this many minutes of training",
    )
    model.add_argument("--quick", action="store_true", help="small model, 5,000 pairs, one epoch, 200 test pairs")
    model.add_argument(
        "--evaluate-only",
        action="store_true",
        help="train nothing: score and export the best weights of the run in --run-dir "
        "(pass the architecture flags it was trained with)",
    )
    decoding = parser.add_argument_group("decoding and evaluation")
    decoding.add_argument(
        "--beam-width",
        type=int,
        default=defaults.beam_width,
        help=f"beam width of the evaluation and of serving_default (1..{MAX_BEAM_WIDTH})",
    )
    decoding.add_argument("--max-length", type=int, default=defaults.max_length, help="most words per translation")
    decoding.add_argument(
        "--evaluation-pairs",
        type=int,
        default=defaults.evaluation_pairs,
        help="score at most this many test pairs (default: all)",
    )
    recipe_arguments.add_output_arguments(parser, defaults)
    arguments = parser.parse_args(argv)
    config = recipe_arguments.config_from_arguments(TranslationConfig, arguments, parser)
    train(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
