import re
from pathlib import Path

import keras
import numpy as np
import pytest

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


def test_load_model_refuses_code_hidden_in_a_keras_file(tmp_path):
    """A `.keras` file can carry Python bytecode (a `Lambda` layer's function); safe mode never runs it."""
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda values: values * 2)(inputs))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode"):
        saving.load_model(tmp_path / "lambda.keras")


def test_nothing_in_the_package_unpickles():
    """Loading goes through `saving.load_model` (safe mode), JSON, `.weights.h5` and `np.load(allow_pickle=False)`."""
    unsafe = re.compile(
        r"\bimport (c?pickle|dill|joblib|shelve|marshal)\b|\bpickle\.loads?\(|safe_mode\s*=\s*False"
        r"|allow_pickle\s*=\s*True|enable_unsafe_deserialization|\bnp\.load\((?![^)]*allow_pickle=False)"
    )
    sources = [*PACKAGE.rglob("*.py"), *(PACKAGE.parent / "recipes").glob("*.py")]
    found = [f"{path}:{number}: {line.strip()}" for path in sources
             for number, line in enumerate(path.read_text().splitlines(), start=1) if unsafe.search(line)]
    assert len(sources) > 20 and found == []
