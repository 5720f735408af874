"""IMDB sentiment: raw review text -> positive/negative, served from raw strings.

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
unit).
"""

import dataclasses
import logging
import time
import typing
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqapps import configs, export, layers, recipe_arguments, text, training
from seqapps.data import imdb
from seqapps.layers.masked_global_pooling import MODES as POOLING_MODES
from seqapps.layers.masked_global_pooling import MaskedGlobalPooling1D
from seqapps.layers.ngram_scores import NgramScores
from seqapps.layers.token_window import MODES as TRUNCATION_MODES
from seqapps.layers.token_window import TokenWindow

logger = logging.getLogger(__name__)

MODEL_NAME = "imdb_sentiment"
LABELS = imdb.CLASS_NAMES
WARMUP_REVIEWS = (
    "A wonderful film: moving, funny and beautifully acted. I loved every minute.",
    "Dull, far too long and badly written. I want those two hours back.",
    "",
)


@dataclasses.dataclass
class ImdbSentimentConfig:
    """Settings of the IMDB sentiment recipe.

    Args:
        cell: recurrent layer kind, a name from `seqapps.layers.KINDS`.
        units: hidden units per direction and layer.
        layers: number of stacked recurrent layers.
        bidirectional: read reviews in both directions.
        max_tokens: tokens kept per review.
        truncation: what a longer review keeps: `"head_tail"` (its first and
            last `max_tokens // 2` tokens: the verdict is often at the end),
            `"head"` or `"tail"`.
        vocab_size: words in the vocabulary, padding and out-of-vocabulary included.
        embedding_dim: size of the word embeddings.
        dropout: dropout rate on the embeddings and before the classifier.
        pooling: how the encoder's outputs are pooled over time, a mode of
            `MaskedGlobalPooling1D` (`max`, `average` or `max_average`).
        bag_of_words: add a linear bag-of-n-grams term to the classifier's
            logit: one learned score (starting at 0) per word and per hashed
            run of up to `ngrams` words, summed over the review's tokens,
            trained with the rest of the model (`NgramScores`).
        ngrams: longest word sequence the bag term scores (1: words only;
            2: words and word pairs).
        ngram_buckets: hashed scores shared by the bag term's n-grams of two
            or more words.
        epochs: maximum training epochs (early stopping on validation accuracy).
        batch_size: training batch size.
        learning_rate: Adam learning rate.
        patience: epochs without validation improvement before stopping.
        baseline_epochs: epochs of the bag-of-words baseline.
        limit: reviews per split (`None`: all).
        data: explicit path of an aclImdb folder or archive (else
            `$SEQAPPS_DATA_DIR`, then tfds).
        export_root: where the servable model is written (`<root>/imdb_sentiment/<version>/`).
        run_dir: checkpoints, TensorBoard logs, `history.json` and
            `history.png` (training curves), `model.keras` (raw text -> probability).
        restart: discard the backup of an interrupted run and start over.
        seed: seed of the data split, the shuffling and the weights.
        verbose: Keras `fit` verbosity (2: one line per epoch).

    `PRESETS["quick"]`: 1000 reviews per split, one epoch of a small model
    (128 tokens, 32 units, 5000 words), for a smoke run.
    """

    cell: str = "elman"
    units: int = 64
    layers: int = 1
    bidirectional: bool = False
    max_tokens: int = 400
    truncation: str = "head_tail"
    vocab_size: int = 20_000
    embedding_dim: int = 128
    dropout: float = 0.5
    pooling: str = "max_average"
    bag_of_words: bool = True
    ngrams: int = 2
    ngram_buckets: int = 262_144
    epochs: int = 4
    batch_size: int = 64
    learning_rate: float = 2e-3
    patience: int = 1
    baseline_epochs: int = 4
    limit: int = None
    data: str = None
    export_root: str = "saved_models"
    run_dir: str = "runs/imdb_sentiment"
    restart: bool = False
    seed: int = 1337
    verbose: int = 2

    PRESETS: typing.ClassVar[dict] = {
        "quick": {"limit": 1000, "epochs": 1, "baseline_epochs": 1, "max_tokens": 128, "units": 32, "vocab_size": 5000},
    }
    # Settings that may change when an interrupted run resumes: they do not touch the model being trained.
    RESUMABLE_CHANGES: typing.ClassVar[tuple] = configs.DEFAULT_RESUMABLE_CHANGES + ("baseline_epochs",)

    def __post_init__(self):
        recipe_arguments.check_cell_and_sizes(
            self,
            (
                "units",
                "layers",
                "max_tokens",
                "embedding_dim",
                "epochs",
                "batch_size",
                "baseline_epochs",
                "patience",
                "ngrams",
                "ngram_buckets",
            ),
        )
        if not isinstance(self.vocab_size, int) or self.vocab_size < 3:
            raise ValueError(f"`vocab_size` must be an integer of at least 3, got {self.vocab_size!r}.")
        if self.truncation not in TRUNCATION_MODES:
            raise ValueError(f"Unknown truncation {self.truncation!r}: choose from {', '.join(TRUNCATION_MODES)}.")
        if self.pooling not in POOLING_MODES:
            raise ValueError(f"Unknown pooling {self.pooling!r}: choose from {', '.join(POOLING_MODES)}.")


