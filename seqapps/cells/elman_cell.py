"""Elman (simple) recurrent cell."""

import keras
from keras import ops

from seqapps.cells.recurrent_cell import RecurrentCell


@keras.saving.register_keras_serializable(package="seqapps")
class ElmanCell(RecurrentCell):
    """Elman recurrent cell (Elman 1990): `h_t = activation(x_t W + h_{t-1} U + b)`.

    Numerically the same as `keras.layers.SimpleRNNCell`, with seqapps'
    options. `recurrent_initializer="identity"` gives the IRNN of Le, Jaitly
    & Hinton (2015) (use `activation="relu"`), with the identity scaled by
    `identity_scale`.

    Args:
        units: positive integer, size of the hidden state.
        activation: activation function, default `"tanh"`.
        identity_scale: positive float; when `recurrent_initializer` is the
            string `"identity"`, the recurrent kernel starts as this multiple
            of the identity matrix. Ignored otherwise.
        **kwargs: the common cell arguments of `RecurrentCell` (`use_bias`,
            initializers, regularizers, constraints, `dropout`,
            `recurrent_dropout`, `learn_initial_state`, `seed`) and Layer
            arguments.

    Call arguments:
        inputs: tensor of shape `(batch, input_dim)`, one time step.
        states: the previous hidden state `(batch, units)` (or a one-element list).
        training: whether dropout is applied.

    Example:

    >>> layer = keras.layers.RNN(ElmanCell(32), return_sequences=True)
    >>> layer(keras.ops.ones((4, 10, 8))).shape
    (4, 10, 32)
    """

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_initializer="orthogonal",
        identity_scale=1.0,
        **kwargs,
    ):
        if isinstance(identity_scale, bool) or not isinstance(identity_scale, (int, float)) or identity_scale <= 0:
            raise ValueError(f"ElmanCell: `identity_scale` must be a positive number, got {identity_scale!r}.")
        self.identity_scale = float(identity_scale)
        if recurrent_initializer == "identity":
            recurrent_initializer = keras.initializers.Identity(gain=self.identity_scale)
        super().__init__(
            units,
            activation=activation,
            recurrent_initializer=recurrent_initializer,
            **kwargs,
        )

    def build(self, input_shape):
        self._add_kernels(input_shape[-1], gates=1)
        if self.use_bias:
            self._add_bias((self.units,))
        super().build(input_shape)

    def _project(self, inputs):
        projected = ops.matmul(inputs, self.kernel)
        if self.use_bias:
            projected = projected + self.bias
        return projected

    def _step(self, projected, dropped_hidden, states):
        hidden = self.activation(projected + ops.matmul(dropped_hidden, self.recurrent_kernel))
        return hidden, [hidden]

    def get_config(self):
        config = {"identity_scale": self.identity_scale}
        base_config = super().get_config()
        return {**base_config, **config}
