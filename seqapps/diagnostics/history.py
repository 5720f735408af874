"""Training curves: loss and the main metric, train vs validation, as a PNG."""

import keras
import numpy as np
from matplotlib.ticker import MaxNLocator

from seqapps.diagnostics import plotting

# Logged every epoch but not model-quality metrics (callbacks add these).
NOT_METRICS = ("loss", "learning_rate", "lr", "clipped_fraction")
NOT_METRIC_PREFIXES = ("val_", "gradient_norm")


def main_metric(history):
    """The first logged metric that is not the loss or a callback's value, or None."""
    for key in history:
        if key not in NOT_METRICS and not key.startswith(NOT_METRIC_PREFIXES):
            return key
    return None


def plot_history(history, path, metric=None):
    """Draws the training curves of a `fit` run: loss, and the main metric, train vs validation.

    Recipes call it after training, with `path` the `history.png` next to
    their logs (`runs/<recipe>/history.png`).

    Args:
        history: the `keras.callbacks.History` returned by `model.fit`, or
            its `.history` dict (`{"loss": [...], "val_loss": [...], ...}`).
        path: the PNG file to write.
        metric: the metric to draw next to the loss; by default the first
            logged one that is not the loss, the learning rate or a gradient
            norm (e.g. `accuracy`). Only the loss is drawn when there is
            none, or with `metric="loss"`.

    Returns:
        `path`.

    Raises:
        ValueError: no `loss` in the history, or an unknown `metric`.

    Example:

    >>> history = model.fit(x, y, validation_split=0.2, epochs=5)
    >>> plot_history(history, "runs/my_recipe/history.png")
    """
    if isinstance(history, keras.callbacks.History):
        history = history.history
    if "loss" not in history or not len(history["loss"]):
        raise ValueError(
            f"plot_history: the history has no 'loss' values (keys: {sorted(history)}); pass the "
            "History returned by model.fit(...) after at least one epoch."
        )
    if metric is None:
        metric = main_metric(history)
    elif metric not in history:
        raise ValueError(f"plot_history: metric {metric!r} is not in the history; logged keys: {sorted(history)}.")
    panels = ["loss"] + ([metric] if metric and metric != "loss" else [])
    figure, axes = plotting.new_figure(columns=len(panels), width=5.0 * len(panels), height_per_row=4.0)
    for axis, key in zip(axes[0], panels):
        for name, label in ((key, "train"), (f"val_{key}", "validation")):
            if name in history:
                values = np.asarray(history[name], dtype=float)
                epochs = np.arange(1, len(values) + 1)
                axis.plot(epochs, values, marker="o" if len(values) <= 30 else None, label=label)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel(key)
        axis.set_title(key)
        axis.grid(True, alpha=0.3)
        axis.legend()
    return plotting.save(figure, path)
