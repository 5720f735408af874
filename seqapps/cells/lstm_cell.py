"""Long short-term memory cell."""

import keras
from keras import ops

from seqapps.cells.recurrent_cell import RecurrentCell, _resolve


@keras.saving.register_keras_serializable(package="seqapps")
class LSTMCell(RecurrentCell):
    """LSTM cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

    With `a = x_t W + h_{t-1} U + b` split into four gate blocks in the order
    input, forget, cell candidate, output (one fused matrix per weight, the
    layout of `keras.layers.LSTM`):

        i = recurrent_activation(a_i)      f = recurrent_activation(a_f)
        c_t = f * c_{t-1} + i * activation(a_c)
        o = recurrent_activation(a_o)      h_t = o * activation(c_t)

    Args:
        units: positive integer, size of the hidden and cell states.
        activation: activation of the candidate and of the output, default `"tanh"`.
        recurrent_activation: activation of the gates, default `"sigmoid"`.
        unit_forget_bias: if True, the forget-gate bias starts at 1
            (Jozefowicz et al. 2015) whatever `bias_initializer` says.
        **kwargs: the common cell arguments of `RecurrentCell` (`use_bias`,
            initializers, regularizers, constraints, `dropout`,
            `recurrent_dropout`, `learn_initial_state`, `seed`) and Layer
            arguments.

    Call arguments:
        inputs: tensor of shape `(batch, input_dim)`, one time step.
        states: list `[hidden, cell]`, each `(batch, units)`.
        training: whether dropout is applied.

    Example:

    >>> layer = keras.layers.RNN(LSTMCell(32), return_state=True)
    >>> output, hidden, cell = layer(keras.ops.ones((4, 10, 8)))
    >>> output.shape, cell.shape
    ((4, 32), (4, 32))
    """

    state_names = ("hidden", "cell")

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        unit_forget_bias=True,
        **kwargs,
    ):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = _resolve(
            type(self).__name__,
            "recurrent_activation",
            recurrent_activation,
            keras.activations.get,
        )
        self.unit_forget_bias = bool(unit_forget_bias)

    def _forget_bias_initializer(self, shape, dtype=None):
        units = self.units
        return ops.concatenate(
            [
                self.bias_initializer((units,), dtype=dtype),
                ops.ones((units,), dtype=dtype),
                self.bias_initializer((2 * units,), dtype=dtype),
            ]
        )

    def build(self, input_shape):
        self._add_kernels(input_shape[-1], gates=4)
        if self.use_bias:
            self._add_bias(
                (4 * self.units,),
                initializer=self._forget_bias_initializer if self.unit_forget_bias else None,
            )
        super().build(input_shape)

    def _project(self, inputs):
        """The input part of the gate pre-activations, `x W (+ b)`: (..., 4 * units)."""
        projected = ops.matmul(inputs, self.kernel)
        if self.use_bias:
            projected = projected + self.bias
        return projected

    def _step(self, projected, dropped_hidden, states):
        gates = projected + ops.matmul(dropped_hidden, self.recurrent_kernel)
        hidden, cell = self._cell_update(gates, states[1])
        return hidden, [hidden, cell]

    def _cell_update(self, gates, previous_cell):
        """Returns the new hidden and cell states from the pre-activations."""
        input_gate, forget_gate, candidate, output_gate = ops.split(gates, 4, axis=-1)
        cell = self.recurrent_activation(forget_gate) * previous_cell + self.recurrent_activation(
            input_gate
        ) * self.activation(candidate)
        hidden = self.recurrent_activation(output_gate) * self._output_activation(cell)
        return hidden, cell

    def _output_activation(self, cell):
        return self.activation(cell)

    def get_config(self):
        config = {
            "recurrent_activation": keras.activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }
        base_config = super().get_config()
        return {**base_config, **config}
