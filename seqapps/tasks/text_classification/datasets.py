"""The task's data: labelled texts from files or a named dataset, the vocabulary, and length-bucketed batches."""

import dataclasses
import logging
import time

import keras
import numpy as np
import tensorflow as tf

from seqapps import text, training
from seqapps.data import imdb, labelled_texts
from seqapps.tasks.text_classification.config import DATASETS
from seqapps.tasks.text_classification.model import make_vectorizer

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class TextClassificationData:
    """The loaded texts, their classes, and the vocabulary built on their training split.

    Attributes:
        texts: the splits: `train`, `validation` and `test` datasets of
            `(text, label index)` and their `*_size`s, and `source` (a
            `seqapps.data.labelled_texts.LabelledTexts` or `seqapps.data.imdb.ImdbData`).
        class_names: the classes, in the order of the label indices.
        vocabulary: the word list (padding and out-of-vocabulary tokens first).
        vectorizer: the model mapping raw texts to token ids (`make_vectorizer`).
        standardize_function: the vectorizer's standardization.
    """

    texts: object
    class_names: tuple
    vocabulary: list
    vectorizer: keras.Model
    standardize_function: object


def load_texts(config):
    """The splits and class names of `config.dataset` (`imdb`) or of the `config.data` files.

    Raises:
        ValueError: neither `data` nor `dataset` is given.
    """
    if config.dataset == "imdb":
        return imdb.load(config.data, seed=config.seed, limit=config.limit), imdb.CLASS_NAMES
    if config.data is None:
        raise ValueError(
            "--data is required (a folder of class subfolders, or a CSV, TSV or JSON Lines file), "
            f"unless --dataset names a dataset ({', '.join(DATASETS)})."
        )
    texts = labelled_texts.load(
        config.data,
        text_column=config.text_column,
        label_column=config.label_column,
        validation_path=config.validation_data,
        test_path=config.test_data,
        validation_fraction=config.validation_fraction,
        test_fraction=config.test_fraction,
        seed=config.seed,
        limit=config.limit,
    )
    return texts, texts.class_names


def vectorize(texts, class_names, config, standardize_function):
    """Builds the vocabulary on the training split and the vectorizer; logs the sizes.

    Sets `config.vocab_size` to the size of the vocabulary actually built
    (smaller than asked for when the training split has fewer words).

    Returns:
        A `TextClassificationData`.
    """
    logger.info(
        f"{texts.train_size} train / {texts.validation_size} validation / {texts.test_size} test examples "
        f"from {texts.source}; {len(class_names)} classes: {', '.join(class_names)}"
    )
    vocabulary = text.build_vocabulary(
        texts.train, max_tokens=config.vocab_size, standardize_function=standardize_function
    )
    config.vocab_size = len(vocabulary)
    logger.info(
        f"Vocabulary: {len(vocabulary)} words from the training split; {config.max_tokens} tokens per text "
        f"(longer texts keep their {config.truncation.replace('_', ' and ')})"
    )
    vectorizer = make_vectorizer(vocabulary, config.max_tokens, config.truncation, standardize_function)
    return TextClassificationData(texts, tuple(class_names), vocabulary, vectorizer, standardize_function)


def prepare_data(config):
    """Loads the texts of a `TextClassificationConfig` and builds the vocabulary and vectorizer.

    Standardization: `seqapps.text.standardize_any_script` (scripts without
    spaces between words are split per character).

    Returns:
        A `TextClassificationData`.
    """
    start = time.perf_counter()
    texts, class_names = load_texts(config)
    logger.info(f"Loaded in {time.perf_counter() - start:.0f} s")
    return vectorize(texts, class_names, config, text.standardize_any_script)


def bucket_boundaries(max_tokens):
    """Text-length bucket boundaries for `token_batches`: eighths of `max_tokens`."""
    return sorted({max(1, max_tokens * eighth // 8) for eighth in range(1, 8)})


def token_batches(vectorizer, dataset, batch_size, seed=None):
    """`(text, label)` pairs -> batches of `(token ids, labels)`, texts of similar length together.

    The texts are tokenized once, here, and kept in memory as token ids.
    Each batch holds texts of one length bucket (`bucket_boundaries`),
    padded with 0 to its longest, so the recurrent layers run about as many
    steps as the texts have tokens rather than `max_tokens`.

    Args:
        vectorizer: from `make_vectorizer`.
        dataset: `tf.data` of `(text string, label)`.
        batch_size: texts per batch (fewer in the last batch of a bucket).
        seed: `None` keeps the order; an integer shuffles all texts in a new
            order each epoch (`training.shuffle_each_epoch`).

    Returns:
        A `tf.data.Dataset` that knows its number of batches.
    """
    token_ids, labels = [], []
    for texts, batch_labels in dataset.batch(4096):
        ids = vectorizer(texts)
        lengths = tf.maximum(tf.reduce_sum(tf.cast(ids != 0, tf.int64), axis=1), 1)  # an empty text keeps one 0
        token_ids.append(tf.RaggedTensor.from_tensor(ids, lengths=lengths))
        labels.append(batch_labels)
    if not token_ids:
        raise ValueError("token_batches: the dataset has no texts")
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
