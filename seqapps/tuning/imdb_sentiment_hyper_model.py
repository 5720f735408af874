"""The IMDB sentiment recipe as a keras-tuner hypermodel."""

import dataclasses
import logging
from pathlib import Path

import keras

from seqapps import layers
from seqapps.tasks import imdb_sentiment
from seqapps.tuning.recipe_hyper_model import RecipeHyperModel
from seqapps.tuning.search_space import SearchSpace

logger = logging.getLogger(__name__)


class ImdbSentimentHyperModel(RecipeHyperModel):
    """Searches the IMDB sentiment classifier (`seqapps.tasks.imdb_sentiment`).

    The reviews are loaded and the vocabulary built once (`prepare`), on the
    training split as in the recipe; each trial tokenizes with it. Besides the
    common hyperparameters (cell, units, layers, dropout, learning rate, batch
    size) the space has `bidirectional`, `embedding_dim` and `pooling` (how
    the encoder outputs are pooled over time). Each trial stops early when
    the objective has not improved for the recipe's `patience` epochs.
    `retrain` trains on train+validation with the training split's
    vocabulary, saves `model.keras` (raw text -> probability) and exports the
    servable model to `<export_root>/imdb_sentiment/<version>/`.

    Args:
        recipe_options: fields of `ImdbSentimentConfig`, e.g.
            `{"limit": 2000, "data": "path/to/aclImdb"}`, and `preset`
            (`{"preset": "quick"}`: its subset, epochs and sizes).
        space: overrides of the default search space.
        objective: `val_accuracy` (default), `val_loss`, `accuracy` or `loss`.

    Example:

    >>> hypermodel = ImdbSentimentHyperModel({"preset": "quick"}, space={"cells": ["gru", "keras_gru"]})
    >>> hypermodel.objective.name, hypermodel.space.choices["pooling"]
    ('val_accuracy', ('max_average', 'max', 'average'))
    """

    recipe = "imdb_sentiment"
    config_class = imdb_sentiment.ImdbSentimentConfig
    default_space = SearchSpace(
        cells=layers.KINDS,
        units=(16, 64),
        layers=(1, 2),
        dropout=(0.0, 0.5),
        learning_rate=(3e-4, 1e-2),
        batch_sizes=(32, 64),
        choices={
            "bidirectional": (True, False),
            "embedding_dim": (32, 64, 128),
            "pooling": ("max_average", "max", "average"),
        },
    )
    metric_directions = {"val_accuracy": "max", "val_loss": "min", "accuracy": "max", "loss": "min"}
    default_objective = "val_accuracy"
    hyperparameter_fields = (
        "cell",
        "units",
        "layers",
        "dropout",
        "learning_rate",
        "batch_size",
        "bidirectional",
        "embedding_dim",
        "pooling",
    )

    def __init__(self, recipe_options=None, space=None, objective=None, trial_minutes=None):
        super().__init__(recipe_options, space, objective, trial_minutes)
        self.data = None

    def prepare(self):
        if self.data is None:
            self.data = imdb_sentiment.prepare_data(self.config)

    def classes(self):
        """The number of classes the classifier outputs (IMDB: positive and negative)."""
        return len(imdb_sentiment.LABELS)

    def export(self, config, model):
        """Saves `model.keras` and exports the servable model; returns the export path."""
        return imdb_sentiment.export_text_model(config, self.data, model)

    def trial_config(self, values):
        return dataclasses.replace(
            self.config,
            cell=values["cell"],
            units=values["units"],
            layers=values["layers"],
            dropout=values["dropout"],
            learning_rate=values["learning_rate"],
            batch_size=values["batch_size"],
            bidirectional=values["bidirectional"],
            embedding_dim=values["embedding_dim"],
            pooling=values["pooling"],
        )

    def build_model(self, values):
        config = self.trial_config(values)
        return imdb_sentiment.compile_model(imdb_sentiment.build_model(config, self.classes()), config.learning_rate)

    def fit_model(self, values, model, epochs, initial_epoch, callbacks):
        config = self.trial_config(values)
        reviews, vectorizer = self.data.texts, self.data.vectorizer
        early_stopping = keras.callbacks.EarlyStopping(
            monitor=self.objective.name, mode=self.objective.direction, patience=config.patience
        )
        return model.fit(
            imdb_sentiment.token_batches(vectorizer, reviews.train, config.batch_size, config.seed),
            validation_data=imdb_sentiment.token_batches(vectorizer, reviews.validation, config.batch_size),
            epochs=epochs,
            initial_epoch=initial_epoch,
            callbacks=[*callbacks, early_stopping],
            shuffle=False,
            verbose=config.verbose,
        )

    def retrain(self, values, epochs, output_dir):
        self.prepare()
        config = dataclasses.replace(self.trial_config(values), epochs=epochs, run_dir=str(output_dir))
        reviews, vectorizer = self.data.texts, self.data.vectorizer
        model = self.build_seeded(values)
        model.fit(
            imdb_sentiment.token_batches(
                vectorizer, reviews.train.concatenate(reviews.validation), config.batch_size, config.seed
            ),
            epochs=epochs,
            shuffle=False,
            verbose=config.verbose,
        )
        test_loss, test_accuracy = model.evaluate(
            imdb_sentiment.token_batches(vectorizer, reviews.test, config.batch_size), verbose=0
        )
        logger.info(
            f"Best hyperparameters retrained on train+validation for {epochs} epoch(s): "
            f"test accuracy {test_accuracy:.4f}"
        )
        export_path = self.export(config, model)
        return {
            "test_accuracy": float(test_accuracy),
            "test_loss": float(test_loss),
            "model_path": str(Path(output_dir) / "model.keras"),
            "export_path": str(export_path),
        }
