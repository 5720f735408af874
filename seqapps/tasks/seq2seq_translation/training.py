"""The recipe end to end: vocabularies, training, scores, samples and export.

The steps a hyperparameter search reuses per trial (`seqapps.tuning`) are
public: `split_pairs`, `build_vocabularies`, `build_translator` and
`compile_translator`.
"""

import dataclasses
import json
import logging
import re
from pathlib import Path

import keras
import tensorflow as tf

from seqapps import configs, distribute, export, training
from seqapps.data import parallel_texts, spa_eng
from seqapps.tasks.seq2seq_translation.config import TranslationConfig, check_evaluation_config
from seqapps.tasks.seq2seq_translation.datasets import pair_dataset
from seqapps.tasks.seq2seq_translation.evaluation import evaluate, plot_attention
from seqapps.tasks.seq2seq_translation.model import Translator
from seqapps.tasks.seq2seq_translation.preprocessing import (
    END,
    STANDARDIZERS,
    START,
    build_subword_vocabulary,
    build_vocabulary,
)
from seqapps.tasks.seq2seq_translation.serving import serving_signatures

logger = logging.getLogger(__name__)
# Sentences of the training split read to check that the `latin` standardization keeps their letters.
_CHECKED_SENTENCES = 5000
# The share of those sentences that may lose all their letters to it.
_LOST_LETTERS_LIMIT = 0.01


def masked_accuracy(targets, logits):
    """Accuracy of the next-word predictions over the non-padding target words of a batch."""
    targets = keras.ops.cast(targets, "int32")
    mask = keras.ops.cast(targets != 0, "float32")
    correct = keras.ops.cast(keras.ops.argmax(logits, axis=-1) == targets, "float32")
    return keras.ops.sum(correct * mask) / keras.ops.maximum(keras.ops.sum(mask), 1.0)


@dataclasses.dataclass
class TranslationResult:
    """What `train` measured and wrote.

    `metrics[decoding]` (`greedy`, `beam`) holds `bleu`, `chrf`,
    `sentences_per_second` and `sentences`; `samples` the logged examples.
    """

    metrics: dict
    epochs_trained: int
    epoch_seconds: list
    samples: list
    export_path: Path
    run_dir: Path
    data_description: str


def build_translator(config, source_vocabulary, target_vocabulary):
    """A `Translator` with the architecture settings of `config` (cell, units, embedding_dim, attention, dropout,
    standardization, tokens)."""
    return Translator(
        source_vocabulary,
        target_vocabulary,
        config.cell,
        config.units,
        config.embedding_dim,
        config.attention,
        config.dropout,
        standardization=config.standardization,
        tokens=config.tokens,
        name=f"translator_{config.cell}_{config.attention}",
    )


def load_pairs(config):
    """The sentence pairs of `config.data` (the Spanish-English pairs when it is `None` or a folder), split.

    See `seqapps.data.parallel_texts` for the format, the columns and the split.
    """
    if config.data is None or Path(config.data).is_dir():
        path = spa_eng.locate(config.data)
        preset = (config.source_column, config.target_column) == ("1", "0")
        language = "Spanish" if preset else "source"
    else:
        path, language = config.data, "source"
    return parallel_texts.load(
        path,
        config.source_column,
        config.target_column,
        validation_path=config.validation_data,
        test_path=config.test_data,
        language=language,
    )


def check_standardization(config, train_pairs):
    """Raises `ValueError` when the `latin` standardization would drop every letter of many training sentences
    (a language written in another script), naming the setting that keeps them."""
    if config.standardization != "latin":
        return
    standardize = STANDARDIZERS["latin"][0]
    for index, side in enumerate(("source", "target")):
        texts = [pair[index] for pair in train_pairs[:_CHECKED_SENTENCES]]
        standardized = [text.decode("utf-8") for text in standardize(texts).numpy()]
        lost = [
            (before, after)
            for before, after in zip(texts, standardized)
            if any(character.isalpha() for character in before) and not re.search("[a-z]", after)
        ]
        if len(lost) > _LOST_LETTERS_LIMIT * len(texts):
            before, after = lost[0]
            raise ValueError(
                f"standardization 'latin' keeps only the letters a-z: {len(lost):,} of the first {len(texts):,} "
                f"{side} sentences of the training split lose all their letters (e.g. {before!r} -> {after!r}). "
                "Pass standardization='any_script' (--standardization any_script), which keeps the letters of "
                "every script."
            )


def split_pairs(config):
    """The pairs of `config` (`load_pairs`), the training pairs (the first `max_pairs`) and the test pairs scored
    (the first `evaluation_pairs`) -> `(pairs, train_pairs, test_pairs, description)`."""
    pairs = load_pairs(config)
    train_pairs = pairs.train[: config.max_pairs] if config.max_pairs else pairs.train
    test_pairs = pairs.test[: config.evaluation_pairs] if config.evaluation_pairs else pairs.test
    description = pairs.describe() + (f"; training on {len(train_pairs):,} pairs" if config.max_pairs else "")
    return pairs, train_pairs, test_pairs, description


