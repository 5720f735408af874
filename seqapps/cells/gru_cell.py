"""Gated recurrent unit cell."""

import keras
from keras import ops

from seqapps.cells.recurrent_cell import RecurrentCell, _resolve


@keras.saving.register_keras_serializable(package="seqapps")
class GRUCell(RecurrentCell):
    """Gated recurrent unit (Cho et al. 2014).

    Gate blocks in the order update, reset, candidate (the layout of
    `keras.layers.GRU`):

        z = recurrent_activation(x_t W_z + h_{t-1} U_z + b_z)
        r = recurrent_activation(x_t W_r + h_{t-1} U_r + b_r)
        reset_after=False (Cho et al.):
            c = activation(x_t W_h + (r * h_{t-1}) U_h + b_h)
        reset_after=True (cuDNN / Keras default; separate input and recurrent biases):
            c = activation(x_t W_h + b_h + r * (h_{t-1} U_h + b'_h))
        h_t = z * h_{t-1} + (1 - z) * c

    With `reset_after=True` the bias has shape `(2, 3 * units)` (input bias,
    recurrent bias), as in Keras, so weights copy across unchanged.

    Args:
        units: positive integer, size of the hidden state.
        activation: activation of the candidate, default `"tanh"`.
        recurrent_activation: activation of the gates, default `"sigmoid"`.
        reset_after: apply the reset gate after (True) or before (False) the
            recurrent matrix multiplication.
        **kwargs: the common cell arguments of `RecurrentCell` (`use_bias`,
            initializers, regularizers, constraints, `dropout`,
            `recurrent_dropout`, `learn_initial_state`, `seed`) and Layer
            arguments.

    Call arguments:
        inputs: tensor of shape `(batch, input_dim)`, one time step.
        states: the previous hidden state `(batch, units)` (or a one-element list).
        training: whether dropout is applied.

    Example:

    >>> layer = keras.layers.RNN(GRUCell(32, reset_after=False))
    >>> layer(keras.ops.ones((4, 10, 8))).shape
    (4, 32)
    """

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        reset_after=True,
        **kwargs,
    ):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = _resolve(
            "GRUCell", "recurrent_activation", recurrent_activation, keras.activations.get
        )
        self.reset_after = bool(reset_after)

    def build(self, input_shape):
        self._add_kernels(input_shape[-1], gates=3)
        if self.use_bias:
            self._add_bias((2, 3 * self.units) if self.reset_after else (3 * self.units,))
        super().build(input_shape)

    def _project(self, inputs):
        projected = ops.matmul(inputs, self.kernel)
        if self.use_bias:
            projected = projected + (self.bias[0] if self.reset_after else self.bias)
        return projected

    def _step(self, projected, dropped_hidden, states):
        previous = states[0]
        units = self.units
        input_update, input_reset, input_candidate = ops.split(projected, 3, axis=-1)
        if self.reset_after:
            projected_hidden = ops.matmul(dropped_hidden, self.recurrent_kernel)
            if self.use_bias:
                projected_hidden = projected_hidden + self.bias[1]
            hidden_update, hidden_reset, hidden_candidate = ops.split(projected_hidden, 3, axis=-1)
            update = self.recurrent_activation(input_update + hidden_update)
            reset = self.recurrent_activation(input_reset + hidden_reset)
            candidate = self.activation(input_candidate + reset * hidden_candidate)
        else:
            gate_projection = ops.matmul(dropped_hidden, self.recurrent_kernel[:, : 2 * units])
            hidden_update, hidden_reset = ops.split(gate_projection, 2, axis=-1)
            update = self.recurrent_activation(input_update + hidden_update)
            reset = self.recurrent_activation(input_reset + hidden_reset)
            candidate = self.activation(
                input_candidate + ops.matmul(reset * dropped_hidden, self.recurrent_kernel[:, 2 * units :])
            )
        hidden = update * previous + (1 - update) * candidate
        return hidden, [hidden]

    def get_config(self):
        config = {
            "recurrent_activation": keras.activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }
        base_config = super().get_config()
        return {**base_config, **config}
