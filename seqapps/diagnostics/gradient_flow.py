"""How far back the loss reaches: `||dL/dh_t||` for every step of every recurrent layer."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from matplotlib.ticker import MaxNLocator

from seqapps.diagnostics import plotting, recurrent_trace


def _batch_parts(batch):
    if not isinstance(batch, (list, tuple)) or len(batch) not in (2, 3):
        raise ValueError(
            "gradient_flow: `batch` must be a tuple (inputs, targets) or (inputs, targets, "
            f"sample_weight), like one element of a Keras dataset; got {type(batch).__name__}."
        )
    return batch[0], batch[1], batch[2] if len(batch) == 3 else None


def gradient_flow(model, batch, loss_fn):
    """Norm of the gradient of the loss with respect to each hidden state `h_t`.

    One forward pass in inference mode and one `tf.GradientTape` gradient:
    every recurrent layer is traced by `seqapps.diagnostics.recurrent_trace`,
    which adds a watched zero probe to `h_t` inside the recurrence, so the
    gradient with respect to the probe is the total `dL/dh_t` (through the
    later time steps and the later layers). Works for Sequential, functional
    and subclassed models whose recurrent layers are `keras.layers.RNN`
    (seqapps cells, Keras `LSTM`/`GRU`/`SimpleRNN`, `Bidirectional`, also
    inside nested models); see `recurrent_trace` for the limitations.

    Args:
        model: a Keras model with at least one recurrent layer.
        batch: `(inputs, targets)` or `(inputs, targets, sample_weight)`.
        loss_fn: `loss_fn(targets, predictions)` (a Keras loss name, object or
            function); a non-scalar result (per-example losses) is weighted by
            `sample_weight` if given and averaged.

    Returns:
        A dict `{layer name: array of shape (timesteps,)}` in the order the
        layers were called: at index `t` the norm of `dL/dh_t` over the units,
        averaged over the examples of the batch. Time is in input order, also
        for `go_backwards` layers (the backward half of a `Bidirectional`);
        masked steps get 0.

    Raises:
        ValueError: a malformed `batch`, or a model without recurrent layers.

    Example:

    >>> model = keras.Sequential([keras.Input((20, 3)), seqapps.layers.recurrent("lstm", 8),
    ...                           keras.layers.Dense(1)])
    >>> flow = gradient_flow(model, (np.ones((4, 20, 3)), np.zeros((4, 1))), "mse")
    >>> flow["rnn"].shape
    (20,)
    """
    inputs, targets, sample_weight = _batch_parts(batch)
    loss_fn = keras.losses.get(loss_fn)
    with tf.GradientTape() as tape:
        predictions, traces = recurrent_trace.trace(model, inputs, tape=tape)
        if isinstance(loss_fn, keras.losses.Loss):
            loss = loss_fn(targets, predictions, sample_weight=sample_weight)
        else:
            loss = loss_fn(targets, predictions)
            if sample_weight is not None:
                loss = loss * ops.cast(sample_weight, loss.dtype)
        loss = ops.mean(loss)
    gradients = tape.gradient(loss, [trace.probe for trace in traces])
    flow = {}
    for trace, gradient in zip(traces, gradients):
        if gradient is None:
            flow[trace.name] = np.zeros(trace.probe.shape[1])
        else:
            flow[trace.name] = np.linalg.norm(np.asarray(gradient, dtype=np.float64), axis=-1).mean(axis=0)
    return flow


def plot_gradient_flow(flows, path, title="Gradient flow: ||dL/dh_t|| per time step"):
    """Draws the results of `gradient_flow` for several models on one log-scale figure.

    Args:
        flows: a dict `{model label: gradient_flow(...) result}`, or one
            `gradient_flow` result.
        path: the PNG file to write.
        title: the figure title.

    Returns:
        `path`.

    Raises:
        ValueError: nothing to plot.
    """
    if flows and all(isinstance(value, np.ndarray) for value in flows.values()):
        flows = {"": flows}
    curves = [
        (f"{label} / {layer}" if label else layer, norms)
        for label, flow in flows.items()
        for layer, norms in flow.items()
    ]
    if not curves:
        raise ValueError("plot_gradient_flow: `flows` is empty; pass {label: gradient_flow(...)}.")
    figure, axes = plotting.new_figure()
    axis = axes[0, 0]
    for label, norms in curves:
        norms = np.asarray(norms, dtype=float)
        visible = np.where(norms > 0, norms, np.nan)
        axis.plot(np.arange(len(norms)), visible, label=label)
    axis.set_yscale("log")
    axis.set_xlabel("time step t (input order)")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_ylabel("||dL/dh_t||")
    axis.set_title(title)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize="small")
    return plotting.save(figure, path)
