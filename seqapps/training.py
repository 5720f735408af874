"""What every recipe's training run shares: its run folder, its callbacks, and resuming a killed run.

A run folder holds `best.weights.h5` (the weights of the best epoch so far),
`logs/` (TensorBoard) and, while `fit` runs, `backup/`: the state after the
last finished epoch. Running the same command again after a kill resumes from
that state, and the resumed run ends with the same weights and history as an
uninterrupted one. Checkpoint files are written to a temporary file in the same
folder, synced to disk and renamed into place, so a kill at any moment leaves
the previous checkpoint whole.
"""

import dataclasses
import hashlib
import json
import logging
import math
import os
import shutil
import statistics
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqapps import configs, distribute
from seqapps.diagnostics.history import plot_history

logger = logging.getLogger(__name__)

BACKUP_FOLDER = "backup"
BACKUP_STATE = "state.json"
BEST_WEIGHTS = "best.weights.h5"
# Written in an ensemble member's folder once it finished (`write_finished_member`).
MEMBER_RECORD = "member.json"


def start_run(run_dir, restart, seed, config=None):
    """Creates `run_dir` (dropping the backup of an interrupted run if `restart`) and seeds Keras.

    With `config` (the task's settings dataclass), the run remembers its
    settings in `run_dir/config.json` (see `seqapps.configs`), and an
    interrupted run is resumed only with the settings it was started with
    (`seqapps.configs.check_resumable`).

    Raises:
        seqapps.configs.SettingsError: resuming with settings that change the model.
    """
    run_dir = Path(run_dir)
    if restart and (run_dir / BACKUP_FOLDER).exists():
        shutil.rmtree(run_dir / BACKUP_FOLDER)
    elif config is not None and (run_dir / BACKUP_FOLDER).exists():
        configs.check_resumable(config, run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if config is not None:
        configs.save_run_config(config, run_dir)
    keras.utils.set_random_seed(seed)
    return run_dir


def shuffle_each_epoch(dataset, buffer_size, seed):
    """`dataset` shuffled with `seed` in a new order every epoch, the same orders in a resumed run.

    `dataset.shuffle(buffer_size, seed, reshuffle_each_iteration=True)` draws a
    new order for every iterator created on it, and `fit` creates iterators it
    never reads (the next epoch's, ahead of time), so which order epoch k gets
    depends on Keras internals. Here the order is drawn when an iterator is
    first read: epoch k gets the k-th order, and a resumed run skips the orders
    of the epochs it has trained (`standard_callbacks(train_dataset=...)`).

    Args:
        dataset: the `tf.data.Dataset` to shuffle, before batching.
        buffer_size: the shuffle buffer, e.g. the number of elements for a full shuffle.
        seed: integer seed of the sequence of orders.

    Returns:
        The shuffled dataset, with the cardinality of `dataset`.
    """
    shuffled = dataset.shuffle(buffer_size, seed=seed, reshuffle_each_iteration=True)
    read_once = tf.data.Dataset.from_tensors(0).flat_map(lambda _: shuffled)
    cardinality = int(dataset.cardinality())
    if cardinality >= 0:
        read_once = read_once.apply(tf.data.experimental.assert_cardinality(cardinality))
    return read_once


def averaging_momentum(ema_momentum, planned_steps):
    """The weight average's momentum for a run of `planned_steps` steps: `ema_momentum`, lowered where need be
    so that the first steps' weights count for under 1% (e^-5) of the final average. Keras' average has no
    warm-up: it starts from the weights after the first step, so 0.999 over 500 steps would keep 61% of them.
    0: no averaging (also when `planned_steps` is too few to average over)."""
    return max(0.0, min(ema_momentum, 1 - 5 / planned_steps)) if ema_momentum else 0.0


def averaging_note(requested, momentum, planned_steps):
    """What the training line says of the weight average: `, weight average (EMA 0.96, lowered from 0.999 for
    125 steps)`; empty when none was asked for."""
    if not requested:
        return ""
    if not momentum:
        return f", no weight average ({planned_steps} steps are too few to average over)"
    lowered = f", lowered from {requested:g} for {planned_steps} steps" if momentum < requested else ""
    return f", weight average (EMA {momentum:.4g}{lowered})"


def finished_member(config_class, member_config, run_dir, fingerprint, ignored=()):
    """The `member.json` record of the finished ensemble member in `run_dir`, if it was trained with
    `member_config`'s settings (but for the `ignored` fields, as its `config.json` says) on the same data
    (`fingerprint`, e.g. a hash of the training data, as the record says); else None (also with `restart`).

    A member is finished once its trainer wrote `member.json` (`write_finished_member`), after its model.
    """
    finished = Path(run_dir) / MEMBER_RECORD
    if member_config.restart or not finished.exists():
        return None
    record = json.loads(finished.read_text())
    try:
        saved = configs.load_run_config(config_class, run_dir)
    except configs.SettingsError:
        return None
    settings = [configs.to_plain(config) for config in (saved, member_config)]
    for plain in settings:
        for name in ignored:
            plain.pop(name, None)
    return record if settings[0] == settings[1] and record.get("fingerprint") == fingerprint else None


def start_member(config_class, config, index, seconds_spent, fingerprint, resume_root=None, ignored=()):
    """Sets up ensemble member `index` of `config` (a settings dataclass with `ensemble`, `seed`, `run_dir`,
    `restart` and `time_budget_minutes`), or finds it finished.

    The member is a one-model run in `run_dir/member_<index + 1>` with the
    seed `config.seed + index` and an equal share of what `seconds_spent` left
    of the time budget for the members still to train. A worker other than the
    chief (`resume_root`: the chief's run folder) resumes from, and reuses the
    finished members of, the chief's folders.

    Returns:
        `(member_config, run_dir, chief_dir, record)`: `record` is the finished
        member's (`finished_member`: reuse `chief_dir/model.keras`), or None
        when the member is to be trained; `run_dir` was then started
        (`start_run`) and the member announced.
    """
    member = f"member_{index + 1}"
    run_dir = Path(config.run_dir) / member
    chief_dir = Path(resume_root or config.run_dir) / member
    budget = config.time_budget_minutes and max(
        1 / 60, (config.time_budget_minutes - seconds_spent / 60) / (config.ensemble - index)
    )
    member_config = dataclasses.replace(
        config, ensemble=1, seed=config.seed + index, time_budget_minutes=budget, run_dir=str(run_dir)
    )
    chief_config = dataclasses.replace(member_config, run_dir=str(chief_dir))
    record = finished_member(config_class, chief_config, chief_dir, fingerprint, ignored=ignored)
    if record is not None:
        logger.info(f"Member {index + 1}: reusing the finished model in {chief_dir}.")
        return member_config, run_dir, chief_dir, record
    (run_dir / MEMBER_RECORD).unlink(missing_ok=True)
    start_run(run_dir, config.restart, member_config.seed, config=member_config)
    logger.info(
        f"--- member {index + 1} of {config.ensemble} (seed {member_config.seed}"
        + (f", {budget:.1f} minutes" if budget else "")
        + ") ---"
    )
    return member_config, run_dir, chief_dir, None


def write_finished_member(run_dir, fingerprint, epochs, epoch_seconds):
    """Marks the ensemble member in `run_dir` finished (see `finished_member`): its epochs and their seconds."""
    record = {"fingerprint": fingerprint, "epochs": epochs, "epoch_seconds": list(epoch_seconds)}
    (Path(run_dir) / MEMBER_RECORD).write_text(json.dumps(record, indent=1))


def data_fingerprint(*arrays):
    """A hash of the arrays' values: a finished member is reused only on the same data (`finished_member`)."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def standard_callbacks(
    run_dir, monitor, mode, patience, epoch_seconds, train_dataset=None, averaged_weights=False, resume_dir=None
):
    """NaN stop, early stopping, TensorBoard, an epoch timer, and the resumable checkpoint of the run.

    Args:
        run_dir: the run folder from `start_run`.
        monitor: the validation metric that picks the best epoch (e.g. `"val_accuracy"`).
        mode: `"max"` or `"min"`, whether a higher or a lower `monitor` is better.
        patience: epochs without improvement before early stopping.
        epoch_seconds: a list; each epoch's wall-clock seconds are appended to it. After a
            resume it also holds the epochs of the interrupted run.
        train_dataset: the `tf.data.Dataset` passed to `fit`, when it is shuffled by
            `shuffle_each_epoch`. A resumed run reads one element of it per finished epoch
            first, so that each epoch sees the order of an uninterrupted run.
        averaged_weights: the optimizer keeps a moving average of the weights
            (`use_ema=True`), and validation, early stopping and the checkpoints
            use it: see `SwapAveragedWeights`.
        resume_dir: the run folder whose backup a resumed run starts from, when it is not
            `run_dir`: a data-parallel worker other than the chief writes to a temporary
            folder and resumes from the chief's run (`seqapps.distribute`).
    """
    resume_dir = run_dir if resume_dir is None else resume_dir
    timer = epoch_timer(epoch_seconds)
    early_stopping = keras.callbacks.EarlyStopping(
        monitor=monitor, mode=mode, patience=patience, restore_best_weights=True
    )
    return [
        *([SwapAveragedWeights(resume_dir)] if averaged_weights else []),
        keras.callbacks.TerminateOnNaN(),
        early_stopping,
        keras.callbacks.TensorBoard(str(Path(run_dir) / "logs")),
        timer,
        _RunCheckpoint(run_dir, monitor, mode, early_stopping, epoch_seconds, train_dataset, resume_dir),
    ]


def epoch_timer(epoch_seconds):
    """A callback appending each epoch's wall-clock seconds to the list `epoch_seconds` (what `TimeBudget` reads)."""
    epoch_start = {}
    return keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: epoch_start.update(time=time.perf_counter()),
        on_epoch_end=lambda epoch, logs: epoch_seconds.append(time.perf_counter() - epoch_start["time"]),
    )


