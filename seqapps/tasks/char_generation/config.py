"""The character-generation recipe's settings and limits."""

import dataclasses
import math
import typing

from seqapps import configs, recipe_arguments
from seqapps.data import shakespeare

MODEL_NAME = "char_generator"
MAX_LENGTH = 10_000
MAX_PROMPT_CHARACTERS = 4_096
EMPTY_PROMPT = "\n"
EVALUATION_WINDOW = 512
_POSITIVE_INTEGERS = (
    "units",
    "layers",
    "embedding_dim",
    "ensemble",
    "sequence_length",
    "batch_size",
    "epochs",
    "patience",
    "sample_length",
)


@dataclasses.dataclass
class CharGenerationConfig:
    """Settings of the character-level generation recipe.

    Args:
        text: a UTF-8 text file to train on (`None`: Tiny Shakespeare from
            `$SEQAPPS_DATA_DIR`, else the tfds download).
        decode_errors: `strict` (invalid UTF-8 is an error) or `replace`.
        max_characters: train on at most this many characters of the
            training part (`None`: all); validation and test stay whole.
        cell: recurrent layer kind, a name from `seqapps.layers.KINDS`.
        units: hidden units per recurrent layer.
        layers: stacked recurrent layers.
        embedding_dim: size of the character embedding.
        ensemble: train this many models, one after the other, the k-th
            (from 0) with seed `seed + k` and in `run_dir/member_<k + 1>`;
            the scores, samples and export use the mean of their
            next-character distributions (on Tiny Shakespeare, two models
            scored 0.03 nats/char lower on validation, and 0.04 to 0.05
            lower on test, than each alone). A time budget is shared out
            between them. 1: one model, in `run_dir`.
        dropout: dropout after each recurrent layer.
        recurrent_dropout: dropout of each recurrent layer's hidden state
            inside the recurrence, one mask per window (variational dropout,
            Gal & Ghahramani 2016). 0: none.
        tbptt: stateful truncated backpropagation through time (the default)
            instead of independent windows.
        sequence_length: characters per training window (the BPTT length).
        batch_size: windows per batch (streams, with `tbptt`).
        epochs: maximum training epochs (early stopping on validation loss).
        time_budget_minutes: train for at most this many minutes (`None`: no
            budget): the learning-rate decay is planned, from the measured speed,
            to end when the budget does (or after `epochs`, if sooner), and
            training stops there, mid-epoch if need be.
        learning_rate: peak Adam learning rate; it follows a cosine decay to
            `learning_rate * 0.05` over `epochs` (or the time budget).
        clipnorm: clip the gradient to this global norm (`None`: no clipping).
        weight_decay: decoupled weight decay (AdamW) of the embedding and the
            kernels, not the biases: each step multiplies them by
            `1 - weight_decay * learning rate`. 0: none.
        ema_momentum: keep an exponential moving average of the weights with
            this momentum (Keras `use_ema`); validation, early stopping, the
            checkpoints, the test score and the export use the averaged weights.
            A run of few steps averages with a lower momentum, so that its
            first weights wear off (`seqapps.training.averaging_momentum`). 0: no averaging.
        jit_compile: compile the training step with XLA. Off by default, as
            Keras has it on CPU-only machines: on an AVX-512 Xeon the default
            model's step took 409 ms with XLA and 173 ms without (TensorFlow's
            oneDNN kernels); on an AVX2 Xeon XLA was about 20% faster.
        patience: epochs without validation improvement before stopping.
        prompt: the prompt of the sample logged after every epoch (`None`:
            the first line of the validation text).
        sample_length: characters generated for that sample.
        temperature: sampling temperature of the logged samples.
        top_k: sample from the `top_k` most likely characters only (`None`: all);
            also used by the export.
        top_p: sample from the smallest set of characters whose probability
            reaches `top_p` (`None`: all); also used by the export.
        export_root: where the servable model is written (`<root>/char_generator/<version>/`).
        run_dir: `config.json` (the run's settings), checkpoints, TensorBoard
            logs, `history.png`, `metrics.json`, `vocabulary.json` and
            `model.keras` (ids -> next-character logits); an ensemble has
            `config.json`, `metrics.json` and `vocabulary.json` there, and the
            rest, per member, in `member_<k>/` (a one-model run with its own
            `config.json`).
        restart: discard the backup of an interrupted run and start over.
        seed: seed of the weights, the shuffling and the logged samples.
        verbose: Keras `fit` verbosity (2: one line per epoch).

    `PRESETS["quick"]`: one small model (no ensemble: 1 layer of 64 units,
    embedding 16) on the first 200,000 training characters for one epoch,
    100-character samples, for a smoke run.
    """

    text: str = None
    decode_errors: str = "strict"
    max_characters: int = None
    cell: str = "lstm"
    units: int = 384
    layers: int = 2
    embedding_dim: int = 64
    ensemble: int = 2
    dropout: float = 0.25
    recurrent_dropout: float = 0.0
    tbptt: bool = True
    sequence_length: int = 50
    batch_size: int = 32
    epochs: int = 9
    time_budget_minutes: float = None
    learning_rate: float = 3e-3
    clipnorm: float = 5.0
    weight_decay: float = 0.0
    ema_momentum: float = 0.999
    jit_compile: bool = False
    patience: int = 2
    prompt: str = None
    sample_length: int = 300
    temperature: float = 0.8
    top_k: int = None
    top_p: float = None
    export_root: str = "saved_models"
    run_dir: str = "runs/char_generation"
    restart: bool = False
    seed: int = 1337
    verbose: int = 2

    PRESETS: typing.ClassVar[dict] = {
        "quick": {
            "ensemble": 1,
            "units": 64,
            "layers": 1,
            "embedding_dim": 16,
            "max_characters": 200_000,
            "epochs": 1,
            "sample_length": 100,
        },
    }
    # Settings that may change when an interrupted run resumes: they do not change the model being trained
    # (a time budget re-plans the learning-rate decay from the time spent).
    RESUMABLE_CHANGES: typing.ClassVar[tuple] = configs.DEFAULT_RESUMABLE_CHANGES + (
        "time_budget_minutes",
        "jit_compile",
        "prompt",
        "sample_length",
        "temperature",
        "top_k",
        "top_p",
    )

    def __post_init__(self):
        recipe_arguments.check_cell_and_sizes(self, _POSITIVE_INTEGERS)
        if self.max_characters is not None and (
            not isinstance(self.max_characters, int) or self.max_characters <= self.sequence_length
        ):
            raise ValueError(
                f"`max_characters` must be an integer above sequence_length ({self.sequence_length}) "
                f"or None, got {self.max_characters!r}."
            )
        if self.decode_errors not in shakespeare.DECODE_ERRORS:
            raise ValueError(
                f"`decode_errors` must be one of {', '.join(shakespeare.DECODE_ERRORS)}, got {self.decode_errors!r}."
            )
        check_sampling(self.temperature, self.top_k, self.top_p)


def check_sampling(temperature, top_k, top_p):
    """Raises `ValueError` for a temperature, top-k or top-p outside its range."""
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
        raise ValueError(
            f"`temperature` must be a positive finite number (use greedy=True for argmax), got {temperature!r}."
        )
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k <= 0):
        raise ValueError(f"`top_k` must be a positive integer or None, got {top_k!r}.")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"`top_p` must be in (0, 1] or None, got {top_p!r}.")
