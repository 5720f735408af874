"""The text-classification recipe as a keras-tuner hypermodel."""

from seqapps.tasks import text_classification
from seqapps.tuning.imdb_sentiment_hyper_model import ImdbSentimentHyperModel


class TextClassificationHyperModel(ImdbSentimentHyperModel):
    """Searches the text classifier (`seqapps.tasks.text_classification`): the IMDB search on any labelled texts.

    The same space, objective and retraining as `ImdbSentimentHyperModel`
    (the IMDB recipe is this task's IMDB preset): the texts are loaded and the
    vocabulary built once (`prepare`), the classifier has one output per
    class (one sigmoid for two), and `retrain` trains on train+validation and
    exports to `<export_root>/text_classification/<version>/`.

    Args:
        recipe_options: fields of `TextClassificationConfig`, e.g.
            `{"data": "reviews.csv", "limit": 2000}`, and `preset` (`quick`).
        space: overrides of the default search space.
        objective: `val_accuracy` (default), `val_loss`, `accuracy` or `loss`.
        trial_minutes: each trial's time budget.

    Example:

    >>> hypermodel = TextClassificationHyperModel({"data": "reviews.csv"}, space={"cells": ["gru"]})
    >>> hypermodel.objective.name
    'val_accuracy'
    """

    recipe = "text_classification"
    config_class = text_classification.TextClassificationConfig

    def prepare(self):
        if self.data is None:
            self.data = text_classification.prepare_data(self.config)

    def classes(self):
        self.prepare()
        return len(self.data.class_names)

    def export(self, config, model):
        return text_classification.export_text_model(
            config, self.data, model, model_name=text_classification.MODEL_NAME
        )