@dataclasses.dataclass
class ImdbSentimentResult:
    test_accuracy: float
    baseline_test_accuracy: float
    epochs_trained: int
    epoch_seconds: list
    export_path: Path
    run_dir: Path


def make_vectorizer(vocabulary, max_tokens, truncation="head_tail"):
    """A model mapping raw strings `(batch,)` to int64 token ids `(batch, max_tokens)`.

    0 is padding and 1 out of vocabulary; a review longer than `max_tokens`
    keeps what `truncation` says (see `seqapps.layers.token_window.TokenWindow`).
    """
    reviews = keras.Input((), dtype="string", name="text")
    words = keras.layers.TextVectorization(
        standardize=text.standardize, vocabulary=vocabulary, ragged=True, name="vocabulary"
    )(reviews)
    token_ids = TokenWindow(max_tokens, mode=truncation, name="window")(words)
    return keras.Model(reviews, token_ids, name="vectorizer")


def build_model(config):
    """The classifier on token ids: embedding -> recurrent encoder -> pooling -> sigmoid.

    With `config.bag_of_words`, the sigmoid's input is the recurrent part's
    logit plus the review's bag-of-n-grams score (`NgramScores`, named
    `bag_of_ngrams`); padding (id 0) adds nothing, so the output does not
    depend on how far a batch is padded.
    """
    token_ids = keras.Input((None,), dtype="int64", name="token_ids")
    hidden = keras.layers.Embedding(config.vocab_size, config.embedding_dim, mask_zero=True, name="embedding")(
        token_ids
    )
    hidden = keras.layers.SpatialDropout1D(config.dropout, name="embedding_dropout")(hidden)
    for index in range(config.layers):
        hidden = layers.recurrent(
            config.cell,
            config.units,
            bidirectional=config.bidirectional,
            return_sequences=True,
            name=f"{config.cell}_{index + 1}",
        )(hidden)
    hidden = MaskedGlobalPooling1D(config.pooling, name="pooling")(hidden)
    hidden = keras.layers.Dropout(config.dropout, name="dropout")(hidden)
    if not config.bag_of_words:
        probability = keras.layers.Dense(1, activation="sigmoid", name="probability")(hidden)
        return keras.Model(token_ids, probability, name=f"imdb_{config.cell}")
    recurrent_logit = keras.layers.Dense(1, name="recurrent_logit")(hidden)
    bag_logit = NgramScores(
        config.vocab_size, ngrams=config.ngrams, buckets=config.ngram_buckets, name="bag_of_ngrams"
    )(token_ids)
    logit = keras.layers.Add(name="logit")([recurrent_logit, bag_logit])
    probability = keras.layers.Activation("sigmoid", name="probability")(logit)
    return keras.Model(token_ids, probability, name=f"imdb_{config.cell}_bag_of_words")


