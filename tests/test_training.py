"""Resumable training runs: a killed run resumes and ends like an uninterrupted one; atomic checkpoints; NaN stops."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
import training_run

from seqapps import training
from seqapps.tasks import sequence_sum

SCRIPT = Path(__file__).resolve().parent / "training_run.py"
REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """History and final weights of the tiny run trained for 3 epochs without interruption.

    Its best epoch is epoch 2: a run resumed after it ends with early stopping's
    best weights, restored from `best.weights.h5`, not with its last epoch's.
    """
    model, history = training_run.train(tmp_path_factory.mktemp("uninterrupted"), epochs=3)
    assert np.argmax(history.history["val_accuracy"]) == 1
    return history.history, model.get_weights()


def assert_same_run(history, weights, uninterrupted):
    expected_history, expected_weights = uninterrupted
    assert set(history) == set(expected_history)
    for key, values in expected_history.items():
        np.testing.assert_allclose(history[key], values, atol=1e-5, err_msg=key)
    assert len(weights) == len(expected_weights)
    for value, expected in zip(weights, expected_weights):
        np.testing.assert_allclose(value, expected, atol=1e-5)


def tiny_model(weights_path=None):
    """The tiny run's compiled model with its optimizer built, loaded from `weights_path` if given."""
    model = sequence_sum.compile_model(
        sequence_sum.build_model("lstm", training_run.LENGTH, units=8, dropout=0.3), 1e-2
    )
    model.optimizer.build(model.trainable_variables)
    if weights_path is not None:
        model.load_weights(weights_path)
    return model


def backup_state(run_dir):
    return json.loads((Path(run_dir) / training.BACKUP_FOLDER / training.BACKUP_STATE).read_text())


