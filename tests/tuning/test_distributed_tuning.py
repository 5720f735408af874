"""A real distributed search: `seqapps tune --workers 2` runs a chief and two workers on 127.0.0.1."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import search_files

from seqapps.tuning import search
from seqapps.tuning.sequence_sum_hyper_model import SequenceSumHyperModel
from seqapps.tuning.tuning_config import TuningConfig

OPTIONS = {"length": "4", "train_size": "64", "validation_size": "32", "test_size": "32", "verbose": "0"}
SPACE = ["--cells", "lstm", "keras_gru", "--units-range", "4", "8", "--layers-range", "1", "--batch-sizes", "32"]


def _pid(events_file):
    """The process id in a TensorBoard events file name (`events.out.tfevents.TIME.HOST.PID.N.v2`)."""
    return int(events_file.name.split(".")[-3])


@pytest.mark.large
def test_chief_and_two_workers_run_every_trial_exactly_once_and_exit(tmp_path, monkeypatch):
    directory = tmp_path / "tuning"
    command = [
        sys.executable,
        "-m",
        "seqapps.cli",
        "tune",
        "sequence_sum",
        "--workers",
        "2",
        "--max-trials",
        "3",
        "--max-epochs",
        "1",
        "--directory",
        str(directory),
        "--timeout",
        "500",
        *SPACE,
    ]
    for name, value in OPTIONS.items():
        command += ["--set", f"{name}={value}"]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=560, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-5000:]
    assert re.search(r"^\[chief\] Chief: serving the oracle on 127\.0\.0\.1:\d+", output, flags=re.MULTILINE)
    for worker in ("tuner0", "tuner1"):
        assert f"[{worker}] {worker}: the oracle ended the search; exiting." in output
    assert "still waiting for the oracle" not in output
    assert completed.stdout.rstrip().endswith("Distributed search finished: chief and 2 worker(s) done")

    project = directory / "sequence_sum"
    assert search_files.statuses(project) == {"0": "COMPLETED", "1": "COMPLETED", "2": "COMPLETED"}
    assert search_files.run_times(project) == {"0": 1, "1": 1, "2": 1}
    trial_pids = set()
    for trial_id in ("0", "1", "2"):
        runs = list((project / "logs" / trial_id / "execution0" / "train").glob("events.out.tfevents.*"))
        assert len(runs) == 1  # trained exactly once
        trial_pids.add(_pid(runs[0]))
    chief_pid = _pid(next((project / "logs").glob("events.out.tfevents.*")))  # the chief wrote the HParams experiment
    assert chief_pid not in trial_pids and len(trial_pids) <= 2  # the workers ran the trials, the chief none
    assert (
        json.loads((project / "best_model.json").read_text())["trial"]
        == json.loads((project / "best_hyperparameters.json").read_text())["trial"]
    )

    # The same search rerun in one process finds every trial done and trains nothing.
    fits = []
    monkeypatch.setattr(SequenceSumHyperModel, "fit_model", lambda self, values, model, **arguments: fits.append(1))
    config = TuningConfig(
        "sequence_sum",
        max_trials=3,
        max_epochs=1,
        directory=str(directory),
        space={"cells": ["lstm", "keras_gru"], "units": [4, 8], "layers": [1], "batch_sizes": [32]},
        recipe_options=OPTIONS,
        retrain=False,
        verbose=0,
    )
    result = search.tune(config)
    assert fits == [] and result.table.count("| COMPLETED |") == 3
    assert search_files.run_times(project) == {"0": 1, "1": 1, "2": 1}


@pytest.mark.large
def test_a_worker_killed_mid_trial_is_restarted_and_the_others_finish_the_search(tmp_path):
    directory = tmp_path / "tuning"
    project = directory / "sequence_sum"
    command = [
        sys.executable,
        "-m",
        "seqapps.cli",
        "tune",
        "sequence_sum",
        "--workers",
        "2",
        "--max-trials",
        "3",
        "--max-epochs",
        "20",
        "--directory",
        str(directory),
        "--timeout",
        "500",
        "--no-retrain",
        *SPACE,
    ]
    for name, value in {**OPTIONS, "train_size": "512"}.items():
        command += ["--set", f"{name}={value}"]
    log = tmp_path / "tune.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
        try:
            # The first trial's TensorBoard events file appears once its training has started, named with the
            # worker's process id.
            deadline, runs = time.monotonic() + 300, []
            while not runs and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
                runs = list((project / "logs" / "0" / "execution0" / "train").glob("events.out.tfevents.*"))
            assert runs, log.read_text()[-5000:]
            killed = _pid(runs[0])
            os.kill(killed, signal.SIGKILL)
            process.wait(timeout=540)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)  # the launcher, the chief and the workers
    output = log.read_text()
    assert process.returncode == 0, output[-5000:]
    assert re.search(
        r"^tuner[01] was killed by signal 9; starting it again with the same tuner id to rerun its "
        r"trial \(restart 1 of 2\)\.$",
        output,
        flags=re.MULTILINE,
    ), output[-5000:]
    assert "Distributed search finished: chief and 2 worker(s) done" in output
    assert search_files.statuses(project) == {"0": "COMPLETED", "1": "COMPLETED", "2": "COMPLETED"}
    assert search_files.run_times(project) == {"0": 1, "1": 1, "2": 1}
    reruns = list((project / "logs" / "0" / "execution0" / "train").glob("events.out.tfevents.*"))
    assert len(reruns) == 2 and killed in {_pid(run) for run in reruns}  # trained again by the restarted worker
    assert (project / "best_hyperparameters.json").exists()
