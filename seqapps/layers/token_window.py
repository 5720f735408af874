"""Fixed-length token windows from ragged token ids, keeping the head, tail or both."""

import keras
import tensorflow as tf

MODES = ("head", "tail", "head_tail")


@keras.saving.register_keras_serializable(package="seqapps")
class TokenWindow(keras.layers.Layer):
    """Cuts ragged token ids to at most `length` tokens and pads them with 0 on the right.

    `TextVectorization(output_sequence_length=n)` keeps only the first `n`
    tokens, so a long review loses its ending, where the verdict often is.
    This layer decides what a long sequence keeps: its first `length` tokens
    (`"head"`), its last (`"tail"`), or the first `length // 2` and the last
    `length - length // 2` (`"head_tail"`). Shorter sequences are kept whole.
    Made of TensorFlow ragged ops: use it on the output of
    `TextVectorization(ragged=True)`, in `tf.data` or inside a model.

    Args:
        length: positive integer, tokens per output row.
        mode: `"head"`, `"tail"` or `"head_tail"`.
        **kwargs: Layer arguments.

    Call arguments:
        token_ids: `tf.RaggedTensor` of integer ids, shape `(batch, None)`.

    Example:

    >>> window = TokenWindow(4, mode="head_tail")
    >>> window(tf.ragged.constant([[1, 2, 3, 4, 5, 6], [7]])).numpy()
    array([[1, 2, 5, 6],
           [7, 0, 0, 0]])
    """

    def __init__(self, length, mode="head_tail", **kwargs):
        super().__init__(**kwargs)
        if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
            raise ValueError(f"TokenWindow: `length` must be a positive integer, got {length!r}.")
        if mode not in MODES:
            raise ValueError(f"TokenWindow: unknown mode {mode!r}; choose one of {', '.join(MODES)}.")
        self.length = length
        self.mode = mode

    def call(self, token_ids):
        lengths = token_ids.row_lengths()
        positions = tf.ragged.range(lengths)
        row_lengths = tf.expand_dims(lengths, 1)
        head = {"head": self.length, "tail": 0, "head_tail": self.length // 2}[self.mode]
        tail = self.length - head
        keep = (positions < head) | (positions >= row_lengths - tail)
        kept = tf.ragged.boolean_mask(token_ids, keep)
        return kept.to_tensor(default_value=0, shape=[None, self.length])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.length)

    def get_config(self):
        config = {"length": self.length, "mode": self.mode}
        base_config = super().get_config()
        return {**base_config, **config}
