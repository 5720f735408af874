"""The translation recipe's settings and limits."""

import dataclasses

from seqapps import recipe_arguments

MODEL_NAME = "spa_eng_translator"
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
    """Settings of the Spanish -> English translation recipe.

    Args:
        data: `spa-eng.zip`, `spa.txt` or a folder holding either (default:
            `$SEQAPPS_DATA_DIR/spa-eng/spa-eng.zip`, else the download).
        max_pairs: train on at most this many training pairs (`None`: all);
            validation and test stay whole.
        cell: recurrent layer kind of the encoder and the decoder, a name from `seqapps.layers.KINDS`.
        units: units of each encoder direction and of the decoder.
        embedding_dim: size of the word embeddings.
        attention: `bahdanau` (additive) or `luong` (multiplicative) scores.
        dropout: dropout on the embeddings and before the output layer.
        source_vocabulary_size, target_vocabulary_size: words per vocabulary,
            the padding and unknown tokens included, most frequent in train first.
        max_training_words: training sentences are cut to this many words
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
        max_length: most words of a translation.
        evaluation_pairs: score at most this many test pairs (`None`: all 2,000).
        quick: a small model on 5,000 pairs for one epoch, a smoke run.
        evaluate_only: train nothing: score and export the best weights of the
            run in `run_dir` (its `vocabulary.json` and `best.weights.h5`,
            trained with the same architecture settings).
        export_root, run_dir, restart, seed, verbose: see the other recipes.
    """

    data: str = None
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
    quick: bool = False
    evaluate_only: bool = False
    export_root: str = "saved_models"
    run_dir: str = "runs/seq2seq_translation"
    restart: bool = False
    seed: int = 1337
    verbose: int = 2

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
        if self.quick:
            self.epochs = 1
            self.units = min(self.units, 64)
            self.embedding_dim = min(self.embedding_dim, 32)
            self.max_pairs = min(self.max_pairs or 5_000, 5_000)
            self.evaluation_pairs = min(self.evaluation_pairs or 200, 200)
            self.source_vocabulary_size = min(self.source_vocabulary_size, 2_000)
            self.target_vocabulary_size = min(self.target_vocabulary_size, 2_000)
            self.beam_width = min(self.beam_width, 3)
