"""Benchmark: coverage of the forecaster's prediction intervals on the test windows of trained runs.

For each run folder of the forecasting recipe (by default every published-setting run of
`benchmarks.timeseries_forecasting` under runs/benchmarks/timeseries_forecasting/), reloads the
trained `model.keras` and the run's `config.json`, calibrates the split-conformal interval on the
validation windows exactly as the recipe does (`intervals.ConformalInterval`, the run's
`--quantiles`, 0.1 / 0.9 by default), and reports its empirical coverage and mean width on every
test window. The test split is only read to score; nothing is chosen on it. Target (issue 29): an
80% interval covers 80% of the test values, within 2 points. Each row is written to
benchmarks/results/forecast_intervals.json and BENCHMARKS.md as it finishes.

    SEQAPPS_DATA_DIR=../shared/datasets python -m benchmarks.forecast_intervals
"""

import argparse
import sys
from pathlib import Path

import keras

from benchmarks import reporting
from seqapps import configs, console
from seqapps.data import timeseries
from seqapps.tasks.timeseries_forecasting import TimeseriesForecastingConfig, intervals, load_series

NAME = "forecast_intervals"
TITLE = "Forecast intervals"
RUNS = Path("runs/benchmarks/timeseries_forecasting")
TARGET_POINTS = 2.0


def measure(run_dir, quantiles=None):
    """The interval's validation and test coverage and width for the trained run in `run_dir`."""
    config = configs.load_run_config(TimeseriesForecastingConfig, run_dir)
    quantiles = intervals.check_quantiles(quantiles or config.quantiles)
    series = load_series(config)
    period = config.period or series.period
    mean, std = series.statistics()
    target_std = std[list(series.target_indices)]
    forecaster = keras.saving.load_model(Path(run_dir) / "model.keras", safe_mode=True)
    scored = {}
    for split in ("validation", "test"):
        starts = timeseries.window_starts(series, split, config.input_steps, config.horizon, period or None)
        windows, truth = timeseries.gather_windows(series, starts, config.input_steps, config.horizon)
        scored[split] = (forecaster.predict(windows, batch_size=512, verbose=0), truth)
    interval = intervals.ConformalInterval.calibrate(*scored["validation"], quantiles)
    metrics = {
        split: intervals.interval_metrics(*interval.bounds(forecast), truth, target_std)
        for split, (forecast, truth) in scored.items()
    }
    return {
        "date": reporting.today(),
        "cpu": reporting.machine_description(),
        "run_dir": str(run_dir),
        "dataset": config.dataset if config.csv is None else config.csv,
        "horizon": config.horizon,
        "target": "all" if config.every_column else config.target,
        "seed": config.seed,
        "model": config.model,
        "quantiles": list(quantiles),
        "nominal_coverage": interval.coverage,
        "calibration_windows": interval.calibration_windows,
        "metrics": metrics,
    }


def body(rows):
    lines = [
        "Split-conformal prediction intervals of the trained forecasters (the recipe's default, "
        "`--quantiles 0.1 0.9`): per horizon step and target, the 10% and 90% quantiles of the validation "
        "residuals are added to the forecast; the coverage is the share of test values inside the interval, "
        "over every test window, step and column. Target: within 2 points of the nominal coverage.",
        "",
        "| run | model | nominal | validation coverage | test coverage | test coverage, first / last step "
        "| test mean width (std.) | target |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        test = row["metrics"]["test"]
        gap = 100 * (test["coverage"] - row["nominal_coverage"])
        verdict = "met" if abs(gap) <= TARGET_POINTS else f"missed ({gap:+.1f} points)"
        lines.append(
            f"| {Path(row['run_dir']).name} | {row['model']} | {row['nominal_coverage']:.0%} "
            f"| {row['metrics']['validation']['coverage']:.1%} | {test['coverage']:.1%} "
            f"| {test['coverage_per_step'][0]:.1%} / {test['coverage_per_step'][-1]:.1%} "
            f"| {test['normalized_mean_width']:.3f} | {verdict} |"
        )
    return "\n".join(lines)


def main(argv=None):
    console.configure()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", nargs="*", type=Path, default=None, help="run folders (default: the published-setting runs)"
    )
    parser.add_argument("--quantiles", nargs=2, type=float, default=None, help="levels (default: each run's)")
    arguments = parser.parse_args(argv)
    runs = arguments.runs or sorted(path for path in RUNS.glob("*_all_targets_*") if (path / "model.keras").exists())
    if not runs:
        parser.error(f"no trained runs under {RUNS}: run benchmarks.timeseries_forecasting --literature first")
    results = reporting.previous_results(NAME)
    rows = {row["run_dir"]: row for row in results.get("rows", [])}
    results["command"] = "python -m benchmarks.forecast_intervals " + " ".join(argv or sys.argv[1:])
    for run_dir in runs:
        row = measure(run_dir, arguments.quantiles)
        rows[str(run_dir)] = row
        results["rows"] = list(rows.values())
        reporting.write_section(NAME, TITLE, body(results["rows"]), results)
        test = row["metrics"]["test"]
        print(f"{run_dir}: test coverage {test['coverage']:.1%} (nominal {row['nominal_coverage']:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
