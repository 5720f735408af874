"""Benchmark: does a hyperparameter search beat the forecaster's default configuration?

Runs, on the same data and with the same time budget per model:
1. the recipe's default configuration (`seqapps.tasks.timeseries_forecasting`)
   trained once with `time_budget_minutes` = `--trial-minutes`;
2. a keras-tuner random search (`seqapps.tuning.search.tune`, the same
   search `seqapps tune timeseries_forecasting` runs) of `--max-trials`
   trials of at most `--trial-minutes` each, chosen on validation MAE, whose
   best hyperparameters the search retrains as the recipe does (same
   budget) and scores on test.
The test split is read once per model, at the end of its training; nothing
is chosen on it. Each row is written to benchmarks/results/tuning_search.json
and the "Tuning" section of BENCHMARKS.md as it finishes; a row already
there is kept (`--rerun` trains it again), so a stopped benchmark resumes,
and the search itself continues an interrupted search in its folder.

    SEQAPPS_DATA_DIR=../shared/datasets python -m benchmarks.tuning_search --max-trials 8 --trial-minutes 5
"""

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks import reporting
from seqapps import console
from seqapps.tasks.timeseries_forecasting import TimeseriesForecastingConfig, train
from seqapps.tuning.search import tune
from seqapps.tuning.tuning_config import TuningConfig

NAME = "tuning_search"
TITLE = "Tuning"
ROOT = Path("runs/benchmarks/tuning_search")
METRICS = ("mae", "mse", "normalized_mae", "normalized_mse")


def recipe_options(arguments):
    return {"dataset": arguments.dataset, "target": [arguments.target], "horizon": arguments.horizon}


def default_row(arguments):
    """The default configuration trained once with the trials' time budget, scored on validation and test."""
    config = TimeseriesForecastingConfig(
        **recipe_options(arguments),
        run_dir=str(ROOT / "default"),
        export_root=str(ROOT / "saved_models_default"),
        restart=True,
        time_budget_minutes=arguments.trial_minutes,
    )
    start = time.perf_counter()
    result = train(config)
    return {
        "date": reporting.today(),
        "cpu": reporting.machine_description(),
        "hyperparameters": {
            name: getattr(config, name)
            for name in (
                "cell",
                "units",
                "dropout",
                "learning_rate",
                "batch_size",
                "loss",
                "input_steps",
                "segment_length",
            )
        },
        "metrics": {
            f"{split}_{name}": float(result.metrics[split]["model"][name])
            for split in ("validation", "test")
            for name in METRICS
        },
        "epochs": result.epochs_trained,
        "minutes": (time.perf_counter() - start) / 60,
    }


def search_row(arguments):
    """A random search on validation MAE, its best trial retrained as the recipe does and scored on test."""
    config = TuningConfig(
        recipe="timeseries_forecasting",
        max_trials=arguments.max_trials,
        max_epochs=arguments.max_epochs,
        directory=str(ROOT),
        project_name="search",
        recipe_options={
            **recipe_options(arguments),
            "export_root": str(ROOT / "saved_models_search"),
        },
        trial_minutes=arguments.trial_minutes,
        verbose=0,
    )
    start = time.perf_counter()
    result = tune(config)
    return {
        "date": reporting.today(),
        "cpu": reporting.machine_description(),
        "trials": arguments.max_trials,
        "best_trial": result.best["trial"],
        "best_validation_objective": result.best["objective"]["value"],
        "hyperparameters": result.best["hyperparameters"],
        "metrics": {key: value for key, value in result.final.items() if key.startswith(("validation_", "test_"))},
        "epochs": result.final["epochs_trained"],
        "minutes": (time.perf_counter() - start) / 60,
        "table": result.table,
    }


def body(arguments, rows):
    lines = [
        f"Task: the forecaster on {arguments.dataset}, target {arguments.target}, horizon {arguments.horizon}. "
        f"Every model gets the same time budget ({arguments.trial_minutes:g} min of training, at most "
        f"{arguments.max_epochs} epochs): the default configuration trained once, and a random search of "
        f"{arguments.max_trials} trials chosen on validation MAE (standardized), whose best hyperparameters are "
        "retrained as the recipe does. Scores: MAE / MSE on the standardized target over every validation and "
        "test window; the test split is read once per model, after its training. Minutes are wall-clock for the "
        "whole row (for the search: every trial and the retraining).",
        "",
        "| model | validation MAE | validation MSE | test MAE | test MSE | epochs | minutes | hyperparameters | "
        "date, CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for key in ("default", "search"):
        if key not in rows:
            continue
        row = rows[key]
        metrics = row["metrics"]
        settings = ", ".join(
            f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}"
            for name, value in sorted(row["hyperparameters"].items())
        )
        label = "default configuration" if key == "default" else f"best of {row['trials']} trials (retrained)"
        lines.append(
            f"| {label} | {metrics['validation_normalized_mae']:.4f} | {metrics['validation_normalized_mse']:.4f} | "
            f"{metrics['test_normalized_mae']:.4f} | {metrics['test_normalized_mse']:.4f} | {row['epochs']} | "
            f"{row['minutes']:.1f} | {settings} | {row['date']}, {row['cpu']} |"
        )
    if "default" in rows and "search" in rows:
        default, best = rows["default"]["metrics"], rows["search"]["metrics"]
        default_mae, best_mae = default["test_normalized_mae"], best["test_normalized_mae"]
        verdict = "beat" if best_mae < default_mae else "did not beat"
        lines += [
            "",
            f"The search {verdict} the default on test: MAE {best_mae:.4f} against {default_mae:.4f} "
            f"({100 * (best_mae - default_mae) / default_mae:+.1f}%).",
        ]
    if "search" in rows:
        lines += ["", "Trials of the search (validation MAE is the objective):", "", rows["search"]["table"]]
    return "\n".join(lines)


def main(argv=None):
    console.configure()
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--dataset", default="etth1", help="forecasting preset")
    parser.add_argument("--target", default="OT", help="target column")
    parser.add_argument("--horizon", type=int, default=96, help="forecast horizon")
    parser.add_argument("--max-trials", type=int, default=8, help="trials of the search")
    parser.add_argument("--max-epochs", type=int, default=20, help="most epochs of any model")
    parser.add_argument("--trial-minutes", type=float, default=5.0, help="training budget of every model")
    parser.add_argument("--rerun", nargs="*", default=(), choices=("default", "search"), help="rows to train again")
    arguments = parser.parse_args(argv)
    results = reporting.previous_results(NAME)
    results["command"] = ("python -m benchmarks.tuning_search " + " ".join(argv or sys.argv[1:])).strip()
    rows = results.setdefault("rows", {})
    for key, measure in (("default", default_row), ("search", search_row)):
        if key in rows and key not in arguments.rerun:
            print(f"{key}: kept from {rows[key]['date']} (--rerun {key} to train it again)")
            continue
        rows[key] = measure(arguments)
        reporting.write_section(NAME, TITLE, body(arguments, rows), results)
        print(json.dumps(rows[key]["metrics"], indent=1))
    print(body(arguments, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
