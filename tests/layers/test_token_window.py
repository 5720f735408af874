import keras
import numpy as np
import pytest
import tensorflow as tf

from seqapps.layers.token_window import TokenWindow

IDS = tf.ragged.constant([[1, 2, 3, 4, 5, 6, 7], [8, 9], [], [10, 11, 12, 13]], dtype=tf.int64)


@pytest.mark.parametrize(
    "mode, first_row",
    [("head", [1, 2, 3, 4]), ("tail", [4, 5, 6, 7]), ("head_tail", [1, 2, 6, 7])],
)
def test_modes(mode, first_row):
    output = TokenWindow(4, mode=mode)(IDS).numpy()
    assert output.shape == (4, 4)
    np.testing.assert_array_equal(output[0], first_row)
    np.testing.assert_array_equal(output[1], [8, 9, 0, 0])
    np.testing.assert_array_equal(output[2], [0, 0, 0, 0])
    np.testing.assert_array_equal(output[3], [10, 11, 12, 13])


def test_odd_length_gives_the_extra_token_to_the_tail():
    np.testing.assert_array_equal(TokenWindow(3)(IDS).numpy()[0], [1, 6, 7])


def test_in_a_text_model_with_string_inputs_and_serialization(tmp_path):
    vectorizer = keras.layers.TextVectorization(vocabulary=["a", "b", "c"], ragged=True)
    texts = keras.Input((), dtype="string")
    model = keras.Model(texts, TokenWindow(4)(vectorizer(texts)))
    batch = tf.constant(["a b c c b a", ""])
    np.testing.assert_array_equal(model(batch).numpy(), [[2, 3, 3, 2], [0, 0, 0, 0]])
    model.save(tmp_path / "window.keras")
    loaded = keras.saving.load_model(tmp_path / "window.keras", safe_mode=True)
    np.testing.assert_array_equal(loaded(batch).numpy(), model(batch).numpy())


@pytest.mark.parametrize("arguments, fragment", [({"length": 0}, "0"), ({"length": 4, "mode": "middle"}, "middle")])
def test_bad_arguments(arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        TokenWindow(**arguments)
