"""Runs a model with the hidden states of its recurrent layers exposed.

`trace(model, inputs, tape)` calls the model once, in inference mode, and for
every call of a `keras.layers.RNN` layer (including the two directions of a
`keras.layers.Bidirectional`, the Keras built-in `LSTM`/`GRU`/`SimpleRNN`
and RNN layers inside nested models or custom layers) records the layer's
inputs, its per-step hidden states `h_t`, and a zero "probe" tensor `p` of
the same shape that was added to `h_t` inside the recurrence: the hidden
state passed to step `t + 1` and emitted as output is `h_t + p_t`. The probe
changes no value, but when `tape` watches it, `dL/dp_t` is the total
derivative `dL/dh_t`, through later layers and later time steps alike.

How: for the duration of the call, each RNN layer's `call` is replaced (on
the instance, restored afterwards) by one that runs the layer's own cell
inside a fresh `keras.layers.RNN` over the inputs concatenated with the
probe. The cell's weights, the layer's options (`go_backwards`, `unroll`,
masking, initial and learned states) and the rest of the model are used as
they are, so any model whose recurrent layers are `keras.layers.RNN`
instances can be traced: Sequential, functional or subclassed.

Limitations: RNN layers over a list of cells (`StackedRNNCells`) and the
convolutional `ConvLSTM*` layers are not traced (they run unchanged); the
cell's output must be its first state (true of every Keras and seqapps
cell); a stateful layer starts from its current states and they are not
updated; dropout is off (inference mode).
"""

import dataclasses

import keras
import tensorflow as tf
from keras import ops

# `DropoutRNNCell` is the mixin through which `keras.layers.RNN` manages the
# per-sequence dropout masks of a cell; it is not exported under
# `keras.layers`, so it is imported from its defining module.
from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell

UNTRACED_LAYERS = (
    keras.layers.ConvLSTM1D,
    keras.layers.ConvLSTM2D,
    keras.layers.ConvLSTM3D,
)


@dataclasses.dataclass
class RecurrentLayerTrace:
    """What one call of a recurrent layer saw and produced.

    Attributes:
        name: the layer's path inside the model (`"lstm"`,
            `"bidirectional/backward_gru"`, `"encoder/lstm"`), with
            `" (call 2)"` appended for the second call of a shared layer.
        layer: the `keras.layers.RNN` layer.
        inputs: tensor `(batch, timesteps, features)`, the layer's input.
        hidden: tensor `(batch, timesteps, units)`, the hidden state after
            each input step, in input order (also for `go_backwards` layers).
        probe: the zero tensor `(batch, timesteps, units)`, in input order,
            added to the hidden states (watched by the tape, if one was given).
    """

    name: str
    layer: keras.layers.Layer
    inputs: object
    hidden: object
    probe: object


class _ProbedCell(keras.layers.Layer):
    """Runs `cell` on the first `input_features` features of each step and adds the rest (the probe) to `h_t`."""

    def __init__(self, cell, input_features, **kwargs):
        super().__init__(dtype=cell.dtype_policy, **kwargs)
        self.cell = cell
        self.input_features = input_features
        self.state_size = cell.state_size
        self.output_size = _units(cell)

    def build(self, input_shape):
        self.built = True

    def call(self, inputs, states, training=False):
        step_inputs = inputs[:, : self.input_features]
        probe = inputs[:, self.input_features :]
        cell_arguments = {"training": training} if self.cell._call_has_training_arg else {}
        output, new_states = self.cell(step_inputs, states, **cell_arguments)
        new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
        new_states[0] = new_states[0] + probe
        return output + probe, new_states


def _units(cell):
    output_size = getattr(cell, "output_size", None)
    if output_size is None:
        state_size = cell.state_size
        output_size = state_size[0] if isinstance(state_size, (list, tuple)) else state_size
    return int(output_size)


