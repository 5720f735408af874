"""Text classification of your own data: raw text in any language -> one of two or more classes.

What it does: trains a recurrent classifier (word embeddings, a recurrent
encoder and a linear bag-of-n-grams term, softmax over the classes found in
the training data in sorted order; one sigmoid for two classes), evaluates it
on the test split next to a bag-of-words logistic regression trained in the
same run, logs accuracy, macro-F1 and a per-class table (precision, recall,
F1, support) and writes them to `RUN_DIR/metrics.json` with the confusion
matrix as `RUN_DIR/confusion_matrix.png`, and exports a SavedModel to
`<export-root>/text_classification/<version>/` whose `serving_default` takes
raw strings (`text`) and returns `label`, `probabilities` ([batch, classes])
and `classes` (the class order), plus `probability` for two classes.
Tokenization runs inside the model and works for any script: NFKC, case
folding, punctuation set apart, Chinese, Japanese, Thai, Lao, Khmer, Burmese
and Tibetan split per character.
Data (`--data`): a folder with one subfolder per class of UTF-8 `.txt` files
(the `keras.utils.text_dataset_from_directory` layout), or a `.csv`, `.tsv`
or `.jsonl` file with `--text-column` and `--label-column` (labels read as
strings); `--validation-data` and `--test-data` in the same format, else
10% of each class of `--data` for test and 10% for validation (fixed seed;
`--test-fraction`, `--validation-fraction`). Empty texts are skipped and
counted in the log. `--dataset imdb` reads the IMDB reviews instead
(`seqapps.data.imdb`, with `--data` an aclImdb folder or archive).
Baseline: bag-of-words logistic regression on the same vocabulary.
Expected result: with `--dataset imdb`, the IMDB sentiment recipe's test
accuracy (BENCHMARKS.md); `--quick` (1000 examples per split, one epoch of a
small model) only checks that everything runs.

    printf 'text,label\\nI loved this film,pos\\nA wonderful story,pos\\nGreat acting,pos\\n' > tiny.csv
    printf 'Brilliant and moving,pos\\nWhat a fine movie,pos\\nI hated this film,neg\\n' >> tiny.csv
    printf 'A boring story,neg\\nAwful acting,neg\\nDull and stupid,neg\\nWhat a bad movie,neg\\n' >> tiny.csv
    seqapps train text_classification --data tiny.csv --validation-fraction 0.2 --test-fraction 0.2 --quick
    seqapps predict saved_models/text_classification "a great film"

Tuning: `--tune` searches the hyperparameters with keras-tuner instead
(`seqapps tune text_classification` does the same), maximizing the
validation accuracy: the cell type, units, layers, dropout, learning rate,
batch size, direction, embedding size and pooling, within the ranges of the
search-space flags (the single-model flags --cell, --units, --layers,
--bidirectional, --dropout, --batch-size, --learning-rate, --embedding-dim
and --pooling do not apply); the data flags do. The best hyperparameters
are retrained on train+validation and exported.

    seqapps train text_classification --tune --data tiny.csv --validation-fraction 0.2 --test-fraction 0.2 \\
        --quick --max-trials 2 --units-range 8 16
"""

import sys

from seqapps import console, layers
from seqapps.layers.masked_global_pooling import MODES as POOLING_MODES
from seqapps.layers.token_window import MODES as TRUNCATION_MODES
from seqapps.recipes.runner import run_recipe
from seqapps.tasks.text_classification import DATASETS, TextClassificationConfig, train

GROUPS = {
    "data": (
        "data",
        "validation_data",
        "test_data",
        "text_column",
        "label_column",
        "validation_fraction",
        "test_fraction",
        "dataset",
        "limit",
        "max_tokens",
        "truncation",
        "vocab_size",
    ),
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
    "training": ("epochs", "batch_size", "learning_rate", "patience", "baseline_epochs", "verbose"),
    "outputs": ("export_root", "run_dir", "restart", "seed"),
}


def main(argv=None, prog=None):
    """Runs the recipe with the flags `argv` (default: the command line); `prog` names it in `--help`."""
    return run_recipe(
        argv,
        prog,
        recipe="text_classification",
        docstring=__doc__,
        config_class=TextClassificationConfig,
        train=train,
        groups=GROUPS,
        choices={
            "dataset": DATASETS,
            "cell": layers.KINDS,
            "truncation": TRUNCATION_MODES,
            "pooling": POOLING_MODES,
            "verbose": (0, 1, 2),
        },
        distributable=True,
    )


if __name__ == "__main__":
    sys.exit(console.run(main))
