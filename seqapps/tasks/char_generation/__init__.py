"""Character-level language model and text generator, served with in-graph sampling.

Data flows one way: `seqapps.data.shakespeare` (Tiny Shakespeare or any UTF-8
text, contiguous 90/5/5 split) -> `CharVocabulary` (the characters of the
training part, id 0 for anything else; tensorflow-text `UnicodeCharTokenizer`,
so any UTF-8 text works) -> a stacked recurrent language model from
`seqapps.layers.recurrent` -> `CharGenerator` (the same weights, stepping one
character at a time with the recurrent state carried) -> `seqapps.export`.

Where each role lives:

- `config.py`: `CharGenerationConfig` (the recipe's settings), `check_sampling`
  and the limits (`MAX_LENGTH`, `MAX_PROMPT_CHARACTERS`, `EMPTY_PROMPT`, ...).
- `model.py`: `build_language_model` (the trained Keras model) and
  `LanguageModelLayers` (its layers stepped one character at a time, the
  state as one matrix).
- `generator.py`: `CharGenerator`: an ensemble's mean distribution, reading
  prompts, sampling and generating (through `seqapps.decoding`), `stream_loss`.
- `serving.py`: `serving_signatures` (`serving_default`, `step`).
- `datasets.py`: `window_dataset` (independent windows) and `stream_dataset` (truncated BPTT).
- `callbacks.py`: `ResetStates` and `PrintSample`.
- `training.py`: `train` (the recipe end to end, one model or an ensemble),
  the optimizer and weight average (`build_optimizer`; its momentum: `seqapps.training.averaging_momentum`),
  the steps a search reuses per trial (`encode_corpus`, `training_datasets`,
  `compile_language_model`), `CharGenerationResult`.

Training modes:
- truncated backpropagation through time (`tbptt=True`, the default): the training text is
  cut into `batch_size` contiguous streams, batch `k` holds window `k` of
  every stream, and the recurrent layers are stateful, so each window starts
  from the state the previous one ended in while gradients stop at window
  boundaries. The states are reset at the start of every epoch and before
  and after validation.
- independent windows (`tbptt=False`): shuffled windows of
  `sequence_length + 1` characters, each read from a zero state.

Scores: loss in nats per character (the mean negative log-likelihood of each
next character), bits per character (nats / ln 2) and perplexity (e^nats),
on the validation and test parts, each read as one stream from its first
character with the state carried to its end (`stream_loss`).

Sampling (`CharGenerator.generate`): temperature, top-k, top-p (nucleus) or
greedy, with stateless random ops seeded by `seed`, so a seed reproduces a
sample. The prompt is read once; each generated character costs one step.
"""

from seqapps.layers.char_vocabulary import CharVocabulary
from seqapps.tasks.char_generation.callbacks import PrintSample, ResetStates
from seqapps.tasks.char_generation.config import (
    EMPTY_PROMPT,
    EVALUATION_WINDOW,
    MAX_LENGTH,
    MAX_PROMPT_CHARACTERS,
    MODEL_NAME,
    CharGenerationConfig,
    check_sampling,
)
from seqapps.tasks.char_generation.datasets import stream_dataset, window_dataset
from seqapps.tasks.char_generation.generator import CharGenerator
from seqapps.tasks.char_generation.model import LanguageModelLayers, build_language_model
from seqapps.tasks.char_generation.serving import serving_signatures
from seqapps.tasks.char_generation.training import (
    CharGenerationResult,
    build_optimizer,
    compile_language_model,
    encode_corpus,
    loss_metrics,
    train,
    training_datasets,
)

__all__ = [
    "EMPTY_PROMPT",
    "EVALUATION_WINDOW",
    "MAX_LENGTH",
    "MAX_PROMPT_CHARACTERS",
    "MODEL_NAME",
    "CharGenerationConfig",
    "CharGenerationResult",
    "CharGenerator",
    "CharVocabulary",
    "LanguageModelLayers",
    "PrintSample",
    "ResetStates",
    "build_language_model",
    "build_optimizer",
    "compile_language_model",
    "encode_corpus",
    "check_sampling",
    "loss_metrics",
    "serving_signatures",
    "stream_dataset",
    "train",
    "training_datasets",
    "window_dataset",
]