def build_vocabularies(config, train_pairs):
    """The source and target vocabularies of the training pairs -> `(source, target)`: words, or WordPiece pieces.

    Raises `ValueError` first when the standardization would drop the training sentences' letters
    (`check_standardization`).
    """
    check_standardization(config, train_pairs)
    source_standardize, target_standardize = STANDARDIZERS[config.standardization]
    sources, targets = [source for source, _ in train_pairs], [target for _, target in train_pairs]
    if config.tokens == "word":
        return (
            build_vocabulary(sources, source_standardize, config.source_vocabulary_size),
            build_vocabulary(targets, target_standardize, config.target_vocabulary_size),
        )
    return (
        build_subword_vocabulary(sources, source_standardize, config.source_vocabulary_size),
        build_subword_vocabulary(targets, source_standardize, config.target_vocabulary_size, reserved=(START, END)),
    )


def load_run(run_dir):
    """The `Translator` of a run folder with the weights of its best epoch.

    It is rebuilt with the settings the run saved (`config.json`), the
    vocabularies it built (`vocabulary.json`) and the weights of
    `best.weights.h5`, so no setting needs typing again.

    Raises:
        FileNotFoundError: a file is missing (each named).
    """
    run_dir = Path(run_dir)
    needed = (configs.CONFIG_FILENAME, "vocabulary.json", training.BEST_WEIGHTS)
    missing = [name for name in needed if not (run_dir / name).exists()]
    if missing:
        raise FileNotFoundError(
            f"{run_dir} holds no {' or '.join(missing)}: train there first (without "
            "evaluate_only), or pass the run_dir of a finished or interrupted run."
        )
    config = configs.load_run_config(TranslationConfig, run_dir)
    vocabulary = json.loads((run_dir / "vocabulary.json").read_text())
    translator = build_translator(config, vocabulary["source"], vocabulary["target"])
    translator.load_weights(run_dir / training.BEST_WEIGHTS)
    return translator


def compile_translator(translator, config, steps_per_epoch):
    """Compiles for teacher forcing: Adam on a cosine decay to 5% over `epochs * steps_per_epoch` steps, global
    clipping, the cross-entropy of the next token (padding ignored) and `masked_accuracy`."""
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, config.epochs * steps_per_epoch, alpha=0.05)
    translator.compile(
        optimizer=keras.optimizers.Adam(schedule, global_clipnorm=config.clipnorm),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        metrics=[masked_accuracy],
    )
    return translator


def _fit(config, pairs, train_pairs, run_dir, strategy, resume_dir):
    """Builds the vocabularies and the translator (in `strategy`'s scope) and trains it; returns it, the epoch
    seconds and the epoch count."""
    source_vocabulary, target_vocabulary = build_vocabularies(config, train_pairs)
    kind = "words" if config.tokens == "word" else "WordPiece pieces"
    logger.info(
        f"Vocabularies from the training pairs: {len(source_vocabulary):,} source and "
        f"{len(target_vocabulary):,} target {kind} (padding and [UNK] included)."
    )
    (run_dir / "vocabulary.json").write_text(json.dumps({"source": source_vocabulary, "target": target_vocabulary}))

    with strategy.scope():
        translator = build_translator(config, source_vocabulary, target_vocabulary)
    train_data = distribute.shard_by_data(pair_dataset(translator, train_pairs, config, shuffle=True))
    validation_data = distribute.shard_by_data(pair_dataset(translator, pairs.validation, config, shuffle=False))
    steps_per_epoch = int(train_data.cardinality())
    with strategy.scope():
        compile_translator(translator, config, steps_per_epoch)
        distribute.clip_after_all_reduce(translator.optimizer, strategy)
    translator.summary(print_fn=logger.info)
    logger.info(
        f"Training: teacher forcing, batches of {config.batch_size} pairs of similar length, "
        f"{steps_per_epoch} steps per epoch, up to {config.epochs} epochs."
    )

    epoch_seconds = []
    callbacks = training.standard_callbacks(
        run_dir, "val_loss", "min", config.patience, epoch_seconds, train_dataset=train_data, resume_dir=resume_dir
    )
    if config.time_budget_minutes:
        callbacks.append(training.TimeBudget(config.time_budget_minutes, epoch_seconds))
    history = translator.fit(
        train_data,
        validation_data=validation_data,
        epochs=config.epochs,
        callbacks=callbacks,
        shuffle=False,
        verbose=config.verbose,
    )
    epochs_trained = training.record_history(history, run_dir, epoch_seconds)
    return translator, epoch_seconds, epochs_trained


