"""The recipe end to end: data, training, test metrics against the baseline, the export."""

import logging

import tensorflow as tf

from seqapps import distribute, training
from seqapps.tasks.text_classification import evaluation
from seqapps.tasks.text_classification.config import MODEL_NAME, TextClassificationResult
from seqapps.tasks.text_classification.datasets import prepare_data, token_batches
from seqapps.tasks.text_classification.model import build_model, compile_model
from seqapps.tasks.text_classification.serving import WARMUP_TEXTS, export_text_model

logger = logging.getLogger(__name__)


def train(config, strategy=None):
    """Loads the data of a `TextClassificationConfig`, trains, evaluates against the baseline and exports.

    The run's settings are saved in `<run_dir>/config.json`; the progress and
    the tables go to the `seqapps` logger.

    Args:
        config: a `TextClassificationConfig`.
        strategy: the `tf.distribute.Strategy` to train under (see `train_classifier`).

    Returns:
        A `TextClassificationResult`.
    """
    return train_classifier(config, prepare_data, model_name=MODEL_NAME, strategy=strategy)


def train_classifier(config, prepare, *, model_name, outputs=None, warmup_texts=WARMUP_TEXTS, strategy=None):
    """Trains the classifier on the data `prepare(config)` returns (a `TextClassificationData`).

    Writes to `config.run_dir`: `config.json`, the training state (an
    interrupted run resumes), `history.json` / `history.png`,
    `metrics.json` (test accuracy, macro-F1 and per-class precision, recall,
    F1 and support, of the model and of the bag-of-words baseline trained in
    the same run), `confusion_matrix.png` (the model's), `classes.json`,
    `model.keras`; exports `<export_root>/<model_name>/<version>/` with the
    `outputs` of `serving.serving_functions`.

    Under a `strategy` (`seqapps.distribute`; default: the current one) the
    classifier is built and compiled in its scope and `config.batch_size` is
    the global batch, each worker training on its slice of every batch. Every
    worker builds the same vocabulary from the same texts, outside the scope,
    and trains the baseline and evaluates on its own; only the chief writes the
    run folder and the export (see `distribute.worker_config`). A batch that
    does not split evenly between the replicas (the last of a length bucket)
    weighs its examples a little differently than one process would: the loss
    is the mean of the replicas' means. With dropout, each replica draws its
    own masks, so such runs match a one-process run in distribution only.

    Raises:
        ValueError: `batch_size` does not split evenly between the replicas (`distribute.check_batch_size`).

    Returns:
        A `TextClassificationResult` (on a worker other than the chief, with paths that no longer exist).
    """
    strategy = strategy or tf.distribute.get_strategy()
    distribute.check_batch_size(strategy, config.batch_size)
    with distribute.worker_config(strategy, config) as (worker_config, resume_dir):
        return _train_classifier(worker_config, prepare, model_name, outputs, warmup_texts, strategy, resume_dir)


def _train_classifier(config, prepare, model_name, outputs, warmup_texts, strategy, resume_dir):
    run_dir = training.start_run(config.run_dir, config.restart, config.seed, config=config)
    data = prepare(config)
    texts = data.texts
    with strategy.scope():
        model = build_model(config, len(data.class_names))
        compile_model(model, config.learning_rate)
    model.summary(print_fn=logger.info)
    epoch_seconds = []
    train_batches = distribute.shard_by_data(
        token_batches(data.vectorizer, texts.train, config.batch_size, config.seed)
    )
    history = model.fit(
        train_batches,
        validation_data=distribute.shard_by_data(token_batches(data.vectorizer, texts.validation, config.batch_size)),
        epochs=config.epochs,
        callbacks=training.standard_callbacks(
            run_dir,
            "val_accuracy",
            "max",
            config.patience,
            epoch_seconds,
            train_dataset=train_batches,
            resume_dir=resume_dir,
        ),
        shuffle=False,
        verbose=config.verbose,
    )
    epochs_trained = training.record_history(history, run_dir, epoch_seconds)
    labels, probabilities = evaluation.predict(model, token_batches(data.vectorizer, texts.test, config.batch_size))
    model_metrics = evaluation.classification_metrics(labels, probabilities, data.class_names)
    baseline_labels, baseline_probabilities = evaluation.bag_of_words_baseline(data, config)
    baseline_metrics = evaluation.classification_metrics(baseline_labels, baseline_probabilities, data.class_names)

    direction = "bi" if config.bidirectional else "uni"
    description = f"{config.cell} ({direction}directional, {config.layers} layer(s), {config.units} units)"
    logger.info("")
    logger.info(
        evaluation.summary_table(
            [(description, model_metrics), ("baseline: bag-of-words logistic regression", baseline_metrics)]
        )
    )
    logger.info("")
    logger.info(evaluation.per_class_table(model_metrics, baseline_metrics))
    metrics = evaluation.write_metrics(
        run_dir / "metrics.json", data.class_names, model_metrics, baseline_metrics, description
    )
    confusion_path = run_dir / "confusion_matrix.png"
    evaluation.plot_confusion_matrix(model_metrics["confusion_matrix"], data.class_names, confusion_path)
    logger.info(f"Test metrics in {run_dir / 'metrics.json'}, confusion matrix in {confusion_path}")

    export_path = export_text_model(
        config, data, model, model_name=model_name, outputs=outputs, warmup_texts=warmup_texts
    )
    return TextClassificationResult(
        test_accuracy=model_metrics["accuracy"],
        baseline_test_accuracy=baseline_metrics["accuracy"],
        epochs_trained=epochs_trained,
        epoch_seconds=epoch_seconds,
        export_path=export_path,
        run_dir=run_dir,
        test_macro_f1=model_metrics["macro_f1"],
        baseline_test_macro_f1=baseline_metrics["macro_f1"],
        class_names=tuple(data.class_names),
        metrics=metrics,
    )
