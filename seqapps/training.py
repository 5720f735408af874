"""What every recipe's training run shares: its run folder and its callbacks."""

import shutil
import time
from pathlib import Path

import keras


def start_run(run_dir, restart, seed):
    """Creates `run_dir` (dropping the backup of an interrupted run if `restart`) and seeds Keras."""
    run_dir = Path(run_dir)
    if restart and (run_dir / "backup").exists():
        shutil.rmtree(run_dir / "backup")
    run_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(seed)
    return run_dir


def standard_callbacks(run_dir, monitor, mode, patience, epoch_seconds):
    """Resume backup, NaN stop, early stopping, best checkpoint, TensorBoard, and an epoch timer.

    The timer appends each epoch's wall-clock seconds to the list `epoch_seconds`.
    """
    epoch_start = {}
    timer = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: epoch_start.update(time=time.perf_counter()),
        on_epoch_end=lambda epoch, logs: epoch_seconds.append(time.perf_counter() - epoch_start["time"]),
    )
    return [
        keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=patience, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(
            str(run_dir / "best.weights.h5"), monitor=monitor, mode=mode, save_best_only=True, save_weights_only=True
        ),
        keras.callbacks.TensorBoard(str(run_dir / "logs")),
        timer,
    ]