def train(config, strategy=None):
    """Loads the pairs, builds the vocabularies, trains, scores the test split, logs samples and exports.

    The run's settings are saved in `<run_dir>/config.json` (`training.start_run`);
    the progress, scores and samples go to the `seqapps` logger.

    With `config.evaluate_only`, it trains nothing and scores and exports the
    best weights of the run in `config.run_dir` instead (`load_run`), rebuilt
    with the settings the run saved; `config` may differ from them only in
    `TranslationConfig.EVALUATION_CHANGES` (`evaluation_config` makes such a
    config from the run's).

    Under a `strategy` (`seqapps.distribute`; default: the current one) the
    translator is built and compiled in its scope and `config.batch_size` is
    the global batch, each worker training on its slice of every batch; every
    worker builds the same vocabularies from the same pairs and scores the
    test split on its own; only the chief writes the run folder and the
    export (`distribute.worker_config`). A batch that does not split evenly
    between the replicas (the last of a length bucket) weighs its sentences
    as the mean of the replicas' means.

    Raises:
        seqapps.configs.SettingsError: with `evaluate_only`, `config` changes
            a setting the model was trained with.
        ValueError: `batch_size` does not split evenly between the replicas
            (`distribute.check_batch_size`).

    Returns:
        A `TranslationResult` (on a worker other than the chief, with paths that no longer exist).
    """
    strategy = strategy or tf.distribute.get_strategy()
    if not config.evaluate_only:
        distribute.check_batch_size(strategy, config.batch_size)
    with distribute.worker_config(strategy, config) as (worker_config, resume_dir):
        return _train(worker_config, strategy, resume_dir, Path(config.run_dir))


def _train(config, strategy, resume_dir, trained_run_dir):
    if config.evaluate_only:
        check_evaluation_config(dataclasses.replace(config, run_dir=str(trained_run_dir)))
        translator = load_run(trained_run_dir)
    pairs, train_pairs, test_pairs, description = split_pairs(config)
    logger.info(description)
    if config.evaluate_only:
        run_dir = Path(config.run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        logger.info(f"Scoring the best weights of the run in {run_dir} (no training).")
        history_file = trained_run_dir / "history.json"
        epochs_trained = len(json.loads(history_file.read_text())["loss"]) if history_file.exists() else 0
        epoch_seconds = []
    else:
        run_dir = training.start_run(config.run_dir, config.restart, config.seed, config=config)
        translator, epoch_seconds, epochs_trained = _fit(config, pairs, train_pairs, run_dir, strategy, resume_dir)

    metrics, translations = evaluate(translator, test_pairs, ("greedy", "beam"), config.beam_width, config.max_length)
    for decoding, values in metrics.items():
        label = f"beam search (width {config.beam_width})" if decoding == "beam" else "greedy"
        logger.info(
            f"test, {label}: BLEU {values['bleu']:.2f}, chrF {values['chrf']:.2f} "
            f"({values['pairs']:,} pairs, {values['sentences_per_second']:.1f} sentences/s)"
        )
    logger.info(f"Beam search minus greedy: {metrics['beam']['bleu'] - metrics['greedy']['bleu']:+.2f} BLEU.")
    samples = []
    for source, reference in test_pairs[:10]:
        samples.append(
            {
                "source": source,
                "reference": reference,
                "greedy": translations["greedy"][source],
                "beam": translations["beam"][source],
            }
        )
        logger.info(
            f"  source:    {source}\n  reference: {reference}\n  greedy:    {translations['greedy'][source]}\n"
            f"  beam:      {translations['beam'][source]}"
        )
    maps = [translator.attention_map(source, config.max_length) for source, _ in test_pairs[:3]]
    logger.info(f"Attention heat maps: {plot_attention(maps, run_dir / 'attention.png')}")
    (run_dir / "metrics.json").write_text(
        json.dumps(
            {
                "metrics": metrics,
                "samples": samples,
                "epochs_trained": epochs_trained,
                "epoch_seconds": epoch_seconds,
                "data": description,
            },
            indent=1,
        )
    )
    translator.save_weights(run_dir / "translator.weights.h5")

    export_path = export.export_for_serving(
        translator,
        config.export_root,
        config.model_name,
        serving_signatures(translator, config.beam_width, config.max_length),
        warmup_examples=[{"text": [source for source, _ in test_pairs[:2]]}],
    )
    logger.info(
        f"Exported to {export_path} (serving_default: text -> translation, beam width "
        f"{config.beam_width}; beam_search: text, beam_width -> translation)."
    )
    return TranslationResult(
        metrics=metrics,
        epochs_trained=epochs_trained,
        epoch_seconds=epoch_seconds,
        samples=samples,
        export_path=Path(export_path),
        run_dir=run_dir,
        data_description=description,
    )
