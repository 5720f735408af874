"""The time-series forecasting recipe as a keras-tuner hypermodel."""

import dataclasses
import logging
from pathlib import Path

import keras

from seqapps import layers, training
from seqapps.tasks import timeseries_forecasting as task
from seqapps.tuning.recipe_hyper_model import RecipeHyperModel
from seqapps.tuning.search_space import SearchSpace

logger = logging.getLogger(__name__)

# Lookbacks searched by default: multiples of both segment lengths (24 and 48 rows).
SEGMENT_INPUT_STEPS = (96, 192, 336, 720)
WINDOW_INPUT_STEPS = (48, 96, 192)


class TimeseriesForecastingHyperModel(RecipeHyperModel):
    """Searches the forecaster (`seqapps.tasks.timeseries_forecasting`), the segment model or the window model.

    The series is loaded once (`prepare`); each trial takes the windows of its
    own lookback (`split_windows`: the validation windows are the same rows
    for every lookback, as each has the seasonal period's history) and
    trains the recipe's model with the recipe's loss, learning-rate schedule
    (x`learning_rate_decay` per epoch after two) and early stopping on the
    objective, validation MAE on the standardized targets (`val_mae`, the
    metric the recipe stops on, whatever the `loss`). The recipe's `interval`
    passes through: with quantile outputs (`pinball`, `pinball_conformal`)
    each trial trains on the forecast's loss plus the pinball losses, and
    `val_mae` is still the forecast's.

    The space: the cell, units, layers (the window model only: the segment
    model has one recurrent layer, so its default fixes `layers` to 1),
    dropout, learning rate, batch size, and the choices `loss` (`mae`,
    `mse`), `input_steps` (the lookback) and, for the segment model,
    `segment_length`. The default lookbacks of the segment model (96 to 720)
    are multiples of both segment lengths; a lookback that is not a
    multiple of a searched segment length is an error before the search.

    `retrain` runs the recipe itself (`timeseries_forecasting.train`) with the
    best hyperparameters for the best trial's epochs (its `time_budget_minutes`
    set to `trial_minutes`): it trains on the training split only, because the
    recipe needs the validation split after training, to choose between the
    model and persistence and to calibrate the prediction interval (a model
    that had seen the validation windows would get too narrow an interval).
    It writes the recipe's run folder to `best_model/` (metrics, plots,
    `model.keras`) and exports to `<export_root>/timeseries_forecast/<version>/`.

    Args:
        recipe_options: fields of `TimeseriesForecastingConfig`, e.g.
            `{"dataset": "etth1", "target": ["OT"], "horizon": 96}` or
            `{"csv": "file.csv", "target": ["OT"], "model": "window"}`, and
            `preset` (`quick`).
        space: overrides of the default search space.
        objective: `val_mae` (default), `val_loss`, `mae` or `loss`.
        trial_minutes: each trial's time budget (and the retraining's).

    Example:

    >>> hypermodel = TimeseriesForecastingHyperModel({"dataset": "etth1"}, space={"units": [64, 256]})
    >>> hypermodel.objective.name, hypermodel.space.layers, hypermodel.space.choices["input_steps"]
    ('val_mae', (1, 1), (96, 192, 336, 720))
    """

    recipe = "timeseries_forecasting"
    config_class = task.TimeseriesForecastingConfig
    default_space = SearchSpace(
        cells=layers.KINDS,
        units=(64, 512),
        layers=(1, 1),
        dropout=(0.0, 0.5),
        learning_rate=(1e-4, 3e-3),
        batch_sizes=(32, 64, 128),
        choices={"loss": ("mae", "mse"), "input_steps": SEGMENT_INPUT_STEPS, "segment_length": (24, 48)},
    )
    window_space = SearchSpace(
        cells=layers.KINDS,
        units=(16, 128),
        layers=(1, 2),
        dropout=(0.0, 0.3),
        learning_rate=(3e-4, 3e-3),
        batch_sizes=(32, 64),
        choices={"loss": ("mse", "mae"), "input_steps": WINDOW_INPUT_STEPS},
    )
    metric_directions = {"val_mae": "min", "val_loss": "min", "mae": "min", "loss": "min"}
    default_objective = "val_mae"
    hyperparameter_fields = (
        "cell",
        "units",
        "layers",
        "dropout",
        "learning_rate",
        "batch_size",
        "loss",
        "input_steps",
        "segment_length",
    )

    def __init__(self, recipe_options=None, space=None, objective=None, trial_minutes=None):
        super().__init__(recipe_options, space, objective, trial_minutes)
        self.series = None

    def space_for(self, config):
        return self.default_space if config.model == "segment" else self.window_space

    def prepare(self):
        if self.series is None:
            self.series = task.load_series(self.config)
            for note in self.series.notes:
                logger.info(note)

    def trial_config(self, values):
        settings = {
            name: values[name]
            for name in ("cell", "units", "layers", "dropout", "learning_rate", "batch_size", "loss", "input_steps")
        }
        if "segment_length" in values:
            settings["segment_length"] = values["segment_length"]
        return dataclasses.replace(self.config, **settings)

    def build_model(self, values):
        self.prepare()
        config = self.trial_config(values)
        series = self.series
        mean, std = series.statistics()
        _, _, future_statistics = task.future_inputs(series, config)
        _, trained = task.build_model(
            config,
            len(series.feature_names),
            len(series.target_names),
            mean,
            std,
            list(series.target_indices),
            future_statistics=future_statistics,
        )
        steps = task.steps_per_epoch(len(task.split_windows(series, config)["train"]), config)
        return task.compile_forecaster(
            trained, config, training.averaging_momentum(config.ema_momentum, config.epochs * steps)
        )

    def fit_model(self, values, model, epochs, initial_epoch, callbacks):
        config = self.trial_config(values)
        series = self.series
        starts = task.split_windows(series, config)
        mean, std = series.statistics()
        target_indices = list(series.target_indices)
        target_mean, target_std = mean[target_indices], std[target_indices]
        future, _, _ = task.future_inputs(series, config)
        early_stopping = keras.callbacks.EarlyStopping(
            monitor=self.objective.name, mode=self.objective.direction, patience=config.patience
        )
        # Validation, early stopping and the trial's checkpoint see the averaged weights, as in the recipe.
        averaging = [keras.callbacks.SwapEMAWeights(swap_on_epoch=True)] if model.optimizer.use_ema else []
        return model.fit(
            task.train_dataset(series, starts["train"], config, target_mean, target_std, future=future),
            validation_data=task.window_dataset(
                series, starts["validation"], config, target_mean, target_std, future=future
            ).cache(),
            epochs=epochs,
            initial_epoch=initial_epoch,
            callbacks=[*averaging, *task.learning_rate_callbacks(config), *callbacks, early_stopping],
            shuffle=False,
            verbose=config.verbose,
        )

    def retrain(self, values, epochs, output_dir):
        config = self.recipe_retraining_config(values, epochs, output_dir)
        logger.info(
            f"Retraining the best hyperparameters as the recipe does, for up to {epochs} epoch(s): on the training "
            "split, with the validation split kept for early stopping, the persistence guard and the interval's "
            "calibration."
        )
        result = task.train(config)
        final = {
            f"{split}_{name}": float(result.metrics[split]["model"][name])
            for split in ("validation", "test")
            for name in ("mae", "mse", "normalized_mae", "normalized_mse")
        }
        final.update(
            {
                "best_baseline": result.best_baseline,
                "improvement_percent": float(result.improvement_percent),
                "test_interval_coverage": float(result.metrics["test"]["model"]["interval"]["coverage"]),
                "epochs_trained": result.epochs_trained,
                "model_path": str(Path(output_dir) / "model.keras"),
                "export_path": str(result.export_path),
            }
        )
        return final
