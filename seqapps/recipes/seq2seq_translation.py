"""Translation (Spanish -> English, or any pair with --data) with an attentional recurrent encoder-decoder, exported
for TF Serving.

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

    seqapps train seq2seq_translation --quick
    seqapps predict saved_models/spa_eng_translator "¿Dónde está la estación?"

Any pair of languages, any direction: `--data` takes a tab-separated UTF-8
file (or the Anki format `English<TAB>Other<TAB>attribution` of manythings.org),
`--source-column` / `--target-column` choose its columns (0-based indices,
default 1 -> 0 as in `spa.txt`; or names of a header row), `--standardization
any_script` keeps the letters of every script (`latin`, the default, keeps
only a-z and says so when a language loses its letters), `--tokens subword`
uses WordPiece vocabularies. Without `--validation-data` / `--test-data`,
2,000 pairs each (a tenth of the file when fewer) are held out by unique
source sentence with a fixed seed.

    seqapps train seq2seq_translation --data rus.txt --source-column 0 --target-column 1 \
        --standardization any_script --tokens subword --model-name eng_rus_translator

Scoring a run again: `--evaluate-only` trains nothing; it rebuilds the
translator of `--run-dir` from the settings the run saved
(`<run-dir>/config.json`) and scores and exports its best weights. Only the
evaluation settings may be typed then (--data, --validation-data, --test-data,
--evaluation-pairs, --beam-width, --max-length, --export-root, --model-name, --verbose); another setting that
differs from the run's is an error naming it.

    seqapps train seq2seq_translation --evaluate-only --beam-width 8

Tuning: `--tune` searches the hyperparameters with keras-tuner instead
(`seqapps tune seq2seq_translation` does the same), minimizing the
validation loss: the cell, units, attention, embedding size, dropout,
learning rate and batch size, within the search-space flags; the data flags
apply. `--trial-minutes` gives each trial a time budget. The best
hyperparameters are retrained by the recipe, scored (BLEU) and exported.

    seqapps train seq2seq_translation --tune --quick --max-trials 3 --trial-minutes 3
"""

import sys

from seqapps import console, layers
from seqapps.recipes.runner import run_recipe
from seqapps.tasks.seq2seq_translation import (
    ATTENTIONS,
    STANDARDIZATIONS,
    TOKENS,
    TranslationConfig,
    evaluation_config,
    train,
)

GROUPS = {
    "data": (
        "data",
        "validation_data",
        "test_data",
        "source_column",
        "target_column",
        "standardization",
        "tokens",
        "max_pairs",
        "source_vocabulary_size",
        "target_vocabulary_size",
        "max_training_words",
    ),
    "model and training": (
        "cell",
        "units",
        "embedding_dim",
        "attention",
        "dropout",
        "epochs",
        "batch_size",
        "learning_rate",
        "clipnorm",
        "patience",
        "time_budget_minutes",
        "verbose",
    ),
    "decoding and evaluation": ("evaluate_only", "beam_width", "max_length", "evaluation_pairs"),
    "outputs": ("export_root", "model_name", "run_dir", "restart", "seed"),
}


def config_from_settings(settings):
    """The recipe's config from the settings given: with `evaluate_only`, the run's saved ones they change."""
    if not settings.get("evaluate_only"):
        return TranslationConfig(**settings)
    settings = dict(settings)
    return evaluation_config(settings.pop("run_dir", TranslationConfig.run_dir), **settings)


def main(argv=None, prog=None):
    """Runs the recipe with the flags `argv` (default: the command line); `prog` names it in `--help`."""
    return run_recipe(
        argv,
        prog,
        recipe="seq2seq_translation",
        docstring=__doc__,
        config_class=TranslationConfig,
        train=train,
        groups=GROUPS,
        choices={
            "cell": layers.KINDS,
            "attention": ATTENTIONS,
            "standardization": STANDARDIZATIONS,
            "tokens": TOKENS,
            "verbose": (0, 1, 2),
        },
        build=config_from_settings,
        distributable=True,
    )


if __name__ == "__main__":
    sys.exit(console.run(main))
