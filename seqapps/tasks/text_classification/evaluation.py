"""Test metrics (accuracy, macro-F1, per class), the bag-of-words baseline, the tables and the confusion matrix."""

import json
import logging
import time

import keras
import numpy as np
import tensorflow as tf

from seqapps.diagnostics import plotting
from seqapps.tasks.text_classification.model import class_probabilities, compile_model, output_units

logger = logging.getLogger(__name__)


def predict(model, batches):
    """Runs `model` over `(token ids, labels)` batches: the labels and the `(n, classes)` probabilities, in step."""
    labels, probabilities = [], []
    for token_ids, batch_labels in batches:
        labels.append(batch_labels.numpy())
        probabilities.append(class_probabilities(model(token_ids, training=False)))
    return np.concatenate(labels), np.concatenate(probabilities)


def bag_of_words_baseline(data, config):
    """A logistic regression on multi-hot bag-of-words vectors, trained on the same splits.

    The vocabulary is the model's (`data.vocabulary`; the multi-hot layer
    takes it without the padding token), with the same standardization.
    Two classes: one sigmoid unit; more: a softmax. The datasets are shuffled
    by `tf.data`, hence `shuffle=False` in `fit`.

    Returns:
        The test labels and the baseline's `(n, classes)` probabilities, in the order of `data.texts.test`.
    """
    keras.utils.set_random_seed(config.seed)
    texts = data.texts
    multi_hot = keras.layers.TextVectorization(
        standardize=data.standardize_function, vocabulary=data.vocabulary[1:], output_mode="multi_hot"
    )

    def featurize(dataset):
        return (
            dataset.batch(config.batch_size * 2)
            .map(lambda strings, labels: (multi_hot(strings), labels), num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE)
        )

    units = output_units(len(data.class_names))
    features = keras.Input((multi_hot.vocabulary_size(),), name="bag_of_words")
    activation = "sigmoid" if units == 1 else "softmax"
    logistic = keras.Model(features, keras.layers.Dense(units, activation=activation)(features))
    compile_model(logistic, 1e-3)
    start = time.perf_counter()
    logistic.fit(
        featurize(texts.train.shuffle(texts.train_size, seed=config.seed)),
        validation_data=featurize(texts.validation),
        epochs=config.baseline_epochs,
        shuffle=False,
        verbose=0,
    )
    labels = np.concatenate([batch_labels for _, batch_labels in texts.test.batch(4096).as_numpy_iterator()])
    probabilities = class_probabilities(logistic.predict(featurize(texts.test), verbose=0))
    logger.info(
        f"Baseline (bag-of-words logistic regression, {config.baseline_epochs} epochs, "
        f"{time.perf_counter() - start:.0f} s): test accuracy {np.mean(probabilities.argmax(1) == labels):.4f}"
    )
    return labels, probabilities


def classification_metrics(labels, probabilities, class_names):
    """Accuracy, macro-F1, per-class precision / recall / F1 / support and the confusion matrix.

    The prediction is the most probable class. A class's precision (recall)
    is 0 when it is never predicted (never in the labels). Macro-F1 is the
    mean F1 of the classes in the labels or in the predictions (as
    scikit-learn's `f1_score(average="macro")`).

    Returns:
        A JSON-ready dict: `accuracy`, `macro_f1`, `per_class` (one dict per
        class, in `class_names` order) and `confusion_matrix` (rows: true
        class, columns: predicted class).
    """
    labels = np.asarray(labels, dtype=np.int64)
    predicted = np.asarray(probabilities).argmax(axis=1)
    classes = len(class_names)
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    true_positives = np.diag(confusion).astype(float)
    support, predicted_count = confusion.sum(axis=1), confusion.sum(axis=0)
    precision = np.divide(true_positives, predicted_count, out=np.zeros(classes), where=predicted_count > 0)
    recall = np.divide(true_positives, support, out=np.zeros(classes), where=support > 0)
    sums = precision + recall
    f1 = np.divide(2 * precision * recall, sums, out=np.zeros(classes), where=sums > 0)
    present = (support > 0) | (predicted_count > 0)
    return {
        "accuracy": float(np.mean(predicted == labels)) if len(labels) else 0.0,
        "macro_f1": float(np.mean(f1[present])) if present.any() else 0.0,
        "per_class": [
            {
                "class": name,
                "precision": float(precision[index]),
                "recall": float(recall[index]),
                "f1": float(f1[index]),
                "support": int(support[index]),
            }
            for index, name in enumerate(class_names)
        ],
        "confusion_matrix": confusion.tolist(),
    }


def summary_table(rows):
    """Markdown table of `(name, metrics)` rows: test accuracy and macro-F1."""
    lines = ["| model | test accuracy | test macro-F1 |", "|---|---:|---:|"]
    lines += [f"| {name} | {metrics['accuracy']:.4f} | {metrics['macro_f1']:.4f} |" for name, metrics in rows]
    return "\n".join(lines)


def per_class_table(model_metrics, baseline_metrics):
    """Markdown table: per class, the support and the model's and the baseline's precision, recall and F1."""
    lines = [
        "| class | support | precision | recall | F1 | baseline precision | baseline recall | baseline F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for model_row, baseline_row in zip(model_metrics["per_class"], baseline_metrics["per_class"]):
        values = [model_row[key] for key in ("precision", "recall", "f1")]
        values += [baseline_row[key] for key in ("precision", "recall", "f1")]
        lines.append(
            f"| {model_row['class']} | {model_row['support']} | " + " | ".join(f"{v:.4f}" for v in values) + " |"
        )
    return "\n".join(lines)


def write_metrics(path, class_names, model_metrics, baseline_metrics, model_description):
    """Writes `metrics.json`: the classes, and the model's and the baseline's test metrics."""
    report = {
        "classes": list(class_names),
        "model": {"description": model_description, **model_metrics},
        "baseline": {"description": "bag-of-words logistic regression", **baseline_metrics},
    }
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def plot_confusion_matrix(confusion, class_names, path, title="Test confusion matrix"):
    """Saves the confusion matrix (rows: true class, columns: predicted) with its counts as a PNG (Agg canvas)."""
    confusion = np.asarray(confusion)
    size = max(4.0, 0.6 * len(class_names) + 2)
    figure, axes = plotting.new_figure(width=size + 1, height_per_row=size)
    axes = axes[0, 0]
    image = axes.imshow(confusion, cmap="Blues")
    figure.colorbar(image, ax=axes)
    ticks = np.arange(len(class_names))
    axes.set_xticks(ticks, labels=class_names, rotation=45, ha="right")
    axes.set_yticks(ticks, labels=class_names)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title(title)
    threshold = confusion.max() / 2 if confusion.size else 0
    for row, column in np.ndindex(confusion.shape):
        color = "white" if confusion[row, column] > threshold else "black"
        axes.text(column, row, str(confusion[row, column]), ha="center", va="center", color=color)
    return plotting.save(figure, path)
