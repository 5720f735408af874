"""The export: raw strings in (`text`), the label, the class probabilities and the class order out."""

import json
import logging
from pathlib import Path

import tensorflow as tf

from seqapps import export
from seqapps.tasks.text_classification.model import build_text_model

logger = logging.getLogger(__name__)

# What `serving_default` returns: `label` (string [batch]), `probabilities` (float32 [batch, classes]) and
# `classes` (string [batch, classes], the class order, the same in every row); a two-class model also
# returns `probability` (float32 [batch], of the second class).
OUTPUTS = ("label", "probabilities", "classes")
BINARY_OUTPUTS = OUTPUTS + ("probability",)
WARMUP_TEXTS = (
    "A wonderful film: moving, funny and beautifully acted.",
    "Это очень плохой фильм, скучный и длинный.",
    "这部电影非常好看。",
    "यह फ़िल्म अच्छी है",
    "",
)


def serving_functions(vectorizer, model, class_names, outputs=None):
    """The export's two signatures, `serving_default` and `serving_xla`.

    Both take `text` (string [batch]) and return the `outputs` named (default:
    `BINARY_OUTPUTS` for two classes, else `OUTPUTS`), the same numbers:

    - `label`: string [batch], the most probable class (two classes: the
      second when its probability is at least 0.5);
    - `probabilities`: float32 [batch, classes], in `class_names` order;
    - `classes`: string [batch, classes], `class_names` in every row;
    - `probability`: float32 [batch], the second class's (two classes only).

    `serving_default` runs the encoder over the batch's longest text only (the
    padding after it is masked, so the result equals a run over all
    `max_tokens` positions); `serving_xla` runs the classifier compiled with
    XLA over all `max_tokens` positions (see `seqapps.export.xla_batch_buckets`),
    which TF Serving runs only when started with `--xla_cpu_compilation_enabled=true`.

    Any string is a text (empty, invalid UTF-8, NUL bytes, megabytes long).
    A `text` that is not a vector of strings fails with an InvalidArgument
    error saying so.
    """
    class_names = [str(name) for name in class_names]
    binary = len(class_names) == 2
    outputs = tuple(outputs or (BINARY_OUTPUTS if binary else OUTPUTS))
    if "probability" in outputs and not binary:
        raise ValueError(f"The `probability` output is for two classes; this model has {len(class_names)}.")
    names = tf.constant(class_names)
    compiled_classifier = export.xla_batch_buckets(lambda token_ids: model(token_ids, training=False))

    def classify_longest(token_ids):
        longest = tf.reduce_max(tf.reduce_sum(tf.cast(token_ids != 0, tf.int32), axis=1))
        return model(token_ids[:, : tf.maximum(longest, 1)], training=False)

    def signature(classify):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")], autograph=False)
        def serve(text):
            # Padded with -1, the shape compares without an indexing error whatever the rank of `text`.
            batch_and_more = tf.concat([tf.shape(text), [-1, -1]], axis=0)[:2]
            check_rank = tf.debugging.Assert(
                tf.logical_and(batch_and_more[0] >= 0, tf.equal(batch_and_more[1], -1)),
                ["text must be a vector of reviews, string [batch], got shape", tf.shape(text)],
                summarize=8,
            )
            with tf.control_dependencies([check_rank]):
                text = tf.identity(text)
            scores = tf.cast(classify(vectorizer(text)), tf.float32)
            if binary:
                probability = tf.reshape(scores, [-1])
                probabilities = tf.stack([1 - probability, probability], axis=1)
                label = tf.where(probability >= 0.5, names[1], names[0])
            else:
                probability = None
                probabilities = scores
                label = tf.gather(names, tf.argmax(probabilities, axis=1))
            available = {
                "label": label,
                "probabilities": probabilities,
                "classes": tf.tile(names[tf.newaxis], [tf.shape(text)[0], 1]),
                "probability": probability,
            }
            return {name: available[name] for name in outputs}

        return serve

    return {"serving_default": signature(classify_longest), "serving_xla": signature(compiled_classifier)}


def export_text_model(config, data, model, *, model_name, outputs=None, warmup_texts=WARMUP_TEXTS):
    """Saves `<run_dir>/model.keras` (raw text -> the classifier's output) and `<run_dir>/classes.json`,
    logs sample predictions and exports `<export_root>/<model_name>/<version>/`.

    The class names travel with the export as its `classes` output (see
    `serving_functions`) and with the run as `classes.json`.

    Returns:
        The `Path` of the exported version folder.
    """
    run_dir = Path(config.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    text_model = build_text_model(data.vectorizer, model, model_name)
    text_model.save(run_dir / "model.keras")
    (run_dir / "classes.json").write_text(json.dumps(list(data.class_names), ensure_ascii=False) + "\n")
    signatures = serving_functions(data.vectorizer, model, data.class_names, outputs)
    serve = signatures["serving_default"]
    samples = [example.decode("utf-8", "replace") for example, _ in data.texts.test.take(3).as_numpy_iterator()]
    predictions = serve(tf.constant(samples))
    if "probabilities" in predictions:
        confidence = tf.reduce_max(predictions["probabilities"], axis=1).numpy()
    else:
        confidence = predictions["probability"].numpy()
    logger.info("\nSample predictions:")
    for example, score, label in zip(samples, confidence, predictions["label"].numpy()):
        logger.info(f"  {label.decode():12s} {score:.3f}  {example[:100]!r}")
    export_path = export.export_for_serving(
        text_model,
        config.export_root,
        model_name,
        signatures,
        warmup_examples=[{"text": [example]} for example in warmup_texts],
    )
    logger.info(
        f"\nExported to {export_path} (serving_default and serving_xla: text -> {', '.join(sorted(predictions))}; "
        "TF Serving runs serving_xla when started with --xla_cpu_compilation_enabled=true)"
    )
    return Path(export_path)
