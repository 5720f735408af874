"""The local chief + workers launcher, with stand-in processes (no TensorFlow)."""

import sys
import time

import pytest

from seqapps.tuning import launcher
from seqapps.tuning.tuning_config import TuningError

# Each process prints its role and the oracle address, then does what its action says: `exitN` exits with
# status N, `sleepS` sleeps S seconds, `killed` kills itself with SIGKILL, `killed_once` does so only the
# first time (it leaves a file named after the process in the folder given as second argument).
PROCESS = """
import os, signal, sys, time
name = os.environ["KERASTUNER_TUNER_ID"]
print(name, os.environ["KERASTUNER_ORACLE_IP"], os.environ["KERASTUNER_ORACLE_PORT"], flush=True)
action = dict(item.split("=") for item in sys.argv[1].split(","))[name]
if action == "killed_once":
    marker = os.path.join(sys.argv[2], name)
    action = "exit0" if os.path.exists(marker) else "killed"
    open(marker, "w").close()
if action == "killed":
    os.kill(os.getpid(), signal.SIGKILL)
if action.startswith("exit"):
    sys.exit(int(action[4:]))
time.sleep(float(action[5:]))
"""


def _command(actions, folder="."):
    return [
        sys.executable,
        "-c",
        PROCESS,
        ",".join(f"{name}={action}" for name, action in actions.items()),
        str(folder),
    ]


def test_every_process_gets_its_role_and_the_loopback_oracle_and_output_is_prefixed(caplog):
    caplog.set_level("INFO", logger="seqapps")
    launcher.run_chief_and_workers(_command({"chief": "exit0", "tuner0": "exit0", "tuner1": "exit0"}), 2, timeout=60)
    starts = {line.split()[0]: line.split()[1:] for line in caplog.messages if line.startswith("[")}
    assert set(starts) == {"[chief]", "[tuner0]", "[tuner1]"}
    for name, (role, address, port) in starts.items():
        assert name == f"[{role}]" and address == "127.0.0.1" and int(port) > 0
    assert len({port for _, _, port in starts.values()}) == 1
    assert caplog.messages[-1] == "Distributed search finished: chief and 2 worker(s) done"


def test_a_crashed_worker_fails_the_run_and_stops_the_others_at_once():
    start = time.monotonic()
    with pytest.raises(TuningError, match=r"tuner1 exited with status 3 \(its output above is prefixed \[tuner1\]\)"):
        launcher.run_chief_and_workers(_command({"chief": "sleep60", "tuner0": "sleep60", "tuner1": "exit3"}), 2)
    assert time.monotonic() - start < 30


def test_a_crashed_chief_fails_the_run():
    with pytest.raises(TuningError, match="chief exited with status 1"):
        launcher.run_chief_and_workers(_command({"chief": "exit1", "tuner0": "sleep60"}), 1)


def test_the_timeout_stops_a_run_that_hangs():
    start = time.monotonic()
    with pytest.raises(TuningError, match=r"did not finish within 2 s \(--timeout\)"):
        launcher.run_chief_and_workers(_command({"chief": "sleep60", "tuner0": "sleep60"}), 1, timeout=2)
    assert time.monotonic() - start < 30


def test_workers_still_waiting_after_the_chief_finished_are_stopped(monkeypatch, caplog):
    caplog.set_level("INFO", logger="seqapps")
    monkeypatch.setattr(launcher, "WORKER_EXIT_SECONDS", 1)
    start = time.monotonic()
    launcher.run_chief_and_workers(_command({"chief": "exit0", "tuner0": "exit0", "tuner1": "sleep60"}), 2)
    assert time.monotonic() - start < 30
    assert any(line.startswith("tuner1 still waiting for the oracle") for line in caplog.messages)


def test_a_killed_worker_is_started_again_with_its_tuner_id_and_the_run_finishes(tmp_path, caplog):
    caplog.set_level("INFO", logger="seqapps")
    launcher.run_chief_and_workers(
        _command({"chief": "sleep4", "tuner0": "exit0", "tuner1": "killed_once"}, tmp_path),
        2,
        timeout=60,
    )
    assert (
        "tuner1 was killed by signal 9; starting it again with the same tuner id to rerun its trial "
        "(restart 1 of 2)." in caplog.messages
    )
    assert sum(line.startswith("[tuner1] tuner1 127.0.0.1") for line in caplog.messages) == 2  # started twice
    assert caplog.messages[-1] == "Distributed search finished: chief and 2 worker(s) done"


def test_a_worker_killed_every_time_fails_the_run_after_its_restarts(caplog):
    caplog.set_level("INFO", logger="seqapps")
    start = time.monotonic()
    with pytest.raises(TuningError, match=r"tuner0 was killed by signal 9 after 2 restart\(s\) \(its output above"):
        launcher.run_chief_and_workers(_command({"chief": "sleep60", "tuner0": "killed"}), 1)
    assert time.monotonic() - start < 30
    assert sum(line.startswith("[tuner0] tuner0 127.0.0.1") for line in caplog.messages) == 3


def test_a_killed_chief_is_not_restarted():
    with pytest.raises(TuningError, match=r"chief was killed by signal 9 \(its output above is prefixed \[chief\]\)"):
        launcher.run_chief_and_workers(_command({"chief": "killed", "tuner0": "sleep60"}), 1)