def test_killed_run_resumes_and_ends_like_an_uninterrupted_one(tmp_path, uninterrupted):
    run_dir = tmp_path / "run"
    command = [sys.executable, str(SCRIPT), str(run_dir), "--epochs", "3"]
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(
        command,
        cwd=REPOSITORY,
        env={**environment, "PAUSE_IN_EPOCH": "2"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    state_path = run_dir / training.BACKUP_FOLDER / training.BACKUP_STATE
    deadline = time.monotonic() + 240
    while not state_path.exists():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "the first epoch did not finish in 240 s"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    assert backup_state(run_dir)["epochs"] == 1
    assert not (run_dir / "result.json").exists()

    rerun = subprocess.run(command, cwd=REPOSITORY, env=environment, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"Resuming the interrupted run in {run_dir} after epoch 1" in rerun.stdout
    result = json.loads((run_dir / "result.json").read_text())
    assert result["epochs_this_process"] == [1, 2]
    assert len(result["history"]["loss"]) == 3 and result["epoch_seconds"] == 3
    final = np.load(run_dir / "final.npz")
    assert_same_run(result["history"], [final[f"arr_{index}"] for index in range(len(final.files))], uninterrupted)
    assert not (run_dir / training.BACKUP_FOLDER).exists()
    assert_same_run(result["history"], tiny_model(run_dir / training.BEST_WEIGHTS).get_weights(), uninterrupted)


# The file whose write fails, which write of it (the one of the epoch named in the file, or the last one:
# the best epoch is epoch 2), and the epochs of the checkpoint that is left.
@pytest.mark.parametrize(
    "failing_file, failing_write, epochs_left",
    [("epoch-3.weights.h5", 1, 2), (training.BACKUP_STATE, 3, 2), (training.BEST_WEIGHTS, 2, 1)],
)
def test_a_write_killed_before_its_rename_keeps_the_previous_checkpoint(
    tmp_path, monkeypatch, failing_file, failing_write, epochs_left, uninterrupted
):
    run_dir = tmp_path / "run"
    replace = os.replace
    writes = []

    def replace_failing(source, destination):
        if Path(destination).name == failing_file:
            writes.append(destination)
            if len(writes) == failing_write:
                Path(source).write_bytes(Path(source).read_bytes()[:100])
                raise OSError(f"simulated kill while writing {destination}")
        replace(source, destination)

    monkeypatch.setattr(os, "replace", replace_failing)
    with pytest.raises(OSError, match="simulated kill"):
        training_run.train(run_dir, epochs=3)
    monkeypatch.setattr(os, "replace", replace)

    state = backup_state(run_dir)
    assert state["epochs"] == epochs_left and len(state["history"]["loss"]) == epochs_left
    tiny_model(run_dir / training.BACKUP_FOLDER / state["weights"])
    tiny_model(run_dir / training.BEST_WEIGHTS)

    model, history = training_run.train(run_dir, epochs=3)
    assert history.epoch == list(range(epochs_left, 3))
    assert_same_run(history.history, model.get_weights(), uninterrupted)
    # The final weights are the best epoch's, and so is best.weights.h5.
    assert_same_run(history.history, tiny_model(run_dir / training.BEST_WEIGHTS).get_weights(), uninterrupted)
    assert len(history.epoch_seconds) == 3
    assert not (run_dir / training.BACKUP_FOLDER).exists()


class PoisonWeightsInEpoch2(keras.callbacks.Callback):
    """Sets the output layer's kernel to NaN when epoch 2 begins."""

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            kernel = self.model.get_layer("sum").kernel
            kernel.assign(np.full(kernel.shape, np.nan, dtype="float32"))


def test_nan_loss_stops_the_run_and_names_the_last_good_checkpoint(tmp_path):
    _, history = training_run.train(tmp_path, epochs=3, extra_callbacks=[PoisonWeightsInEpoch2()])

    losses = history.history["loss"]
    assert len(losses) == 2 and np.isfinite(losses[0]) and np.isnan(losses[1])
    with pytest.raises(RuntimeError, match=r"loss of epoch 2 is nan") as error:
        training.check_finite_history(history, tmp_path)
    assert str(tmp_path / training.BEST_WEIGHTS) in str(error.value)
    best = tiny_model(tmp_path / training.BEST_WEIGHTS)
    assert all(np.isfinite(weight).all() for weight in best.get_weights())
    assert not (tmp_path / training.BACKUP_FOLDER).exists()


def test_a_backup_that_cannot_be_loaded_says_to_restart(tmp_path):
    backup = tmp_path / training.BACKUP_FOLDER
    backup.mkdir()
    (backup / training.BACKUP_STATE).write_text(json.dumps({"epochs": 1, "weights": "epoch-1.weights.h5"}))
    with pytest.raises(RuntimeError, match=r"Cannot resume .*--restart"):
        training_run.train(tmp_path, epochs=2)


def test_restart_drops_the_backup(tmp_path):
    backup = tmp_path / training.BACKUP_FOLDER
    backup.mkdir()
    (backup / training.BACKUP_STATE).write_text("{}")
    training.start_run(tmp_path, restart=False, seed=0)
    assert (backup / training.BACKUP_STATE).exists()
    training.start_run(tmp_path, restart=True, seed=0)
    assert not backup.exists()


def _history(**logs):
    history = keras.callbacks.History()
    history.history = logs
    return history


def test_record_history_writes_the_history_and_its_plot_and_logs_the_epoch_times(tmp_path, caplog):
    caplog.set_level("INFO", logger="seqapps")
    logs = {"loss": [0.9, 0.5], "val_loss": [1.0, 0.7], "accuracy": [0.5, 0.7], "val_accuracy": [0.4, 0.6]}
    epochs = training.record_history(_history(**logs), tmp_path, [30.0, 50.0])
    assert epochs == 2
    assert json.loads((tmp_path / "history.json").read_text()) == logs
    assert (tmp_path / "history.png").stat().st_size > 0
    assert "Training: 2 epoch(s), median 40 s per epoch, 1.3 min" in caplog.messages
    caplog.clear()
    training.record_history(_history(loss=[0.3]), tmp_path, [])
    assert not any(message.startswith("Training:") for message in caplog.messages)


def test_record_history_refuses_a_diverged_run_and_writes_nothing(tmp_path):
    with pytest.raises(RuntimeError, match=r"loss of epoch 2 is nan"):
        training.record_history(_history(loss=[0.5, float("nan")]), tmp_path, [1.0, 1.0])
    assert not (tmp_path / "history.json").exists() and not (tmp_path / "history.png").exists()


def test_shuffle_each_epoch_draws_an_order_per_read_epoch_only():
    def orders(dataset, epochs, unread_iterators):
        result = []
        for _ in range(epochs):
            for _ in range(unread_iterators):
                iter(dataset)
            result.append([int(value) for value in dataset.as_numpy_iterator()])
        return result

    def make():
        return training.shuffle_each_epoch(tf.data.Dataset.range(20), 20, seed=3)

    expected = orders(make(), 3, unread_iterators=0)
    assert orders(make(), 3, unread_iterators=2) == expected
    assert all(sorted(order) == list(range(20)) for order in expected)
    assert expected[0] != expected[1] != expected[2]
    assert int(make().cardinality()) == 20
    other_seed = training.shuffle_each_epoch(tf.data.Dataset.range(20), 20, seed=4)
    assert [int(value) for value in other_seed.as_numpy_iterator()] != expected[0]


class Interrupted(Exception):
    pass


def interrupt_in_epoch(epoch_number):
    """A callback that raises `Interrupted` after the second batch of epoch `epoch_number` (1-based)."""

    def interrupt(batch, logs):
        if interrupt.epoch == epoch_number - 1 and batch == 1:
            raise Interrupted

    interrupt.epoch = None
    return keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: setattr(interrupt, "epoch", epoch), on_train_batch_end=interrupt
    )


class RecordWeights(keras.callbacks.Callback):
    """Before `SwapAveragedWeights` at each epoch end: the training weights and the optimizer's averages."""

    def __init__(self):
        super().__init__()
        self.training, self.averaged = [], []

    def on_epoch_end(self, epoch, logs=None):
        self.training.append([np.array(variable) for variable in self.model.trainable_variables])
        self.averaged.append([np.array(variable) for variable in self.model.optimizer._model_variables_moving_average])


def test_averaged_weights_are_validated_kept_and_resumed(tmp_path):
    record = RecordWeights()
    model, history = training_run.train(
        tmp_path / "uninterrupted", epochs=3, ema_momentum=0.5, extra_callbacks=[record]
    )
    best = int(np.argmax(history.history["val_accuracy"]))
    # The run ends with the averaged weights of its best epoch, which validation scored.
    for value, averaged, trained in zip(model.trainable_weights, record.averaged[best], record.training[best]):
        np.testing.assert_allclose(np.array(value), averaged, atol=1e-6)
    assert any(
        np.abs(averaged - trained).max() > 1e-3
        for averaged, trained in zip(record.averaged[best], record.training[best])
    )
    rng = np.random.default_rng(training_run.SEED)
    training_run.sequence_sum.make_data(training_run.TRAIN_SIZE, training_run.LENGTH, rng)
    validation = training_run.sequence_sum.make_data(training_run.VALIDATION_SIZE, training_run.LENGTH, rng)
    scores = model.evaluate(*validation, verbose=0, return_dict=True)
    np.testing.assert_allclose(scores["loss"], history.history["val_loss"][best], rtol=1e-5)

    run_dir = tmp_path / "interrupted"
    with pytest.raises(Interrupted):
        training_run.train(run_dir, epochs=3, ema_momentum=0.5, extra_callbacks=[interrupt_in_epoch(2)])
    assert backup_state(run_dir)["epochs"] == 1
    resumed, resumed_history = training_run.train(run_dir, epochs=3, ema_momentum=0.5)
    assert resumed_history.epoch == [1, 2]
    assert_same_run(resumed_history.history, resumed.get_weights(), (history.history, model.get_weights()))


@pytest.mark.parametrize(
    "requested, planned_steps, expected, note",
    [
        (0.999, 5643, 0.999, ", weight average (EMA 0.999)"),  # the default on Tiny Shakespeare: 9 epochs x 627 steps
        (0.999, 125, 0.96, ", weight average (EMA 0.96, lowered from 0.999 for 125 steps)"),  # --quick
        (0.9, 100, 0.9, ", weight average (EMA 0.9)"),
        (0.999, 5, 0.0, ", no weight average (5 steps are too few to average over)"),
        (0.0, 5643, 0.0, ""),
    ],
)
def test_the_weight_average_forgets_the_first_weights(requested, planned_steps, expected, note):
    momentum = training.averaging_momentum(requested, planned_steps)
    assert momentum == pytest.approx(expected)
    if momentum:
        assert momentum**planned_steps < 0.01  # what the first steps' weights count for at the end
    assert training.averaging_note(requested, momentum, planned_steps) == note


def test_time_budget_stops_training():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss="mse")
    seconds = [10.0, 40.0]
    for minutes, epochs, stops in ((1.0, 5, True), (2.0, 5, False), (1.0, 2, False)):  # the last epoch never "stops"
        model.stop_training = False
        budget = training.TimeBudget(minutes, seconds)
        budget.set_model(model)
        budget.set_params({"epochs": epochs})
        budget.on_epoch_end(1)
        assert model.stop_training == stops, (minutes, epochs)


@pytest.mark.parametrize("step", [0, 1, 7, 20, 39, 40, 55])
def test_planned_cosine_decay_matches_keras_cosine_decay(step):
    planned = training.PlannedCosineDecay(0.01, decay_steps=40, alpha=0.1)
    expected = keras.optimizers.schedules.CosineDecay(0.01, decay_steps=40, alpha=0.1)(step)
    np.testing.assert_allclose(float(planned(step)), float(expected), rtol=1e-6)


def test_planned_cosine_decay_follows_its_new_plan_and_serializes_it():
    schedule = training.PlannedCosineDecay(0.01, decay_steps=40, alpha=0.1)
    schedule.decay_steps.assign(10)
    np.testing.assert_allclose(float(schedule(5)), 0.01 * (0.1 + 0.9 * 0.5), rtol=1e-6)
    np.testing.assert_allclose(float(schedule(10)), 0.001, rtol=1e-6)
    assert schedule.get_config() == {
        "initial_learning_rate": 0.01,
        "decay_steps": 10,
        "alpha": 0.1,
        "name": "planned_cosine_decay",
    }
    serialized = json.dumps(keras.optimizers.serialize(keras.optimizers.Adam(schedule)))
    learning_rate = json.loads(serialized)["config"]["learning_rate"]
    assert learning_rate["config"]["decay_steps"] == 10
    restored = keras.optimizers.deserialize(json.loads(serialized))
    assert keras.optimizers.serialize(restored)["config"]["learning_rate"] == learning_rate


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(initial_learning_rate=0.0, decay_steps=10), "`initial_learning_rate` must be positive, got 0.0."),
        (dict(initial_learning_rate=0.1, decay_steps=0), "`decay_steps` must be a positive integer, got 0."),
        (dict(initial_learning_rate=0.1, decay_steps=10, alpha=1.5), "`alpha` must be in [0, 1], got 1.5."),
    ],
)
def test_planned_cosine_decay_rejects_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        training.PlannedCosineDecay(**arguments)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_the_compiled_train_step_reads_the_replanned_decay(jit_compile):
    # w <- w + 2 * learning_rate * (1 - w) with SGD on the loss (1 - w)^2 of one weight.
    schedule = training.PlannedCosineDecay(0.1, decay_steps=1000, alpha=0.5)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(schedule), loss="mse", jit_compile=jit_compile)
    data = (np.ones((1, 1), np.float32), np.ones((1, 1), np.float32))
    model.fit(*data, verbose=0)
    schedule.decay_steps.assign(1)  # from now on the learning rate is alpha * 0.1
    model.fit(*data, verbose=0)
    expected = 2 * 0.1
    expected += 2 * 0.05 * (1 - expected)
    np.testing.assert_allclose(float(model.layers[0].kernel[0, 0]), expected, rtol=1e-5)


