"""Training and validation batches: independent windows or truncated-BPTT streams."""

import numpy as np
import tensorflow as tf

from seqapps import training


def window_dataset(ids, config, shuffle):
    """Independent windows: `(inputs, next characters)` of `sequence_length`, batched."""
    length = config.sequence_length
    count = (len(ids) - 1) // length
    starts = np.arange(count) * length
    windows = np.stack([ids[start : start + length + 1] for start in starts])
    dataset = tf.data.Dataset.from_tensor_slices((windows[:, :-1], windows[:, 1:]))
    if shuffle:
        dataset = training.shuffle_each_epoch(dataset, count, config.seed)
    return dataset.batch(config.batch_size, drop_remainder=shuffle).prefetch(tf.data.AUTOTUNE)


def stream_dataset(ids, config):
    """Truncated BPTT batches: `batch_size` contiguous streams, batch `k` = window `k` of each."""
    length, streams = config.sequence_length, config.batch_size
    windows_per_stream = (len(ids) - 1) // streams // length
    if windows_per_stream == 0:
        raise ValueError(
            f"{len(ids):,} characters are too few for {streams} streams of {length}-character windows: "
            "lower batch_size or sequence_length, or train on more text."
        )
    used = windows_per_stream * length
    per_stream = (len(ids) - 1) // streams
    rows = np.stack([ids[index * per_stream : index * per_stream + used + 1] for index in range(streams)])
    inputs = rows[:, :-1].reshape(streams, windows_per_stream, length).transpose(1, 0, 2)
    targets = rows[:, 1:].reshape(streams, windows_per_stream, length).transpose(1, 0, 2)
    return tf.data.Dataset.from_tensor_slices((inputs, targets)).prefetch(tf.data.AUTOTUNE)