def recurrent_layers(model):
    """Returns `[(path, layer)]` for every traceable `keras.layers.RNN` inside `model`."""
    found = []
    seen = set()

    def visit(layer, prefix):
        for child in layer._flatten_layers(include_self=False, recursive=False):
            if id(child) in seen:
                continue
            seen.add(id(child))
            path = f"{prefix}{child.name}"
            if isinstance(child, keras.layers.RNN):
                if not isinstance(child, UNTRACED_LAYERS) and not isinstance(child.cell, keras.layers.StackedRNNCells):
                    found.append((path, child))
            else:
                visit(child, f"{path}/")

    visit(model, "")
    return found


def _probed_call(layer, name, traces, tape):
    def call(sequences, initial_state=None, mask=None, training=False):
        if not tf.executing_eagerly():
            # Keras tracing the model symbolically (building a subclassed model,
            # inferring output shapes): no values to record.
            return type(layer).call(layer, sequences, initial_state=initial_state, mask=mask, training=training)
        cell = layer.cell
        batch_size, timesteps = ops.shape(sequences)[0], ops.shape(sequences)[1]
        if initial_state is None:
            if layer.stateful:
                initial_state = [ops.convert_to_tensor(state) for state in layer.states]
            else:
                initial_state = layer.get_initial_state(batch_size)
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        initial_state = list(initial_state)

        probe = ops.zeros((batch_size, timesteps, _units(cell)), dtype=layer.compute_dtype)
        if tape is not None:
            tape.watch(probe)
        probed_layer = keras.layers.RNN(
            _ProbedCell(cell, sequences.shape[-1]),
            return_sequences=True,
            return_state=layer.return_state,
            go_backwards=layer.go_backwards,
            unroll=layer.unroll,
            zero_output_for_mask=layer.zero_output_for_mask,
            dtype=layer.dtype_policy,
        )
        if isinstance(cell, DropoutRNNCell):
            cell.get_dropout_mask(sequences[:, 0, :])
            cell.get_recurrent_dropout_mask(initial_state[0])
        try:
            result = probed_layer(
                ops.concatenate([sequences, ops.cast(probe, sequences.dtype)], axis=-1),
                initial_state=initial_state,
                mask=mask,
                training=training,
            )
        finally:
            if isinstance(cell, DropoutRNNCell):
                cell.reset_dropout_mask()
                cell.reset_recurrent_dropout_mask()
        sequence, *states = result if layer.return_state else (result,)
        hidden = ops.flip(sequence, axis=1) if layer.go_backwards else sequence
        calls = sum(1 for trace in traces if trace.layer is layer)
        traces.append(
            RecurrentLayerTrace(
                name=name if calls == 0 else f"{name} (call {calls + 1})",
                layer=layer,
                inputs=sequences,
                hidden=hidden,
                probe=probe,
            )
        )
        output = sequence if layer.return_sequences else sequence[:, -1]
        if layer.return_state:
            return (output, *states)
        return output

    return call


def trace(model, inputs, tape=None):
    """Calls `model(inputs, training=False)` recording every recurrent layer call.

    Args:
        model: a Keras model (or layer) containing `keras.layers.RNN` layers.
        inputs: what the model takes.
        tape: optional `tf.GradientTape`; each probe is watched by it.

    Returns:
        `(outputs, traces)`: the model outputs (the same values as a plain
        call) and a list of `RecurrentLayerTrace` in call order.

    Raises:
        ValueError: the model has no traceable recurrent layer, or none was
            called.
    """
    layers = recurrent_layers(model)
    if not layers:
        raise ValueError(
            f"Model {model.name!r} has no recurrent layer to inspect: the diagnostics "
            "need keras.layers.RNN layers (seqapps.layers.recurrent, keras.layers.LSTM/"
            "GRU/SimpleRNN, or Bidirectional wrappers of them), not over StackedRNNCells "
            "or ConvLSTM. Pass a model that contains one."
        )
    traces = []
    try:
        for name, layer in layers:
            layer.call = _probed_call(layer, name, traces, tape)
        outputs = model(inputs, training=False)
    finally:
        for _, layer in layers:
            if "call" in vars(layer):
                del layer.call
    if not traces:
        names = ", ".join(name for name, _ in layers)
        raise ValueError(
            f"None of the recurrent layers of model {model.name!r} ({names}) was called "
            "by model(inputs): they are not on the path from these inputs to the outputs."
        )
    return outputs, traces
