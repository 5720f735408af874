"""The settings of a text classifier and of the text-classification recipe, and what a run returns."""

import dataclasses
import typing
from pathlib import Path

from seqapps import configs, recipe_arguments
from seqapps.layers.masked_global_pooling import MODES as POOLING_MODES
from seqapps.layers.token_window import MODES as TRUNCATION_MODES

MODEL_NAME = "text_classification"
# Named datasets `--dataset` reads with their own loader (and split), instead of `--data` files.
DATASETS = ("imdb",)


@dataclasses.dataclass
class ClassifierSettings:
    """Settings of the recurrent text classifier, shared by `TextClassificationConfig` and the IMDB preset.

    Args:
        cell: recurrent layer kind, a name from `seqapps.layers.KINDS`.
        units: hidden units per direction and layer.
        layers: number of stacked recurrent layers.
        bidirectional: read the texts in both directions.
        max_tokens: tokens kept per text.
        truncation: what a longer text keeps: `"head_tail"` (its first and
            last `max_tokens // 2` tokens: the verdict is often at the end),
            `"head"` or `"tail"`.
        vocab_size: words in the vocabulary, padding and out-of-vocabulary included.
        embedding_dim: size of the word embeddings.
        dropout: dropout rate on the embeddings and before the classifier.
        pooling: how the encoder's outputs are pooled over time, a mode of
            `MaskedGlobalPooling1D` (`max`, `average` or `max_average`).
        bag_of_words: add a linear bag-of-n-grams term to the classifier's
            logit: one learned score (starting at 0) per word and per hashed
            run of up to `ngrams` words, summed over the text's tokens,
            trained with the rest of the model (`NgramScores`).
        ngrams: longest word sequence the bag term scores (1: words only;
            2: words and word pairs).
        ngram_buckets: hashed scores shared by the bag term's n-grams of two
            or more words.
        epochs: maximum training epochs (early stopping on validation accuracy).
        batch_size: training batch size.
        learning_rate: Adam learning rate.
        patience: epochs without validation improvement before stopping.
        baseline_epochs: epochs of the bag-of-words baseline.
        limit: examples kept per split (`None`: all).
        data: where the examples are read.
        export_root: where the servable model is written (`<root>/<model name>/<version>/`).
        run_dir: checkpoints, TensorBoard logs, `history.json`, `history.png`,
            `metrics.json`, `confusion_matrix.png` and `model.keras`.
        restart: discard the backup of an interrupted run and start over.
        seed: seed of the data split, the shuffling and the weights.
        verbose: Keras `fit` verbosity (2: one line per epoch).

    `PRESETS["quick"]`: 1000 examples per split, one epoch of a small model
    (128 tokens, 32 units, 5000 words), for a smoke run.
    """

    cell: str = "elman"
    units: int = 64
    layers: int = 1
    bidirectional: bool = False
    max_tokens: int = 400
    truncation: str = "head_tail"
    vocab_size: int = 20_000
    embedding_dim: int = 128
    dropout: float = 0.5
    pooling: str = "max_average"
    bag_of_words: bool = True
    ngrams: int = 2
    ngram_buckets: int = 262_144
    epochs: int = 4
    batch_size: int = 64
    learning_rate: float = 2e-3
    patience: int = 1
    baseline_epochs: int = 4
    limit: int = None
    data: str = None
    export_root: str = "saved_models"
    run_dir: str = "runs/text_classification"
    restart: bool = False
    seed: int = 1337
    verbose: int = 2

    PRESETS: typing.ClassVar[dict] = {
        "quick": {"limit": 1000, "epochs": 1, "baseline_epochs": 1, "max_tokens": 128, "units": 32, "vocab_size": 5000},
    }
    # Settings that may change when an interrupted run resumes: they do not touch the model being trained.
    RESUMABLE_CHANGES: typing.ClassVar[tuple] = configs.DEFAULT_RESUMABLE_CHANGES + ("baseline_epochs",)

    def __post_init__(self):
        recipe_arguments.check_cell_and_sizes(
            self,
            (
                "units",
                "layers",
                "max_tokens",
                "embedding_dim",
                "epochs",
                "batch_size",
                "baseline_epochs",
                "patience",
                "ngrams",
                "ngram_buckets",
            ),
        )
        if not isinstance(self.vocab_size, int) or self.vocab_size < 3:
            raise ValueError(f"`vocab_size` must be an integer of at least 3, got {self.vocab_size!r}.")
        if self.truncation not in TRUNCATION_MODES:
            raise ValueError(f"Unknown truncation {self.truncation!r}: choose from {', '.join(TRUNCATION_MODES)}.")
        if self.pooling not in POOLING_MODES:
            raise ValueError(f"Unknown pooling {self.pooling!r}: choose from {', '.join(POOLING_MODES)}.")