def build_text_model(vectorizer, model):
    """Wraps the classifier with its vectorizer: raw review strings -> probability (batch, 1)."""
    reviews = keras.Input((), dtype="string", name="text")
    probability = model(vectorizer(reviews))
    return keras.Model(reviews, probability, name=MODEL_NAME)


def serving_functions(vectorizer, model):
    """The export's two signatures, `serving_default` and `serving_xla`.

    Both take `text` (string [batch]) and return `probability` (float32
    [batch]) and `label` (string [batch]); they give the same numbers.

    - `serving_default` runs the encoder over the batch's longest review only:
      the padding after it is masked, so the result equals a run over all
      `max_tokens` positions, in less time for short reviews.
    - `serving_xla` runs the classifier compiled with XLA over all
      `max_tokens` positions (see `seqapps.export.xla_batch_buckets`): faster
      on CPU (2.5x for one review with the default encoder), each new
      power-of-two batch size compiling on its first request (about a
      second). TF Serving runs it only when started with
      `--xla_cpu_compilation_enabled=true`.

    Any string is a review (empty, invalid UTF-8, NUL bytes, megabytes long:
    see `seqapps.text.standardize` and `TokenWindow`). A `text` that is not a
    vector of strings fails with an InvalidArgument error saying so (TF
    Serving's C++ server does not check shapes against the signature itself).
    """
    compiled_classifier = export.xla_batch_buckets(lambda token_ids: model(token_ids, training=False))

    def classify_longest(token_ids):
        longest = tf.reduce_max(tf.reduce_sum(tf.cast(token_ids != 0, tf.int32), axis=1))
        return model(token_ids[:, : tf.maximum(longest, 1)], training=False)

    def signature(classify):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")], autograph=False)
        def serve(text):
            # Padded with -1, the shape compares without an indexing error whatever the rank of `text`.
            batch_and_more = tf.concat([tf.shape(text), [-1, -1]], axis=0)[:2]
            check_rank = tf.debugging.Assert(
                tf.logical_and(batch_and_more[0] >= 0, tf.equal(batch_and_more[1], -1)),
                ["text must be a vector of reviews, string [batch], got shape", tf.shape(text)],
                summarize=8,
            )
            with tf.control_dependencies([check_rank]):
                text = tf.identity(text)
            probability = tf.reshape(tf.cast(classify(vectorizer(text)), tf.float32), [-1])
            label = tf.where(probability >= 0.5, LABELS[1], LABELS[0])
            return {"probability": probability, "label": label}

        return serve

    return {"serving_default": signature(classify_longest), "serving_xla": signature(compiled_classifier)}


def bag_of_words_baseline(data, vocabulary, config):
    """Test accuracy of a logistic regression on multi-hot bag-of-words vectors.

    `vocabulary` is the recipe's (padding token first); the multi-hot layer
    takes it without the padding token. The datasets are shuffled by
    `tf.data`, hence `shuffle=False` in `fit`.
    """
    keras.utils.set_random_seed(config.seed)
    multi_hot = keras.layers.TextVectorization(
        standardize=text.standardize, vocabulary=vocabulary[1:], output_mode="multi_hot"
    )

    def featurize(dataset):
        return (
            dataset.batch(config.batch_size * 2)
            .map(lambda reviews, labels: (multi_hot(reviews), labels), num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE)
        )

    features = keras.Input((multi_hot.vocabulary_size(),), name="bag_of_words")
    logistic = keras.Model(features, keras.layers.Dense(1, activation="sigmoid")(features))
    logistic.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    logistic.fit(
        featurize(data.train.shuffle(data.train_size, seed=config.seed)),
        validation_data=featurize(data.validation),
        epochs=config.baseline_epochs,
        shuffle=False,
        verbose=0,
    )
    _, accuracy = logistic.evaluate(featurize(data.test), verbose=0)
    logger.info(
        f"Baseline (bag-of-words logistic regression, {config.baseline_epochs} epochs, "
        f"{time.perf_counter() - start:.0f} s): test accuracy {accuracy:.4f}"
    )
    return float(accuracy)


