"""Hyperparameter tuning of the recipes with keras-tuner, on one machine or many.

Every recipe has a `keras_tuner.HyperModel` here (`<recipe>_hyper_model.py`)
whose search space includes the recurrent cell itself: seqapps' custom cells
and the Keras built-ins compete in the same search. `search.tune(config)`
runs a search described by a `TuningConfig` (`seqapps tune RECIPE ...` and
`recipes/<recipe>.py --tune` build one from their flags), writes the results
table, TensorBoard HParams logs and the best hyperparameters into the tuner
directory, and retrains the best model (on train+validation for
`imdb_sentiment`, `text_classification` and `sequence_sum`; by the recipe
itself, validation kept for early stopping, for `timeseries_forecasting`,
`char_generation` and `seq2seq_translation`). `trial_minutes`
(`--trial-minutes`) gives every trial a time budget.

The recipes, their objectives and one tiny search each:

    seqapps tune sequence_sum --max-trials 2 --max-epochs 1 --set train_size=500        # val_accuracy
    seqapps tune imdb_sentiment --set preset=quick --max-trials 2                        # val_accuracy
    seqapps tune text_classification --set data=texts.csv --set preset=quick --max-trials 2  # val_accuracy
    seqapps tune timeseries_forecasting --set preset=quick --max-trials 2 --trial-minutes 1  # val_mae (ETTh1)
    seqapps tune char_generation --set preset=quick --max-trials 2 --trial-minutes 1     # val_loss (nats/char)
    seqapps tune seq2seq_translation --set preset=quick --max-trials 2 --trial-minutes 1  # val_loss

`RECIPES` (what the command line offers) and `HYPERMODELS` are plain data;
the hypermodel classes, which import the recipes' tasks, are imported on
demand by `hypermodel_class`. This module imports no TensorFlow itself, but
`import seqapps` does (it registers the Keras classes), so importing it is
not light.

Adding a recipe: write `seqapps/tuning/<recipe>_hyper_model.py` with a
`RecipeHyperModel` subclass (see `sequence_sum_hyper_model.py`) and add one
line to `HYPERMODELS`.

Example:

```python
from seqapps.tuning import search
from seqapps.tuning.tuning_config import TuningConfig

config = TuningConfig(
    "sequence_sum", max_trials=2, max_epochs=1, directory="runs/tuning",
    space={"cells": ["lstm", "keras_lstm"], "units": [8, 16]},
    recipe_options={"length": 6, "train_size": 256, "validation_size": 64, "test_size": 64},
)
result = search.tune(config)
print(result.best["hyperparameters"], result.final["test_accuracy"])
```
"""

import importlib

# Recipe name -> "module:class" of its hypermodel.
HYPERMODELS = {
    "char_generation": "seqapps.tuning.char_generation_hyper_model:CharGenerationHyperModel",
    "imdb_sentiment": "seqapps.tuning.imdb_sentiment_hyper_model:ImdbSentimentHyperModel",
    "seq2seq_translation": "seqapps.tuning.seq2seq_translation_hyper_model:Seq2seqTranslationHyperModel",
    "sequence_sum": "seqapps.tuning.sequence_sum_hyper_model:SequenceSumHyperModel",
    "text_classification": "seqapps.tuning.text_classification_hyper_model:TextClassificationHyperModel",
    "timeseries_forecasting": ("seqapps.tuning.timeseries_forecasting_hyper_model:TimeseriesForecastingHyperModel"),
}
RECIPES = tuple(HYPERMODELS)


def hypermodel_class(recipe):
    """The `RecipeHyperModel` subclass of `recipe` (a name from `RECIPES`)."""
    if recipe not in HYPERMODELS:
        raise ValueError(f"No hypermodel for recipe {recipe!r}: tunable recipes are {', '.join(RECIPES)}.")
    module_name, class_name = HYPERMODELS[recipe].split(":")
    return getattr(importlib.import_module(module_name), class_name)