@dataclasses.dataclass
class TextClassificationConfig(ClassifierSettings):
    """Settings of the text-classification recipe (`ClassifierSettings` documents the model's).

    Args:
        dataset: a named dataset read by its own loader instead of `data`
            files: `imdb` (the IMDB reviews, `seqapps.data.imdb`: `data` is
            then an aclImdb folder or archive, else `$SEQAPPS_DATA_DIR`, then
            tfds; official test set, 10% of the training reviews for
            validation).
        data: the training data: a folder with one subfolder of UTF-8 `.txt`
            files per class, or a `.csv`, `.tsv` or `.jsonl` file (see
            `seqapps.data.labelled_texts`).
        validation_data: validation data in the same format (default: a
            `validation_fraction` of each class of `data`).
        test_data: test data in the same format (default: a `test_fraction`
            of each class of `data`).
        text_column: the column (CSV, TSV) or key (JSON Lines) of the texts.
        label_column: the column or key of the labels (read as strings).
        validation_fraction: fraction of each class of `data` held out for
            validation when there is no `validation_data`.
        test_fraction: fraction of each class of `data` held out for test
            when there is no `test_data`.
        limit: examples kept per split (`None`: all).
        run_dir: checkpoints, TensorBoard logs, `history.json` and
            `history.png`, `metrics.json`, `confusion_matrix.png`,
            `classes.json` and `model.keras` (raw text -> class probabilities).
    """

    dataset: str = None
    validation_data: str = None
    test_data: str = None
    text_column: str = "text"
    label_column: str = "label"
    validation_fraction: float = 0.1
    test_fraction: float = 0.1

    def __post_init__(self):
        super().__post_init__()
        if self.dataset is not None and self.dataset not in DATASETS:
            raise ValueError(f"Unknown --dataset {self.dataset!r}: choose from {', '.join(DATASETS)}, or pass --data.")
        if self.dataset is not None:
            for name in ("validation_data", "test_data"):
                if getattr(self, name) is not None:
                    raise ValueError(
                        f"--{name.replace('_', '-')} does not apply to --dataset {self.dataset}, which has its own "
                        "split: leave it out, or pass your files with --data instead of --dataset."
                    )
        for name in ("validation_fraction", "test_fraction"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be a fraction in [0, 1), got {value!r}.")
        if self.validation_fraction + self.test_fraction >= 1:
            raise ValueError(
                "--validation-fraction plus --test-fraction must be less than 1 (something must be left to "
                f"train on), got {self.validation_fraction} + {self.test_fraction}."
            )


@dataclasses.dataclass
class TextClassificationResult:
    """What a run returns.

    Attributes:
        test_accuracy: the model's accuracy on the test split.
        baseline_test_accuracy: the bag-of-words baseline's.
        epochs_trained: epochs run (early stopping included).
        epoch_seconds: seconds of each epoch.
        export_path: the exported version folder.
        run_dir: the run folder.
        test_macro_f1: the model's macro-averaged F1 on the test split.
        baseline_test_macro_f1: the baseline's.
        class_names: the classes, in the order of the model's outputs.
        metrics: what `RUN_DIR/metrics.json` holds.
    """

    test_accuracy: float
    baseline_test_accuracy: float
    epochs_trained: int
    epoch_seconds: list
    export_path: Path
    run_dir: Path
    test_macro_f1: float = None
    baseline_test_macro_f1: float = None
    class_names: tuple = ()
    metrics: dict = None
