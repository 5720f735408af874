"""Benchmark: coverage of the forecaster's prediction intervals on the test windows of trained runs.

For each run folder of the forecasting recipe (by default every published-setting run of
`benchmarks.timeseries_forecasting` under runs/benchmarks/timeseries_forecasting/), reloads the
trained `model.keras` and the run's `config.json`, makes the interval of each method exactly as the
recipe does (`intervals.calibrate`, the run's `--quantiles`, 0.1 / 0.9 by default) and reports its
empirical coverage and mean width on every test window: `conformal` (split conformal on the
validation residuals) for every run, and for a run trained with quantile outputs (`--interval
pinball` or `pinball_conformal`) also `pinball` (the outputs as trained) and `pinball_conformal`
(conformalized on the validation windows), all three on the same trained model. `--methods` keeps
some of them. The test split is only read to score; nothing is chosen on it. Target (issue 29): an
80% interval covers 80% of the test values, within 2 points; of two that do, the narrower is better.
Each row is written to benchmarks/results/forecast_intervals.json and BENCHMARKS.md as it finishes.

    SEQAPPS_DATA_DIR=../shared/datasets python -m benchmarks.forecast_intervals
    SEQAPPS_DATA_DIR=../shared/datasets python -m benchmarks.forecast_intervals --runs RUN_DIR --methods pinball
"""

import argparse
import sys
from pathlib import Path

import keras

from benchmarks import reporting
from seqapps import configs, console
from seqapps.data import timeseries
from seqapps.tasks.timeseries_forecasting import TimeseriesForecastingConfig, intervals, load_series, model

NAME = "forecast_intervals"
TITLE = "Forecast intervals"
RUNS = Path("runs/benchmarks/timeseries_forecasting")
TARGET_POINTS = 2.0


def measure(run_dir, quantiles=None, methods=intervals.INTERVALS):
    """One row per interval method of `methods` the trained run in `run_dir` allows: its validation and test
    coverage and width.

    `quantiles` (default: the run's) applies to `conformal`; the quantile outputs keep the levels they were
    trained for.
    """
    config = configs.load_run_config(TimeseriesForecastingConfig, run_dir)
    series = load_series(config)
    period = config.period or series.period
    mean, std = series.statistics()
    target_std = std[list(series.target_indices)]
    forecaster = keras.saving.load_model(Path(run_dir) / "model.keras", safe_mode=True)
    scored = {}
    for split in ("validation", "test"):
        starts = timeseries.window_starts(series, split, config.input_steps, config.horizon, period or None)
        windows, truth = timeseries.gather_windows(series, starts, config.input_steps, config.horizon)
        scored[split] = (model.predict_outputs(forecaster, windows), truth)
    allowed = intervals.INTERVALS if len(scored["test"][0]) == 3 else ("conformal",)
    rows = []
    for method in (method for method in methods if method in allowed):
        levels = intervals.check_quantiles(quantiles or config.quantiles) if method == "conformal" else config.quantiles
        interval = intervals.calibrate(method, *scored["validation"], levels)
        metrics = {
            split: intervals.interval_metrics(*interval.bounds(*outputs), truth, target_std)
            for split, (outputs, truth) in scored.items()
        }
        rows.append(
            {
                "date": reporting.today(),
                "cpu": reporting.machine_description(),
                "run_dir": str(run_dir),
                "interval": method,
                "trained_interval": config.interval,
                "dataset": config.dataset if config.csv is None else config.csv,
                "horizon": config.horizon,
                "target": "all" if config.every_column else config.target,
                "seed": config.seed,
                "model": config.model,
                "quantiles": list(levels),
                "nominal_coverage": interval.coverage,
                "calibration_windows": interval.calibration_windows,
                "metrics": metrics,
            }
        )
    return rows


def body(rows):
    lines = [
        "Prediction intervals of the trained forecasters (`--quantiles 0.1 0.9`). `conformal` (the recipe's "
        "default): per horizon step and target, the 10% and 90% quantiles of the validation residuals are added "
        "to the forecast. `pinball`: the model's own quantile outputs, trained with the forecast by the pinball "
        "loss (runs trained with `--interval pinball` or `pinball_conformal`). `pinball_conformal`: those outputs "
        "conformalized on the validation windows (CQR). The coverage is the share of test values inside the "
        "interval, over every test window, step and column. Target: within 2 points of the nominal coverage.",
        "",
        "| run | model | interval | nominal | validation coverage | test coverage | test coverage, first / last step "
        "| test mean width (std.) | target |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        test = row["metrics"]["test"]
        gap = 100 * (test["coverage"] - row["nominal_coverage"])
        verdict = "met" if abs(gap) <= TARGET_POINTS else f"missed ({gap:+.1f} points)"
        lines.append(
            f"| {Path(row['run_dir']).name} | {row['model']} | {row.get('interval', 'conformal')} "
            f"| {row['nominal_coverage']:.0%} "
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
    parser.add_argument(
        "--quantiles", nargs=2, type=float, default=None, help="levels of `conformal` (default: each run's)"
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=intervals.INTERVALS,
        default=list(intervals.INTERVALS),
        help="interval methods to measure, of those each run allows (pinball ones: runs trained with them)",
    )
    arguments = parser.parse_args(argv)
    runs = arguments.runs or sorted(path for path in RUNS.glob("*_all_targets_*") if (path / "model.keras").exists())
    if not runs:
        parser.error(f"no trained runs under {RUNS}: run benchmarks.timeseries_forecasting --literature first")
    results = reporting.previous_results(NAME)
    rows = {(row["run_dir"], row.get("interval", "conformal")): row for row in results.get("rows", [])}
    results["command"] = "python -m benchmarks.forecast_intervals " + " ".join(argv or sys.argv[1:])
    for run_dir in runs:
        measured = measure(run_dir, arguments.quantiles, arguments.methods)
        if not measured:
            print(f"{run_dir}: none of {', '.join(arguments.methods)} (pinball methods need a run trained with them)")
        for row in measured:
            rows[(str(run_dir), row["interval"])] = row
            results["rows"] = list(rows.values())
            reporting.write_section(NAME, TITLE, body(results["rows"]), results)
            test = row["metrics"]["test"]
            print(
                f"{run_dir} {row['interval']}: test coverage {test['coverage']:.1%} (nominal "
                f"{row['nominal_coverage']:.0%}), mean width {test['normalized_mean_width']:.3f} (std.)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
