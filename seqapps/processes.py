"""Local process groups: free ports on 127.0.0.1, output prefixed per process, stopping them all.

The pieces `seqapps.tuning.launcher` (a distributed search) and
`seqapps.distribute` (data-parallel training workers) share.
"""

import logging
import socket
import subprocess
import time

LOOPBACK = "127.0.0.1"
POLL_SECONDS = 0.2
# SIGTERM first; SIGKILL what is still running this many seconds later.
STOP_SECONDS = 10

logger = logging.getLogger(__name__)


def free_port(host=LOOPBACK):
    """A TCP port nothing listens on now (the operating system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def stream_lines(name, stream, lock, log=logger):
    """Logs every line of `stream` (a process's output) with a `[name]` prefix, one line at a time under `lock`."""
    for line in stream:
        with lock:
            log.info(f"[{name}] {line.rstrip()}")


def stop_processes(processes):
    """Terminates every still running process of the dict `processes` (name -> Popen), killing those that
    outlive `STOP_SECONDS`."""
    running = [process for process in processes.values() if process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
