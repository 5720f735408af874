"""The classic experiment: how fast the gradient vanishes with distance, per cell type.

For a cell with its default initialization, run it over a random sequence of
length `T` from the zero state `h_0`, take the loss `L = v . h_T` with `v` a
random unit vector, and measure `||dL/dh_t||` for every `t` from `T` down to
0, i.e. as a function of the distance `d = T - t` (so `d = 0` gives exactly 1
and `d = T` is the gradient reaching the initial state). Averaged over the
examples of a batch and over a few independently initialized cells, in
float64 so that vanishing gradients are measured instead of underflowing.

The inputs are standard normal with `input_dim` features (default: as many
as `units`). The gap between cells depends on that input drive: strong
inputs saturate an Elman cell's tanh units and kill its gradient within a
few dozen steps, whereas with weak inputs (e.g. `input_dim=1`) its
orthogonal recurrent matrix keeps the gradient about as well as an LSTM's.
At default initialization a GRU's update gate sits near 0.5, so its gradient
decays geometrically too; the LSTM keeps the most thanks to its forget-gate
bias of 1.
"""

import csv
import os

import keras
import numpy as np
import tensorflow as tf

from seqapps import cells
from seqapps.diagnostics import plotting

DEFAULT_KINDS = ("elman", "lstm", "gru")
DEFAULT_LENGTHS = (10, 50, 100, 200)


def _positive_int(argument, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"compare_cells: `{argument}` must be a positive integer, got {value!r}.")
    return int(value)


def gradient_vs_distance(kind, length, units=32, input_dim=None, batch_size=32, repeats=3, seed=0):
    """`||dL/dh_{T-d}||` for `d = 0 ... T` for one cell type (see the module docstring).

    Seeds Python, NumPy and TensorFlow (`keras.utils.set_random_seed`) with
    `seed + repeat` before building each cell, so results are reproducible.

    Args:
        kind: a seqapps cell name (`seqapps.cells.NAMES`).
        length: the sequence length `T`.
        units: the cell size.
        input_dim: features per input step (default: `units`).
        batch_size: sequences per repeat.
        repeats: independently initialized cells (and input batches).
        seed: base seed.

    Returns:
        Array of shape `(length + 1,)`: at index `d` the mean over
        `repeats * batch_size` sequences of `||dL/dh_{T-d}||`.

    Raises:
        ValueError: unknown `kind` or a non-positive size.
    """
    if kind not in cells.NAMES:
        raise ValueError(f"compare_cells: unknown cell {kind!r}. Valid cells: {', '.join(cells.NAMES)}.")
    length = _positive_int("length", length)
    units = _positive_int("units", units)
    input_dim = units if input_dim is None else _positive_int("input_dim", input_dim)
    batch_size = _positive_int("batch_size", batch_size)
    repeats = _positive_int("repeats", repeats)
    norms = []
    for repeat in range(repeats):
        keras.utils.set_random_seed(seed + repeat)
        generator = np.random.default_rng(seed + repeat)
        cell = cells.get(kind, units, dtype="float64")
        cell.build((None, input_dim))
        inputs = tf.constant(generator.standard_normal((batch_size, length, input_dim)))
        direction = generator.standard_normal(units)
        direction = tf.constant(direction / np.linalg.norm(direction))
        states = cell.get_initial_state(batch_size)
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        with tf.GradientTape() as tape:
            tape.watch(states)
            hidden = [states[0]]
            for step in range(length):
                _, states = cell(inputs[:, step], states)
                states = list(states) if isinstance(states, (list, tuple)) else [states]
                hidden.append(states[0])
            loss = tf.reduce_sum(hidden[-1] * direction)
        gradients = tape.gradient(loss, hidden)
        by_time = np.stack([np.linalg.norm(gradient.numpy(), axis=-1) for gradient in gradients], axis=1)
        norms.append(by_time[:, ::-1])
    return np.concatenate(norms).mean(axis=0)


def compare_cells(kinds=DEFAULT_KINDS, lengths=DEFAULT_LENGTHS, **kwargs):
    """Runs `gradient_vs_distance` for every cell type and sequence length.

    Args:
        kinds: seqapps cell names.
        lengths: sequence lengths.
        **kwargs: `units`, `input_dim`, `batch_size`, `repeats`, `seed` of
            `gradient_vs_distance`.

    Returns:
        `{kind: {length: array (length + 1,) indexed by distance}}`.

    Example:

    >>> results = compare_cells(("elman", "lstm"), (100,))
    >>> results["elman"][100][100] < results["lstm"][100][100]   # at distance 100
    True
    """
    if not kinds or not lengths:
        raise ValueError("compare_cells: pass at least one cell kind and one length.")
    return {kind: {int(length): gradient_vs_distance(kind, length, **kwargs) for length in lengths} for kind in kinds}


def write_compare_cells_csv(results, path):
    """Writes `results` as rows `cell,length,distance,gradient_norm` and returns `path`."""
    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["cell", "length", "distance", "gradient_norm"])
        for kind, by_length in results.items():
            for length, norms in by_length.items():
                for distance, norm in enumerate(norms):
                    writer.writerow([kind, length, distance, f"{norm:.6e}"])
    return path


def compare_cells_table(results):
    """A text table: one row per cell, the gradient norm at distance = length for each length."""
    lengths = sorted({length for by_length in results.values() for length in by_length})
    width = max([4] + [len(kind) for kind in results])
    lines = [f"{'cell':<{width}}  " + "  ".join(f"{f'd={length}':>10}" for length in lengths)]
    for kind, by_length in results.items():
        values = [f"{by_length[length][length]:10.3e}" if length in by_length else f"{'':>10}" for length in lengths]
        lines.append(f"{kind:<{width}}  " + "  ".join(values))
    return "\n".join(lines)


def plot_compare_cells(results, path):
    """Gradient norm vs distance, one color per cell and one line per sequence length (log scale).

    Squares mark the value at distance = length (the gradient reaching the
    initial state), the numbers of `compare_cells_table`.
    """
    figure, axes = plotting.new_figure(height_per_row=5.0)
    axis = axes[0, 0]
    for index, (kind, by_length) in enumerate(results.items()):
        color = f"C{index % 10}"
        longest = max(by_length)
        for length, norms in sorted(by_length.items()):
            norms = np.asarray(norms, dtype=float)
            axis.plot(
                np.arange(len(norms)),
                np.where(norms > 0, norms, np.nan),
                color=color,
                alpha=1.0 if length == longest else 0.4,
                label=kind if length == longest else None,
            )
            if norms[length] > 0:
                axis.plot([length], [norms[length]], marker="s", color=color)
    axis.set_yscale("log")
    axis.set_xlabel("distance T - t (steps)")
    axis.set_ylabel("||dL/dh_t||, L = v . h_T")
    axis.set_title(
        "Gradient vs distance at default initialization (lengths "
        + ", ".join(
            str(length) for length in sorted({length for by_length in results.values() for length in by_length})
        )
        + ")"
    )
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()
    return plotting.save(figure, path)