class SwapAveragedWeights(keras.callbacks.SwapEMAWeights):
    """`keras.callbacks.SwapEMAWeights(swap_on_epoch=True)` that a resumed run can carry on.

    Between epochs the model holds the optimizer's moving average of its
    weights (`use_ema=True`) and the optimizer the training weights, so that
    validation, early stopping's best weights and every checkpoint are of the
    averaged weights. The backup of a run is saved that way too, so when there
    is one to resume from, the weights are swapped back before the first epoch.
    It must come before early stopping and the checkpoint in the callback list.

    Args:
        run_dir: the run folder from `start_run`.
    """

    def __init__(self, run_dir):
        super().__init__(swap_on_epoch=True)
        self.state_path = Path(run_dir) / BACKUP_FOLDER / BACKUP_STATE

    def on_train_begin(self, logs=None):
        # The flag SwapEMAWeights keeps: its on_epoch_begin swaps the training weights back in.
        self._ema_weights_in_model = self.state_path.exists()


def check_finite_history(history, run_dir):
    """Raises `RuntimeError` if a training loss in `history` is NaN or infinite.

    `TerminateOnNaN` stops `fit` gracefully, and early stopping then restores
    the best weights, so without this check a task would go on to evaluate and
    export a model that diverged. Call it right after `fit`.

    Args:
        history: the `keras.callbacks.History` returned by `fit`.
        run_dir: the run folder given to `standard_callbacks`.
    """
    losses = history.history.get("loss", [])
    bad = [epoch for epoch, loss in enumerate(losses) if not math.isfinite(loss)]
    if not bad:
        return
    best_path = Path(run_dir) / BEST_WEIGHTS
    if best_path.exists():
        checkpoint = f"The weights of the best epoch before it are in {best_path}."
    else:
        checkpoint = "No epoch ended with a finite loss, so there is no checkpoint."
    raise RuntimeError(
        f"Training diverged: the loss of epoch {bad[0] + 1} is {losses[bad[0]]}, so training stopped and "
        f"nothing was evaluated or exported. {checkpoint} Lower the learning rate (or clip the gradients) "
        "and run again; the run starts over."
    )


