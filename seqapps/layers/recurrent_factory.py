"""Recurrent layer factory: one name for every recurrent layer seqapps knows.

`recurrent(kind, units, ...)` returns a `keras.layers.RNN` over a seqapps cell
(`seqapps.cells.NAMES`) or one of the Keras built-in layers (`BUILTIN_KINDS`),
so recipes and hyperparameter searches can treat the cell type as a plain
string. `KINDS` lists every accepted name (used as argparse choices).
`flat_state_sizes(cell)` lists the sizes of a cell's state vectors, for code
that steps a cell itself.
"""

import keras

from seqapps import cells

BUILTIN_LAYERS = {
    "keras_lstm": keras.layers.LSTM,
    "keras_gru": keras.layers.GRU,
    "keras_simple_rnn": keras.layers.SimpleRNN,
}
BUILTIN_KINDS = tuple(BUILTIN_LAYERS)
KINDS = cells.NAMES + BUILTIN_KINDS

# Arguments of `keras.layers.RNN` itself; everything else goes to the cell.
RNN_ARGUMENTS = frozenset(
    {
        "return_sequences",
        "return_state",
        "go_backwards",
        "stateful",
        "unroll",
        "zero_output_for_mask",
        "name",
        "dtype",
        "trainable",
    }
)
BIDIRECTIONAL_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def recurrent(kind, units, bidirectional=False, merge_mode="concat", **kwargs):
    """Builds a recurrent layer by name.

    Args:
        kind: one of `KINDS`: a seqapps cell name (`elman`, `lstm`, `gru`,
            `peephole_lstm`, `layer_norm_lstm`) wrapped in `keras.layers.RNN`,
            or a Keras built-in (`keras_lstm`, `keras_gru`, `keras_simple_rnn`).
        units: size of the hidden state.
        bidirectional: wrap the layer in `keras.layers.Bidirectional`.
        merge_mode: how `Bidirectional` combines the two directions.
        **kwargs: arguments of `keras.layers.RNN` (`return_sequences`,
            `return_state`, `go_backwards`, `stateful`, `unroll`, `name`, ...)
            and of the cell (`dropout`, `recurrent_dropout`, initializers, ...).
            For built-in kinds all of them go to the Keras layer.

    Returns:
        A Keras layer.

    Raises:
        ValueError: unknown `kind` or `merge_mode`, or a bad cell argument.

    Example:

    >>> layer = recurrent("gru", 64, return_sequences=True, dropout=0.1)
    >>> layer(keras.ops.ones((2, 7, 3))).shape
    (2, 7, 64)
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown recurrent layer kind {kind!r}. Valid kinds: {', '.join(KINDS)}.")
    if merge_mode not in BIDIRECTIONAL_MERGE_MODES:
        raise ValueError(
            f"Unknown merge_mode {merge_mode!r}. Valid modes: "
            f"{', '.join(repr(mode) for mode in BIDIRECTIONAL_MERGE_MODES)}."
        )
    if kind in BUILTIN_LAYERS:
        if kwargs.get("learn_initial_state"):
            raise ValueError(
                f"learn_initial_state=True is only supported by seqapps cells "
                f"({', '.join(cells.NAMES)}), not by {kind!r}."
            )
        kwargs.pop("learn_initial_state", None)
        layer = BUILTIN_LAYERS[kind](units, **kwargs)
    else:
        layer_arguments = {key: value for key, value in kwargs.items() if key in RNN_ARGUMENTS}
        cell_arguments = {key: value for key, value in kwargs.items() if key not in RNN_ARGUMENTS}
        layer = keras.layers.RNN(cells.get(kind, units, **cell_arguments), **layer_arguments)
    if bidirectional:
        return keras.layers.Bidirectional(layer, merge_mode=merge_mode)
    return layer


def flat_state_sizes(cell):
    """The sizes of a recurrent cell's state vectors, as a list: `[units]` for a GRU, `[units, units]` for an LSTM.

    Example:

    >>> flat_state_sizes(recurrent("lstm", 8).cell)
    [8, 8]
    """
    sizes = cell.state_size
    return list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
