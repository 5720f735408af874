"""The translation task under data-parallel strategies (`seqapps.distribute`): two devices train like one, and
two workers train and export once.

Each run is a process of tests/task_distribute_run.py on made-up pairs of one length (one word subject and
verb, a two-word object, one word of time), so all fall in one length bucket and every training batch splits
evenly between two replicas.
"""

import itertools

import pytest
from task_distribute_run import assert_same_weights, finish, saved, start
from translation_helpers import OBJECTS, SUBJECTS, VERBS, WHEN

from seqapps import distribute


def write_pairs(path):
    """`English<TAB>Spanish` pairs whose sentences all have the same number of words."""
    lines = [
        f"{subject_en} {verb_en} {object_en} {when_en}.\t{subject_es} {verb_es} {object_es} {when_es}."
        for (subject_es, subject_en), (verb_es, verb_en), (object_es, object_en), (when_es, when_en) in (
            itertools.product(SUBJECTS, VERBS, OBJECTS, WHEN)
        )
        if " " not in verb_en + when_es
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def settings(folder, **overrides):
    return {
        **dict(
            data=str(write_pairs(folder / "spa.txt")),
            max_pairs=64,
            units=8,
            embedding_dim=6,
            dropout=0.0,
            epochs=2,
            patience=2,
            batch_size=16,
            evaluation_pairs=4,
            beam_width=2,
            max_length=8,
            verbose=0,
        ),
        **overrides,
    }


@pytest.mark.large
def test_two_devices_train_like_one(tmp_path):
    finish(start("seq2seq_translation", settings(tmp_path), tmp_path, "--compare-devices", "2"))
    reference, _, every_row = saved(tmp_path / "single.npz")
    weights, replicas, _ = saved(tmp_path / "devices.npz")
    assert replicas == 2 and len(every_row) == 64
    assert_same_weights(weights, reference)


@pytest.mark.large
def test_two_workers_train_and_only_the_chief_exports(tmp_path):
    config = settings(tmp_path, dropout=0.2)
    finish(*(start("seq2seq_translation", config, tmp_path, tf_config=c) for c in distribute.local_cluster(2)))
    halves = [saved(tmp_path / f"worker{index}.npz") for index in range(2)]
    assert [replicas for _, replicas, _ in halves] == [2, 2]
    assert_same_weights(halves[0][0], halves[1][0], tolerance=0)
    assert len(halves[0][2]) == len(halves[1][2]) == 32
    assert sorted(path.name for path in (tmp_path / "workers" / "export" / "spa_eng_translator").iterdir()) == ["1"]
    assert (tmp_path / "workers" / "run" / "metrics.json").exists()
