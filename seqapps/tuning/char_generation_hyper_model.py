"""The character-generation recipe as a keras-tuner hypermodel."""

import dataclasses
import logging
from pathlib import Path

import keras

from seqapps import layers
from seqapps.tasks import char_generation as task
from seqapps.tuning.recipe_hyper_model import RecipeHyperModel
from seqapps.tuning.search_space import SearchSpace

logger = logging.getLogger(__name__)


class CharGenerationHyperModel(RecipeHyperModel):
    """Searches the character language model (`seqapps.tasks.char_generation`).

    The text is loaded and encoded once (`prepare`). Each trial trains one
    model (no ensemble) the way the recipe trains each member: truncated BPTT
    or independent windows (`tbptt`), the cosine learning-rate decay over the
    trial's epochs (`PlannedCosineDecay`: with `trial_minutes` the decay is
    planned to end with the budget, so a cut-short trial still ends on a low
    learning rate), the weight average with validation on the averaged
    weights, and early stopping after `patience` epochs. The objective,
    `val_loss`, is the validation cross-entropy in nats per character (the
    recipe's `nats_per_character`, here over the validation windows).

    The space: the cell, units, layers, dropout, learning rate, batch size,
    and the choices `sequence_length` (the BPTT length) and `ema_momentum`
    (the weight average; 0: none).

    `retrain` runs the recipe itself (`char_generation.train`) with the best
    hyperparameters for the best trial's epochs (and `trial_minutes` as its
    time budget) and the recipe options' `ensemble`: it trains on the training
    text only, because the recipe stops early and keeps the best epoch by the
    validation loss. It writes the run folder to `best_model/`, reports the
    validation and test nats per character (scored on the whole text, as the
    recipe does) and exports to `<export_root>/char_generator/<version>/`.

    Args:
        recipe_options: fields of `CharGenerationConfig`, e.g.
            `{"text": "input.txt", "max_characters": 200000}`, and `preset`
            (`quick`).
        space: overrides of the default search space.
        objective: `val_loss` (default) or `loss`.
        trial_minutes: each trial's time budget (and the retraining's).

    Example:

    >>> hypermodel = CharGenerationHyperModel({"preset": "quick"}, space={"cells": ["lstm", "keras_lstm"]})
    >>> hypermodel.objective.name, hypermodel.space.choices["sequence_length"]
    ('val_loss', (50, 100))
    """

    recipe = "char_generation"
    config_class = task.CharGenerationConfig
    default_space = SearchSpace(
        cells=layers.KINDS,
        units=(128, 512),
        layers=(1, 3),
        dropout=(0.0, 0.4),
        learning_rate=(1e-3, 1e-2),
        batch_sizes=(32, 64),
        choices={"sequence_length": (50, 100), "ema_momentum": (0.999, 0.0)},
    )
    metric_directions = {"val_loss": "min", "loss": "min"}
    default_objective = "val_loss"
    hyperparameter_fields = (
        "cell",
        "units",
        "layers",
        "dropout",
        "learning_rate",
        "batch_size",
        "sequence_length",
        "ema_momentum",
    )

    def __init__(self, recipe_options=None, space=None, objective=None, trial_minutes=None):
        super().__init__(recipe_options, space, objective, trial_minutes)
        self.data = None

    def prepare(self):
        if self.data is None:
            _, vocabulary, ids, description = task.encode_corpus(self.config)
            logger.info(description)
            self.data = vocabulary, ids

    def trial_config(self, values):
        return dataclasses.replace(
            self.config,
            ensemble=1,
            cell=values["cell"],
            units=values["units"],
            layers=values["layers"],
            dropout=values["dropout"],
            learning_rate=values["learning_rate"],
            batch_size=values["batch_size"],
            sequence_length=values["sequence_length"],
            ema_momentum=values["ema_momentum"],
        )

    def build_model(self, values):
        self.prepare()
        config = self.trial_config(values)
        vocabulary, ids = self.data
        train_data, _ = task.training_datasets(config, ids)
        model, _, _ = task.compile_language_model(config, vocabulary.size, int(train_data.cardinality()))
        return model

    def fit_model(self, values, model, epochs, initial_epoch, callbacks):
        config = self.trial_config(values)
        train_data, validation_data = task.training_datasets(config, self.data[1])
        before = [task.ResetStates()] if config.tbptt else []
        if model.optimizer.use_ema:
            # Validation, early stopping and the trial's checkpoint see the averaged weights, as in the recipe.
            before.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
        early_stopping = keras.callbacks.EarlyStopping(
            monitor=self.objective.name, mode=self.objective.direction, patience=config.patience
        )
        return model.fit(
            train_data,
            validation_data=validation_data,
            epochs=epochs,
            initial_epoch=initial_epoch,
            callbacks=[*before, *callbacks, early_stopping],
            shuffle=False,
            verbose=config.verbose,
        )

    def retrain(self, values, epochs, output_dir):
        config = self.recipe_retraining_config(values, epochs, output_dir, ensemble=self.config.ensemble)
        logger.info(
            f"Retraining the best hyperparameters as the recipe does ({config.ensemble} model(s), up to {epochs} "
            "epoch(s)): on the training text, the validation text kept for early stopping."
        )
        result = task.train(config)
        final = {
            f"{split}_{name}": float(result.metrics[split][name])
            for split in ("validation", "test")
            for name in ("nats_per_character", "bits_per_character")
        }
        final.update(
            {
                "epochs_trained": result.epochs_trained,
                "model_path": str(Path(output_dir) / "model.keras"),
                "export_path": str(result.export_path),
            }
        )
        return final
