"""LSTM cell with layer normalization."""

import keras
from keras import ops

from seqapps.cells.lstm_cell import LSTMCell


@keras.saving.register_keras_serializable(package="seqapps")
class LayerNormLSTMCell(LSTMCell):
    """LSTM cell with layer normalization (Ba, Kiros & Hinton 2016, eq. 20-22).

    The input and recurrent projections are normalized separately over their
    `4 * units` features, and the cell state over its `units` before the
    output activation (the state itself is carried un-normalized):

        a = LN(x_t W; input_gamma, input_beta)
            + LN(h_{t-1} U; recurrent_gamma, recurrent_beta) + b
        c_t = f * c_{t-1} + i * activation(a_c)      (gates as in `LSTMCell`)
        h_t = o * activation(LN(c_t; cell_gamma, cell_beta))

    with `LN(v; g, s) = g * (v - mean(v)) / sqrt(var(v) + layer_norm_epsilon) + s`.

    Args:
        units: positive integer, size of the hidden and cell states.
        layer_norm_epsilon: positive float added to the variance.
        **kwargs: the arguments of `LSTMCell`.

    Call arguments:
        inputs: tensor of shape `(batch, input_dim)`, one time step.
        states: list `[hidden, cell]`, each `(batch, units)`.
        training: whether dropout is applied.

    Example:

    >>> layer = keras.layers.RNN(LayerNormLSTMCell(16), return_sequences=True)
    >>> layer(keras.ops.ones((2, 5, 3))).shape
    (2, 5, 16)
    """

    def __init__(self, units, layer_norm_epsilon=1e-3, **kwargs):
        if (
            isinstance(layer_norm_epsilon, bool)
            or not isinstance(layer_norm_epsilon, (int, float))
            or layer_norm_epsilon <= 0
        ):
            raise ValueError(
                f"LayerNormLSTMCell: `layer_norm_epsilon` must be a positive number, got {layer_norm_epsilon!r}."
            )
        super().__init__(units, **kwargs)
        self.layer_norm_epsilon = float(layer_norm_epsilon)

    def build(self, input_shape):
        for part, size in (("input", 4 * self.units), ("recurrent", 4 * self.units), ("cell", self.units)):
            setattr(
                self,
                f"{part}_gamma",
                self.add_weight(shape=(size,), name=f"{part}_gamma", initializer="ones"),
            )
            setattr(
                self,
                f"{part}_beta",
                self.add_weight(shape=(size,), name=f"{part}_beta", initializer="zeros"),
            )
        super().build(input_shape)

    def _normalize(self, values, gamma, beta):
        mean = ops.mean(values, axis=-1, keepdims=True)
        variance = ops.var(values, axis=-1, keepdims=True)
        return gamma * (values - mean) * ops.rsqrt(variance + self.layer_norm_epsilon) + beta

    def _project(self, inputs):
        projected = self._normalize(ops.matmul(inputs, self.kernel), self.input_gamma, self.input_beta)
        if self.use_bias:
            projected = projected + self.bias
        return projected

    def _step(self, projected, dropped_hidden, states):
        gates = projected + self._normalize(
            ops.matmul(dropped_hidden, self.recurrent_kernel), self.recurrent_gamma, self.recurrent_beta
        )
        hidden, cell = self._cell_update(gates, states[1])
        return hidden, [hidden, cell]

    def _output_activation(self, cell):
        return self.activation(self._normalize(cell, self.cell_gamma, self.cell_beta))

    def get_config(self):
        config = {"layer_norm_epsilon": self.layer_norm_epsilon}
        base_config = super().get_config()
        return {**base_config, **config}
