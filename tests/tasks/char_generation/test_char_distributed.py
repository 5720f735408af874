"""Character generation under data-parallel strategies (`seqapps.distribute`): two devices train like one, two
workers train and export once, and truncated BPTT, which cannot be split between replicas, says so.

The runs are processes of tests/task_distribute_run.py on independent windows (`tbptt=False`), full batches.
"""

import types

import pytest
from char_generation_helpers import TEXT, small_config
from task_distribute_run import assert_same_weights, finish, saved, start

from seqapps import distribute
from seqapps.tasks import char_generation


def settings(folder, **overrides):
    text = folder / "text.txt"
    text.write_text(TEXT, encoding="utf-8")
    return {
        **dict(
            text=str(text),
            tbptt=False,
            max_characters=16 * 64 + 1,
            cell="gru",
            units=8,
            embedding_dim=4,
            sequence_length=16,
            batch_size=8,
            epochs=2,
            patience=2,
            dropout=0.0,
            sample_length=8,
            verbose=0,
        ),
        **overrides,
    }


def test_tbptt_on_several_replicas_is_refused_naming_the_fix(tmp_path):
    with pytest.raises(ValueError, match="tbptt .* cannot train on 2 replicas.*--no-tbptt"):
        char_generation.train(
            small_config(tmp_path, tbptt=True), strategy=types.SimpleNamespace(num_replicas_in_sync=2)
        )
    assert not (tmp_path / "run").exists()


@pytest.mark.large
def test_two_devices_train_like_one(tmp_path):
    finish(start("char_generation", settings(tmp_path), tmp_path, "--compare-devices", "2"))
    reference, _, every_row = saved(tmp_path / "single.npz")
    weights, replicas, _ = saved(tmp_path / "devices.npz")
    assert replicas == 2 and len(every_row) == 64
    assert_same_weights(weights, reference)


@pytest.mark.large
def test_two_workers_train_and_only_the_chief_exports(tmp_path):
    config = settings(tmp_path, dropout=0.1)
    finish(*(start("char_generation", config, tmp_path, tf_config=c) for c in distribute.local_cluster(2)))
    halves = [saved(tmp_path / f"worker{index}.npz") for index in range(2)]
    assert [replicas for _, replicas, _ in halves] == [2, 2]
    assert_same_weights(halves[0][0], halves[1][0], tolerance=0)
    assert len(halves[0][2]) == len(halves[1][2]) == 32
    assert sorted(path.name for path in (tmp_path / "workers" / "export" / "char_generator").iterdir()) == ["1"]
    assert (tmp_path / "workers" / "run" / "metrics.json").exists()
