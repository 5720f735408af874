import keras
import numpy as np
import pytest

from seqapps.layers.masked_global_pooling import MaskedGlobalPooling1D

VALUES = np.array([[[1.0, -5.0], [3.0, -2.0], [100.0, 100.0]], [[-1.0, -4.0], [9.0, 9.0], [9.0, 9.0]]], "float32")
MASK = np.array([[True, True, False], [True, False, False]])


def test_masked_steps_are_ignored():
    np.testing.assert_allclose(MaskedGlobalPooling1D("max")(VALUES, mask=MASK), [[3.0, -2.0], [-1.0, -4.0]])
    np.testing.assert_allclose(MaskedGlobalPooling1D("average")(VALUES, mask=MASK), [[2.0, -3.5], [-1.0, -4.0]])
    both = MaskedGlobalPooling1D("max_average")(VALUES, mask=MASK)
    np.testing.assert_allclose(both, [[3.0, -2.0, 2.0, -3.5], [-1.0, -4.0, -1.0, -4.0]])


def test_fully_masked_sequence_pools_to_zeros():
    output = MaskedGlobalPooling1D("max_average")(VALUES, mask=np.zeros((2, 3), bool))
    np.testing.assert_array_equal(output, np.zeros((2, 4)))


def test_without_mask_pools_everything():
    np.testing.assert_allclose(MaskedGlobalPooling1D("max")(VALUES), VALUES.max(axis=1))


def test_mask_from_embedding_is_consumed_and_serializes(tmp_path):
    inputs = keras.Input((3,), dtype="int32")
    embedded = keras.layers.Embedding(5, 2, mask_zero=True)(inputs)
    outputs = MaskedGlobalPooling1D("average")(embedded)
    model = keras.Model(inputs, outputs)
    ids = np.array([[1, 2, 0], [0, 0, 0]])
    table = np.asarray(model.layers[1].embeddings)
    np.testing.assert_allclose(model(ids)[0], table[[1, 2]].mean(axis=0), atol=1e-6)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(loaded(ids), model(ids))


def test_bad_mode():
    with pytest.raises(ValueError, match="'median'"):
        MaskedGlobalPooling1D("median")