@dataclasses.dataclass
class ImdbSentimentData:
    """The loaded reviews and the vocabulary built on their training split.

    Attributes:
        reviews: the `seqapps.data.imdb.ImdbData` splits of raw reviews.
        vocabulary: the word list (padding and out-of-vocabulary tokens first).
        vectorizer: the model mapping raw reviews to token ids (`make_vectorizer`).
    """

    reviews: imdb.ImdbData
    vocabulary: list
    vectorizer: keras.Model


def prepare_data(config):
    """Loads the reviews and builds the vocabulary and vectorizer.

    Sets `config.vocab_size` to the size of the vocabulary actually built
    (smaller than asked for when the training split has fewer words).

    Returns:
        An `ImdbSentimentData`.
    """
    start = time.perf_counter()
    reviews = imdb.load(config.data, seed=config.seed, limit=config.limit)
    logger.info(
        f"IMDB from {reviews.source}: {reviews.train_size} train / {reviews.validation_size} validation / "
        f"{reviews.test_size} test reviews ({time.perf_counter() - start:.0f} s to load)"
    )
    vocabulary = text.build_vocabulary(reviews.train, max_tokens=config.vocab_size)
    config.vocab_size = len(vocabulary)
    logger.info(
        f"Vocabulary: {len(vocabulary)} words from the training split; {config.max_tokens} tokens per review "
        f"(longer reviews keep their {config.truncation.replace('_', ' and ')})"
    )
    return ImdbSentimentData(reviews, vocabulary, make_vectorizer(vocabulary, config.max_tokens, config.truncation))


