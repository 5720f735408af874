"""Worker liveness in a distributed search: workers send heartbeats, the chief requeues a silent worker's trial.

keras-tuner's oracle has no notion of a worker's health: a worker that dies
(a lost machine, `kill -9`) keeps its trial "running" in the oracle, and the
chief waits for it forever. Here

- each worker, while it runs a trial, asks the oracle for that trial every
  `HEARTBEAT_SECONDS` (`send_heartbeats`), a read-only request;
- the chief notes when it last heard from each worker (any request: a new
  trial, a metric update, a heartbeat) and, once a worker has been silent for
  `worker_timeout` seconds, gives its trial to the next worker that asks for
  one (`requeue_silent_workers_trials`). The trial is marked `INVALID` with a
  message until then, and the silent worker no longer counts as part of the
  search, so the chief ends once the others are done. If no other worker asks
  again, the trial stays unfinished and a rerun of the same command runs it.

A worker that was only slow (suspended longer than the timeout) and comes
back reports its trial like any other; the trial may then have been run twice.
"""

import logging
import threading
import time

import grpc
from keras_tuner.src.engine.oracle import synchronized
from keras_tuner.src.engine.trial import TrialStatus

from seqapps.tuning.tuning_config import HEARTBEAT_SECONDS

logger = logging.getLogger(__name__)


def send_heartbeats(tuner, interval=HEARTBEAT_SECONDS):
    """Worker side: while `tuner` runs a trial, asks its oracle for that trial every `interval` seconds.

    Args:
        tuner: a keras-tuner tuner whose oracle is the chief's (an `OracleClient`).
        interval: seconds between heartbeats.

    Returns:
        A `threading.Event`; set it to stop the heartbeats.
    """
    running = {}
    begin, end = tuner.on_trial_begin, tuner.on_trial_end

    def on_trial_begin(trial):
        running["trial_id"] = trial.trial_id
        begin(trial)

    def on_trial_end(trial):
        end(trial)
        running.pop("trial_id", None)

    tuner.on_trial_begin, tuner.on_trial_end = on_trial_begin, on_trial_end
    stop = threading.Event()

    def beat():
        while not stop.wait(interval):
            trial_id = running.get("trial_id")
            if trial_id is not None:
                try:
                    tuner.oracle.get_trial(trial_id)
                except grpc.RpcError:
                    pass  # the chief is unreachable: the trial's own next request fails and says so

    threading.Thread(target=beat, name="seqapps-heartbeat", daemon=True).start()
    return stop


def requeue_silent_workers_trials(oracle, worker_timeout, check_seconds=None):
    """Chief side: gives the trial of a worker silent for `worker_timeout` seconds to the next worker.

    Args:
        oracle: the chief's keras-tuner oracle (before `tuner.search` serves it).
        worker_timeout: seconds without any request from a worker running a
            trial before its trial is requeued. Keep it well above
            `HEARTBEAT_SECONDS`.
        check_seconds: how often to check; `None`: a quarter of the timeout, at most 5 s.

    Each requeued trial is logged (the `seqapps.tuning.liveness` logger).

    Returns:
        A `threading.Event`; set it to stop watching.
    """
    last_heard = {}

    @synchronized
    def heard_from_trial_owner(oracle, trial_id):
        for tuner_id, trial in oracle.ongoing_trials.items():
            if trial.trial_id == trial_id:
                last_heard[tuner_id] = time.monotonic()

    create_trial, update_trial, get_trial = oracle.create_trial, oracle.update_trial, oracle.get_trial

    def create_trial_noted(tuner_id, *arguments, **keywords):
        last_heard[tuner_id] = time.monotonic()
        return create_trial(tuner_id, *arguments, **keywords)

    def update_trial_noted(trial_id, *arguments, **keywords):
        heard_from_trial_owner(oracle, trial_id)
        return update_trial(trial_id, *arguments, **keywords)

    def get_trial_noted(trial_id):
        heard_from_trial_owner(oracle, trial_id)
        return get_trial(trial_id)

    oracle.create_trial, oracle.update_trial, oracle.get_trial = create_trial_noted, update_trial_noted, get_trial_noted

    @synchronized
    def requeue_silent(oracle):
        now = time.monotonic()
        for tuner_id, trial in list(oracle.ongoing_trials.items()):
            # A trial running since before this chief started gets a whole timeout from now.
            silent = now - last_heard.setdefault(tuner_id, now)
            if silent <= worker_timeout:
                continue
            del oracle.ongoing_trials[tuner_id]
            oracle.tuner_ids.discard(tuner_id)
            trial.status = TrialStatus.INVALID
            trial.message = (
                f"{tuner_id} sent nothing for {silent:.0f} s (worker timeout {worker_timeout:g} s); "
                "the trial was given to the next worker asking for one"
            )
            oracle._retry_queue.append(trial.trial_id)
            oracle._save_trial(trial)
            oracle.save()
            logger.info(
                f"{tuner_id} has sent nothing for {silent:.0f} s (worker timeout {worker_timeout:g} s): its trial "
                f"{trial.trial_id} goes to the next worker asking for one; a rerun of the search runs it if none does."
            )

    stop = threading.Event()
    interval = check_seconds or min(5.0, worker_timeout / 4)

    def watch():
        while not stop.wait(interval):
            requeue_silent(oracle)

    threading.Thread(target=watch, name="seqapps-worker-watch", daemon=True).start()
    return stop
