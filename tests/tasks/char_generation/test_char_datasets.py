"""char_generation/datasets.py: truncated-BPTT streams and independent windows."""

import numpy as np
import pytest
from char_generation_helpers import small_config

from seqapps.tasks import char_generation as task


def test_tbptt_batches_continue_each_stream():
    config = small_config()
    ids = np.arange(1000, dtype=np.int32)
    batches = list(task.stream_dataset(ids, config).as_numpy_iterator())
    assert len(batches) == (999 // 4) // 16
    for (inputs, targets), (next_inputs, _) in zip(batches, batches[1:]):
        assert inputs.shape == (4, 16)
        np.testing.assert_array_equal(targets, inputs + 1)
        np.testing.assert_array_equal(next_inputs[:, 0], inputs[:, -1] + 1)  # each row picks up where it stopped
    starts = batches[0][0][:, 0]
    assert len(set(np.diff(starts))) == 1 and starts[1] > starts[0]  # rows are distinct contiguous streams
    with pytest.raises(ValueError, match="too few"):
        task.stream_dataset(ids[:40], config)


def test_independent_windows_cover_the_text():
    config = small_config()
    ids = np.arange(200, dtype=np.int32)
    inputs, targets = zip(*task.window_dataset(ids, config, shuffle=False).unbatch().as_numpy_iterator())
    assert len(inputs) == 199 // 16
    np.testing.assert_array_equal(np.concatenate(targets), np.concatenate(inputs) + 1)
