"""The recipe end to end: vocabulary, training (one model or an ensemble), scores, samples and export."""

import dataclasses
import json
import logging
import math
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqapps import distribute, export, training
from seqapps.data import shakespeare
from seqapps.layers.char_vocabulary import OOV_ID, CharVocabulary
from seqapps.tasks.char_generation.callbacks import PrintSample, ResetStates
from seqapps.tasks.char_generation.config import MODEL_NAME, CharGenerationConfig
from seqapps.tasks.char_generation.datasets import stream_dataset, window_dataset
from seqapps.tasks.char_generation.generator import CharGenerator
from seqapps.tasks.char_generation.model import build_language_model
from seqapps.tasks.char_generation.serving import serving_signatures

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class CharGenerationResult:
    """What `train` measured and wrote.

    `metrics[split]` (split `validation` / `test`) holds `nats_per_character`,
    `bits_per_character`, `perplexity` and `characters` (how many were scored).
    """

    metrics: dict
    epochs_trained: int
    epoch_seconds: list
    samples: dict
    export_path: Path
    run_dir: Path
    corpus_description: str


def build_optimizer(config, learning_rate, ema_momentum=0.0):
    """Adam on `learning_rate` (a float or a schedule) with global clipping, weight decay (not of biases)
    and, with `ema_momentum` (see `seqapps.training.averaging_momentum`), a moving average of the weights."""
    averaging = {"use_ema": True, "ema_momentum": ema_momentum} if ema_momentum else {}
    optimizer = keras.optimizers.Adam(
        learning_rate, global_clipnorm=config.clipnorm, weight_decay=config.weight_decay or None, **averaging
    )
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    return optimizer


def loss_metrics(nats, characters):
    return {
        "nats_per_character": nats,
        "bits_per_character": nats / math.log(2),
        "perplexity": math.exp(nats),
        "characters": characters,
    }


# Config fields that do not change what a model learns: an ensemble member trained with other values of
# them is reused by a later run (`_train_member`, `seqapps.training.finished_member`).
_OUTPUT_SETTINGS = ("prompt", "sample_length", "temperature", "top_k", "top_p", "export_root", "restart", "verbose")


def _train_member(config, index, ids, vocabulary, prompt, seconds_spent, strategy, resume_root):
    """Trains ensemble member `index` (or the only model, when `config.ensemble` is 1) under `strategy`.

    An ensemble member is a one-model run in `run_dir/member_<index + 1>`,
    with the seed `config.seed + index`: its folder keeps its `config.json`,
    its checkpoints (an interrupted member resumes there), `history.json`,
    `history.png`, `model.keras` and, once it finished, `member.json`. A later
    run with the same settings (but for `_OUTPUT_SETTINGS`) and training text
    reloads a finished member instead of training it again.
    A time budget's remainder after `seconds_spent` is shared out equally
    between the members left. A worker other than the chief (`resume_root`:
    the chief's run folder) resumes from, and reuses the finished members of,
    the chief's folders.

    Returns:
        The trained model, its epochs and the seconds of each.
    """
    if config.ensemble == 1:
        run_dir, member_config, resume_dir = Path(config.run_dir), config, resume_root
    else:
        # The text itself, so that a changed file at the same path is trained on again.
        training_text = training.data_fingerprint(np.asarray(ids["train"]))
        member_config, run_dir, chief_dir, record = training.start_member(
            CharGenerationConfig, config, index, seconds_spent, training_text, resume_root, ignored=_OUTPUT_SETTINGS
        )
        if record is not None:
            return keras.saving.load_model(chief_dir / "model.keras"), record["epochs"], record["epoch_seconds"]
        resume_dir = resume_root and chief_dir
    model, epochs, epoch_seconds = _fit(member_config, ids, vocabulary, prompt, run_dir, strategy, resume_dir)
    model.save(run_dir / "model.keras")
    if config.ensemble > 1:
        training.write_finished_member(run_dir, training_text, epochs, epoch_seconds)
    return model, epochs, epoch_seconds


def encode_corpus(config):
    """Loads the text, builds the vocabulary on its training split and encodes every split.

    Returns:
        `(corpus, vocabulary, ids, description)`: `ids[split]` are the ids
        of `train` (its first `max_characters`), `validation` and `test`.
    """
    corpus = shakespeare.load(config.text, errors=config.decode_errors)
    vocabulary = CharVocabulary.from_text(corpus.train, name="vocabulary")
    train_text = corpus.train[: config.max_characters] if config.max_characters else corpus.train
    description = corpus.describe() + (f"; training on the first {len(train_text):,}" if config.max_characters else "")
    ids = {
        "train": vocabulary.encode_text(train_text),
        **{split: vocabulary.encode_text(corpus.split(split)) for split in ("validation", "test")},
    }
    return corpus, vocabulary, ids, description