def record_history(history, run_dir, epoch_seconds=()):
    """What every task does right after `fit`: check, save and plot the history, and log the epoch time.

    Raises (through `check_finite_history`) if a loss diverged, then writes
    `run_dir/history.json` and `run_dir/history.png`, and logs the number of
    epochs with their median and total time.

    Args:
        history: the `keras.callbacks.History` returned by `fit`.
        run_dir: the run folder.
        epoch_seconds: seconds of each epoch (the list `standard_callbacks` fills).

    Returns:
        The number of epochs trained.
    """
    check_finite_history(history, run_dir)
    run_dir = Path(run_dir)
    (run_dir / "history.json").write_text(json.dumps(history.history, indent=1))
    plot_history(history, run_dir / "history.png")
    if epoch_seconds:
        logger.info(
            "Training: %d epoch(s), median %.0f s per epoch, %.1f min",
            len(epoch_seconds),
            statistics.median(epoch_seconds),
            sum(epoch_seconds) / 60,
        )
    return len(history.history.get("loss", []))


class _RunCheckpoint(keras.callbacks.Callback):
    """Saves the state of a run after every epoch and restores it when `fit` starts again.

    The state is everything an uninterrupted run carries into the next epoch:
    the model's weights and optimizer variables (`model.save_weights` writes
    both), the states of its random seed generators (dropout masks), the
    number of finished epochs, the history so far, the early-stopping counters
    and best weights, the epoch timings, and the best value of `monitor`.

    After an epoch with a finite loss it writes `best.weights.h5` if `monitor`
    improved, then `backup/epoch-<n>.weights.h5`, then `backup/state.json`,
    which names that weights file and is the commit point: a kill before it
    leaves the previous `state.json` and the weights file it names. The epoch
    that stops training (early stopping, NaN loss) is not backed up, and the
    backup is deleted when `fit` ends, as in `keras.callbacks.BackupAndRestore`.

    It comes after `early_stopping` and the epoch timer in the callback list:
    it saves their state once they updated it, and restores it once their
    `on_train_begin` reset it.
    """

    def __init__(self, run_dir, monitor, mode, early_stopping, epoch_seconds, train_dataset, resume_dir):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.backup_dir = self.run_dir / BACKUP_FOLDER
        self.resume_dir = Path(resume_dir)
        self.monitor = monitor
        self.mode = mode
        self.early_stopping = early_stopping
        self.epoch_seconds = epoch_seconds
        self.train_dataset = train_dataset
        self.history = {}
        self.best = None

    def on_train_begin(self, logs=None):
        self.history, self.best = {}, None
        state_path = self.resume_dir / BACKUP_FOLDER / BACKUP_STATE
        if not state_path.exists():
            return
        try:
            state = json.loads(state_path.read_text())
            self._restore(state)
        except (OSError, ValueError, KeyError) as error:
            raise RuntimeError(
                f"Cannot resume the interrupted run from {state_path.parent}: {error}. If the model or its settings "
                "changed since the run was interrupted, run with --restart (restart=True) to start over."
            ) from error
        logger.info(
            "Resuming the interrupted run in %s after epoch %d (--restart starts over).",
            self.resume_dir,
            state["epochs"],
        )

    def _restore(self, state):
        model = self.model
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        if state["best"] is not None:
            model.load_weights(self.resume_dir / BEST_WEIGHTS)
            self.early_stopping.best_weights = model.get_weights()
        model.load_weights(self.resume_dir / BACKUP_FOLDER / state["weights"])
        seed_states = _seed_generator_states(model)
        if len(seed_states) != len(state["seed_generator_states"]):
            raise ValueError(
                f"the model has {len(seed_states)} random seed generators, the backup "
                f"{len(state['seed_generator_states'])}"
            )
        for variable, value in zip(seed_states, state["seed_generator_states"]):
            variable.assign(value)
        self.early_stopping.wait = state["early_stopping"]["wait"]
        self.early_stopping.best = state["early_stopping"]["best"]
        self.early_stopping.best_epoch = state["early_stopping"]["best_epoch"]
        self.best = state["best"]
        self.history = state["history"]
        self.epoch_seconds[:] = state["epoch_seconds"]
        # `fit` returns `model.history`; History.on_train_begin keeps the dict, so the finished epochs stay in it.
        model.history.history = {key: list(values) for key, values in self.history.items()}
        # The attribute keras.callbacks.BackupAndRestore sets: `fit` starts at this epoch.
        model._initial_epoch = state["epochs"]
        if self.train_dataset is not None:
            for _ in range(state["epochs"]):
                next(iter(self.train_dataset))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        if not math.isfinite(logs.get("loss", math.nan)):
            return
        current = logs.get(self.monitor)
        if current is not None and math.isfinite(current) and (self.best is None or self._better(current)):
            self.best = current
            _save_weights_atomically(self.model, self.run_dir / BEST_WEIGHTS)
        if not self.model.stop_training:
            self._save_backup(epoch + 1)

    def _better(self, current):
        return current > self.best if self.mode == "max" else current < self.best

    def _save_backup(self, epochs):
        weights_name = f"epoch-{epochs}.weights.h5"
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        _save_weights_atomically(self.model, self.backup_dir / weights_name)
        state = {
            "epochs": epochs,
            "weights": weights_name,
            "seed_generator_states": [variable.numpy().tolist() for variable in _seed_generator_states(self.model)],
            "early_stopping": {
                "wait": self.early_stopping.wait,
                "best": self.early_stopping.best,
                "best_epoch": self.early_stopping.best_epoch,
            },
            "best": self.best,
            "history": self.history,
            "epoch_seconds": self.epoch_seconds,
        }
        _write_json_atomically(self.backup_dir / BACKUP_STATE, state)
        for path in self.backup_dir.iterdir():
            if path.name not in (weights_name, BACKUP_STATE):
                path.unlink()

    def on_train_end(self, logs=None):
        if self.backup_dir.exists():
            shutil.rmtree(self.backup_dir)
        self.model._initial_epoch = None


