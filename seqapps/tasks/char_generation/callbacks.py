"""The callbacks of a training run: state resets for truncated BPTT, a sample after each epoch."""

import keras


class ResetStates(keras.callbacks.Callback):
    """Zeroes the stateful layers' states at each epoch start and around validation."""

    def _reset(self, *arguments):
        for layer in self.model.layers:
            if getattr(layer, "stateful", False):
                layer.reset_state()

    on_epoch_begin = on_test_begin = on_test_end = _reset


class PrintSample(keras.callbacks.Callback):
    """Prints a generated sample after every epoch (the generator gets the model's current weights)."""

    def __init__(self, generator, config, prompt, print_function):
        super().__init__()
        self.generator, self.config, self.prompt, self.print_function = generator, config, prompt, print_function
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
        self.print_function(
            f"--- sample after epoch {epoch + 1} (temperature {self.config.temperature}) ---\n{self.prompt}{text}\n---"
        )