def training_datasets(config, ids):
    """The training and validation batches: truncated-BPTT streams (`tbptt`) or shuffled independent windows."""
    if config.tbptt:
        return stream_dataset(ids["train"], config), stream_dataset(ids["validation"], config)
    return window_dataset(ids["train"], config, shuffle=True), window_dataset(
        ids["validation"], config, shuffle=False
    ).cache()


def compile_language_model(config, vocabulary_size, steps_per_epoch):
    """The recipe's language model (stateful with `tbptt`), compiled with its planned learning-rate decay.

    The learning rate follows a cosine decay to 5% of the peak over `epochs *
    steps_per_epoch` steps (`PlannedCosineDecay`, which a `TimeBudget` re-plans
    to end with the budget); the loss, in nats per character, is the
    cross-entropy of the next character.

    Returns:
        `(model, schedule, momentum)`: the compiled model, the schedule and the
        weight average's momentum (`averaging_momentum`; 0: none).
    """
    if config.tbptt:
        model = build_language_model(config, vocabulary_size, batch_size=config.batch_size, stateful=True)
    else:
        model = build_language_model(config, vocabulary_size)
    planned_steps = config.epochs * steps_per_epoch
    schedule = training.PlannedCosineDecay(config.learning_rate, planned_steps, alpha=0.05)
    momentum = training.averaging_momentum(config.ema_momentum, planned_steps)
    model.compile(
        optimizer=build_optimizer(config, schedule, momentum),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=config.jit_compile,
    )
    return model, schedule, momentum


def _fit(config, ids, vocabulary, prompt, run_dir, strategy, resume_dir):
    """Builds (in `strategy`'s scope) and fits one language model in `run_dir` -> (model, epochs trained, seconds
    of each epoch)."""
    train_data, validation_data = (distribute.shard_by_data(dataset) for dataset in training_datasets(config, ids))
    steps_per_epoch = int(train_data.cardinality())
    with strategy.scope():
        model, schedule, momentum = compile_language_model(config, vocabulary.size, steps_per_epoch)
        distribute.clip_after_all_reduce(model.optimizer, strategy)
    planned_steps = config.epochs * steps_per_epoch
    model.summary(print_fn=logger.info)
    logger.info(
        f"Training: {'truncated BPTT, stateful' if config.tbptt else 'independent windows'}, "
        f"{config.sequence_length}-character windows, batch {config.batch_size}, "
        f"{steps_per_epoch} steps per epoch, up to {config.epochs} epochs"
        f"{training.averaging_note(config.ema_momentum, momentum, planned_steps)}."
    )

    sampler = PrintSample(CharGenerator(dataclasses.replace(config, ensemble=1), vocabulary), config, prompt)
    epoch_seconds = []
    callbacks = training.standard_callbacks(
        run_dir,
        "val_loss",
        "min",
        config.patience,
        epoch_seconds,
        train_dataset=None if config.tbptt else train_data,
        averaged_weights=bool(momentum),
        resume_dir=resume_dir,
    ) + [sampler]
    if config.time_budget_minutes:
        callbacks.append(training.TimeBudget(config.time_budget_minutes, epoch_seconds, schedule=schedule))
    if config.tbptt:
        callbacks.insert(0, ResetStates())
    history = model.fit(
        train_data,
        validation_data=validation_data,
        epochs=config.epochs,
        callbacks=callbacks,
        shuffle=False,
        verbose=config.verbose,
    )
    epochs = training.record_history(history, run_dir, epoch_seconds)
    return model, epochs, epoch_seconds


def train(config, strategy=None):
    """Loads the text, trains, scores validation and test, logs samples and exports.

    The run's settings are saved in `<run_dir>/config.json` (and each ensemble
    member's in its folder; `training.start_run`); the progress, scores and
    samples go to the `seqapps` logger.

    Under a `strategy` (`seqapps.distribute`; default: the current one) each
    model is built and compiled in its scope and `config.batch_size` is the
    global batch, each worker training on its slice of every batch of
    independent windows; every worker scores and samples on its own, and only
    the chief writes the run folder and the export (`distribute.worker_config`).
    With dropout, each replica draws its own masks.

    Raises:
        ValueError: `tbptt` with several replicas: its stateful streams carry
            each batch row's state into the same row of the next batch, which
            a split batch would hand to another replica; `batch_size` does not
            split evenly between the replicas (`distribute.check_batch_size`).

    Returns:
        A `CharGenerationResult` (on a worker other than the chief, with paths that no longer exist).
    """
    strategy = strategy or tf.distribute.get_strategy()
    if config.tbptt and strategy.num_replicas_in_sync > 1:
        raise ValueError(
            f"tbptt (truncated BPTT over stateful streams) cannot train on {strategy.num_replicas_in_sync} "
            "replicas: each stream's state lives on one replica. Train on independent windows (tbptt=False, "
            "--no-tbptt), or on one device and one worker."
        )
    distribute.check_batch_size(strategy, config.batch_size)
    with distribute.worker_config(strategy, config) as (worker_config, resume_dir):
        return _train(worker_config, strategy, resume_dir)


