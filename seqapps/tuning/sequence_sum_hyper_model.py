"""The sequence-sum recipe as a keras-tuner hypermodel."""

import dataclasses
import logging
from pathlib import Path

import numpy as np

from seqapps import layers
from seqapps.tasks import sequence_sum
from seqapps.tuning.recipe_hyper_model import RecipeHyperModel
from seqapps.tuning.search_space import SearchSpace

logger = logging.getLogger(__name__)


class SequenceSumHyperModel(RecipeHyperModel):
    """Searches the sequence-sum counting model (`seqapps.tasks.sequence_sum`).

    The sequences are generated once (`prepare`). Besides the common
    hyperparameters (cell, units, layers, dropout after each recurrent layer,
    learning rate, batch size) the space has `bidirectional`. The recipe has
    no servable export: `retrain` saves `model.keras` and reports the test
    accuracy next to the majority-class baseline.

    Args:
        recipe_options: fields of `SequenceSumConfig` (`length`,
            `train_size`, `validation_size`, `test_size`, `epochs`, `seed`,
            `verbose`, ...).
        space: overrides of the default search space.
        objective: `val_accuracy` (default), `val_loss`, `accuracy` or `loss`.

    Example:

    >>> hypermodel = SequenceSumHyperModel({"length": 8}, space={"units": [8, 16]})
    >>> hypermodel.space.units, hypermodel.objective.direction
    ((8, 16), 'max')
    """

    recipe = "sequence_sum"
    config_class = sequence_sum.SequenceSumConfig
    default_space = SearchSpace(
        cells=layers.KINDS,
        units=(8, 32),
        layers=(1, 2),
        dropout=(0.0, 0.2),
        learning_rate=(1e-3, 3e-2),
        batch_sizes=(32, 64),
        choices={"bidirectional": (False, True)},
    )
    metric_directions = {"val_accuracy": "max", "val_loss": "min", "accuracy": "max", "loss": "min"}
    default_objective = "val_accuracy"
    hyperparameter_fields = ("kinds", "units", "learning_rate", "batch_size")

    def __init__(self, recipe_options=None, space=None, objective=None, trial_minutes=None):
        super().__init__(recipe_options, space, objective, trial_minutes)
        self.data = None

    def prepare(self):
        if self.data is None:
            self.data = sequence_sum.prepare_data(self.config)
            logger.info(
                f"Sequence sum: {self.config.train_size}/{self.config.validation_size}/{self.config.test_size} "
                f"generated binary sequences of length {self.config.length}"
            )

    def trial_config(self, values):
        return dataclasses.replace(
            self.config,
            kinds=(values["cell"],),
            units=values["units"],
            learning_rate=values["learning_rate"],
            batch_size=values["batch_size"],
        )

    def build_model(self, values):
        config = self.trial_config(values)
        model = sequence_sum.build_model(
            values["cell"],
            config.length,
            config.units,
            layers=values["layers"],
            bidirectional=values["bidirectional"],
            dropout=values["dropout"],
        )
        return sequence_sum.compile_model(model, config.learning_rate)

    def fit_model(self, values, model, epochs, initial_epoch, callbacks):
        config = self.trial_config(values)
        return model.fit(
            *self.data.train,
            validation_data=self.data.validation,
            epochs=epochs,
            initial_epoch=initial_epoch,
            batch_size=config.batch_size,
            callbacks=callbacks,
            verbose=config.verbose,
        )

    def retrain(self, values, epochs, output_dir):
        self.prepare()
        config = self.trial_config(values)
        model = self.build_seeded(values)
        sequences = np.concatenate([self.data.train[0], self.data.validation[0]])
        sums = np.concatenate([self.data.train[1], self.data.validation[1]])
        model.fit(sequences, sums, epochs=epochs, batch_size=config.batch_size, verbose=config.verbose)
        test_loss, test_accuracy = model.evaluate(*self.data.test, verbose=0)
        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        model.save(output_dir / "model.keras")
        logger.info(
            f"Best hyperparameters retrained on train+validation for {epochs} epoch(s): test accuracy "
            f"{test_accuracy:.4f} (baseline, most frequent sum: {self.data.baseline_accuracy:.4f}); "
            f"sequence_sum has no servable export, the model is saved to {output_dir / 'model.keras'}"
        )
        return {
            "test_accuracy": float(test_accuracy),
            "test_loss": float(test_loss),
            "baseline_test_accuracy": self.data.baseline_accuracy,
            "model_path": str(output_dir / "model.keras"),
        }