class _FakeClock:
    """`time.perf_counter` stand-in that moves only when a training step begins: one second per step."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize(
    "minutes, earlier_steps, earlier_seconds, steps, epochs",
    [
        (25 / 60, 0, [], 25, 7),  # planned after epoch 1 at 1 s per step: 25 steps, stopping mid-epoch 7
        (100 / 60, 0, [], 40, 10),  # the budget affords more than `epochs`: all 10 epochs, the decay unchanged
        (25 / 60, 10, [10.0], 25, 4),  # resumed after 10 steps in 10 s: 15 more steps
    ],
)
def test_time_budget_plans_the_decay_to_end_with_the_budget(
    monkeypatch, minutes, earlier_steps, earlier_seconds, steps, epochs, caplog
):
    caplog.set_level("INFO", logger="seqapps")
    clock = _FakeClock()
    monkeypatch.setattr(training.time, "perf_counter", clock)
    schedule = training.PlannedCosineDecay(0.01, decay_steps=40)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(schedule), loss="mse")
    model.optimizer.build(model.trainable_variables)
    model.optimizer.iterations.assign(earlier_steps)
    budget = training.TimeBudget(minutes, earlier_seconds, schedule=schedule)
    tick = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: setattr(clock, "now", clock.now + 1))
    data = np.zeros((4, 1), np.float32)
    history = model.fit(data, data, batch_size=1, epochs=10, callbacks=[tick, budget], verbose=0)
    assert int(model.optimizer.iterations) == steps
    assert int(schedule.decay_steps) == steps
    assert len(history.history["loss"]) == epochs
    assert any("stopping" in message for message in caplog.messages) == (steps < 40)
