"""The translation recipe's settings and limits."""

import dataclasses
import typing

from seqapps import configs, recipe_arguments
from seqapps.data import parallel_texts

MODEL_NAME = "spa_eng_translator"
STANDARDIZATIONS = ("latin", "any_script", "any_script_no_accents")
TOKENS = ("word", "subword")
ATTENTIONS = ("bahdanau", "luong")
DECODINGS = ("greedy", "sample", "beam")
MAX_SOURCE_WORDS = 100
MAX_BEAM_WIDTH = 16
DEFAULT_MAX_LENGTH = 50
_POSITIVE_INTEGERS = (
    "units",
    "embedding_dim",
    "source_vocabulary_size",
    "target_vocabulary_size",
    "epochs",
    "batch_size",
    "patience",
    "beam_width",
    "max_length",
)


@dataclasses.dataclass
class TranslationConfig:
    """Settings of the translation recipe: Spanish -> English by default, any pair of languages with `data`.

    Args:
        data: the sentence pairs: a tab-separated UTF-8 file (or a zip
            holding one; the Anki format `English<TAB>Other<TAB>attribution`
            too), or a folder holding `spa-eng.zip` or `spa.txt` (`None`: the
            Spanish-English pairs, `$SEQAPPS_DATA_DIR/spa-eng/spa-eng.zip`,
            else the download). Without `validation_data` / `test_data`,
            2,000 pairs each (a tenth of the file when fewer) are held out by
            unique source sentence with a fixed seed (see
            `seqapps.data.parallel_texts`).
        validation_data: validation pairs in the same format and columns, read whole (default: held out of `data`).
        test_data: test pairs in the same format and columns, read whole (default: held out of `data`).
        source_column: the column of the source sentences: a 0-based index
            (every line is a pair), or a name of the file's header row.
            Default 1: the other language of an Anki file (Spanish in `spa.txt`).
        target_column: the column of the target sentences, likewise. Default
            0: English in an Anki file.
        standardization: `latin` (the Spanish -> English preset's: NFKD,
            accents dropped, only a-z, digits and `. ? ! , ¿ ¡ '` kept: other
            scripts vanish), `any_script` (NFKC, case folding, letters of every
            script kept, punctuation of every script set apart, Chinese,
            Japanese, Thai... one token per character) or
            `any_script_no_accents` (`any_script`, the accents of Latin, Greek
            and Cyrillic letters dropped); for both languages.
        tokens: `word` (whole words) or `subword` (WordPiece pieces learned
            from the training split: an unseen word is split into known
            pieces instead of being unknown). `word` is the default: on the
            Spanish -> English preset (3 epochs each) subwords gave the same
            BLEU (53.96 against 54.16) and decoded 2.5x faster.
        model_name: the export's folder name under `export_root`.
        max_pairs: train on at most this many training pairs (`None`: all);
            validation and test stay whole.
        cell: recurrent layer kind of the encoder and the decoder, a name from `seqapps.layers.KINDS`.
        units: units of each encoder direction and of the decoder.
        embedding_dim: size of the word embeddings.
        attention: `bahdanau` (additive) or `luong` (multiplicative) scores.
        dropout: dropout on the embeddings and before the output layer.
        source_vocabulary_size, target_vocabulary_size: words per vocabulary,
            the padding and unknown tokens included, most frequent in train
            first (with `tokens="subword"`: about this many WordPiece pieces).
        max_training_words: training sentences are cut to this many tokens
            (start and end tokens included).
        epochs: maximum epochs (early stopping on validation loss).
        batch_size: sentence pairs per batch (batched by similar length).
        learning_rate: peak Adam learning rate, cosine decay to 5% of it.
        clipnorm: clip gradients to this global norm (`None`: no clipping).
        patience: epochs without validation improvement before stopping.
        time_budget_minutes: stop after the epoch that would leave too little
            time for another one within this many minutes (`None`: no budget).
        beam_width: beam width of the evaluation and of the exported
            `serving_default` (1 would be greedy).
        max_length: most tokens (words or subwords) of a translation.
        evaluation_pairs: score at most this many test pairs (`None`: all).
        evaluate_only: train nothing: score and export the best weights of the
            run in `run_dir` (its `vocabulary.json` and `best.weights.h5`),
            rebuilt with the settings its `config.json` saved; only the
            settings in `EVALUATION_CHANGES` (data, validation_data,
            test_data, evaluation_pairs, beam_width, max_length, export_root,
            model_name, verbose) may differ from them
            (see `evaluation_config`).
        export_root: where the servable model is written (`<root>/<model_name>/<version>/`).
        run_dir: `config.json` (the run's settings), checkpoints, TensorBoard
            logs, `history.json` and `history.png`, `vocabulary.json`,
            `metrics.json`, `attention.png` and `translator.weights.h5`.
        restart: discard the backup of an interrupted run and start over.
        seed: seed of the data order, the dropout masks and the weights.
        verbose: Keras `fit` verbosity (2: one line per epoch).

    `PRESETS["quick"]`: a small model (64 units, embeddings 32, vocabularies
    of 2,000 words) on 5,000 pairs for one epoch, scored on 200 test pairs
    with beam width 3, for a smoke run.
    """

    data: str = None
    validation_data: str = None
    test_data: str = None
    source_column: str = "1"
    target_column: str = "0"
    standardization: str = "latin"
    tokens: str = "word"
    max_pairs: int = None
    cell: str = "gru"
    units: int = 256
    embedding_dim: int = 256
    attention: str = "luong"
    dropout: float = 0.2
    source_vocabulary_size: int = 12_000
    target_vocabulary_size: int = 8_000
    max_training_words: int = 40
    epochs: int = 8
    batch_size: int = 64
    learning_rate: float = 2e-3
    clipnorm: float = 5.0
    patience: int = 2
    time_budget_minutes: float = None
    beam_width: int = 5
    max_length: int = DEFAULT_MAX_LENGTH
    evaluation_pairs: int = None
    evaluate_only: bool = False
    export_root: str = "saved_models"
    model_name: str = MODEL_NAME
    run_dir: str = "runs/seq2seq_translation"
    restart: bool = False
    seed: int = 1337
    verbose: int = 2

    PRESETS: typing.ClassVar[dict] = {
        "quick": {
            "epochs": 1,
            "units": 64,
            "embedding_dim": 32,
            "max_pairs": 5_000,
            "evaluation_pairs": 200,
            "source_vocabulary_size": 2_000,
            "target_vocabulary_size": 2_000,
            "beam_width": 3,
        },
    }
    # Settings that may change when an interrupted run resumes: the evaluation's, and the time budget.
    RESUMABLE_CHANGES: typing.ClassVar[tuple] = configs.DEFAULT_RESUMABLE_CHANGES + (
        "time_budget_minutes",
        "beam_width",
        "max_length",
        "evaluation_pairs",
        "evaluate_only",
        "model_name",
    )
    # Settings that may differ from the run's when it is scored again (`evaluate_only`): the rest made the model.
    EVALUATION_CHANGES: typing.ClassVar[tuple] = (
        "data",
        "validation_data",
        "test_data",
        "evaluation_pairs",
        "beam_width",
        "max_length",
        "export_root",
        "model_name",
        "verbose",
        "evaluate_only",
        "run_dir",
        "restart",
    )

    def __post_init__(self):
        recipe_arguments.check_cell_and_sizes(self, _POSITIVE_INTEGERS)
        if self.attention not in ATTENTIONS:
            raise ValueError(f"Unknown attention {self.attention!r}: choose from {', '.join(ATTENTIONS)}.")
        for name in ("max_pairs", "evaluation_pairs"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                raise ValueError(f"`{name}` must be a positive integer or None, got {value!r}.")
        if self.beam_width > MAX_BEAM_WIDTH:
            raise ValueError(f"`beam_width` must be at most {MAX_BEAM_WIDTH}, got {self.beam_width}.")
        if self.max_training_words < 3:
            raise ValueError(f"`max_training_words` must be at least 3, got {self.max_training_words!r}.")
        for name in ("source_vocabulary_size", "target_vocabulary_size"):
            if getattr(self, name) < 5:
                raise ValueError(f"`{name}` must be at least 5, got {getattr(self, name)!r}.")
        for name in ("source_column", "target_column"):
            setattr(self, name, str(parallel_texts.column_choice(getattr(self, name))))
        if self.source_column == self.target_column:
            raise ValueError(
                f"`source_column` and `target_column` are both {self.source_column!r}: choose two columns."
            )
        if self.standardization not in STANDARDIZATIONS:
            raise ValueError(
                f"Unknown standardization {self.standardization!r}: choose from {', '.join(STANDARDIZATIONS)}."
            )
        if self.tokens not in TOKENS:
            raise ValueError(f"Unknown tokens {self.tokens!r}: choose from {', '.join(TOKENS)}.")
        if not isinstance(self.model_name, str) or not self.model_name.strip() or "/" in self.model_name:
            raise ValueError(f"`model_name` must be a folder name, got {self.model_name!r}.")


def evaluation_config(run_dir, **settings):
    """The settings to score the run in `run_dir` again: those its `config.json` saved, `settings` changing them.

    `settings` may change only `TranslationConfig.EVALUATION_CHANGES` (which
    test pairs, the beam width, the longest translation, where to export);
    the others built the model and are read from the run. A setting given
    with the run's own value is accepted.

    Example:

    >>> evaluation_config("runs/seq2seq_translation", beam_width=8)  # doctest: +SKIP

    Returns:
        A `TranslationConfig` with `evaluate_only=True` and `run_dir=run_dir`.

    Raises:
        seqapps.configs.SettingsError: `run_dir` has no `config.json`, or
            `settings` changes another setting (each named with both values).
    """
    saved = configs.load_run_config(TranslationConfig, run_dir)
    config = dataclasses.replace(saved, **{**settings, "run_dir": str(run_dir), "evaluate_only": True})
    check_evaluation_config(config)
    return config


def check_evaluation_config(config):
    """Raises `SettingsError` if `config` differs from the run in `config.run_dir` outside `EVALUATION_CHANGES`."""
    differences = configs.saved_differences(config, config.run_dir, TranslationConfig.EVALUATION_CHANGES)
    if differences:
        changed = "; ".join(f"{name}: the run's {saved!r}, given {given!r}" for name, saved, given in differences)
        allowed = ", ".join(TranslationConfig.EVALUATION_CHANGES)
        raise configs.SettingsError(
            f"The run in {config.run_dir} was trained with other settings ({changed}). Scoring it again "
            f"(evaluate_only) reads them from its config.json; only {allowed} may change. Drop the other "
            "settings, or train a new run in another run_dir."
        )
