"""A tiny training run through `seqapps.training`, as a function and as a script for the kill tests.

The sequence-sum model with dropout (random masks) on a `tf.data` pipeline
that reshuffles every epoch, like the recipes' pipelines: everything a
resumed run has to restore to end like an uninterrupted one.

    python tests/training_run.py RUN_DIR [--epochs 3]

writes `RUN_DIR/final.npz` (the final weights) and `RUN_DIR/result.json`
(the history, the epochs this process trained, the number of epoch timings).
With `PAUSE_IN_EPOCH=N` in the environment it sleeps in the middle of epoch N
(1-based), so that a test can kill it there and run the same command again.
"""

import argparse
import json
import os
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqapps import console, training
from seqapps.tasks import sequence_sum

SEED = 7
LENGTH = 10
TRAIN_SIZE, VALIDATION_SIZE, BATCH_SIZE = 256, 64, 32


def train(run_dir, epochs=3, learning_rate=1e-2, restart=False, extra_callbacks=(), ema_momentum=None):
    """Trains the tiny model in `run_dir` (resuming its backup unless `restart`); returns `(model, history)`.

    With `ema_momentum`, Adam keeps a moving average of the weights, which validation and checkpoints use.
    """
    run_dir = training.start_run(run_dir, restart, SEED)
    rng = np.random.default_rng(SEED)
    train_data = sequence_sum.make_data(TRAIN_SIZE, LENGTH, rng)
    validation_data = sequence_sum.make_data(VALIDATION_SIZE, LENGTH, rng)
    train_batches = training.shuffle_each_epoch(tf.data.Dataset.from_tensor_slices(train_data), TRAIN_SIZE, SEED).batch(
        BATCH_SIZE
    )
    model = sequence_sum.build_model("lstm", LENGTH, units=8, dropout=0.3)
    if ema_momentum is None:
        sequence_sum.compile_model(model, learning_rate)
    else:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate, use_ema=True, ema_momentum=ema_momentum),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    epoch_seconds = []
    callbacks = training.standard_callbacks(
        run_dir,
        "val_accuracy",
        "max",
        patience=10,
        epoch_seconds=epoch_seconds,
        train_dataset=train_batches,
        averaged_weights=ema_momentum is not None,
    )
    history = model.fit(
        train_batches,
        validation_data=validation_data,
        epochs=epochs,
        callbacks=[*extra_callbacks, *callbacks],
        shuffle=False,
        verbose=0,
    )
    history.epoch_seconds = epoch_seconds
    return model, history


def pause_in_epoch(epoch_number, seconds=120):
    """A callback that sleeps after the second batch of epoch `epoch_number` (1-based)."""

    def pause(batch, logs):
        if pause.epoch == epoch_number - 1 and batch == 1:
            time.sleep(seconds)

    pause.epoch = None
    return keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: setattr(pause, "epoch", epoch), on_train_batch_end=pause
    )


def main():
    console.configure()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--epochs", type=int, default=3)
    arguments = parser.parse_args()
    pause = os.environ.get("PAUSE_IN_EPOCH")
    extra_callbacks = [pause_in_epoch(int(pause))] if pause else []
    model, history = train(arguments.run_dir, arguments.epochs, extra_callbacks=extra_callbacks)
    run_dir = Path(arguments.run_dir)
    np.savez(run_dir / "final.npz", *model.get_weights())
    (run_dir / "result.json").write_text(
        json.dumps(
            {
                "history": history.history,
                "epochs_this_process": history.epoch,
                "epoch_seconds": len(history.epoch_seconds),
            }
        )
    )


if __name__ == "__main__":
    main()