def _seed_generator_states(model):
    """The state variables of the model's random seed generators, in a fixed order.

    `model.variables` is `model.weights` plus these; `save_weights` leaves them out.
    """
    weight_ids = {id(weight) for weight in model.weights}
    return [variable for variable in model.variables if id(variable) not in weight_ids]


def _save_weights_atomically(model, path):
    """`model.save_weights(path)`: either the old file stays at `path` or the whole new one is there."""
    temporary = path.with_name(f".partial-{path.name}")
    model.save_weights(temporary, overwrite=True)
    with open(temporary, "rb+") as file:
        os.fsync(file.fileno())
    _rename_into_place(temporary, path)


def _write_json_atomically(path, data):
    """Writes `data` as JSON to `path`: either the old file stays there or the whole new one is."""
    temporary = path.with_name(f".partial-{path.name}")
    with open(temporary, "w") as file:
        json.dump(data, file, indent=1)
        file.flush()
        os.fsync(file.fileno())
    _rename_into_place(temporary, path)


def _rename_into_place(temporary, path):
    """Renames the synced file `temporary` to `path` and syncs the folder, so the rename survives a crash."""
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


@keras.saving.register_keras_serializable(package="seqapps")
class PlannedCosineDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Cosine decay whose length `TimeBudget` re-plans during training.

    The learning rate falls from `initial_learning_rate` to `alpha *
    initial_learning_rate` over `decay_steps` steps and stays there. Unlike
    `keras.optimizers.schedules.CosineDecay`, `decay_steps` is a variable: a
    `TimeBudget` given this schedule sets it, at every epoch end, to the steps
    the remaining training time affords, so that the decay ends when the budget
    does, on a fast machine or a slow one.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: the steps of the decay (until `TimeBudget` re-plans them).
        alpha: the final learning rate as a fraction of the initial one.
        name: the schedule's name.

    Call arguments:
        step: the optimizer's step count.

    Example:

    >>> schedule = PlannedCosineDecay(1e-3, decay_steps=100, alpha=0.1)
    >>> optimizer = keras.optimizers.Adam(schedule)
    >>> schedule.decay_steps.assign(50)  # what TimeBudget does
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="planned_cosine_decay"):
        super().__init__()
        if not initial_learning_rate > 0:
            raise ValueError(f"`initial_learning_rate` must be positive, got {initial_learning_rate}.")
        if int(decay_steps) < 1:
            raise ValueError(f"`decay_steps` must be a positive integer, got {decay_steps}.")
        if not 0 <= alpha <= 1:
            raise ValueError(f"`alpha` must be in [0, 1], got {alpha}.")
        self.initial_learning_rate, self.alpha, self.name = initial_learning_rate, alpha, name
        self.decay_steps = keras.Variable(int(decay_steps), dtype="int64", trainable=False, name="decay_steps")

    def __call__(self, step):
        progress = keras.ops.minimum(keras.ops.cast(step, "float32") / keras.ops.cast(self.decay_steps, "float32"), 1.0)
        cosine = 0.5 * (1.0 + keras.ops.cos(math.pi * progress))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": int(self.decay_steps.numpy()),
            "alpha": self.alpha,
            "name": self.name,
        }


