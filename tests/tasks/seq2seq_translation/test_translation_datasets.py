"""seq2seq_translation/datasets.py: length-bucketed pair batches."""

import numpy as np
from translation_helpers import small_translator

from seqapps.tasks import seq2seq_translation as task
from seqapps.tasks.seq2seq_translation import TranslationConfig


def test_pair_dataset_shifts_targets_buckets_and_counts_batches():
    translator = small_translator()
    pairs = [
        ("Yo veo la casa hoy.", "I see the house today."),
        ("Yo veo.", "I see."),
        ("😀", "Dog."),
        ("el perro " * 30, "the dog " * 30),
    ] * 5
    config = TranslationConfig(batch_size=3, max_training_words=10, seed=1)
    dataset = task.pair_dataset(translator, pairs, config, shuffle=True)
    batches = list(dataset)
    assert len(batches) == int(dataset.cardinality())
    examples = 0
    for (source, target_input), target_output in batches:
        source, target_input, target_output = source.numpy(), target_input.numpy(), target_output.numpy()
        examples += source.shape[0]
        assert source.shape[1] <= 10 and target_output.shape[1] <= 10
        np.testing.assert_array_equal(target_input[:, 1:], target_output[:, :-1] * (target_input[:, 1:] != 0))
        assert np.all(target_input[:, 0] == translator.start_id)
    assert examples == 15  # the emoji-only sources standardize to nothing and are dropped
