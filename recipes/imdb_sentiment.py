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

    python recipes/imdb_sentiment.py --quick
    seqapps predict saved_models/imdb_sentiment "What a great movie!"

Tuning: `--tune` searches the hyperparameters with keras-tuner instead
(`seqapps tune imdb_sentiment` does the same): the cell type, units, layers,
dropout, learning rate, batch size, direction, embedding size and pooling,
within the ranges of the search-space flags (the single-model flags --cell,
--units, --layers, --bidirectional, --dropout, --batch-size and
--learning-rate do not apply); the data flags (--quick, --limit, --data,
--max-tokens, --vocab-size, --epochs, --seed, --export-root) do. The best
hyperparameters are retrained on train+validation and exported.

    python recipes/imdb_sentiment.py --tune --limit 2000 --max-trials 6 --max-epochs 2
"""

import argparse
import sys

from seqapps import layers, recipe_arguments
from seqapps.tasks.imdb_sentiment import ImdbSentimentConfig, train
from seqapps.layers.token_window import MODES as TRUNCATION_MODES
from seqapps.tuning import arguments as tuning_arguments
from seqapps.tuning import hypermodel_class


def main(argv=None):
    defaults = ImdbSentimentConfig()
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--cell", choices=layers.KINDS, default=defaults.cell, help="recurrent layer kind")
    parser.add_argument("--units", type=int, default=defaults.units, help="units per direction and layer")
    parser.add_argument("--layers", type=int, default=defaults.layers, help="stacked recurrent layers")
    parser.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=defaults.bidirectional)
    parser.add_argument("--max-tokens", type=int, default=defaults.max_tokens, help="tokens kept per review")
    parser.add_argument("--truncation", choices=TRUNCATION_MODES, default=defaults.truncation,
                        help="what a review longer than --max-tokens keeps")
    parser.add_argument("--vocab-size", type=int, default=defaults.vocab_size)
    parser.add_argument("--embedding-dim", type=int, default=defaults.embedding_dim)
    parser.add_argument("--dropout", type=float, default=defaults.dropout)
    parser.add_argument("--bag-of-words", action=argparse.BooleanOptionalAction, default=defaults.bag_of_words,
                        help="add a linear bag-of-n-grams term (one learned score per word and per hashed n-gram) "
                             "to the classifier's logit")
    parser.add_argument("--ngrams", type=int, default=defaults.ngrams,
                        help="longest word sequence the bag term scores (1: words only)")
    parser.add_argument("--ngram-buckets", type=int, default=defaults.ngram_buckets,
                        help="hashed scores shared by the bag term's n-grams of two or more words")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--quick", action="store_true", help="1000 reviews per split, one short epoch")
    parser.add_argument("--limit", type=int, default=defaults.limit, help="reviews per split (default: all)")
    parser.add_argument("--data", default=defaults.data, help="aclImdb folder or archive")
    recipe_arguments.add_output_arguments(parser, defaults)
    parser.add_argument("--tune", action="store_true", help="search the hyperparameters instead of training once")
    tuning_arguments.add_tuning_arguments(parser)
    arguments = parser.parse_args(argv)
    config = recipe_arguments.config_from_arguments(ImdbSentimentConfig, arguments, parser)
    if arguments.tune:
        options = hypermodel_class("imdb_sentiment").options_from_config(config)
        return tuning_arguments.run_tuning(arguments, "imdb_sentiment", options, parser.prog)
    train(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
