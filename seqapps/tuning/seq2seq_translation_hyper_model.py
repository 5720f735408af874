"""The Spanish -> English translation recipe as a keras-tuner hypermodel."""

import dataclasses
import logging

import keras

from seqapps import layers
from seqapps.tasks import seq2seq_translation as task
from seqapps.tuning.recipe_hyper_model import RecipeHyperModel
from seqapps.tuning.search_space import SearchSpace

logger = logging.getLogger(__name__)


class Seq2seqTranslationHyperModel(RecipeHyperModel):
    """Searches the attentional encoder-decoder (`seqapps.tasks.seq2seq_translation`).

    The pairs are loaded and the vocabularies built once (`prepare`), on the
    training pairs as in the recipe. Each trial trains with teacher forcing
    as the recipe does (its cosine learning-rate decay over the trial's
    epochs, clipping, early stopping after `patience` epochs). The
    objective is the validation loss (`val_loss`: the cross-entropy of the
    next reference word under teacher forcing), not BLEU: BLEU needs every
    validation sentence decoded word by word, which on 2 cores costs more
    than a small trial's training, and on the few sentences a trial could
    afford it is noisy; the validation loss is computed on every validation
    pair in one batched pass and tracks BLEU. `retrain` reports the test
    BLEU and chrF.

    The space: the cell, units, dropout, learning rate, batch size, and the
    choices `attention` (`luong`, `bahdanau`) and `embedding_dim`. The
    translator has one recurrent layer per side, so `layers` is fixed at 1.

    `retrain` runs the recipe itself (`seq2seq_translation.train`) with the
    best hyperparameters for the best trial's epochs (and `trial_minutes` as
    its time budget): it trains on the training pairs only, because the
    recipe stops early and keeps the best epoch by the validation loss. It
    writes the run folder to `best_model/`, scores the test pairs (greedy and
    beam search) and exports to `<export_root>/spa_eng_translator/<version>/`.

    Args:
        recipe_options: fields of `TranslationConfig`, e.g.
            `{"data": "spa.txt", "max_pairs": 5000}`, and `preset` (`quick`).
        space: overrides of the default search space.
        objective: `val_loss` (default), `val_masked_accuracy`, `loss` or
            `masked_accuracy`.
        trial_minutes: each trial's time budget (and the retraining's).

    Example:

    >>> hypermodel = Seq2seqTranslationHyperModel({"preset": "quick"}, space={"units": [64, 128]})
    >>> hypermodel.objective.name, hypermodel.space.choices["attention"]
    ('val_loss', ('luong', 'bahdanau'))
    """

    recipe = "seq2seq_translation"
    config_class = task.TranslationConfig
    default_space = SearchSpace(
        cells=layers.KINDS,
        units=(64, 256),
        layers=(1, 1),
        dropout=(0.0, 0.4),
        learning_rate=(5e-4, 5e-3),
        batch_sizes=(32, 64),
        choices={"attention": ("luong", "bahdanau"), "embedding_dim": (64, 128, 256)},
    )
    metric_directions = {"val_loss": "min", "val_masked_accuracy": "max", "loss": "min", "masked_accuracy": "max"}
    default_objective = "val_loss"
    hyperparameter_fields = (
        "cell",
        "units",
        "dropout",
        "learning_rate",
        "batch_size",
        "attention",
        "embedding_dim",
    )

    def __init__(self, recipe_options=None, space=None, objective=None, trial_minutes=None):
        super().__init__(recipe_options, space, objective, trial_minutes)
        self.data = None

    def prepare(self):
        if self.data is None:
            pairs, train_pairs, _, description = task.split_pairs(self.config)
            logger.info(description)
            self.data = pairs, train_pairs, task.build_vocabularies(self.config, train_pairs)

    def trial_config(self, values):
        if values["layers"] != 1:
            raise ValueError(f"the translator has one recurrent layer per side, got layers={values['layers']}.")
        return dataclasses.replace(
            self.config,
            cell=values["cell"],
            units=values["units"],
            dropout=values["dropout"],
            learning_rate=values["learning_rate"],
            batch_size=values["batch_size"],
            attention=values["attention"],
            embedding_dim=values["embedding_dim"],
        )

    def build_model(self, values):
        self.prepare()
        config = self.trial_config(values)
        _, train_pairs, vocabularies = self.data
        translator = task.build_translator(config, *vocabularies)
        steps_per_epoch = int(task.pair_dataset(translator, train_pairs, config, shuffle=False).cardinality())
        return task.compile_translator(translator, config, steps_per_epoch)

    def fit_model(self, values, model, epochs, initial_epoch, callbacks):
        config = self.trial_config(values)
        pairs, train_pairs, _ = self.data
        early_stopping = keras.callbacks.EarlyStopping(
            monitor=self.objective.name, mode=self.objective.direction, patience=config.patience
        )
        return model.fit(
            task.pair_dataset(model, train_pairs, config, shuffle=True),
            validation_data=task.pair_dataset(model, pairs.validation, config, shuffle=False),
            epochs=epochs,
            initial_epoch=initial_epoch,
            callbacks=[*callbacks, early_stopping],
            shuffle=False,
            verbose=config.verbose,
        )

    def retrain(self, values, epochs, output_dir):
        config = self.recipe_retraining_config(values, epochs, output_dir)
        logger.info(
            f"Retraining the best hyperparameters as the recipe does, for up to {epochs} epoch(s): on the training "
            "pairs, the validation pairs kept for early stopping."
        )
        result = task.train(config)
        final = {
            f"test_{name}_{decoding}": float(result.metrics[decoding][name])
            for decoding in ("greedy", "beam")
            for name in ("bleu", "chrf")
        }
        final.update(
            {
                "epochs_trained": result.epochs_trained,
                "model_path": str(result.run_dir / "translator.weights.h5"),
                "export_path": str(result.export_path),
            }
        )
        return final
