"""Text classification: raw text in any language -> one of two or more classes, served from raw strings.

Data flows one way: labelled texts (`seqapps.data.labelled_texts`: a folder of
class subfolders, or a CSV / TSV / JSON Lines file; or `--dataset imdb`,
`seqapps.data.imdb`) -> word vocabulary and token ids
(`seqapps.text.standardize_any_script` inside a `TextVectorization` layer:
NFKC, case folding, punctuation set apart, scripts without spaces between
words split per character) -> embedding, recurrent encoder from
`seqapps.layers.recurrent`, masked pooling, plus a linear bag-of-n-grams term
(`NgramScores`, one score per class) -> a sigmoid (two classes) or a softmax
over the classes found in the training data, in sorted order ->
`seqapps.export`.

The baseline, trained in the same run on the same splits, is a bag-of-words
logistic regression (multi-hot vector of the same vocabulary). Both are
scored on the test split: accuracy, macro-F1, per-class precision, recall, F1
and support (`RUN_DIR/metrics.json`), and the model's confusion matrix
(`RUN_DIR/confusion_matrix.png`).

The IMDB sentiment task (`seqapps.tasks.imdb_sentiment`) is this task on the
IMDB reviews, kept under its own name, flags and export.

Where each role lives:

- `config.py`: `ClassifierSettings` (the model's settings, shared with the
  IMDB task), `TextClassificationConfig`, `TextClassificationResult`.
- `datasets.py`: `prepare_data` (`load_texts`, `vectorize`),
  `TextClassificationData`, `token_batches` (length-bucketed batches).
- `model.py`: `make_vectorizer`, `build_model`, `build_text_model`,
  `compile_model`, `class_probabilities`.
- `evaluation.py`: `predict`, `bag_of_words_baseline`,
  `classification_metrics`, the tables, `write_metrics`, `plot_confusion_matrix`.
- `serving.py`: `serving_functions` (`serving_default`, `serving_xla`),
  `export_text_model`.
- `training.py`: `train` (the recipe end to end), `train_classifier`.
"""

from seqapps.tasks.text_classification.config import (
    DATASETS,
    MODEL_NAME,
    ClassifierSettings,
    TextClassificationConfig,
    TextClassificationResult,
)
from seqapps.tasks.text_classification.datasets import (
    TextClassificationData,
    bucket_boundaries,
    load_texts,
    prepare_data,
    token_batches,
    vectorize,
)
from seqapps.tasks.text_classification.evaluation import (
    bag_of_words_baseline,
    classification_metrics,
    per_class_table,
    plot_confusion_matrix,
    predict,
    summary_table,
    write_metrics,
)
from seqapps.tasks.text_classification.model import (
    build_model,
    build_text_model,
    class_probabilities,
    compile_model,
    make_vectorizer,
    output_units,
)
from seqapps.tasks.text_classification.serving import (
    BINARY_OUTPUTS,
    OUTPUTS,
    WARMUP_TEXTS,
    export_text_model,
    serving_functions,
)
from seqapps.tasks.text_classification.training import train, train_classifier

__all__ = [
    "BINARY_OUTPUTS",
    "DATASETS",
    "MODEL_NAME",
    "OUTPUTS",
    "WARMUP_TEXTS",
    "ClassifierSettings",
    "TextClassificationConfig",
    "TextClassificationData",
    "TextClassificationResult",
    "bag_of_words_baseline",
    "bucket_boundaries",
    "build_model",
    "build_text_model",
    "class_probabilities",
    "classification_metrics",
    "compile_model",
    "export_text_model",
    "load_texts",
    "make_vectorizer",
    "output_units",
    "per_class_table",
    "plot_confusion_matrix",
    "predict",
    "prepare_data",
    "serving_functions",
    "summary_table",
    "token_batches",
    "train",
    "train_classifier",
    "vectorize",
    "write_metrics",
]
