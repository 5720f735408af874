import keras
import matplotlib.image
import numpy as np
import pytest

from seqapps import layers
from seqapps.diagnostics import hidden_states, input_labels, plot_hidden_states, saturated_fraction


def _encoder(**arguments):
    return keras.Sequential(
        [keras.Input((7, 3)), layers.recurrent("lstm", 5, return_sequences=True, name="encoder", **arguments)]
    )


@pytest.mark.parametrize("go_backwards", [False, True])
def test_hidden_states_are_the_layer_outputs_in_input_order(go_backwards):
    model = _encoder(go_backwards=go_backwards)
    inputs = np.random.default_rng(0).normal(size=(2, 7, 3)).astype("float32")
    states = hidden_states(model, inputs)
    outputs = np.asarray(model(inputs))
    expected = outputs[:, ::-1] if go_backwards else outputs
    assert list(states) == ["encoder"]
    np.testing.assert_allclose(states["encoder"], expected, rtol=1e-5, atol=1e-6)


def test_saturated_fraction_counts_units_above_the_threshold():
    hidden = np.array([[[0.99, -0.97, 0.1, 0.0], [0.5, 0.5, -0.96, 0.94]]])
    np.testing.assert_allclose(saturated_fraction(hidden), [[0.5, 0.25]])
    np.testing.assert_allclose(saturated_fraction(hidden, threshold=0.4), [[0.5, 1.0]])


@pytest.mark.parametrize("threshold", [0, 1.0, -0.5, True])
def test_bad_threshold(threshold):
    with pytest.raises(ValueError, match="threshold"):
        saturated_fraction(np.zeros((1, 2, 3)), threshold=threshold)


def test_labels_of_a_character_model_are_its_characters():
    vectorizer = keras.layers.TextVectorization(split="character", standardize=None)
    vectorizer.adapt(["abc d"])
    inputs = keras.Input((), dtype="string")
    hidden = keras.layers.Embedding(len(vectorizer.get_vocabulary()), 3)(vectorizer(inputs))
    model = keras.Model(inputs, layers.recurrent("gru", 2)(hidden))
    assert input_labels(model, np.array(["cab", "a d"])) == [["c", "a", "b"], ["a", " ", "d"]]
    assert input_labels(_encoder(), np.zeros((1, 7, 3), "float32")) is None
    assert input_labels(_encoder(), np.array([[4, 2]])) == [["4", "2"]]


def test_plot_writes_a_png_with_token_labels(tmp_path):
    model = keras.Sequential(
        [keras.Input((6, 2)), layers.recurrent("elman", 4, return_sequences=True), layers.recurrent("gru", 3)]
    )
    states = hidden_states(model, np.random.default_rng(1).normal(size=(2, 6, 2)).astype("float32"))
    path = plot_hidden_states(states, tmp_path / "hidden.png", tokens=list("hello!"), example=1)
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 200 and image.std() > 0


def test_plot_rejects_tokens_of_the_wrong_length_and_bad_examples(tmp_path):
    states = {"rnn": np.zeros((2, 6, 3))}
    with pytest.raises(ValueError, match="5 tokens for 6 time steps"):
        plot_hidden_states(states, tmp_path / "hidden.png", tokens=list("hello"))
    with pytest.raises(ValueError, match="example"):
        plot_hidden_states(states, tmp_path / "hidden.png", example=2)
    with pytest.raises(ValueError, match="empty"):
        plot_hidden_states({}, tmp_path / "hidden.png")
