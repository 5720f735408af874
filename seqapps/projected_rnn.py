"""`ProjectedRNN`: `keras.layers.RNN` with the input projection of every step taken out of the recurrence.

A recurrent step computes `x_t W + h_{t-1} U + b`. The first term depends on
the inputs only, so it can be computed for all steps at once, as one matrix
multiply of `(batch * steps, features)` by `W`, before the loop; the loop then
multiplies only the hidden state. The result is the same as `keras.layers.RNN`
over the same cell (up to float rounding), with fewer, larger matrix
multiplies: faster on CPUs, most of all in the backward pass, where the
gradient of `W` becomes one matrix multiply instead of one per step.
"""

import keras
# The loop of keras.layers.RNN itself (not exported as keras.backend.rnn), so masks, go_backwards and
# unroll behave exactly as in keras.layers.RNN.
from keras.src.backend import rnn as backend_rnn

from seqapps.cells.recurrent_cell import RecurrentCell


@keras.saving.register_keras_serializable(package="seqapps")
class ProjectedRNN(keras.layers.RNN):
    """A recurrent layer over a seqapps cell that projects the inputs of all steps before the recurrence.

    It takes every argument of `keras.layers.RNN` and behaves the same: masks,
    `go_backwards`, `stateful`, `return_sequences`, `return_state`, dropout and
    recurrent dropout (one mask per sequence, as in `keras.layers.RNN`).

    Args:
        cell: a `seqapps.cells.RecurrentCell` (every cell in `seqapps.cells.REGISTRY`).
        **kwargs: the arguments of `keras.layers.RNN`.

    Call arguments:
        sequences: `(batch, steps, features)`.
        initial_state: optional list of initial state tensors.
        mask: optional boolean `(batch, steps)`, `True` for steps to read.
        training: whether dropout is applied.

    Example:

    >>> layer = ProjectedRNN(seqapps.cells.LSTMCell(16), return_sequences=True)
    >>> layer(keras.ops.ones((2, 7, 3))).shape
    (2, 7, 16)
    """

    def __init__(self, cell, **kwargs):
        if isinstance(cell, dict):
            cell = keras.saving.deserialize_keras_object(cell)
        if not isinstance(cell, RecurrentCell):
            raise ValueError(
                f"ProjectedRNN needs a seqapps cell (a seqapps.cells.RecurrentCell), got {type(cell).__name__}; "
                "use keras.layers.RNN for other cells."
            )
        super().__init__(cell, **kwargs)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        projected = self.cell.project_inputs(sequences, training=training)

        def step(inputs, states):
            output, new_states = self.cell.call_projected(inputs, states, training=training)
            return output, new_states if isinstance(new_states, (list, tuple)) else [new_states]

        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        return backend_rnn(
            step,
            projected,
            list(initial_state),
            go_backwards=self.go_backwards,
            mask=mask,
            unroll=self.unroll,
            input_length=projected.shape[1],
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences,
        )

