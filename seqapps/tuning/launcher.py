"""Runs one search as a chief and N worker processes on 127.0.0.1 (`seqapps tune --workers N`).

Each process runs the same command; keras-tuner's environment variables make
it the chief (`KERASTUNER_TUNER_ID=chief`: serves the oracle over gRPC, runs
no trials) or a worker (`tuner0`, `tuner1`, ...: asks the oracle for trials
until it answers that the search is over, then exits). Their output is
logged line by line with a `[name]` prefix. The run fails, and every other process is
stopped, as soon as one exits with a non-zero status or when it exceeds its
timeout.

A worker killed by a signal (`kill -9`, the out-of-memory killer) is started
again with the same `KERASTUNER_TUNER_ID`, up to `WORKER_RESTARTS` times. The
oracle gives the trial a worker was running to the next process asking with
that id, so the restarted worker runs it again from the start, right away
rather than after the chief's worker timeout (`seqapps.tuning.liveness`). A
worker that exits with an error status is not restarted (its error would come
back).

The chief exits once the oracle has stopped the search and no trial is
running. A worker that had not reached the oracle by then (a late start)
would wait for it for keras-tuner's gRPC timeout (an hour); it has no trial
to finish, so it is stopped `WORKER_EXIT_SECONDS` after the chief exited.
"""

import collections
import logging
import os
import subprocess
import threading
import time

from seqapps.processes import LOOPBACK, POLL_SECONDS, STOP_SECONDS, free_port, stop_processes, stream_lines
from seqapps.tuning.tuning_config import TuningError

# Workers exit right after their last trial; the chief only after them.
WORKER_EXIT_SECONDS = 30
# Times each worker killed by a signal is started again.
WORKER_RESTARTS = 2

logger = logging.getLogger(__name__)


def run_chief_and_workers(command, workers, timeout=None):
    """Runs `command` as a chief and `workers` workers on 127.0.0.1 and waits for all of them.

    Args:
        command: the argument list every process runs.
        workers: number of worker processes (at least 1).
        timeout: seconds the whole run may take; `None`: no limit.

    Raises:
        TuningError: a process exited with a non-zero status, the chief was
            killed, a worker was killed more than `WORKER_RESTARTS` times, or
            the run took longer than `timeout`. The other processes are
            stopped first.
    """
    if workers < 1:
        raise ValueError(f"`workers` must be at least 1, got {workers!r}.")
    port = free_port()
    environment = {
        **os.environ,
        "KERASTUNER_ORACLE_IP": LOOPBACK,
        "KERASTUNER_ORACLE_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    names = ["chief"] + [f"tuner{index}" for index in range(workers)]
    logger.info(f"Distributed search on {LOOPBACK}:{port}: chief and workers {', '.join(names[1:])}")
    processes, readers, lock = {}, [], threading.Lock()

    def start(name):
        process = subprocess.Popen(
            command,
            env={**environment, "KERASTUNER_TUNER_ID": name},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        processes[name] = process
        reader = threading.Thread(target=stream_lines, args=(name, process.stdout, lock, logger), daemon=True)
        reader.start()
        readers.append(reader)

    try:
        for name in names:
            start(name)
        _wait(processes, timeout, start)
    finally:
        stop_processes(processes)
        for reader in readers:
            reader.join(timeout=STOP_SECONDS)
    logger.info(f"Distributed search finished: chief and {workers} worker(s) done")


def _wait(processes, timeout, start_process):
    start = time.monotonic()
    chief_exited = None
    restarts = collections.Counter()
    while True:
        codes = {name: process.poll() for name, process in processes.items()}
        for name, code in codes.items():
            killed_worker = name != "chief" and code is not None and code < 0
            if killed_worker and codes["chief"] is None and restarts[name] < WORKER_RESTARTS:
                restarts[name] += 1
                logger.info(
                    f"{name} was killed by signal {-code}; starting it again with the same tuner id to rerun "
                    f"its trial (restart {restarts[name]} of {WORKER_RESTARTS})."
                )
                start_process(name)
                codes[name] = None
        for name, code in codes.items():
            if code not in (None, 0):
                how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
                if restarts[name]:
                    how += f" after {restarts[name]} restart(s)"
                raise TuningError(f"{name} {how} (its output above is prefixed [{name}]); stopped the other processes.")
        if all(code == 0 for code in codes.values()):
            return
        now = time.monotonic()
        if codes["chief"] == 0:
            chief_exited = chief_exited or now
            if now - chief_exited > WORKER_EXIT_SECONDS:
                running = [name for name, code in codes.items() if code is None]
                logger.info(
                    f"{', '.join(running)} still waiting for the oracle {WORKER_EXIT_SECONDS} s after the chief "
                    f"finished the search (started too late to get a trial); stopping them."
                )
                stop_processes(processes)
                return
        if timeout is not None and now - start > timeout:
            raise TuningError(f"The distributed search did not finish within {timeout:g} s (--timeout); stopped it.")
        time.sleep(POLL_SECONDS)
