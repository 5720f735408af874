"""The character language model, and its layers stepped one character at a time."""

import keras
import tensorflow as tf

from seqapps import layers


def build_language_model(config, vocabulary_size, batch_size=None, stateful=False):
    """The language model: ids `(batch, steps)` -> next-character logits `(batch, steps, vocabulary_size)`.

    With `stateful=True` (truncated BPTT) the recurrent layers keep their
    state between batches, which needs a fixed `batch_size`.
    """
    ids = keras.Input((None,), batch_size=batch_size, dtype="int32", name="ids")
    hidden = keras.layers.Embedding(vocabulary_size, config.embedding_dim, name="embedding")(ids)
    for index in range(config.layers):
        hidden = layers.recurrent(
            config.cell,
            config.units,
            return_sequences=True,
            stateful=stateful,
            recurrent_dropout=config.recurrent_dropout,
            name=f"{config.cell}_{index + 1}",
        )(hidden)
        if config.dropout:
            hidden = keras.layers.Dropout(config.dropout, name=f"dropout_{index + 1}")(hidden)
    logits = keras.layers.Dense(vocabulary_size, name="logits")(hidden)
    return keras.Model(ids, logits, name=f"char_language_model_{config.cell}")


class LanguageModelLayers:
    """One language model's layers, stateless, with its recurrent state as one matrix.

    The state is a float32 matrix `[batch, state_size]`: every layer's state
    vectors side by side (e.g. `h` and `c` of each LSTM layer). The layers
    have the names of `build_language_model`'s, so `copy_weights_from` loads a
    model trained either way (stateful or not).

    Args:
        config: the `CharGenerationConfig` of the model (architecture fields).
        vocabulary_size: the number of character ids.
    """

    def __init__(self, config, vocabulary_size):
        self.embedding = keras.layers.Embedding(vocabulary_size, config.embedding_dim, name="embedding")
        self.recurrent_layers = [
            layers.recurrent(
                config.cell, config.units, return_sequences=True, return_state=True, name=f"{config.cell}_{index + 1}"
            )
            for index in range(config.layers)
        ]
        self.output_layer = keras.layers.Dense(vocabulary_size, name="logits")
        self.state_sizes = [layers.flat_state_sizes(layer.cell) for layer in self.recurrent_layers]
        self.state_size = sum(sum(sizes) for sizes in self.state_sizes)

    @property
    def layers(self):
        return [self.embedding, *self.recurrent_layers, self.output_layer]

    def copy_weights_from(self, model):
        """Loads the weights of a model from `build_language_model` with the same settings."""
        for layer in self.layers:
            layer.set_weights(model.get_layer(layer.name).get_weights())

    def _split_state(self, state):
        flat = tf.split(state, [size for sizes in self.state_sizes for size in sizes], axis=-1)
        per_layer, position = [], 0
        for sizes in self.state_sizes:
            per_layer.append(flat[position : position + len(sizes)])
            position += len(sizes)
        return per_layer

    @staticmethod
    def _join_state(per_layer):
        return tf.concat([tf.cast(vector, tf.float32) for states in per_layer for vector in states], axis=-1)

    def step(self, ids, state):
        """One character per row: ids `[batch]`, state -> next-character logits `[batch, vocabulary]`, state."""
        hidden = self.embedding(ids)
        new_states = []
        for layer, states in zip(self.recurrent_layers, self._split_state(state)):
            states = states if len(states) > 1 else states[0]
            hidden, states = layer.cell(hidden, states, training=False)
            new_states.append(list(keras.tree.flatten(states)))
        return tf.cast(self.output_layer(hidden), tf.float32), self._join_state(new_states)

    def stream(self, ids, state):
        """A whole window `[batch, steps]` through the recurrent layers from `state`."""
        hidden = self.embedding(ids)
        new_states = []
        for layer, states in zip(self.recurrent_layers, self._split_state(state)):
            hidden, *states = layer(hidden, initial_state=list(states), training=False)
            new_states.append(states)
        return tf.cast(self.output_layer(hidden), tf.float32), self._join_state(new_states)
