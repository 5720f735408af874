import keras
import matplotlib.image
import pytest

from seqapps.diagnostics import plot_history
from seqapps.diagnostics.history import main_metric

LOGS = {
    "learning_rate": [0.1, 0.1, 0.05],
    "gradient_norm": [3.0, 2.0, 1.0],
    "loss": [1.0, 0.6, 0.4],
    "accuracy": [0.5, 0.7, 0.8],
    "val_loss": [1.1, 0.8, 0.7],
    "val_accuracy": [0.45, 0.6, 0.65],
}


def test_main_metric_skips_loss_and_callback_values():
    assert main_metric(LOGS) == "accuracy"
    assert main_metric({"loss": [1.0], "val_loss": [1.0], "clipped_fraction": [0.0]}) is None


@pytest.mark.parametrize("logs", [LOGS, {"loss": [2.0, 1.0]}])
def test_writes_a_png(tmp_path, logs):
    history = keras.callbacks.History()
    history.history = logs
    path = plot_history(history, tmp_path / "run" / "history.png")
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.std() > 0


def test_two_panels_with_a_metric_are_wider_than_loss_alone(tmp_path):
    both = matplotlib.image.imread(plot_history(LOGS, tmp_path / "both.png"))
    alone = matplotlib.image.imread(plot_history(LOGS, tmp_path / "alone.png", metric="loss"))
    assert both.shape[1] > alone.shape[1]


def test_bad_histories(tmp_path):
    with pytest.raises(ValueError, match="no 'loss'"):
        plot_history({"accuracy": [0.5]}, tmp_path / "history.png")
    with pytest.raises(ValueError, match="'auc'"):
        plot_history(LOGS, tmp_path / "history.png", metric="auc")
