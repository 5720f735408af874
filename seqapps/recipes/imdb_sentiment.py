"""IMDB sentiment: from raw review text to a servable classifier.

What it does: trains a recurrent classifier of movie reviews (positive or
negative), evaluates it on the official 25,000-review test set next to a
bag-of-words logistic regression trained in the same run, and exports a
SavedModel to `<export-root>/imdb_sentiment/<version>/` whose
`serving_default` takes raw review strings (`text`) and returns `probability`
and `label` ("positive"/"negative"). Tokenization runs inside the model.
Data: the IMDB Large Movie Review Dataset (aclImdb), from `--data`, else
`$SEQAPPS_DATA_DIR/imdb/aclImdb.tar.gz`, else tfds `imdb_reviews`.
Baseline: bag-of-words logistic regression on the same vocabulary.
Expected result: see BENCHMARKS.md for the default configuration's measured
test accuracy and epoch time; `--quick` (1000 reviews per split, one epoch)
only checks that everything runs, in about 2 minutes on 2 cores.

    seqapps train imdb_sentiment --quick
    seqapps predict saved_models/imdb_sentiment "What a great movie!"

Tuning: `--tune` searches the hyperparameters with keras-tuner instead
(`seqapps tune imdb_sentiment` does the same): the cell type, units, layers,
dropout, learning rate, batch size, direction, embedding size and pooling,
within the ranges of the search-space flags (the single-model flags --cell,
--units, --layers, --bidirectional, --dropout, --batch-size and
--learning-rate do not apply); the data flags (--quick, --limit, --data,
--max-tokens, --vocab-size, --epochs, --seed, --export-root) do. The best
hyperparameters are retrained on train+validation and exported.

    seqapps train imdb_sentiment --tune --limit 2000 --max-trials 6 --max-epochs 2
"""

import sys

from seqapps import console, layers
from seqapps.layers.masked_global_pooling import MODES as POOLING_MODES
from seqapps.layers.token_window import MODES as TRUNCATION_MODES
from seqapps.recipes.runner import run_recipe
from seqapps.tasks.imdb_sentiment import ImdbSentimentConfig, train

GROUPS = {
    "model": (
        "cell",
        "units",
        "layers",
        "bidirectional",
        "embedding_dim",
        "dropout",
        "pooling",
        "bag_of_words",
        "ngrams",
        "ngram_buckets",
    ),
    "data": ("max_tokens", "truncation", "vocab_size", "limit", "data"),
    "training": ("epochs", "batch_size", "learning_rate", "patience", "baseline_epochs", "verbose"),
    "outputs": ("export_root", "run_dir", "restart", "seed"),
}


def main(argv=None, prog=None):
    """Runs the recipe with the flags `argv` (default: the command line); `prog` names it in `--help`."""
    return run_recipe(
        argv,
        prog,
        recipe="imdb_sentiment",
        docstring=__doc__,
        config_class=ImdbSentimentConfig,
        train=train,
        groups=GROUPS,
        choices={"cell": layers.KINDS, "truncation": TRUNCATION_MODES, "pooling": POOLING_MODES, "verbose": (0, 1, 2)},
        distributable=True,
    )


if __name__ == "__main__":
    sys.exit(console.run(main))
