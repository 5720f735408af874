"""LSTM cell with peephole connections."""

import keras
from keras import ops

from seqapps.cells.lstm_cell import LSTMCell
from seqapps.cells.recurrent_cell import _resolve


@keras.saving.register_keras_serializable(package="seqapps")
class PeepholeLSTMCell(LSTMCell):
    """LSTM cell with diagonal peephole connections (Gers & Schmidhuber 2000).

    The gates also see the cell state: the input and forget gates the previous
    one, the output gate the new one. With `a = x_t W + h_{t-1} U + b` split
    as in `LSTMCell` (input, forget, candidate, output):

        i = recurrent_activation(a_i + p_i * c_{t-1})
        f = recurrent_activation(a_f + p_f * c_{t-1})
        c_t = f * c_{t-1} + i * activation(a_c)
        o = recurrent_activation(a_o + p_o * c_t)
        h_t = o * activation(c_t)

    The peephole weights `input_gate_peephole`, `forget_gate_peephole` and
    `output_gate_peephole` are vectors of size `units`.

    Args:
        units: positive integer, size of the hidden and cell states.
        peephole_initializer: initializer of the three peephole vectors.
        **kwargs: the arguments of `LSTMCell`.

    Call arguments:
        inputs: tensor of shape `(batch, input_dim)`, one time step.
        states: list `[hidden, cell]`, each `(batch, units)`.
        training: whether dropout is applied.

    Example:

    >>> layer = keras.layers.RNN(PeepholeLSTMCell(16))
    >>> layer(keras.ops.ones((2, 5, 3))).shape
    (2, 16)
    """

    def __init__(self, units, peephole_initializer="glorot_uniform", **kwargs):
        super().__init__(units, **kwargs)
        self.peephole_initializer = _resolve(
            "PeepholeLSTMCell",
            "peephole_initializer",
            peephole_initializer,
            keras.initializers.get,
        )

    def build(self, input_shape):
        for gate in ("input", "forget", "output"):
            setattr(
                self,
                f"{gate}_gate_peephole",
                self.add_weight(
                    shape=(self.units,),
                    name=f"{gate}_gate_peephole",
                    initializer=self.peephole_initializer,
                ),
            )
        super().build(input_shape)

    def _cell_update(self, gates, previous_cell):
        input_gate, forget_gate, candidate, output_gate = ops.split(gates, 4, axis=-1)
        input_gate = self.recurrent_activation(input_gate + self.input_gate_peephole * previous_cell)
        forget_gate = self.recurrent_activation(forget_gate + self.forget_gate_peephole * previous_cell)
        cell = forget_gate * previous_cell + input_gate * self.activation(candidate)
        output_gate = self.recurrent_activation(output_gate + self.output_gate_peephole * cell)
        return output_gate * self.activation(cell), cell

    def get_config(self):
        config = {"peephole_initializer": keras.initializers.serialize(self.peephole_initializer)}
        base_config = super().get_config()
        return {**base_config, **config}
