import re
from pathlib import Path

import keras
import numpy as np

from seqapps import saving
from seqapps.masked_global_pooling import MaskedGlobalPooling1D

PACKAGE = Path(saving.__file__).parent


def test_every_module_that_registers_serializables_is_listed():
    registering = set()
    for path in PACKAGE.rglob("*.py"):
        if "register_keras_serializable" in path.read_text() and path.name != "saving.py":
            module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
            registering.add(re.sub(r"\.(\w+_cell|recurrent_cell)$", "", module))
    assert registering <= set(saving.SERIALIZABLE_MODULES)


def test_load_model_round_trip(tmp_path):
    inputs = keras.Input((3, 2))
    model = keras.Model(inputs, MaskedGlobalPooling1D("max")(inputs))
    model.save(tmp_path / "model.keras")
    batch = np.arange(12, dtype="float32").reshape(2, 3, 2)
    np.testing.assert_allclose(saving.load_model(tmp_path / "model.keras")(batch), model(batch))
