"""Worker heartbeats and the chief's requeueing of a silent worker's trial, on a real keras-tuner oracle."""

import os
import re
import signal
import subprocess
import sys
import time

import keras_tuner
import pytest
import search_files

from seqapps.tuning import liveness
from seqapps.tuning.launcher import free_port
from seqapps.tuning.tuning_config import TuningConfig


def _oracle(tmp_path):
    oracle = keras_tuner.oracles.RandomSearchOracle(objective="val_loss", max_trials=3, seed=1)
    oracle._set_project_dir(str(tmp_path), "search")
    oracle.hyperparameters.Int("units", 1, 100)
    return oracle


def _wait_until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_a_silent_workers_trial_goes_to_the_next_worker_asking(tmp_path, caplog):
    caplog.set_level("INFO", logger="seqapps")
    oracle = _oracle(tmp_path)
    stop = liveness.requeue_silent_workers_trials(oracle, worker_timeout=0.5, check_seconds=0.05)
    try:
        silent = oracle.create_trial("tuner0")
        alive = oracle.create_trial("tuner1")
        start = time.monotonic()
        while time.monotonic() - start < 1.2:  # tuner1 sends heartbeats, tuner0 nothing
            oracle.get_trial(alive.trial_id)
            time.sleep(0.1)
        assert set(oracle.ongoing_trials) == {"tuner1"} and oracle.tuner_ids == {"tuner1"}
        assert silent.status == "INVALID" and "tuner0 sent nothing for" in silent.message
        assert oracle._retry_queue == [silent.trial_id]
        requeued = [record.getMessage() for record in caplog.records if record.name == liveness.__name__]
        assert len(requeued) == 1 and re.match(
            rf"tuner0 has sent nothing for \d+ s \(worker timeout 0.5 s\): its trial {silent.trial_id} goes to the "
            r"next worker asking for one",
            requeued[0],
        )

        oracle.update_trial(alive.trial_id, {"val_loss": 0.5})
        alive.status = "COMPLETED"
        oracle.end_trial(alive)
        rerun = oracle.create_trial("tuner1")
        assert rerun.trial_id == silent.trial_id and rerun.status == "RUNNING"
        assert oracle.ongoing_trials == {"tuner1": rerun}
    finally:
        stop.set()


def test_a_worker_that_keeps_reporting_keeps_its_trial(tmp_path):
    oracle = _oracle(tmp_path)
    stop = liveness.requeue_silent_workers_trials(oracle, worker_timeout=0.4, check_seconds=0.05)
    try:
        trial = oracle.create_trial("tuner0")
        for step in range(10):  # metric updates count as much as heartbeats
            oracle.update_trial(trial.trial_id, {"val_loss": 1.0 / (step + 1)}, step=step)
            time.sleep(0.1)
        assert oracle.ongoing_trials == {"tuner0": trial} and trial.status == "RUNNING"
    finally:
        stop.set()


def test_workers_send_heartbeats_only_while_they_run_a_trial():
    asked = []

    class Tuner:
        def __init__(self):
            self.oracle = self
            self.events = []

        def on_trial_begin(self, trial):
            self.events.append(("begin", trial.trial_id))

        def on_trial_end(self, trial):
            self.events.append(("end", trial.trial_id))

        def get_trial(self, trial_id):
            asked.append(trial_id)

    tuner = Tuner()
    stop = liveness.send_heartbeats(tuner, interval=0.05)
    try:
        time.sleep(0.2)
        assert asked == []
        trial = keras_tuner.engine.trial.Trial(keras_tuner.HyperParameters(), trial_id="7")
        tuner.on_trial_begin(trial)
        assert _wait_until(lambda: len(asked) >= 3)
        tuner.on_trial_end(trial)
        count = len(asked)
        time.sleep(0.2)
        assert len(asked) <= count + 1 and set(asked) == {"7"}
        assert tuner.events == [("begin", "7"), ("end", "7")]  # the tuner's own hooks still run
    finally:
        stop.set()


@pytest.mark.parametrize("seconds", [0, 29.9, True, "60"])
def test_worker_timeout_must_leave_room_for_three_heartbeats(seconds):
    with pytest.raises(ValueError, match="worker_timeout"):
        TuningConfig("sequence_sum", worker_timeout=seconds)


@pytest.mark.large
def test_a_killed_worker_that_nobody_restarts_does_not_hang_the_chief(tmp_path):
    """Chief and two workers started by hand, as on several machines; one worker is killed for good."""
    directory = tmp_path / "tuning"
    project = directory / "sequence_sum"
    command = [
        sys.executable,
        "-m",
        "seqapps.cli",
        "tune",
        "sequence_sum",
        "--max-trials",
        "3",
        "--max-epochs",
        "30",
        "--directory",
        str(directory),
        "--no-retrain",
        "--worker-timeout",
        "30",
        "--cells",
        "lstm",
        "keras_gru",
        "--units-range",
        "4",
        "8",
        "--layers-range",
        "1",
        "--batch-sizes",
        "32",
    ]
    for name, value in {
        "length": "4",
        "train_size": "512",
        "validation_size": "32",
        "test_size": "32",
        "verbose": "0",
    }.items():
        command += ["--set", f"{name}={value}"]
    port = str(free_port())
    environment = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONUNBUFFERED": "1",
        "KERASTUNER_ORACLE_IP": "127.0.0.1",
        "KERASTUNER_ORACLE_PORT": port,
    }
    processes, logs = {}, {}
    try:
        for name in ("chief", "tuner0", "tuner1"):
            logs[name] = open(tmp_path / f"{name}.log", "w")
            processes[name] = subprocess.Popen(
                command, stdout=logs[name], stderr=subprocess.STDOUT, env={**environment, "KERASTUNER_TUNER_ID": name}
            )
            if name == "chief":
                time.sleep(5)
        first = project / "logs" / "0" / "execution0" / "train"
        assert _wait_until(lambda: any(first.glob("events.out.tfevents.*")), seconds=300)
        killed = int(next(first.glob("events.out.tfevents.*")).name.split(".")[-3])
        victim = next(name for name, process in processes.items() if process.pid == killed)
        os.kill(killed, signal.SIGKILL)
        assert processes["chief"].wait(timeout=400) == 0, (tmp_path / "chief.log").read_text()[-5000:]
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
        for log in logs.values():
            log.close()
    chief_output = (tmp_path / "chief.log").read_text()
    assert f"{victim} has sent nothing for" in chief_output and "its trial 0 goes to the next worker" in chief_output
    statuses = search_files.statuses(project)
    assert statuses["1"] == statuses["2"] == "COMPLETED"
    # Trial 0 was either rerun by the other worker or, if that one had already finished, left for a rerun,
    # which runs just that trial.
    if statuses["0"] != "COMPLETED":
        assert statuses["0"] == "INVALID" and "Trial(s) 0 did not finish" in chief_output
        rerun = subprocess.run(
            command, capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        )
        assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
        assert search_files.statuses(project) == {"0": "COMPLETED", "1": "COMPLETED", "2": "COMPLETED"}
        assert search_files.run_times(project) == {"0": 1, "1": 1, "2": 1}