def _train(config, strategy, resume_root):
    run_dir = training.start_run(config.run_dir, config.restart, config.seed, config=config)
    corpus, vocabulary, ids, description = encode_corpus(config)
    logger.info(description)
    unknown = {split: int(np.sum(ids[split] == OOV_ID)) for split in ("validation", "test")}
    logger.info(
        f"Vocabulary: {vocabulary.size - 1} characters from the training text, plus id 0 for unknown "
        f"ones (validation {unknown['validation']}, test {unknown['test']} unknown characters)."
    )
    (run_dir / "vocabulary.json").write_text(json.dumps({"characters": vocabulary.characters}))

    prompt = config.prompt if config.prompt is not None else corpus.validation.lstrip("\n").split("\n")[0][:60] + "\n"
    if config.ensemble > 1:
        logger.info(
            f"Ensemble of {config.ensemble} models, seeds {config.seed} to "
            f"{config.seed + config.ensemble - 1}, trained one after the other in {run_dir}/member_<k>."
        )
    models, epochs_trained, epoch_seconds = [], 0, []
    for index in range(config.ensemble):
        # The members' budgets, shared out from the seconds spent, are the same on every worker: the chief's.
        (seconds_spent,) = distribute.chief_values(strategy, [sum(epoch_seconds)])
        model, member_epochs, member_seconds = _train_member(
            config, index, ids, vocabulary, prompt, seconds_spent, strategy, resume_root
        )
        models.append(model)
        epochs_trained += member_epochs
        epoch_seconds += member_seconds

    generator = CharGenerator(config, vocabulary)
    generator.copy_weights_from(models)
    metrics = {}
    for split in ("validation", "test"):
        start = time.perf_counter()
        nats, count = generator.stream_loss(ids[split])
        metrics[split] = loss_metrics(nats, count)
        logger.info(
            f"{split}: {nats:.4f} nats/char, {metrics[split]['bits_per_character']:.4f} bits/char, "
            f"perplexity {metrics[split]['perplexity']:.2f} ({count:,} characters, "
            f"{time.perf_counter() - start:.0f} s)"
        )
    logger.info(
        "For scale: a uniform guess over the vocabulary scores "
        f"{math.log(vocabulary.size - 1):.2f} nats/char; nanoGPT's character Transformer reports 1.47 "
        "(validation, A100) and 1.88 (small CPU configuration) on Tiny Shakespeare."
    )

    samples = {}
    for temperature in (0.5, 0.8, 1.0):
        samples[f"temperature {temperature}"] = generator.generate(
            [prompt], config.sample_length, temperature, config.top_k, config.top_p, seed=config.seed
        )[0]
    samples["greedy"] = generator.generate([prompt], config.sample_length, greedy=True)[0]
    for name, text in samples.items():
        logger.info(f"--- {name} ---\n{prompt}{text}")
    (run_dir / "metrics.json").write_text(
        json.dumps(
            {
                "metrics": metrics,
                "samples": samples,
                "epochs_trained": epochs_trained,
                "epoch_seconds": epoch_seconds,
                "corpus": description,
            },
            indent=1,
        )
    )

    export_path = export.export_for_serving(
        generator.layers,
        config.export_root,
        MODEL_NAME,
        serving_signatures(generator, config.top_k, config.top_p),
        # Near-greedy warmup requests: TF Serving warms up, and the export check
        # compares reloaded outputs, on requests whose answer does not depend on the random draw.
        warmup_examples=[{"prompt": [prompt], "length": [32], "temperature": [1e-4]}],
    )
    logger.info(
        f"Exported to {export_path} (serving_default: prompt, length, temperature -> text; step: text, "
        f"state [batch, {generator.state_size}], temperature -> next_character, state)."
    )
    return CharGenerationResult(
        metrics=metrics,
        epochs_trained=epochs_trained,
        epoch_seconds=epoch_seconds,
        samples=samples,
        export_path=Path(export_path),
        run_dir=run_dir,
        corpus_description=description,
    )
