"""A tiny data-parallel `fit` under `seqapps.distribute.strategy_from_environment`, as a script for the tests.

    python tests/distribute_run.py OUT_DIR [--devices N]

trains a small Dense model for 2 epochs (SGD, global batch 16, a dataset
reshuffled every epoch by `seqapps.training.shuffle_each_epoch`) under the
strategy the environment gives (`TF_CONFIG`, `--devices`) or, with
`--one-device`, under `tf.distribute.OneDeviceStrategy` (see
`seqapps.distribute` on why the reference run needs a strategy), and writes
`OUT_DIR/<worker>.npz`: the final weights, the example ids this process's
replicas read in each epoch (from the distributed dataset `fit` reads), and
the number of replicas.

With `--global-clipnorm C`, the optimizer clips the gradient's global norm
to C (`seqapps.distribute.clip_after_all_reduce`). With `--budget-minutes M`,
a `seqapps.training.TimeBudget` of M minutes (with `--planned-decay`,
re-planning the optimizer's `PlannedCosineDecay`)
watches the run, and every worker but the chief reads a clock running
`--fast-clock` times faster: on its own clock it would stop after the first
epoch. The output then also holds `epochs` (the epochs trained).
"""

import argparse
import json
import os
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqapps import distribute, training

EXAMPLES, BATCH_SIZE, EPOCHS = 64, 16, 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--devices", type=int, default=1)
    parser.add_argument("--one-device", action="store_true", help="train under OneDeviceStrategy (the reference)")
    parser.add_argument("--global-clipnorm", type=float, help="clip the gradient's global norm to this")
    parser.add_argument("--budget-minutes", type=float)
    parser.add_argument("--planned-decay", action="store_true")
    parser.add_argument("--fast-clock", type=float, default=1.0)
    arguments = parser.parse_args()
    task = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {})
    if task.get("index", 0) != 0:
        real_clock = time.perf_counter
        time.perf_counter = lambda: arguments.fast_clock * real_clock()
    if arguments.one_device:
        strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    else:
        strategy = distribute.strategy_from_environment(arguments.devices, timeout_seconds=60)
    keras.utils.set_random_seed(5)
    features = np.random.default_rng(0).normal(size=(EXAMPLES, 4)).astype("float32")
    targets = features @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")
    ids = np.arange(EXAMPLES)
    with strategy.scope():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(1)])
        steps = EPOCHS * EXAMPLES // BATCH_SIZE
        schedule = training.PlannedCosineDecay(0.05, steps) if arguments.planned_decay else None
        optimizer = keras.optimizers.SGD(schedule or 0.05, global_clipnorm=arguments.global_clipnorm)
        model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
        distribute.clip_after_all_reduce(model.optimizer, strategy)
    callbacks = []
    if arguments.budget_minutes:
        epoch_seconds = []
        callbacks = [
            training.epoch_timer(epoch_seconds),
            training.TimeBudget(arguments.budget_minutes, epoch_seconds, schedule=schedule),
        ]

    def dataset(with_ids):
        elements = (features, targets, ids) if with_ids else (features, targets)
        shuffled = training.shuffle_each_epoch(tf.data.Dataset.from_tensor_slices(elements), EXAMPLES, seed=3)
        return distribute.shard_by_data(shuffled.batch(BATCH_SIZE))

    history = model.fit(dataset(False), validation_data=dataset(False), epochs=EPOCHS, callbacks=callbacks, verbose=0)
    seen = dataset(True)
    distributed = strategy.experimental_distribute_dataset(seen)
    read = [
        sorted(int(i) for batch in distributed for part in strategy.experimental_local_results(batch[2]) for i in part)
        for _ in range(EPOCHS)
    ]
    name = os.environ.get("TF_CONFIG") and f"worker{strategy.cluster_resolver.task_id}" or "single"
    np.savez(
        Path(arguments.out_dir) / f"{name}.npz",
        *model.get_weights(),
        read=np.array(read),
        replicas=strategy.num_replicas_in_sync,
        epochs=len(history.history["loss"]),
    )


if __name__ == "__main__":
    main()
