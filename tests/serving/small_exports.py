"""Small exports and edits of them, shared by the tests of seqapps.serving."""

import tensorflow as tf
import tensorflow_text as tf_text

from seqapps import export, serving
from seqapps.serving_layout import WARMUP_RELATIVE_PATH


def words_module():
    """Counts known words: a TF Text tokenizer and a lookup table, string input."""
    module = tf.Module()
    module.table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(["good", "bad"], [1, 1], tf.string, tf.int64), default_value=0
    )

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve(text):
        tokens = tf_text.WhitespaceTokenizer().tokenize(tf.strings.lower(text))
        return {"known_words": tf.reduce_sum(module.table.lookup(tokens), axis=1)}

    return module, serve


def pairs_module():
    """Two numeric inputs, no warmup."""
    module = tf.Module()
    module.weight = tf.Variable(2.0)

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, 2], tf.float32, name="window"),
            tf.TensorSpec([None], tf.int32, name="steps"),
        ]
    )
    def serve(window, steps):
        return {"total": tf.reduce_sum(window, axis=1) * module.weight + tf.cast(steps, tf.float32)}

    return module, serve


def py_function_saved_model(directory):
    """A SavedModel whose serving_default uses tf.py_function (written without checks)."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def serve(x):
        return {"y": tf.py_function(lambda value: value * 2, [x], tf.float32)}

    tf.saved_model.save(tf.Module(), str(directory), signatures={"serving_default": serve.get_concrete_function()})


def edit_saved_model(version_dir, edit):
    """Rewrites `version_dir`'s saved_model.pb after `edit(saved_model proto)`."""
    saved_model = serving.read_saved_model(version_dir)
    edit(saved_model)
    (version_dir / "saved_model.pb").write_bytes(saved_model.SerializeToString())


def write_warmup(version_dir, inputs, signature_name="serving_default"):
    """Replaces the warmup file of `version_dir` with one request of `inputs`."""
    log = export.make_prediction_log("words", inputs, signature_name)
    with tf.io.TFRecordWriter(str(version_dir / WARMUP_RELATIVE_PATH)) as writer:
        writer.write(log.SerializeToString())
