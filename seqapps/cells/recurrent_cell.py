"""Shared base of the seqapps RNN cells."""

import keras
from keras import ops

# `keras.layers.RNN` creates one dropout mask per sequence before its time loop
# (and clears it afterwards) only for cells deriving from this mixin, which is
# how Keras' own cells get masks that stay fixed across time steps. It is not
# exported under `keras.layers`, so it is imported from its defining module.
from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell


def _positive_int(cell_name, argument, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{cell_name}: `{argument}` must be a positive integer, got {value!r}.")
    return value


def _rate(cell_name, argument, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{cell_name}: `{argument}` must be a float in [0, 1), got {value!r}.")
    return float(value)


def _resolve(cell_name, argument, value, getter):
    try:
        return getter(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{cell_name}: unknown {argument} {value!r}. Pass a name Keras "
            f"knows (e.g. 'tanh', 'glorot_uniform') or a callable/object. ({error})"
        ) from error


class RecurrentCell(DropoutRNNCell, keras.layers.Layer):
    """Base class of the seqapps cells: argument checking, dropout, initial state.

    Subclasses set `state_names` (one entry per state tensor, each of size
    `units`), create their weights in `build()` (calling `super().build()` for
    the learned initial state) and implement `call()`.

    Args:
        units: positive integer, size of the hidden state.
        activation: activation of the candidate/output, default `"tanh"`.
        use_bias: whether the cell has a bias vector.
        kernel_initializer: initializer of the input kernel.
        recurrent_initializer: initializer of the recurrent kernel.
        bias_initializer: initializer of the bias.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            regularizers of the three weights.
        kernel_constraint, recurrent_constraint, bias_constraint:
            constraints of the three weights.
        dropout: float in [0, 1), fraction of the inputs dropped. The mask is
            drawn once per sequence and reused at every time step (variational
            dropout, Gal & Ghahramani 2016).
        recurrent_dropout: float in [0, 1), same for the recurrent state.
        learn_initial_state: if True, the initial state is a trained weight
            (one vector per state, shared by all sequences) instead of zeros.
        seed: integer seed of the dropout masks.
    """

    state_names = ("hidden",)

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        learn_initial_state=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.units = _positive_int(name, "units", units)
        self.activation = _resolve(name, "activation", activation, keras.activations.get)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _resolve(name, "kernel_initializer", kernel_initializer, keras.initializers.get)
        self.recurrent_initializer = _resolve(
            name, "recurrent_initializer", recurrent_initializer, keras.initializers.get
        )
        self.bias_initializer = _resolve(name, "bias_initializer", bias_initializer, keras.initializers.get)
        self.kernel_regularizer = _resolve(name, "kernel_regularizer", kernel_regularizer, keras.regularizers.get)
        self.recurrent_regularizer = _resolve(
            name, "recurrent_regularizer", recurrent_regularizer, keras.regularizers.get
        )
        self.bias_regularizer = _resolve(name, "bias_regularizer", bias_regularizer, keras.regularizers.get)
        self.kernel_constraint = _resolve(name, "kernel_constraint", kernel_constraint, keras.constraints.get)
        self.recurrent_constraint = _resolve(name, "recurrent_constraint", recurrent_constraint, keras.constraints.get)
        self.bias_constraint = _resolve(name, "bias_constraint", bias_constraint, keras.constraints.get)
        self.dropout = _rate(name, "dropout", dropout)
        self.recurrent_dropout = _rate(name, "recurrent_dropout", recurrent_dropout)
        self.learn_initial_state = bool(learn_initial_state)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed=seed)

    @property
    def state_size(self):
        if len(self.state_names) == 1:
            return self.units
        return [self.units] * len(self.state_names)

    @property
    def output_size(self):
        return self.units

    def _add_kernels(self, input_dim, gates):
        """Creates `kernel` (input_dim, gates*units) and `recurrent_kernel` (units, gates*units)."""
        self.kernel = self.add_weight(
            shape=(input_dim, gates * self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, gates * self.units),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )

    def _add_bias(self, shape, initializer=None):
        self.bias = self.add_weight(
            shape=shape,
            name="bias",
            initializer=initializer or self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
        )

    def build(self, input_shape):
        if self.learn_initial_state:
            self.initial_states = [
                self.add_weight(shape=(self.units,), name=f"initial_{state}", initializer="zeros")
                for state in self.state_names
            ]
        super().build(input_shape)

    def get_initial_state(self, batch_size=None):
        if self.learn_initial_state:
            states = [
                ops.broadcast_to(
                    ops.expand_dims(ops.cast(state, self.compute_dtype), 0),
                    (batch_size, self.units),
                )
                for state in self.initial_states
            ]
        else:
            states = [ops.zeros((batch_size, self.units), dtype=self.compute_dtype) for _ in self.state_names]
        return states[0] if len(states) == 1 else states

    def _dropped(self, inputs, previous_hidden, training):
        """Applies the per-sequence dropout masks to the inputs and the hidden state."""
        input_mask = self.get_dropout_mask(inputs)
        recurrent_mask = self.get_recurrent_dropout_mask(previous_hidden)
        if training and self.dropout > 0:
            inputs = inputs * input_mask
        if training and self.recurrent_dropout > 0:
            previous_hidden = previous_hidden * recurrent_mask
        return inputs, previous_hidden

    def call(self, inputs, states, training=False):
        state_list = self._split_states(states)
        inputs, dropped_hidden = self._dropped(inputs, state_list[0], training)
        output, new_states = self._step(self._project(inputs), dropped_hidden, state_list)
        return output, new_states if isinstance(states, (list, tuple)) else new_states[0]

    def _project(self, inputs):
        """`inputs @ kernel` plus the input bias, the part of a step that depends on its inputs only."""
        raise NotImplementedError(f"{type(self).__name__} must implement _project(inputs).")

    def _step(self, projected, dropped_hidden, states):
        """The recurrence: projected inputs, the hidden state after recurrent dropout and the
        state list -> `(output, new state list)`."""
        raise NotImplementedError(f"{type(self).__name__} must implement _step(projected, dropped_hidden, states).")

    @staticmethod
    def _split_states(states):
        return list(states) if isinstance(states, (list, tuple)) else [states]

    def get_config(self):
        config = {
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": keras.regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": keras.constraints.serialize(self.recurrent_constraint),
            "bias_constraint": keras.constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "learn_initial_state": self.learn_initial_state,
            "seed": self.seed,
        }
        base_config = super().get_config()
        return {**base_config, **config}
