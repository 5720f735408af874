import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqapps import text

PY_FUNCTION_OPS = {"PyFunc", "PyFuncStateless", "EagerPyFunc"}


def standardized(strings):
    return [value.decode("utf-8") for value in text.standardize(tf.constant(strings)).numpy()]


def test_golden_review():
    review = "This movie's GREAT!<br /><br />10/10, would watch again...<BR>Really."
    assert standardized([review]) == ["this movie ' s great ! 10 / 10 , would watch again . . . really ."]


def test_nfkc_and_case_folding():
    assert standardized(["ﬁne ＡＢＣ Straße ÉCOLE e\u0301 ①"]) == ["fine abc strasse école é 1"]


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"", ""),
        (b" \t\n\r\u3000 ".decode("unicode_escape").encode("utf-8"), ""),
        ("great 😀👍!".encode("utf-8"), "great 😀 👍 !"),
        (b"bad \xff\xfe bytes", "bad \ufffd \ufffd bytes"),
        (b"nul\x00inside\x00", "nul inside"),
        ("a\u00a0b\u2028c\u0085d\u1680e \u3000f".encode("utf-8"), "a b c d e f"),
    ],
    ids=["empty", "whitespace", "emoji", "invalid-utf8", "nul", "unicode-spaces"],
)
def test_edge_cases(raw, expected):
    assert standardized([raw]) == [expected]


def test_long_string_keeps_every_word():
    long_text = "Word, " * 20_000  # 120,000 characters
    (result,) = standardized([long_text])
    assert result.split(" ") == ["word", ","] * 20_000


def test_any_shape_is_kept():
    texts = tf.constant([["A!", "b"], ["", "C d"]])
    result = text.standardize(texts)
    assert result.shape == (2, 2)
    assert result.numpy().tolist() == [[b"a !", b"b"], [b"", b"c d"]]


def test_works_in_tf_function_with_string_signature_without_py_function():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def serve(texts):
        return text.standardize(texts)

    inputs = tf.constant([b"Hi!<br />There", b"\xff\x00", b""])
    assert serve(inputs).numpy().tolist() == [b"hi ! there", "\ufffd".encode("utf-8"), b""]
    graph_ops = {op.type for op in serve.get_concrete_function().graph.get_operations()}
    assert "CaseFoldUTF8" in graph_ops
    assert not graph_ops & PY_FUNCTION_OPS


def test_text_vectorization_uses_it_and_saves(tmp_path):
    vectorize = keras.layers.TextVectorization(max_tokens=10, standardize=text.standardize, output_sequence_length=4)
    vectorize.adapt(tf.constant(["Good, GOOD film!", "bad film"]))
    assert vectorize.get_vocabulary()[:4] == ["", "[UNK]", "good", "film"]
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(vectorize)))
    assert config["config"]["standardize"]["config"] == "seqapps>standardize"
    model = keras.Sequential([keras.Input(shape=(), dtype="string"), vectorize])
    model.save(tmp_path / "vectorize.keras")
    restored = keras.models.load_model(tmp_path / "vectorize.keras")
    assert restored.layers[0]._standardize is text.standardize
    inputs = tf.constant(["GOOD<br />film"])
    np.testing.assert_array_equal(restored(inputs).numpy(), [[2, 3, 0, 0]])
    np.testing.assert_array_equal(vectorize(inputs).numpy(), [[2, 3, 0, 0]])


def test_build_vocabulary_from_pairs_dataset():
    pairs = tf.data.Dataset.from_tensor_slices((["The cat.", "the DOG!", "THE cat"], [0, 1, 0]))
    vocabulary = text.build_vocabulary(pairs, max_tokens=4)
    assert vocabulary == ["", "[UNK]", "the", "cat"]
    assert all(type(word) is str for word in vocabulary)
    vectorize = keras.layers.TextVectorization(standardize=text.standardize, vocabulary=vocabulary)
    assert vectorize.get_vocabulary() == vocabulary
    np.testing.assert_array_equal(vectorize(tf.constant(["The zebra, the CAT"])), [[2, 1, 1, 2, 3]])
    assert len(text.build_vocabulary(["The cat.", "the DOG!"])) == 2 + 5


def test_build_vocabulary_rejects_tiny_max_tokens():
    with pytest.raises(ValueError, match="max_tokens=2"):
        text.build_vocabulary(["a"], max_tokens=2)


def test_exported_model_standardizes_in_a_fresh_process(tmp_path):
    """A SavedModel taking raw strings reloads where only TF and TF Text are imported."""
    vectorize = keras.layers.TextVectorization(
        standardize=text.standardize, vocabulary=["good", "film"], output_sequence_length=3
    )
    vectorize(tf.constant(["build"]))
    archive = keras.export.ExportArchive()
    archive.track(vectorize)
    archive.add_endpoint("serve", lambda texts: vectorize(texts), input_signature=[tf.TensorSpec([None], tf.string)])
    archive.write_out(str(tmp_path / "model"), verbose=False)
    script = textwrap.dedent(
        f"""
        import tensorflow as tf
        import tensorflow_text  # registers the TF Text ops the graph uses
        model = tf.saved_model.load({str(tmp_path / "model")!r})
        print(model.serve(tf.constant(["GOOD\\xa0Film!", "\\x00"])).numpy().tolist())
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[[2, 3, 1], [0, 0, 0]]"


def test_zero_width_space_is_a_word_break_and_any_script_splits_scripts_without_spaces():
    assert standardized(["ภาษา\u200bไทย a\u200bb"]) == ["ภาษา ไทย a b"]
    (thai, japanese, mixed) = [
        value.decode() for value in text.standardize_any_script(["ไม่ดี", "日本語です", "Straße 好!"]).numpy()
    ]
    assert thai == "ไ ม่ ดี"  # each letter with its combining marks
    assert japanese == "日 本 語 で す" and mixed == "strasse 好 !"
