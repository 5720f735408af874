"""Multivariate time-series forecasting with honest baselines, served in raw units.

Data flows one way: `seqapps.data.timeseries` (a preset or any CSV; cleaning,
chronological split, windows) -> standardization with training-split
statistics, inside the model -> the forecaster -> `seqapps.export`.

The task: from the last `input_steps` rows of every column, forecast the next
`horizon` values of the target column(s), or of every column
(`target=["all"]`, the published benchmark setting). Two models:

- `segment` (the default): SegRNN (Lin et al. 2023),
  `seqapps.layers.SegmentRecurrentForecaster` on the standardized target
  columns: channel-independent (each target column is its own sample through
  the same weights, with a learned channel embedding), each window relative
  to its last value, a recurrent layer over segments of 24 or 48 rows of a
  720-row lookback, parallel decoding of the output segments. MAE loss,
  Adam 3e-4, the learning rate x0.8 per epoch after two, early stopping.
- `window`: a recurrent encoder over every column of the window (relative to
  its last row) and a dense head forecasting the change of each target from
  its last value. With `linear_component`, the model instead holds the
  linear baseline as a fixed component (LSTNet's autoregressive part, Lai et
  al., SIGIR 2018) and the recurrent part learns its residual; if training
  never improves on the linear forecast's validation MAE, the head is set
  back to zero.

Covariates known in advance (segment model): `future_columns` of the file
(a planned load, a holiday flag) and, with `calendar_features`, the sine and
cosine of the hour of day, day of week and day of year of each forecast row.
The decoder reads each output segment's covariate rows (a dense embedding
added to its position embedding, zero at the start); the export then takes
them as a second input, `future`.

Both models forecast the change from the last value, so their output layer
at zero is the persistence forecast: after training, unless the model beat
persistence on validation MAE, its output layer is set back to zero (a random
walk, where nothing beats persistence, gets persistence, not worse).

Baselines, computed in the same run on the same test windows: persistence,
seasonal naive, and linear (the better on validation of a channel-independent
ridge on the whole lookback relative to the last value, and, while its design
is small, a multivariate ridge on the window; see `baselines.py`).

Reported for the model and each baseline on the validation and test windows:
MAE and MSE in file units and standardized (divided by the training
standard deviation of each target), per horizon step and averaged, and the
model's MAE improvement over the best baseline (the one with the lowest
standardized test MAE) in percent.

Where each role lives:

- `config.py`: `TimeseriesForecastingConfig` (the recipe's settings,
  `MODEL_DEFAULTS`), `TimeseriesForecastingResult`, `load_series`.
- `model.py`: `build_model` (`build_segment_model`, `build_window_model`),
  `average_forecasters` (an ensemble's mean), the blend with the linear baseline (`choose_linear_weight`,
  `blend_with_linear`, `linear_forecast`), `learning_rate_schedule`, the guards `keep_persistence_if_better` and
  `keep_linear_if_better`; with quantile outputs `PointAndPinballLoss` and
  `predict_outputs`.
- `baselines.py`: `persistence_forecast`, `seasonal_naive_forecast`,
  `ChannelRidgeForecaster`, `RidgeForecaster`, `fit_linear_baseline`.
- `evaluation.py`: `error_metrics`, `improvement_percent`, the tables, `plot_forecasts`.
- `intervals.py`: the prediction interval of each `--interval` method (`INTERVALS`): `ConformalInterval`
  (calibrated on validation), `QuantileInterval` (pinball outputs, optionally conformalized), `calibrate`,
  `pinball_loss`, `interval_metrics`.
- `backtest.py`: `backtest` (rolling origins over the test period of a finished run), `folds_table`, `write_csv`.
- `serving.py`: `serving_function` (`serving_default`: raw window, and `future` with covariates -> raw
  forecast and interval, input checks).
- `training.py`: `train` (the recipe end to end) and the steps a search reuses per trial: `split_windows`,
  `future_inputs`, `model_inputs`, `compile_forecaster`, `steps_per_epoch`, `learning_rate_callbacks`,
  `train_dataset`, `window_dataset`.
"""

from seqapps.tasks.timeseries_forecasting.baselines import (
    MAX_MULTIVARIATE_INPUTS,
    RIDGE_PENALTIES,
    ChannelRidgeForecaster,
    RidgeForecaster,
    fit_linear_baseline,
    persistence_forecast,
    seasonal_naive_forecast,
)
from seqapps.tasks.timeseries_forecasting.config import (
    ALL,
    LOSSES,
    MODEL_DEFAULTS,
    MODEL_NAME,
    MODELS,
    TimeseriesForecastingConfig,
    TimeseriesForecastingResult,
    load_series,
)
from seqapps.tasks.timeseries_forecasting.evaluation import (
    PLOTTED_WINDOWS,
    error_metrics,
    improvement_percent,
    metrics_table,
    per_step_table,
    plot_forecasts,
)
from seqapps.tasks.timeseries_forecasting.model import (
    LINEAR_WEIGHTS,
    PointAndPinballLoss,
    average_forecasters,
    blend_with_linear,
    build_model,
    build_segment_model,
    build_window_model,
    choose_linear_weight,
    keep_linear_if_better,
    keep_persistence_if_better,
    learning_rate_schedule,
    linear_forecast,
    predict_outputs,
)
from seqapps.tasks.timeseries_forecasting.serving import serving_function
from seqapps.tasks.timeseries_forecasting.training import (
    compile_forecaster,
    future_inputs,
    learning_rate_callbacks,
    model_inputs,
    split_windows,
    steps_per_epoch,
    train,
    train_dataset,
    window_dataset,
)

__all__ = [
    "ALL",
    "LINEAR_WEIGHTS",
    "LOSSES",
    "MAX_MULTIVARIATE_INPUTS",
    "MODELS",
    "MODEL_DEFAULTS",
    "MODEL_NAME",
    "PLOTTED_WINDOWS",
    "PointAndPinballLoss",
    "RIDGE_PENALTIES",
    "ChannelRidgeForecaster",
    "RidgeForecaster",
    "TimeseriesForecastingConfig",
    "TimeseriesForecastingResult",
    "average_forecasters",
    "blend_with_linear",
    "build_model",
    "build_segment_model",
    "build_window_model",
    "choose_linear_weight",
    "compile_forecaster",
    "error_metrics",
    "fit_linear_baseline",
    "future_inputs",
    "improvement_percent",
    "keep_linear_if_better",
    "keep_persistence_if_better",
    "learning_rate_callbacks",
    "learning_rate_schedule",
    "linear_forecast",
    "load_series",
    "metrics_table",
    "model_inputs",
    "per_step_table",
    "persistence_forecast",
    "plot_forecasts",
    "predict_outputs",
    "seasonal_naive_forecast",
    "serving_function",
    "split_windows",
    "steps_per_epoch",
    "train",
    "train_dataset",
    "window_dataset",
]
