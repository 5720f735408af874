"""A task's `train(config, strategy)` under a data-parallel strategy, as a script for the tests.

    python tests/task_distribute_run.py TASK CONFIG_JSON OUT_DIR [--one-device | --compare-devices N]

TASK is `text_classification`, `seq2seq_translation` or `char_generation`;
CONFIG_JSON the keyword arguments of its config (without `run_dir` and
`export_root`, which go under OUT_DIR/<run>/). The run trains under

- the strategy of `TF_CONFIG` (one worker of a cluster): run `workers`;
- with `--one-device`, `tf.distribute.OneDeviceStrategy` (the reference of
  `seqapps.distribute`): run `single`;
- with `--compare-devices N`, first a `MirroredStrategy` over N logical CPU
  devices (run `devices`), then, in the same process, the reference (run `single`).

For each run it writes OUT_DIR/<label>.npz (label: `worker<i>`, `devices` or
`single`): the weights of the model trained (the first model `fit` in the run),
`replicas`, and `read`: the token ids (the first input, padding dropped) of the
training examples this process's replicas read in one more pass over the
training dataset `fit` was given, one row per example, as strings.

The tests start it with `start` and read its output with `saved`.
"""

import argparse
import importlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqapps import distribute

SCRIPT = Path(__file__).resolve()
# The gradients of the replicas' slices are summed in another order than one process sums the whole batch's:
# after a few Adam steps the weights agree to float32 rounding amplified by those steps, not bit for bit.
WEIGHT_TOLERANCE = 2e-5
TASKS = {
    "text_classification": "TextClassificationConfig",
    "seq2seq_translation": "TranslationConfig",
    "char_generation": "CharGenerationConfig",
}


def capture_first_fit():
    """Patches `keras.Model.fit` to remember the first model fitted and its training dataset; returns the record."""
    fitted, original_fit = {}, keras.Model.fit

    def fit(model, x=None, *arguments, **keywords):
        history = original_fit(model, x, *arguments, **keywords)
        fitted.setdefault("model", model)
        fitted.setdefault("dataset", x)
        return history

    keras.Model.fit = fit
    return fitted


def rows_read(strategy, dataset):
    """The first input of every example this process's replicas read in one pass over `dataset`, padding dropped."""
    rows = []
    for batch in strategy.experimental_distribute_dataset(dataset):
        for part in strategy.experimental_local_results(tf.nest.flatten(batch)[0]):
            rows += [" ".join(str(token) for token in np.trim_zeros(row, "b")) for row in part.numpy()]
    return rows


def run(task, settings, out_dir, label, strategy):
    module = importlib.import_module(f"seqapps.tasks.{task}")
    folder = out_dir / ("workers" if label.startswith("worker") else label)
    config = getattr(module, TASKS[task])(**settings, run_dir=str(folder / "run"), export_root=str(folder / "export"))
    fitted = capture_first_fit()
    module.train(config, strategy=strategy)
    np.savez(
        out_dir / f"{label}.npz",
        *fitted["model"].get_weights(),
        replicas=strategy.num_replicas_in_sync,
        read=np.array(rows_read(strategy, fitted["dataset"])),
    )


def start(task, settings, out_dir, *flags, tf_config=None):
    """This script as a process (see the module docstring); `settings` is a dict."""
    environment = {**os.environ, "PYTHONPATH": str(SCRIPT.parents[1]), "TF_CPP_MIN_LOG_LEVEL": "2"}
    environment.pop("TF_CONFIG", None)
    if tf_config:
        environment["TF_CONFIG"] = tf_config
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), task, json.dumps(settings), str(out_dir), *flags],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(*processes, timeout=300):
    """Waits for the processes; fails with the end of the output of the first that failed."""
    outputs = [process.communicate(timeout=timeout)[0] for process in processes]
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output[-4000:]
    return outputs


def saved(path):
    """The weights, the number of replicas and the rows read of a run's .npz."""
    values = np.load(path)
    weights = [values[f"arr_{index}"] for index in range(sum(name.startswith("arr_") for name in values.files))]
    return weights, int(values["replicas"]), list(values["read"])


def assert_same_weights(got, expected, tolerance=WEIGHT_TOLERANCE):
    assert got and len(got) == len(expected)
    for one, other in zip(got, expected):
        np.testing.assert_allclose(one, other, atol=tolerance)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("config_json")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--one-device", action="store_true")
    parser.add_argument("--compare-devices", type=int)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = json.loads(arguments.config_json)
    if arguments.compare_devices:
        strategy = distribute.strategy_from_environment(arguments.compare_devices)
        run(arguments.task, settings, arguments.out_dir, "devices", strategy)
    if arguments.one_device or arguments.compare_devices:
        run(arguments.task, settings, arguments.out_dir, "single", tf.distribute.OneDeviceStrategy("/cpu:0"))
        return
    strategy = distribute.strategy_from_environment(timeout_seconds=60)
    task_id = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    run(arguments.task, settings, arguments.out_dir, f"worker{task_id}", strategy)


if __name__ == "__main__":
    main()
