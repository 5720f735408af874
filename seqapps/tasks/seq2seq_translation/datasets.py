"""Training batches of sentence pairs."""

import numpy as np
import tensorflow as tf

from seqapps import training

BUCKET_BOUNDARIES = (6, 8, 10, 12, 15, 20, 30)


def pair_dataset(translator, pairs, config, shuffle):
    """`((source ids, target input ids), target output ids)` batches of similar length, 0-padded.

    Sentences are cut to `config.max_training_words` words; pairs whose
    Spanish side standardizes to nothing are dropped. The dataset knows its
    number of batches.
    """
    source_ids, target_ids = [], []
    for start in range(0, len(pairs), 4096):
        chunk = pairs[start : start + 4096]
        source_ids.append(
            tf.RaggedTensor.from_tensor(
                translator.source_vectorizer(tf.constant([source for source, _ in chunk])), padding=0
            )
        )
        target_ids.append(
            tf.RaggedTensor.from_tensor(
                translator.target_vectorizer(tf.constant([target for _, target in chunk])), padding=0
            )
        )
    source_ids = tf.cast(tf.concat(source_ids, axis=0)[:, : config.max_training_words], tf.int32)
    target_ids = tf.cast(tf.concat(target_ids, axis=0)[:, : config.max_training_words + 1], tf.int32)
    kept = source_ids.row_lengths().numpy() > 0
    source_ids, target_ids = tf.ragged.boolean_mask(source_ids, kept), tf.ragged.boolean_mask(target_ids, kept)
    # A batch's length is its longest source or target input; batches hold sentences of one length bucket.
    lengths = np.maximum(source_ids.row_lengths().numpy(), target_ids.row_lengths().numpy() - 1)
    buckets = np.searchsorted(np.array(BUCKET_BOUNDARIES), lengths, side="right")
    batches = int(
        sum(-(-np.sum(buckets == bucket) // config.batch_size) for bucket in range(len(BUCKET_BOUNDARIES) + 1))
    )
    dataset = tf.data.Dataset.from_tensor_slices((source_ids, target_ids))
    if shuffle:
        dataset = training.shuffle_each_epoch(dataset, len(lengths), config.seed)
    dataset = dataset.map(lambda source, target: ((source, target[:-1]), target[1:]))
    dataset = dataset.bucket_by_sequence_length(
        lambda inputs, target: tf.maximum(tf.shape(inputs[0])[0], tf.shape(target)[0]),
        bucket_boundaries=list(BUCKET_BOUNDARIES),
        bucket_batch_sizes=[config.batch_size] * (len(BUCKET_BOUNDARIES) + 1),
    )
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(tf.data.AUTOTUNE)
