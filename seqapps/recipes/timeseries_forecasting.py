"""Multivariate time-series forecasting with honest baselines, exported for TF Serving.

What it does: reads a window of the last `--input-steps` rows of every
column of a series and forecasts the next `--horizon` values of the target
column(s), or of every column with `--target all` (the published benchmark
setting). The default model (`--model segment`) is SegRNN:
channel-independent (each target column's own history through the same
weights, with a learned channel embedding), each window relative to its
last value, a GRU (any `--cell`) over segments of 24 rows (48 for 15- and
10-minute presets) of a 720-row lookback, and one recurrent step per output
segment, all at once. `--model window`, the one to try when other columns
carry what the target needs (it wins on weather's `OT`), reads every column
of a 96-row window: a recurrent encoder and a dense head (with
`--linear-component`, the residual of the ridge baseline, which the model
then holds, frozen). Unless the trained model beats
persistence on validation MAE, it is set back to persistence.
It evaluates the model next to three baselines computed in the same run on
the same test windows, writes `forecast.png` and `history.png` to the run
folder, and exports a SavedModel to `<export-root>/timeseries_forecast/<version>/`
whose `serving_default` takes `window` (float32 [batch, input_steps,
n_features], file units) and returns `forecast` (float32 [batch, horizon,
n_targets], file units) with the bounds `lower` and `upper` of an 80%
prediction interval (`--quantiles 0.1 0.9`; test coverage and mean width
reported); standardization runs inside the model.
Intervals (`--interval`): `conformal` (default: split conformal, offsets
calibrated on the validation windows' residuals), `pinball` (the model also
outputs the two quantiles, trained with the forecast by the pinball loss)
or `pinball_conformal` (those outputs conformalized on the validation
windows, CQR):

    seqapps train timeseries_forecasting --dataset etth1 --quick --interval pinball_conformal
Data: a preset (`--dataset`: etth1, etth2, ettm1, ettm2, weather,
beijing_pm25 from `$SEQAPPS_DATA_DIR/timeseries/`, jena_climate from there
or downloaded) with its standard chronological split, or any CSV with a
timestamp column (`--csv FILE --time-column date --target COLUMN`).
Missing values, duplicate or unordered timestamps and text columns are
errors unless a policy flag says what to do (`--missing`, `--duplicates`,
`--categorical`); the presets choose documented policies and print what
they did.
Baselines: persistence (last value), seasonal naive (value one period
earlier, e.g. 24 h) and a linear model (channel-independent ridge on the
lookback relative to the last value, or a ridge on the whole window, chosen
on validation).
Covariates known in advance (segment model): `--future-columns COLUMN ...`
(columns whose values are known for the forecast horizon, e.g. a planned
load or a holiday flag; never missing) and `--calendar-features` (sine and
cosine of the hour of day, day of week and day of year of each forecast
row) feed the decoder for each output segment; the export then also takes
`future` (float32 [batch, horizon, n_future], file units: the future
columns, then the calendar features, as `future_names` in `series.json`;
`seqapps.data.timeseries.calendar_features` computes the calendar part).
Big datasets: `--windows-per-epoch N` trains each epoch on N freshly sampled
windows.
Expected result: see BENCHMARKS.md ("Time-series forecasting") for the test
MAE of the default configuration against each baseline on every shipped
dataset; `--quick` (a small model, 2000 training windows, one epoch) only
checks that everything runs.

    seqapps train timeseries_forecasting --dataset etth1 --quick
    seqapps predict saved_models/timeseries_forecast --json "$(cat runs/timeseries_forecasting/example_request.json)"
    seqapps train timeseries_forecasting --dataset beijing_pm25 --calendar-features --quick

Tuning: `--tune` searches the hyperparameters with keras-tuner instead
(`seqapps tune timeseries_forecasting` does the same), minimizing the
validation MAE: the cell, units, layers (window model), dropout, learning
rate, batch size, loss, lookback (`--choice input_steps=...`) and segment
length, within the search-space flags (the single-model flags --cell,
--units, --layers, --dropout, --batch-size, --learning-rate, --loss,
--input-steps and --segment-length do not apply); the data flags do.
`--trial-minutes` gives each trial a time budget. The best hyperparameters
are retrained by the recipe (validation kept for early stopping and the
interval's calibration) and exported.

    seqapps train timeseries_forecasting --tune --dataset etth1 --max-train-windows 2000 --max-trials 4 --max-epochs 2
"""

import sys

from seqapps import console, layers
from seqapps.data import timeseries
from seqapps.recipes.runner import run_recipe
from seqapps.tasks.timeseries_forecasting import LOSSES, MODELS, TimeseriesForecastingConfig, intervals, train

GROUPS = {
    "data": (
        "dataset",
        "csv",
        "data",
        "time_column",
        "time_format",
        "target",
        "features",
        "missing",
        "duplicates",
        "categorical",
        "missing_values",
        "split",
        "period",
        "future_columns",
        "calendar_features",
    ),
    "task and model": (
        "model",
        "input_steps",
        "horizon",
        "segment_length",
        "channel_embedding",
        "cell",
        "units",
        "layers",
        "dropout",
        "epochs",
        "batch_size",
        "learning_rate",
        "learning_rate_decay",
        "loss",
        "patience",
        "linear_component",
        "linear_blend",
        "max_train_windows",
        "windows_per_epoch",
        "verbose",
    ),
    "outputs": ("quantiles", "interval", "export_root", "run_dir", "restart", "seed"),
}
# Flags that keep their own spelling: --target and --missing-value repeat, --split takes three fractions.
OVERRIDES = {
    "target": {
        "action": "append",
        "nargs": None,
        "type": str,
        "help": "column to forecast (repeat for several), or `all` for every column; default: the preset's",
    },
    "missing_values": {
        "flags": ("--missing-value",),
        "action": "append",
        "nargs": None,
        "type": float,
        "help": "number meaning 'missing' in --csv, e.g. -9999 (repeatable)",
    },
    "split": {"type": float, "nargs": 3, "metavar": ("TRAIN", "VALIDATION", "TEST")},
    "quantiles": {"type": float, "nargs": 2, "metavar": ("LOWER", "UPPER")},
    "time_format": {"help": "strptime format of --csv timestamps, e.g. '%%d.%%m.%%Y %%H:%%M:%%S' (default: ISO 8601)"},
}


def main(argv=None, prog=None):
    """Runs the recipe with the flags `argv` (default: the command line); `prog` names it in `--help`."""
    return run_recipe(
        argv,
        prog,
        recipe="timeseries_forecasting",
        docstring=__doc__,
        config_class=TimeseriesForecastingConfig,
        train=train,
        groups=GROUPS,
        overrides=OVERRIDES,
        choices={
            "dataset": tuple(timeseries.PRESETS),
            "missing": timeseries.MISSING_POLICIES,
            "duplicates": timeseries.DUPLICATE_POLICIES,
            "categorical": timeseries.CATEGORICAL_POLICIES,
            "cell": layers.KINDS,
            "loss": LOSSES,
            "model": MODELS,
            "interval": intervals.INTERVALS,
            "verbose": (0, 1, 2),
        },
        distributable=True,
    )


if __name__ == "__main__":
    sys.exit(console.run(main))
