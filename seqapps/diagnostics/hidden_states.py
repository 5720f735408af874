"""Hidden activations over time, and how many units are saturated at each step."""

import keras
import numpy as np
from matplotlib.ticker import MaxNLocator

from seqapps.diagnostics import plotting, recurrent_trace

SATURATION_THRESHOLD = 0.95
# At most this many x-axis labels are written; longer sequences label every k-th step.
MAX_TICK_LABELS = 60


def hidden_states(model, inputs):
    """The hidden state sequence of every recurrent layer of `model` on `inputs`.

    The model runs once in inference mode (see
    `seqapps.diagnostics.recurrent_trace` for which layers are seen).

    Args:
        model: a Keras model with at least one recurrent layer.
        inputs: a batch the model accepts.

    Returns:
        A dict `{layer name: array (batch, timesteps, units)}` in call order;
        time is in input order, also for `go_backwards` layers.

    Raises:
        ValueError: the model has no recurrent layer.

    Example:

    >>> states = hidden_states(model, x)
    >>> saturated_fraction(states["rnn"]).shape   # (batch, timesteps)
    """
    _, traces = recurrent_trace.trace(model, inputs)
    return {trace.name: np.asarray(trace.hidden) for trace in traces}


def saturated_fraction(hidden, threshold=SATURATION_THRESHOLD):
    """Fraction of units with `|h| > threshold` at each step.

    Meaningful for activations bounded by 1 (tanh cells: Elman, the LSTM
    output `o * tanh(c)`, GRU); a saturated tanh unit passes almost no
    gradient.

    Args:
        hidden: array `(..., timesteps, units)`.
        threshold: float in (0, 1).

    Returns:
        Array `(..., timesteps)` of fractions in [0, 1].

    Raises:
        ValueError: `threshold` outside (0, 1).
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        raise ValueError(f"saturated_fraction: `threshold` must be in (0, 1), got {threshold!r}.")
    return (np.abs(np.asarray(hidden)) > threshold).mean(axis=-1)


def input_labels(model, inputs):
    """Per-example token labels for the time axis, or None when they cannot be known.

    For a model that starts with a `keras.layers.TextVectorization` layer the
    labels are the vocabulary entries of the token ids it produces (characters
    for a character-level vectorizer); for integer inputs of shape
    `(batch, timesteps)` they are the ids themselves.

    Returns:
        A list (one entry per example) of lists of strings, or None.
    """
    vectorizers = [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.TextVectorization)
    ]
    if vectorizers and vectorizers[0].get_config().get("output_mode") == "int":
        vocabulary = vectorizers[0].get_vocabulary()
        ids = np.asarray(vectorizers[0](inputs))
        return [[vocabulary[index] for index in row] for row in ids.reshape(len(ids), -1)]
    array = np.asarray(inputs) if isinstance(inputs, np.ndarray) else None
    if array is not None and array.ndim == 2 and np.issubdtype(array.dtype, np.integer):
        return [[str(value) for value in row] for row in array]
    return None


def _visible(token):
    """A tick label that shows spaces and control characters."""
    token = str(token)
    return "\u2423" if token == " " else repr(token)[1:-1]


def plot_hidden_states(states, path, tokens=None, example=0, threshold=SATURATION_THRESHOLD, title=None):
    """Heat maps of the hidden units over time, with the fraction of saturated units below.

    One pair of panels per layer: the activations of example `example`
    (units on the y-axis, time on the x-axis, the input tokens as x labels)
    and, underneath, `saturated_fraction` at each step.

    Args:
        states: the dict returned by `hidden_states`.
        path: the PNG file to write.
        tokens: optional list of strings, one per time step (e.g. one entry
            of `input_labels(...)`); step numbers are used otherwise.
        example: which example of the batch to draw.
        threshold: saturation threshold (see `saturated_fraction`).
        title: optional figure title.

    Returns:
        `path`.

    Raises:
        ValueError: empty `states`, `example` out of range, or `tokens` of
            the wrong length.
    """
    if not states:
        raise ValueError("plot_hidden_states: `states` is empty; pass hidden_states(model, inputs).")
    figure, axes = plotting.new_figure(
        rows=2 * len(states),
        width=10.0,
        height_per_row=1.8,
        gridspec_kw={"height_ratios": [3, 1] * len(states)},
    )
    for index, (name, hidden) in enumerate(states.items()):
        hidden = np.asarray(hidden)
        if not 0 <= example < hidden.shape[0]:
            raise ValueError(f"plot_hidden_states: `example` must be in [0, {hidden.shape[0]}), got {example!r}.")
        timesteps = hidden.shape[1]
        if tokens is not None and len(tokens) != timesteps:
            raise ValueError(
                f"plot_hidden_states: {len(tokens)} tokens for {timesteps} time steps of layer "
                f"{name!r}; pass one token per time step."
            )
        activations, saturation = axes[2 * index, 0], axes[2 * index + 1, 0]
        limit = max(float(np.abs(hidden[example]).max()), np.finfo(np.float32).tiny)
        image = activations.imshow(
            hidden[example].T,
            aspect="auto",
            interpolation="nearest",
            cmap="RdBu_r",
            vmin=-limit,
            vmax=limit,
        )
        figure.colorbar(image, ax=[activations, saturation], pad=0.01)
        activations.set_ylabel("unit")
        activations.yaxis.set_major_locator(MaxNLocator(integer=True))
        activations.set_title(f"{name}: hidden state h_t")
        activations.set_xticks([])
        saturation.plot(np.arange(timesteps), saturated_fraction(hidden[example], threshold), marker=".")
        saturation.set_xlim(activations.get_xlim())
        saturation.set_ylim(-0.05, 1.05)
        saturation.set_ylabel(f"|h|>{threshold}")
        saturation.grid(True, alpha=0.3)
        step = max(1, -(-timesteps // MAX_TICK_LABELS))
        positions = np.arange(0, timesteps, step)
        saturation.set_xticks(positions)
        if tokens is not None:
            saturation.set_xticklabels(
                [_visible(tokens[position]) for position in positions],
                rotation=90,
                fontsize="small",
            )
    if title:
        figure.suptitle(title)
    return plotting.save(figure, path)
