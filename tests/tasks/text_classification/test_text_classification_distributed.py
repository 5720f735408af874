"""The text-classification task under data-parallel strategies trains like one process (`seqapps.distribute`).

Each run is a process of tests/task_distribute_run.py on a tiny IMDB-like set of reviews: every review has
five words, so all fall in one length bucket and every training batch splits evenly between two replicas
(an uneven batch would weigh its examples as the mean of the replicas' means, unlike one process).
"""

import itertools
import json
import signal
import time
import types
from collections import Counter

import numpy as np
import pytest
from task_distribute_run import assert_same_weights, finish, saved, start

from seqapps import distribute
from seqapps.tasks.text_classification import TextClassificationConfig, train

POSITIVE = ["wonderful", "moving", "brilliant", "charming"]
NEGATIVE = ["dull", "awful", "boring", "clumsy"]
NOUNS = ["film", "story", "cast", "script", "ending", "music", "pacing", "dialogue"]
DEGREES = ["truly", "really", "quite"]


def reviews():
    """96 distinct five-word reviews, half positive: `(text, label)`."""
    return [
        (f"a {degree} {adjective} {noun} overall", label)
        for label, adjectives in (("positive", POSITIVE), ("negative", NEGATIVE))
        for degree, adjective, noun in itertools.product(DEGREES, adjectives, NOUNS[:4])
    ]


def write_data(folder):
    """Train (64 reviews), validation and test (16 each) CSV files; returns their paths by split."""
    rows = reviews()
    order = np.random.default_rng(0).permutation(len(rows))
    splits = {"train": order[:64], "validation": order[64:80], "test": order[80:]}
    paths = {}
    for split, indices in splits.items():
        paths[split] = folder / f"{split}.csv"
        lines = ["text,label"] + [f"{rows[index][0]},{rows[index][1]}" for index in indices]
        paths[split].write_text("\n".join(lines) + "\n")
    return paths


def settings(folder):
    paths = write_data(folder)
    return dict(
        data=str(paths["train"]),
        validation_data=str(paths["validation"]),
        test_data=str(paths["test"]),
        cell="gru",
        units=4,
        embedding_dim=8,
        max_tokens=16,
        vocab_size=100,
        ngram_buckets=64,
        dropout=0.0,
        epochs=2,
        patience=2,
        batch_size=16,
        learning_rate=0.01,
        baseline_epochs=1,
        verbose=0,
    )


def test_a_batch_that_does_not_split_between_the_replicas_is_refused_before_anything_runs(tmp_path):
    config = TextClassificationConfig(**{**settings(tmp_path), "batch_size": 15}, run_dir=str(tmp_path / "run"))
    with pytest.raises(ValueError, match="batch_size 15 does not split evenly between the 2 replicas"):
        train(config, strategy=types.SimpleNamespace(num_replicas_in_sync=2))
    assert not (tmp_path / "run").exists()


@pytest.mark.large
def test_two_workers_train_like_one_process_each_on_its_half(tmp_path):
    config = settings(tmp_path)
    processes = [start("text_classification", config, tmp_path, tf_config=c) for c in distribute.local_cluster(2)]
    processes.append(start("text_classification", config, tmp_path, "--one-device"))
    finish(*processes)
    reference, _, every_row = saved(tmp_path / "single.npz")
    halves = []
    for index in range(2):
        weights, replicas, read = saved(tmp_path / f"worker{index}.npz")
        assert replicas == 2
        assert_same_weights(weights, reference)
        halves.append(Counter(read))
    assert len(every_row) == 64 and len(set(every_row)) == 64
    assert sum(halves[0].values()) == sum(halves[1].values()) == 32
    assert not halves[0] & halves[1] and halves[0] + halves[1] == Counter(every_row)
    # Only the chief wrote: one run folder, one export.
    assert sorted(path.name for path in (tmp_path / "workers" / "export" / "text_classification").iterdir()) == ["1"]
    assert (tmp_path / "workers" / "run" / "metrics.json").exists()


@pytest.mark.large
def test_two_devices_train_like_one(tmp_path):
    finish(start("text_classification", settings(tmp_path), tmp_path, "--compare-devices", "2"))
    reference, _, _ = saved(tmp_path / "single.npz")
    weights, replicas, _ = saved(tmp_path / "devices.npz")
    assert replicas == 2
    assert_same_weights(weights, reference)


@pytest.mark.large
def test_a_killed_worker_fails_the_run_and_the_rerun_resumes_every_worker(tmp_path):
    config = {**settings(tmp_path), "epochs": 30, "patience": 30}
    chief, worker = (start("text_classification", config, tmp_path, tf_config=c) for c in distribute.local_cluster(2))
    run_dir = tmp_path / "workers" / "run"
    state = run_dir / "backup" / "state.json"
    deadline = time.monotonic() + 300
    while not state.exists():
        assert chief.poll() is None and time.monotonic() < deadline, chief.communicate()[0][-3000:]
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    output, _ = chief.communicate(timeout=120)
    worker.communicate()
    assert chief.returncode != 0, output[-3000:]
    finished = json.loads(state.read_text())["epochs"]
    assert 1 <= finished < 30

    outputs = finish(
        *(start("text_classification", config, tmp_path, tf_config=c) for c in distribute.local_cluster(2))
    )
    for output in outputs:
        assert "Resuming the interrupted run" in output, output[-3000:]
    assert len(json.loads((run_dir / "history.json").read_text())["loss"]) == 30
    assert not state.exists()
    assert sorted(path.name for path in (tmp_path / "workers" / "export" / "text_classification").iterdir()) == ["1"]