class TimeBudget(keras.callbacks.Callback):
    """Keeps training within `minutes` of wall-clock time.

    Without a schedule it stops after the epoch that leaves too little time for
    another one (as long as the slowest so far). Given the optimizer's
    `PlannedCosineDecay`, it instead plans the decay to end with the budget: at
    every epoch end it measures the seconds per step so far (validation
    included), sets the schedule's `decay_steps` to the steps the remaining time
    affords (keeping one validation pass in reserve, and never more than the
    schedule started with, which is `fit`'s epochs), and stops training at that
    step, mid-epoch if need be. A resumed run counts the time of the epochs
    before its interruption.

    Args:
        minutes: the training-time budget.
        epoch_seconds: the list the epoch timer of `standard_callbacks` fills
            (it holds the interrupted run's epochs after a resume).
        schedule: the `PlannedCosineDecay` of the model's optimizer, or `None`.

    The stopping and planning messages go to the `seqapps.training` logger;
    `ran_out` tells afterwards whether the budget stopped training.

    With several workers (`seqapps.distribute`), every decision is taken on
    the chief's clock, shared at each epoch end by a small all-reduce
    (`distribute.chief_values`), so that all workers stop at the same step;
    a worker deciding on its own clock could stop while the others wait for
    it in the next gradient exchange. The clock is then read at epoch ends
    only: with a schedule, training stops at the step planned at the last
    epoch end rather than at the first step past the budget.
    """

    def __init__(self, minutes, epoch_seconds, *, schedule=None):
        super().__init__()
        self.minutes, self.epoch_seconds, self.schedule = minutes, epoch_seconds, schedule
        self.ran_out = False

    def _stop(self):
        self.ran_out = True
        self.model.stop_training = True

    def on_train_begin(self, logs=None):
        self.start, self.earlier_seconds, self.validation_seconds = time.perf_counter(), sum(self.epoch_seconds), 0.0
        if self.schedule is not None:
            self.most_steps = self.planned = int(self.schedule.decay_steps.numpy())
            if self.earlier_seconds:
                self._plan()  # a resumed run: the schedule was built anew, with its longest decay

    def _elapsed(self):
        return self.earlier_seconds + time.perf_counter() - self.start

    def _steps(self):
        return int(self.model.optimizer.iterations.numpy())

    def on_test_begin(self, logs=None):
        self.validation_start = time.perf_counter()

    def on_test_end(self, logs=None):
        self.validation_seconds = time.perf_counter() - self.validation_start

    def on_train_batch_end(self, batch, logs=None):
        if self.schedule is None or self.model.stop_training:
            return
        own_clock = not distribute.several_workers(self.model.distribute_strategy)
        out_of_time = own_clock and self._elapsed() + self.validation_seconds >= self.minutes * 60
        if out_of_time or (self.planned < self.most_steps and self._steps() >= self.planned):
            logger.info(
                f"\nTime budget: stopping at step {self._steps()}, "
                f"{self._elapsed() / 60:.1f} of {self.minutes:g} min spent."
            )
            self._stop()

    def on_epoch_end(self, epoch, logs=None):
        if self.schedule is not None:
            self._plan()
            return
        spent, longest = distribute.chief_values(
            self.model.distribute_strategy, [sum(self.epoch_seconds), max(self.epoch_seconds, default=0)]
        )
        last_epoch = epoch + 1 >= self.params.get("epochs", epoch + 2)
        if self.epoch_seconds and not last_epoch and spent + longest > self.minutes * 60:
            logger.info(
                f"Time budget: {spent / 60:.1f} of {self.minutes:g} min spent, too little for another epoch; stopping."
            )
            self._stop()

    def _plan(self):
        steps = self._steps()
        if self.model.stop_training or steps == 0:
            return
        elapsed, self.validation_seconds = distribute.chief_values(
            self.model.distribute_strategy, [self._elapsed(), self.validation_seconds]
        )
        seconds_per_step = elapsed / steps
        affordable = steps + int(max(self.minutes * 60 - elapsed - self.validation_seconds, 0) / seconds_per_step)
        planned = min(self.most_steps, affordable)
        if planned != self.planned:
            self.planned = planned
            self.schedule.decay_steps.assign(planned)
            logger.info(
                f"Time budget: {elapsed / 60:.1f} of {self.minutes:g} min spent at "
                f"{seconds_per_step:.3f} s per step; learning-rate decay planned to end at step "
                f"{planned}."
            )
        if steps >= planned and planned < self.most_steps:
            logger.info(
                f"Time budget: {elapsed / 60:.1f} of {self.minutes:g} min spent, too little for another step; stopping."
            )
            self._stop()
