"""The callbacks of a training run: state resets for truncated BPTT, a sample after each epoch."""

import logging

import keras

logger = logging.getLogger(__name__)


class ResetStates(keras.callbacks.Callback):
    """Zeroes the stateful layers' states at each epoch start and around validation."""

    def _reset(self, *arguments):
        for layer in self.model.layers:
            if getattr(layer, "stateful", False):
                layer.reset_state()

    on_epoch_begin = on_test_begin = on_test_end = _reset


class PrintSample(keras.callbacks.Callback):
    """Logs a generated sample after every epoch (the generator gets the model's current weights).

    Args:
        generator: a `CharGenerator` of one model with the trained model's architecture.
        config: the `CharGenerationConfig` (its sampling settings and seed).
        prompt: the text the samples continue.

    The samples, by epoch (from 1), are kept in `samples`.
    """

    def __init__(self, generator, config, prompt):
        super().__init__()
        self.generator, self.config, self.prompt = generator, config, prompt
        self.samples = {}

    def on_epoch_end(self, epoch, logs=None):
        self.generator.copy_weights_from(self.model)
        text = self.generator.generate(
            [self.prompt],
            self.config.sample_length,
            self.config.temperature,
            self.config.top_k,
            self.config.top_p,
            seed=self.config.seed + epoch,
        )[0]
        self.samples[epoch + 1] = text
        logger.info(
            f"--- sample after epoch {epoch + 1} (temperature {self.config.temperature}) ---\n{self.prompt}{text}\n---"
        )
