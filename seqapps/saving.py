"""Loading `.keras` files that use seqapps classes and functions."""

import importlib

import keras

# The modules whose classes and functions are registered with
# `keras.saving.register_keras_serializable(package="seqapps")`.
SERIALIZABLE_MODULES = (
    "seqapps.cells",
    "seqapps.layers",
    "seqapps.tasks.seq2seq_translation.model",
    "seqapps.tasks.seq2seq_translation.preprocessing",
    "seqapps.tasks.timeseries_forecasting.model",
    "seqapps.text",
    "seqapps.training",
)


def register_all():
    """Imports every module of `SERIALIZABLE_MODULES`, which registers their classes and functions with Keras.

    `import seqapps` calls it; after that, plain `keras.models.load_model` reads files that use seqapps classes.
    """
    for module in SERIALIZABLE_MODULES:
        importlib.import_module(module)


def load_model(path):
    """`keras.saving.load_model(path, safe_mode=True)` with every seqapps serializable registered."""
    register_all()
    return keras.saving.load_model(path, safe_mode=True)