def bucket_boundaries(max_tokens):
    """Review-length bucket boundaries for `token_batches`: eighths of `max_tokens`."""
    return sorted({max(1, max_tokens * eighth // 8) for eighth in range(1, 8)})


def token_batches(vectorizer, dataset, batch_size, seed=None):
    """`(review, label)` pairs -> batches of `(token ids, labels)`, reviews of similar length together.

    The reviews are tokenized once, here, and kept in memory as token ids.
    Each batch holds reviews of one length bucket (`bucket_boundaries`),
    padded with 0 to its longest, so the recurrent layers run about as many
    steps as the reviews have tokens rather than `max_tokens`.

    Args:
        vectorizer: from `make_vectorizer`.
        dataset: `tf.data` of `(review string, label)`.
        batch_size: reviews per batch (fewer in the last batch of a bucket).
        seed: `None` keeps the order; an integer shuffles all reviews in a new
            order each epoch (`training.shuffle_each_epoch`).

    Returns:
        A `tf.data.Dataset` that knows its number of batches.
    """
    token_ids, labels = [], []
    for reviews, batch_labels in dataset.batch(4096):
        ids = vectorizer(reviews)
        lengths = tf.maximum(tf.reduce_sum(tf.cast(ids != 0, tf.int64), axis=1), 1)  # an empty review keeps one 0
        token_ids.append(tf.RaggedTensor.from_tensor(ids, lengths=lengths))
        labels.append(batch_labels)
    if not token_ids:
        raise ValueError("token_batches: the dataset has no reviews")
    token_ids, labels = tf.concat(token_ids, axis=0), tf.concat(labels, axis=0)
    boundaries = bucket_boundaries(vectorizer.output_shape[-1])
    buckets = np.searchsorted(np.array(boundaries), token_ids.row_lengths().numpy(), side="right")
    batches = int(sum(-(-np.sum(buckets == bucket) // batch_size) for bucket in range(len(boundaries) + 1)))
    # A row of a ragged matrix comes out of `from_tensor_slices` as a ragged vector; the map makes it a
    # plain tensor, which `bucket_by_sequence_length` requires.
    dataset = tf.data.Dataset.from_tensor_slices((token_ids, labels)).map(lambda ids, label: (ids, label))
    if seed is not None:
        dataset = training.shuffle_each_epoch(dataset, len(buckets), seed)
    dataset = dataset.bucket_by_sequence_length(
        lambda ids, label: tf.shape(ids)[0],
        bucket_boundaries=boundaries,
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
    )
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(tf.data.AUTOTUNE)


def compile_model(model, learning_rate):
    """Compiles the classifier: Adam, binary cross-entropy, accuracy."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def export_text_model(config, data, model):
    """Saves `<run_dir>/model.keras` (raw text -> probability), logs sample predictions, exports.

    Returns:
        The `Path` of the exported version folder.
    """
    run_dir = Path(config.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    text_model = build_text_model(data.vectorizer, model)
    text_model.save(run_dir / "model.keras")
    signatures = serving_functions(data.vectorizer, model)
    serve = signatures["serving_default"]
    samples = [review.decode("utf-8", "replace") for review, _ in data.reviews.test.take(3).as_numpy_iterator()]
    predictions = serve(tf.constant(samples))
    logger.info("\nSample predictions:")
    for review, probability, label in zip(samples, predictions["probability"].numpy(), predictions["label"].numpy()):
        logger.info(f"  {label.decode():8s} {probability:.3f}  {review[:100]!r}")

    export_path = export.export_for_serving(
        text_model,
        config.export_root,
        MODEL_NAME,
        signatures,
        warmup_examples=[{"text": [review]} for review in WARMUP_REVIEWS],
    )
    logger.info(
        f"\nExported to {export_path} (serving_default and serving_xla: text -> probability, label; "
        "TF Serving runs serving_xla when started with --xla_cpu_compilation_enabled=true)"
    )
    return Path(export_path)


def train(config):
    """Loads the data, trains, evaluates against the baseline and exports.

    The run's settings are saved in `<run_dir>/config.json` (`training.start_run`);
    the progress and the results table go to the `seqapps` logger.

    Returns:
        An `ImdbSentimentResult`.
    """
    run_dir = training.start_run(config.run_dir, config.restart, config.seed, config=config)

    data = prepare_data(config)
    reviews = data.reviews
    model = build_model(config)
    model.summary(print_fn=logger.info)
    compile_model(model, config.learning_rate)
    epoch_seconds = []
    train_batches = token_batches(data.vectorizer, reviews.train, config.batch_size, config.seed)
    history = model.fit(
        train_batches,
        validation_data=token_batches(data.vectorizer, reviews.validation, config.batch_size),
        epochs=config.epochs,
        callbacks=training.standard_callbacks(
            run_dir, "val_accuracy", "max", config.patience, epoch_seconds, train_dataset=train_batches
        ),
        shuffle=False,
        verbose=config.verbose,
    )
    epochs_trained = training.record_history(history, run_dir, epoch_seconds)
    _, test_accuracy = model.evaluate(token_batches(data.vectorizer, reviews.test, config.batch_size), verbose=0)

    baseline_accuracy = bag_of_words_baseline(reviews, data.vocabulary, config)
    direction = "bi" if config.bidirectional else "uni"
    logger.info("")
    logger.info("| model | test accuracy |\n|---|---:|")
    logger.info(
        f"| {config.cell} ({direction}directional, {config.layers} layer(s), {config.units} units) "
        f"| {test_accuracy:.4f} |"
    )
    logger.info(f"| baseline: bag-of-words logistic regression | {baseline_accuracy:.4f} |")

    export_path = export_text_model(config, data, model)
    return ImdbSentimentResult(
        test_accuracy=float(test_accuracy),
        baseline_test_accuracy=baseline_accuracy,
        epochs_trained=epochs_trained,
        epoch_seconds=epoch_seconds,
        export_path=export_path,
        run_dir=run_dir,
    )
