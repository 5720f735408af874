"""A linear bag-of-n-grams term: one learned score per word and per hashed word sequence."""

import keras
from keras import ops

# Multiplier of the n-gram hash: a prime larger than any vocabulary used here, so
# consecutive ids spread over the buckets.
HASH_MULTIPLIER = 1_000_003
# Keeps `bucket * HASH_MULTIPLIER + id` inside int64.
MAX_BUCKETS = 2**31


@keras.saving.register_keras_serializable(package="seqapps")
class NgramScores(keras.layers.Layer):
    """Sums learned scores of a sequence's words and of its runs of up to `ngrams` words.

    The "wide" part of a wide-and-deep classifier (Cheng et al. 2016) over
    token ids: a linear model on the counts of words and n-grams, the
    n-grams hashed into `buckets` shared scores (as in fastText; Joulin et
    al. 2017). Word-pair features are what lifts a linear IMDB classifier
    from about 0.88 to about 0.90 test accuracy (NBSVM, Wang and Manning
    2012).

    Id 0 is padding: it scores nothing, and neither does any n-gram that
    contains it, so the output does not depend on how far a batch is padded.
    An n-gram's bucket is a polynomial hash of its ids and its length,
    modulo `buckets`; different n-grams may share a bucket.

    Args:
        vocabulary_size: number of word ids (ids are in `[0, vocabulary_size)`).
        ngrams: longest word sequence scored: 1 for words only, 2 for words
            and word pairs, and so on.
        buckets: number of hashed scores shared by the n-grams of two or more
            words (unused when `ngrams` is 1), at most 2**31.
        units: scores per word and per bucket, e.g. one per class of a
            classifier; with 1 (the default) the score tables are vectors.
        scores_initializer: initializer of the scores (default zeros, so an
            untrained term adds nothing).
        **kwargs: Layer arguments.

    Call arguments:
        token_ids: integer tensor `(batch, steps)`, 0 for padding.

    Returns:
        Float tensor `(batch, units)`: the sum of the scores.

    Example:

    >>> term = NgramScores(vocabulary_size=100, ngrams=2, buckets=1024)
    >>> term(keras.ops.convert_to_tensor([[5, 7, 9, 0]])).shape
    (1, 1)
    """

    def __init__(self, vocabulary_size, ngrams=2, buckets=262_144, scores_initializer="zeros", units=1, **kwargs):
        super().__init__(**kwargs)
        checked = (("vocabulary_size", vocabulary_size), ("ngrams", ngrams), ("buckets", buckets), ("units", units))
        for name, value in checked:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"NgramScores: `{name}` must be a positive integer, got {value!r}.")
        if buckets > MAX_BUCKETS:
            raise ValueError(f"NgramScores: `buckets` must be at most {MAX_BUCKETS} (2**31), got {buckets!r}.")
        self.vocabulary_size = vocabulary_size
        self.ngrams = ngrams
        self.buckets = buckets
        self.units = units
        self.scores_initializer = keras.initializers.get(scores_initializer)

    def build(self, input_shape):
        per_entry = () if self.units == 1 else (self.units,)
        self.word_scores = self.add_weight(
            shape=(self.vocabulary_size, *per_entry), initializer=self.scores_initializer, name="word_scores"
        )
        if self.ngrams > 1:
            self.ngram_scores = self.add_weight(
                shape=(self.buckets, *per_entry), initializer=self.scores_initializer, name="ngram_scores"
            )

    def _summed(self, table, ids, present):
        """The scores of `ids` (batch, steps) in `table`, summed over the steps where `present`."""
        present = ops.cast(present, self.compute_dtype)
        if self.units > 1:
            present = ops.expand_dims(present, -1)
        return ops.sum(ops.take(table, ids, axis=0) * present, axis=1)

    def call(self, token_ids):
        token_ids = ops.cast(token_ids, "int64")
        present = ops.not_equal(token_ids, 0)
        total = self._summed(self.word_scores, token_ids, present)
        steps = ops.shape(token_ids)[1]
        for length in range(2, self.ngrams + 1):
            bucket = ops.full_like(token_ids[:, : steps - length + 1], length)
            complete = ops.ones_like(bucket, dtype="bool")
            for offset in range(length):
                ids = token_ids[:, offset : steps - length + 1 + offset]
                bucket = ops.mod(bucket * HASH_MULTIPLIER + ids, self.buckets)
                complete = ops.logical_and(complete, ops.not_equal(ids, 0))
            total = total + self._summed(self.ngram_scores, bucket, complete)
        return ops.expand_dims(total, -1) if self.units == 1 else total

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        config = {
            "vocabulary_size": self.vocabulary_size,
            "ngrams": self.ngrams,
            "buckets": self.buckets,
            "units": self.units,
            "scores_initializer": keras.initializers.serialize(self.scores_initializer),
        }
        base_config = super().get_config()
        return {**base_config, **config}
