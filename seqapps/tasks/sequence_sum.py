"""Sequence sum: count the ones in a random binary sequence.

A classic toy problem from the RNN literature: the model reads a sequence of
0/1 values one step at a time and must output how many ones it saw, which it
can only do by keeping a running count in its state. Data is generated, so it
needs no download. Posed as classification over the `length + 1` possible
sums; the baseline is always predicting the most frequent sum of the
training set.
"""

import dataclasses
import logging
import time
import typing
from pathlib import Path

import keras
import numpy as np

from seqapps import configs, diagnostics
from seqapps import layers as seqapps_layers

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class SequenceSumConfig:
    """Settings of the sequence-sum comparison.

    Args:
        kinds: recurrent layer kinds to train, names from `seqapps.layers.KINDS`.
        length: number of time steps per sequence.
        train_size, validation_size, test_size: number of generated sequences.
        units: hidden units of the recurrent layer.
        epochs: training epochs per model.
        batch_size: training batch size.
        learning_rate: Adam learning rate.
        seed: seed of the data and of the weights.
        verbose: Keras `fit` verbosity (0, 1 or 2).
        run_dir: each kind's training curves go to `<run_dir>/<kind>/history.png`.

    `PRESETS["quick"]`: two kinds, 1,000 training sequences, two epochs.
    """

    kinds: tuple = ("elman", "lstm", "gru", "peephole_lstm", "layer_norm_lstm")
    length: int = 20
    train_size: int = 5000
    validation_size: int = 1000
    test_size: int = 1000
    units: int = 32
    epochs: int = 8
    batch_size: int = 64
    learning_rate: float = 1e-2
    seed: int = 0
    verbose: int = 0
    run_dir: str = "runs/sequence_sum"

    PRESETS: typing.ClassVar[dict] = {"quick": {"kinds": ("lstm", "gru"), "train_size": 1000, "epochs": 2}}

    def __post_init__(self):
        unknown = [kind for kind in self.kinds if kind not in seqapps_layers.KINDS]
        if unknown or not self.kinds:
            raise ValueError(
                f"Unknown or missing kinds {unknown or list(self.kinds)}: "
                f"choose from {', '.join(seqapps_layers.KINDS)}."
            )
        for name in ("length", "train_size", "validation_size", "test_size", "units", "epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
        if not self.learning_rate > 0:
            raise ValueError(f"`learning_rate` must be positive, got {self.learning_rate!r}.")


@dataclasses.dataclass
class SequenceSumResult:
    kind: str
    parameters: int
    validation_accuracy: float
    test_accuracy: float
    seconds: float


def make_data(size, length, rng):
    """Returns `(sequences, sums)`: `sequences` float32 (size, length, 1) of 0/1, `sums` int32 (size,)."""
    sequences = rng.integers(0, 2, size=(size, length, 1)).astype("float32")
    return sequences, sequences.sum(axis=(1, 2)).astype("int32")


def build_model(kind, length, units, layers=1, bidirectional=False, dropout=0.0):
    """Recurrent layer(s) of `kind` over the sequence, softmax over the `length + 1` sums.

    Args:
        kind: a name from `seqapps.layers.KINDS`.
        length: time steps per sequence.
        units: hidden units per direction and layer.
        layers: stacked recurrent layers.
        bidirectional: read the sequences in both directions.
        dropout: dropout rate after each recurrent layer.
    """
    inputs = keras.Input((length, 1), name="bits")
    hidden = inputs
    for index in range(layers):
        name = f"{kind}_encoder" if layers == 1 else f"{kind}_encoder_{index + 1}"
        hidden = seqapps_layers.recurrent(
            kind, units, bidirectional=bidirectional, return_sequences=index < layers - 1, name=name
        )(hidden)
        if dropout:
            hidden = keras.layers.Dropout(dropout, name=f"dropout_{index + 1}")(hidden)
    outputs = keras.layers.Dense(length + 1, activation="softmax", name="sum")(hidden)
    return keras.Model(inputs, outputs, name=f"sequence_sum_{kind}")


def compile_model(model, learning_rate):
    """Compiles a sequence-sum model: Adam, sparse categorical cross-entropy, accuracy."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@dataclasses.dataclass
class SequenceSumData:
    """Generated splits, each `(sequences, sums)` (see `make_data`), and the majority-class test accuracy."""

    train: tuple
    validation: tuple
    test: tuple
    baseline_accuracy: float


def prepare_data(config):
    """Generates the three splits from `config.seed`; returns a `SequenceSumData`."""
    rng = np.random.default_rng(config.seed)
    train = make_data(config.train_size, config.length, rng)
    validation = make_data(config.validation_size, config.length, rng)
    test = make_data(config.test_size, config.length, rng)
    return SequenceSumData(train, validation, test, majority_baseline(train[1], test[1]))


def majority_baseline(train_sums, test_sums):
    """Accuracy of always predicting the training set's most frequent sum."""
    most_frequent = np.bincount(train_sums).argmax()
    return float((test_sums == most_frequent).mean())


def run(config):
    """Trains one model per kind and logs a comparison table; the settings go to `run_dir/config.json`.

    Returns:
        `(results, baseline_accuracy)`: a list of `SequenceSumResult` and the
        majority-class test accuracy.
    """
    configs.save_run_config(config, config.run_dir)
    data = prepare_data(config)
    train, validation, test, baseline = data.train, data.validation, data.test, data.baseline_accuracy
    logger.info(
        f"Sequence sum: {config.train_size}/{config.validation_size}/{config.test_size} "
        f"generated binary sequences of length {config.length}; "
        f"{config.epochs} epochs per model."
    )
    results, best_model, best = [], None, None
    for index, kind in enumerate(config.kinds):
        keras.utils.set_random_seed(config.seed)
        model = build_model(kind, config.length, config.units)
        if index == 0:
            model.summary(print_fn=logger.info)
        compile_model(model, config.learning_rate)
        start = time.perf_counter()
        history = model.fit(
            *train,
            validation_data=validation,
            epochs=config.epochs,
            batch_size=config.batch_size,
            verbose=config.verbose,
        )
        seconds = time.perf_counter() - start
        diagnostics.plot_history(history, Path(config.run_dir) / kind / "history.png")
        _, test_accuracy = model.evaluate(*test, verbose=0)
        result = SequenceSumResult(
            kind=kind,
            parameters=model.count_params(),
            validation_accuracy=float(history.history["val_accuracy"][-1]),
            test_accuracy=float(test_accuracy),
            seconds=seconds,
        )
        results.append(result)
        logger.info(f"  {kind}: test accuracy {result.test_accuracy:.3f} in {seconds:.1f} s")
        if best is None or result.test_accuracy > best.test_accuracy:
            best, best_model = result, model
    logger.info("")
    logger.info(format_table(results, baseline))
    logger.info("")
    predictions = best_model.predict(test[0][:3], verbose=0).argmax(axis=-1)
    logger.info(f"Sample predictions of the best model ({best.kind}):")
    for sequence, truth, prediction in zip(test[0][:3], test[1][:3], predictions):
        bits = "".join(str(int(bit)) for bit in sequence[:, 0])
        logger.info(f"  {bits}  sum {truth:2d}  predicted {prediction:2d}")
    return results, baseline


def format_table(results, baseline):
    """A Markdown table of the results, with the majority-class baseline as the last row."""
    lines = [
        "| cell | params | val accuracy | test accuracy | seconds |",
        "|---|---:|---:|---:|---:|",
    ]
    for result in results:
        lines.append(
            f"| {result.kind} | {result.parameters:,} | {result.validation_accuracy:.3f} "
            f"| {result.test_accuracy:.3f} | {result.seconds:.1f} |"
        )
    lines.append(f"| baseline: most frequent sum | 0 | | {baseline:.3f} | |")
    return "\n".join(lines)
