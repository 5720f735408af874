"""Multivariate time-series forecasting with honest baselines, exported for TF Serving.

What it does: reads the last `--input-steps` rows of every column of a
series (multivariate input) and forecasts the next `--horizon` values of the
target column(s) with a recurrent encoder and a direct multi-horizon head
(forecasting the change from the last value, or with `--linear-component` the
residual of the ridge baseline, which the model then holds, frozen).
It evaluates the model next to three baselines computed in the same run on
the same test windows, writes `forecast.png` and `history.png` to the run
folder, and exports a SavedModel to `<export-root>/timeseries_forecast/<version>/`
whose `serving_default` takes `window` (float32 [batch, input_steps,
n_features], file units) and returns `forecast` (float32 [batch, horizon,
n_targets], file units); standardization runs inside the model.
Data: a preset (`--dataset`: etth1, etth2, ettm1, ettm2, weather,
beijing_pm25 from `$SEQAPPS_DATA_DIR/timeseries/`, jena_climate from there
or downloaded) with its standard chronological split, or any CSV with a
timestamp column (`--csv FILE --time-column date --target COLUMN`).
Missing values, duplicate or unordered timestamps and text columns are
errors unless a policy flag says what to do (`--missing`, `--duplicates`,
`--categorical`); the presets choose documented policies and print what
they did.
Baselines: persistence (last value), seasonal naive (value one period
earlier, e.g. 24 h) and a ridge regression on the window.
Expected result: see BENCHMARKS.md ("Time-series forecasting") for the test
MAE of the default configuration against each baseline on every shipped
dataset; `--quick` (a small model, 2000 training windows, one epoch) only
checks that everything runs, in about a minute on 2 cores.

    python recipes/timeseries_forecasting.py --dataset etth1 --quick
    seqapps predict saved_models/timeseries_forecast --json "$(cat runs/timeseries_forecasting/example_request.json)"
"""

import argparse
import sys

from seqapps import layers, recipe_arguments
from seqapps.data import timeseries
from seqapps.tasks.timeseries_forecasting import TimeseriesForecastingConfig, train


def main(argv=None):
    defaults = TimeseriesForecastingConfig()
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", choices=tuple(timeseries.PRESETS), default=defaults.dataset,
                      help="preset dataset (ignored with --csv)")
    data.add_argument("--csv", default=defaults.csv, help="any CSV file with a timestamp column, instead of a preset")
    data.add_argument("--data", default=defaults.data, help="explicit file of the preset dataset")
    data.add_argument("--time-column", default=defaults.time_column,
                      help="timestamp column of --csv, or comma-separated year,month,day,hour columns")
    data.add_argument("--time-format", default=defaults.time_format,
                      help="strptime format of --csv timestamps, e.g. '%%d.%%m.%%Y %%H:%%M:%%S' (default: ISO 8601)")
    data.add_argument("--target", action="append", default=defaults.target,
                      help="column to forecast (repeat for several); default: the preset's")
    data.add_argument("--features", nargs="+", default=defaults.features,
                      help="input columns (default: every column but the time columns)")
    data.add_argument("--missing", choices=timeseries.MISSING_POLICIES, default=defaults.missing,
                      help="missing values and timestamps (default: the preset's policy, error for --csv)")
    data.add_argument("--duplicates", choices=timeseries.DUPLICATE_POLICIES, default=defaults.duplicates,
                      help="repeated timestamps (default: the preset's policy, error for --csv)")
    data.add_argument("--categorical", choices=timeseries.CATEGORICAL_POLICIES, default=defaults.categorical,
                      help="non-numeric columns (default: the preset's policy, error for --csv)")
    data.add_argument("--missing-value", dest="missing_values", type=float, action="append",
                      default=defaults.missing_values, help="number meaning 'missing' in --csv, e.g. -9999 (repeatable)")
    data.add_argument("--split", type=float, nargs=3, default=defaults.split, metavar=("TRAIN", "VALIDATION", "TEST"),
                      help="chronological split fractions of --csv rows")
    data.add_argument("--period", type=int, default=defaults.period,
                      help="rows per season for the seasonal-naive baseline (default: the preset's, one day for --csv)")
    task = parser.add_argument_group("task and model")
    task.add_argument("--input-steps", type=int, default=defaults.input_steps, help="rows read per window")
    task.add_argument("--horizon", type=int, default=defaults.horizon, help="rows forecast per window")
    task.add_argument("--cell", choices=layers.KINDS, default=defaults.cell, help="recurrent layer kind")
    task.add_argument("--units", type=int, default=defaults.units, help="units per recurrent layer")
    task.add_argument("--layers", type=int, default=defaults.layers, help="stacked recurrent layers")
    task.add_argument("--dropout", type=float, default=defaults.dropout, help="dropout on the encoder output")
    task.add_argument("--epochs", type=int, default=defaults.epochs, help="maximum epochs (early stopping)")
    task.add_argument("--batch-size", type=int, default=defaults.batch_size)
    task.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    task.add_argument("--loss", choices=("mse", "mae"), default=defaults.loss,
                      help="training loss on the standardized targets")
    task.add_argument("--patience", type=int, default=defaults.patience,
                      help="epochs without validation improvement before stopping")
    task.add_argument("--linear-component", action=argparse.BooleanOptionalAction, default=defaults.linear_component,
                      help="add the ridge baseline's forecast to the model's (frozen; the recurrent part learns "
                           "its residual) instead of forecasting the change from the last value")
    task.add_argument("--max-train-windows", type=int, default=defaults.max_train_windows,
                      help="train on at most this many evenly spaced windows (default: all)")
    task.add_argument("--quick", action="store_true", help="small model, 2000 training windows, one epoch")
    recipe_arguments.add_output_arguments(parser, defaults)
    arguments = parser.parse_args(argv)
    config = recipe_arguments.config_from_arguments(TimeseriesForecastingConfig, arguments, parser)
    train(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
