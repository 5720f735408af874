"""Data-parallel training (`seqapps.distribute`): workers and devices train like one process."""

import json
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from seqapps import distribute

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
# The gradients of the replicas' halves are summed in another order than one process sums the whole batch's,
# so after 8 SGD steps the weights agree to float32 rounding amplified by a few steps, not bit for bit.
WEIGHT_TOLERANCE = 1e-5


def _environment(**extra):
    return {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", **extra}


def _run_script(out_dir, *flags, tf_config=None):
    environment = _environment(**({"TF_CONFIG": tf_config} if tf_config else {}))
    if not tf_config:
        environment.pop("TF_CONFIG", None)
    return subprocess.Popen(
        [sys.executable, str(TESTS / "distribute_run.py"), str(out_dir), *flags],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process, timeout=120):
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output[-3000:]


def _weights(path):
    saved = np.load(path)
    return [saved[f"arr_{index}"] for index in range(4)], saved


def test_two_workers_fit_like_one_process_each_on_its_half_of_every_batch(tmp_path):
    workers = [_run_script(tmp_path, tf_config=config) for config in distribute.local_cluster(2)]
    single = _run_script(tmp_path, "--one-device")
    for process in (*workers, single):
        _finish(process)
    reference, _ = _weights(tmp_path / "single.npz")
    halves = []
    for name in ("worker0", "worker1"):
        weights, saved = _weights(tmp_path / f"{name}.npz")
        assert int(saved["replicas"]) == 2
        for got, expected in zip(weights, reference):
            np.testing.assert_allclose(got, expected, atol=WEIGHT_TOLERANCE)
        halves.append(saved["read"])
    for epoch in range(2):
        first, second = set(halves[0][epoch]), set(halves[1][epoch])
        assert len(first) == len(second) == 32 and not first & second
        assert first | second == set(range(64))


@pytest.mark.large
def test_two_workers_clip_the_summed_gradient_like_one_process(tmp_path):
    # A bound far below the gradient's norm: every step is clipped. Keras 3 alone would clip each worker's
    # half, so that the applied gradient had twice the bound's norm.
    flags = ["--global-clipnorm", "0.05"]
    workers = [_run_script(tmp_path, *flags, tf_config=config) for config in distribute.local_cluster(2)]
    single = _run_script(tmp_path, "--one-device", *flags)
    for process in (*workers, single):
        _finish(process)
    reference, _ = _weights(tmp_path / "single.npz")
    for name in ("worker0", "worker1"):
        weights, _ = _weights(tmp_path / f"{name}.npz")
        for got, expected in zip(weights, reference):
            np.testing.assert_allclose(got, expected, atol=WEIGHT_TOLERANCE)


@pytest.mark.large
def test_two_logical_cpu_devices_fit_like_one_device(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    processes = [_run_script(one, "--one-device"), _run_script(two, "--devices", "2")]
    for process in processes:
        _finish(process)
    reference, _ = _weights(one / "single.npz")
    weights, saved = _weights(two / "single.npz")
    assert int(saved["replicas"]) == 2
    for got, expected in zip(weights, reference):
        np.testing.assert_allclose(got, expected, atol=WEIGHT_TOLERANCE)


@pytest.mark.parametrize(
    "planned_decay", [False, pytest.param(True, marks=pytest.mark.large)], ids=["epochs", "planned-decay"]
)
def test_a_time_budget_stops_every_worker_on_the_chiefs_clock(tmp_path, planned_decay):
    # Worker 1's clock runs 10,000 times faster: on it, the first epoch took far over the 1-minute budget, so
    # alone it would stop after it (or plan the decay to end there) while the chief, on time, trains on and
    # waits for it in the next gradient exchange until the collective times out.
    flags = ["--budget-minutes", "1", "--fast-clock", "10000"] + (["--planned-decay"] if planned_decay else [])
    workers = [_run_script(tmp_path, *flags, tf_config=config) for config in distribute.local_cluster(2)]
    for process in workers:
        _finish(process)
    (chief, chief_saved), (other, other_saved) = (_weights(tmp_path / f"worker{index}.npz") for index in (0, 1))
    assert int(chief_saved["epochs"]) == int(other_saved["epochs"]) == 2
    for got, expected in zip(other, chief):
        np.testing.assert_array_equal(got, expected)


def test_a_global_batch_must_split_evenly_between_the_replicas():
    two = types.SimpleNamespace(num_replicas_in_sync=2)
    distribute.check_batch_size(two, 64)
    distribute.check_batch_size(tf.distribute.get_strategy(), 7)
    with pytest.raises(ValueError, match="batch_size 7 does not split evenly between the 2 replicas.*--batch-size 6"):
        distribute.check_batch_size(two, 7)


def test_chief_values_without_several_workers_are_ones_own():
    assert distribute.chief_values(tf.distribute.get_strategy(), [1.5, 2]) == [1.5, 2.0]
    assert not distribute.several_workers(tf.distribute.get_strategy())


def test_strategy_from_environment_without_cluster_or_devices_is_the_default(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    strategy = distribute.strategy_from_environment()
    assert strategy is tf.distribute.get_strategy() and distribute.is_chief(strategy)


@pytest.mark.parametrize(
    "tf_config, workers",
    [
        (None, 0),
        ('{"cluster": {"worker": ["a:1", "b:2", "c:3"]}, "task": {"type": "worker", "index": 1}}', 3),
        ('{"cluster": {"chief": ["a:1"], "worker": ["b:2"]}, "task": {"type": "chief", "index": 0}}', 2),
    ],
)
def test_cluster_workers_counts_the_cluster(tf_config, workers):
    assert distribute.cluster_workers({"TF_CONFIG": tf_config} if tf_config else {}) == workers


def test_bad_tf_config_names_the_fix():
    with pytest.raises(ValueError, match="TF_CONFIG is not a cluster description.*cluster"):
        distribute.cluster_workers({"TF_CONFIG": "worker0"})


def test_a_failed_worker_is_named_and_the_others_are_stopped():
    command = [
        sys.executable,
        "-c",
        "import json, os, sys, time; task = json.loads(os.environ['TF_CONFIG'])['task']"
        "; time.sleep(60) if task['index'] == 0 else sys.exit(3)",
    ]
    start = time.monotonic()
    with pytest.raises(distribute.DistributedTrainingError, match="worker1 exited with status 3"):
        distribute.run_local_workers(command, 2)
    assert time.monotonic() - start < 30


def _write_series(path, rows):
    """Hourly `date, driver, OT` with a daily cycle (as tests/tasks/test_timeseries_forecasting.py writes)."""
    rng = np.random.default_rng(0)
    hours = np.arange(rows)
    driver = np.sin(2 * np.pi * hours / 24) + 0.1 * rng.normal(size=rows)
    target = 20 + 5 * np.roll(driver, 3) + 0.2 * rng.normal(size=rows)
    times = np.datetime64("2021-03-01T00:00") + hours * np.timedelta64(1, "h")
    lines = [f"{str(time).replace('T', ' ')},{d:.4f},{t:.4f}" for time, d, t in zip(times, driver, target)]
    path.write_text("date,driver,OT\n" + "\n".join(lines) + "\n")


def _start_workers(tmp_path, clusters, epochs):
    command = [sys.executable, "-m", "seqapps.recipes.timeseries_forecasting", "--csv", str(tmp_path / "series.csv")]
    command += ["--target", "OT", "--model", "window", "--input-steps", "24", "--horizon", "6", "--units", "4"]
    command += ["--epochs", str(epochs), "--patience", str(epochs), "--batch-size", "32", "--verbose", "0"]
    command += ["--run-dir", str(tmp_path / "run"), "--export-root", str(tmp_path / "export"), "--worker-timeout", "30"]
    return [
        subprocess.Popen(
            command,
            env=_environment(TF_CONFIG=config),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp_path,
        )
        for config in clusters
    ]


@pytest.mark.large
def test_a_killed_worker_stops_the_other_within_the_bound_and_the_rerun_resumes(tmp_path):
    _write_series(tmp_path / "series.csv", rows=3000)
    epochs = 8
    chief, worker = _start_workers(tmp_path, distribute.local_cluster(2), epochs)
    state = tmp_path / "run" / "backup" / "state.json"
    deadline = time.monotonic() + 300
    while not state.exists():
        assert chief.poll() is None and time.monotonic() < deadline, chief.communicate()[0][-3000:]
        time.sleep(0.1)
    worker.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    output, _ = chief.communicate(timeout=120)
    waited = time.monotonic() - killed
    worker.communicate()
    assert chief.returncode != 0 and waited < 60, (waited, output[-3000:])
    assert "task:1" in output, output[-3000:]
    finished = json.loads(state.read_text())["epochs"]
    assert 1 <= finished < epochs

    processes = _start_workers(tmp_path, distribute.local_cluster(2), epochs)
    outputs = [process.communicate(timeout=600)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs[0][-3000:] + outputs[1][-3000:]
    assert "Resuming the interrupted run" in outputs[0] and "Resuming the interrupted run" in outputs[1]
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert len(history["loss"]) == epochs
    assert not state.exists() and sorted(
        path.name for path in (tmp_path / "export" / "timeseries_forecast").iterdir()
    ) == ["1"]
