"""The recurrent Jacobian `dh_t/dh_{t-1}` along a sequence: vanishing or exploding?"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from matplotlib.ticker import MaxNLocator

from seqapps.diagnostics import plotting


def _positive_int(argument, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"jacobian_spectrum: `{argument}` must be a positive integer, got {value!r}.")
    return value


def _initial_state(cell, batch_size):
    get_initial_state = getattr(cell, "get_initial_state", None)
    if get_initial_state is not None:
        states = get_initial_state(batch_size=batch_size)
    else:
        sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
        states = [ops.zeros((batch_size, size), dtype=cell.compute_dtype) for size in sizes]
    return list(states) if isinstance(states, (list, tuple)) else [states]


def jacobian_spectrum(cell, inputs, top_k=3):
    """Spectrum of the one-step Jacobian of a recurrent cell along input sequences.

    Runs `cell` over `inputs` from its initial state and, at every step `t`,
    computes the Jacobian `J_t = dS_t/dS_{t-1}` of the full state `S`
    (`h`, plus `c` for LSTMs) with `tf.GradientTape.batch_jacobian`. Its
    spectral radius and largest singular values show whether one step
    shrinks or grows perturbations; the largest singular value of the
    product `J_t ... J_1 = dS_t/dS_0` shows the cumulative effect: a product
    norm decaying geometrically is the vanishing-gradient regime, one growing
    geometrically the exploding one. Compare initializations, e.g.
    `ElmanCell(64, recurrent_initializer=...)` with `"orthogonal"`,
    `"identity"` and `"glorot_uniform"`.

    Args:
        cell: a recurrent cell (seqapps or Keras), built or not, or a
            `keras.layers.RNN` layer (its cell is used, in the layer's
            direction: `go_backwards` layers read the inputs reversed).
        inputs: array `(batch, timesteps, features)`, the inputs of the cell.
        top_k: how many of the largest singular values to report.

    Returns:
        A dict of NumPy arrays, each averaged over the batch, time in
        processing order:
        `"spectral_radius"` `(timesteps,)`: max |eigenvalue| of `J_t`;
        `"singular_values"` `(timesteps, top_k)`: largest singular values of `J_t`;
        `"product_norm"` `(timesteps,)`: largest singular value of `dS_t/dS_0`.

    Raises:
        ValueError: `inputs` not of rank 3, or a bad `top_k`.

    Example:

    >>> cell = ElmanCell(32, recurrent_initializer="identity")
    >>> spectrum = jacobian_spectrum(cell, np.random.normal(size=(8, 50, 4)))
    >>> spectrum["spectral_radius"].shape
    (50,)
    """
    top_k = _positive_int("top_k", top_k)
    go_backwards = False
    if isinstance(cell, keras.layers.RNN):
        go_backwards = cell.go_backwards
        cell = cell.cell
    inputs = np.asarray(inputs)
    if inputs.ndim != 3:
        raise ValueError(
            f"jacobian_spectrum: `inputs` must have shape (batch, timesteps, features), got shape {inputs.shape}."
        )
    if go_backwards:
        inputs = inputs[:, ::-1]
    if not cell.built:
        cell.build((None, inputs.shape[-1]))
    inputs = ops.convert_to_tensor(inputs, dtype=cell.compute_dtype)
    batch_size, timesteps = inputs.shape[0], inputs.shape[1]
    states = _initial_state(cell, batch_size)
    sizes = [int(state.shape[-1]) for state in states]
    total = sum(sizes)
    top_k = min(top_k, total)

    split_points = np.cumsum(sizes)[:-1].tolist()

    @tf.function(reduce_retracing=True)
    def step_jacobian(step_inputs, flat_state):
        with tf.GradientTape() as tape:
            tape.watch(flat_state)
            previous = ops.split(flat_state, split_points, axis=-1) if split_points else [flat_state]
            _, new_states = cell(step_inputs, list(previous))
            new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
            new_flat_state = ops.concatenate(new_states, axis=-1)
        return new_flat_state, tape.batch_jacobian(new_flat_state, flat_state)

    radius = np.zeros((batch_size, timesteps))
    singular_values = np.zeros((batch_size, timesteps, top_k))
    product_norm = np.zeros((batch_size, timesteps))
    product = np.broadcast_to(np.eye(total), (batch_size, total, total))
    flat_state = ops.concatenate(states, axis=-1)
    for step in range(timesteps):
        flat_state, jacobian = step_jacobian(inputs[:, step], flat_state)
        jacobian = np.asarray(jacobian, dtype=np.float64)
        radius[:, step] = np.abs(np.linalg.eigvals(jacobian)).max(axis=-1)
        singular_values[:, step] = np.linalg.svd(jacobian, compute_uv=False)[:, :top_k]
        product = jacobian @ product
        product_norm[:, step] = np.linalg.norm(product, ord=2, axis=(1, 2))
    return {
        "spectral_radius": radius.mean(axis=0),
        "singular_values": singular_values.mean(axis=0),
        "product_norm": product_norm.mean(axis=0),
    }


def plot_jacobian_spectrum(spectra, path, title="Recurrent Jacobian dS_t/dS_{t-1}"):
    """Draws `jacobian_spectrum` results (e.g. one per initialization) on one figure.

    Top: spectral radius (solid) and largest singular value (dashed) of each
    one-step Jacobian, with the line 1 that separates shrinking from growing.
    Bottom: the norm of the product `dS_t/dS_0` on a log scale.

    Args:
        spectra: a dict `{label: jacobian_spectrum(...) result}`.
        path: the PNG file to write.
        title: the figure title.

    Returns:
        `path`.

    Raises:
        ValueError: empty `spectra`.
    """
    if not spectra:
        raise ValueError("plot_jacobian_spectrum: `spectra` is empty; pass {label: jacobian_spectrum(...)}.")
    figure, axes = plotting.new_figure(rows=2, sharex=True)
    one_step, product = axes[0, 0], axes[1, 0]
    for index, (label, spectrum) in enumerate(spectra.items()):
        color = f"C{index % 10}"
        steps = np.arange(1, len(spectrum["spectral_radius"]) + 1)
        one_step.plot(steps, spectrum["spectral_radius"], color=color, label=f"{label}: spectral radius")
        one_step.plot(
            steps,
            np.asarray(spectrum["singular_values"])[:, 0],
            color=color,
            linestyle="--",
            label=f"{label}: largest singular value",
        )
        norms = np.asarray(spectrum["product_norm"], dtype=float)
        product.plot(steps, np.where(norms > 0, norms, np.nan), color=color, label=label)
    one_step.axhline(1.0, color="black", linewidth=0.8)
    one_step.set_ylabel("one step")
    one_step.set_title(title)
    one_step.grid(True, alpha=0.3)
    one_step.legend(fontsize="small")
    product.set_yscale("log")
    product.set_xlabel("step t")
    product.xaxis.set_major_locator(MaxNLocator(integer=True))
    product.set_ylabel("||dS_t/dS_0||")
    product.grid(True, which="both", alpha=0.3)
    product.legend(fontsize="small")
    return plotting.save(figure, path)
