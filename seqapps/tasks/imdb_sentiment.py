"""IMDB sentiment: raw review text -> positive/negative, served from raw strings.

The text-classification task (`seqapps.tasks.text_classification`) on the IMDB
reviews, kept under its own name, settings and export: the same model, data
split, baseline and training, read by `seqapps.data.imdb.load`, standardized
with `seqapps.text.standardize`, exported to `<export_root>/imdb_sentiment/`
with the outputs `probability` and `label` only.

Data flows one way: `seqapps.data.imdb.load` -> word vocabulary and token ids
(`seqapps.text.standardize` inside a `TextVectorization` layer) -> embedding,
recurrent encoder from `seqapps.layers.recurrent` (one unidirectional Elman
layer by default; any kind, bidirectional or not, stacked or not), masked
pooling (max+average by default), sigmoid classifier -> `seqapps.export`.
By default the classifier's logit also gets a linear bag-of-n-grams term
(`seqapps.layers.ngram_scores.NgramScores`): one learned score per vocabulary word
and per hashed word pair, summed over the review ("wide and deep", Cheng et
al. 2016), trained jointly with the recurrent encoder.

The baseline, trained in the same run on the same splits, is a bag-of-words
logistic regression (multi-hot vector of the same vocabulary -> one sigmoid
unit). Besides the table of test accuracies, a run writes the test metrics of
both (`metrics.json`) and the confusion matrix (`confusion_matrix.png`).
"""

import dataclasses
import functools

from seqapps import text
from seqapps.data import imdb
from seqapps.tasks.text_classification import (
    ClassifierSettings,
    TextClassificationData,
    TextClassificationResult,
    bucket_boundaries,
    build_model,
    compile_model,
    make_vectorizer,
    token_batches,
    train_classifier,
    vectorize,
)
from seqapps.tasks.text_classification import export_text_model as export_classifier

MODEL_NAME = "imdb_sentiment"
LABELS = imdb.CLASS_NAMES
# The export's outputs: `probability` (float32 [batch], of "positive") and `label` (string [batch]).
OUTPUTS = ("probability", "label")
WARMUP_REVIEWS = (
    "A wonderful film: moving, funny and beautifully acted. I loved every minute.",
    "Dull, far too long and badly written. I want those two hours back.",
    "",
)
ImdbSentimentResult = TextClassificationResult
ImdbSentimentData = TextClassificationData

__all__ = [
    "LABELS",
    "MODEL_NAME",
    "OUTPUTS",
    "WARMUP_REVIEWS",
    "ImdbSentimentConfig",
    "ImdbSentimentData",
    "ImdbSentimentResult",
    "bucket_boundaries",
    "build_model",
    "compile_model",
    "export_text_model",
    "make_vectorizer",
    "prepare_data",
    "token_batches",
    "train",
]


@dataclasses.dataclass
class ImdbSentimentConfig(ClassifierSettings):
    """Settings of the IMDB sentiment recipe (`ClassifierSettings` documents the model's).

    Args:
        limit: reviews per split (`None`: all).
        data: explicit path of an aclImdb folder or archive (else
            `$SEQAPPS_DATA_DIR`, then tfds).
        export_root: where the servable model is written (`<root>/imdb_sentiment/<version>/`).
        run_dir: checkpoints, TensorBoard logs, `history.json` and
            `history.png` (training curves), `metrics.json`,
            `confusion_matrix.png`, `model.keras` (raw text -> probability).

    `PRESETS["quick"]`: 1000 reviews per split, one epoch of a small model
    (128 tokens, 32 units, 5000 words), for a smoke run.
    """

    run_dir: str = "runs/imdb_sentiment"


def prepare_data(config):
    """Loads the reviews and builds the vocabulary and vectorizer.

    Sets `config.vocab_size` to the size of the vocabulary actually built
    (smaller than asked for when the training split has fewer words).

    Returns:
        A `TextClassificationData` whose `texts` is the `seqapps.data.imdb.ImdbData`.
    """
    return vectorize(imdb.load(config.data, seed=config.seed, limit=config.limit), LABELS, config, text.standardize)


export_text_model = functools.partial(
    export_classifier, model_name=MODEL_NAME, outputs=OUTPUTS, warmup_texts=WARMUP_REVIEWS
)
export_text_model.__doc__ = """`export_text_model(config, data, model)`: saves `<run_dir>/model.keras` (raw text ->
probability), logs sample predictions and exports `<export_root>/imdb_sentiment/<version>/`; returns its `Path`."""


def train(config, strategy=None):
    """Loads the data, trains, evaluates against the baseline and exports.

    The run's settings are saved in `<run_dir>/config.json` (`training.start_run`);
    the progress and the results table go to the `seqapps` logger.

    Args:
        config: an `ImdbSentimentConfig`.
        strategy: the `tf.distribute.Strategy` to train under (`seqapps.distribute`; see
            `seqapps.tasks.text_classification.train_classifier`).

    Returns:
        An `ImdbSentimentResult`.
    """
    return train_classifier(
        config,
        prepare_data,
        model_name=MODEL_NAME,
        outputs=OUTPUTS,
        warmup_texts=WARMUP_REVIEWS,
        strategy=strategy,
    )
