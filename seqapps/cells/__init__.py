"""Recurrent cells written from their equations, for `keras.layers.RNN`.

`get(name, units, **kwargs)` builds a cell from its registry name; `NAMES`
lists the names (used as argparse choices across seqapps).
"""

from seqapps.cells.elman_cell import ElmanCell
from seqapps.cells.gru_cell import GRUCell
from seqapps.cells.layer_norm_lstm_cell import LayerNormLSTMCell
from seqapps.cells.lstm_cell import LSTMCell
from seqapps.cells.peephole_lstm_cell import PeepholeLSTMCell
from seqapps.cells.recurrent_cell import RecurrentCell

REGISTRY = {
    "elman": ElmanCell,
    "lstm": LSTMCell,
    "gru": GRUCell,
    "peephole_lstm": PeepholeLSTMCell,
    "layer_norm_lstm": LayerNormLSTMCell,
}
NAMES = tuple(REGISTRY)


def get(name, units, **kwargs):
    """Builds the cell registered under `name`.

    Args:
        name: one of `NAMES`.
        units: size of the hidden state.
        **kwargs: constructor arguments of the cell.

    Raises:
        ValueError: `name` is not a registered cell.
    """
    if name not in REGISTRY:
        raise ValueError(f"Unknown cell {name!r}. Valid cell names: {', '.join(NAMES)}.")
    return REGISTRY[name](units, **kwargs)


__all__ = [
    "ElmanCell",
    "GRUCell",
    "LSTMCell",
    "LayerNormLSTMCell",
    "PeepholeLSTMCell",
    "RecurrentCell",
    "NAMES",
    "REGISTRY",
    "get",
]
