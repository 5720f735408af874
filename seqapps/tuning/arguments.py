"""The tuning flags shared by `seqapps tune` and `recipes/<recipe>.py --tune` (no TensorFlow import of its own)."""

import argparse
import os
import sys

from seqapps.tuning.tuning_config import TUNERS, TuningConfig, TuningError


def add_tuning_arguments(parser):
    """Adds the search flags (tuner, trials, folder, resume, distribution) and the search-space flags."""
    group = parser.add_argument_group("hyperparameter search")
    group.add_argument("--tuner", choices=TUNERS, default="random", help="keras-tuner algorithm")
    group.add_argument(
        "--max-trials",
        type=int,
        default=10,
        help="trials to run (random, bayesian; hyperband derives its trials from --max-epochs)",
    )
    group.add_argument(
        "--max-epochs",
        type=int,
        default=None,
        help="epochs per trial, the most a hyperband trial trains; None: the recipe's epochs",
    )
    group.add_argument("--directory", default="runs/tuning", help="the search lives in DIRECTORY/PROJECT_NAME")
    group.add_argument("--project-name", default=None, help="name of the search; None: the recipe name")
    group.add_argument(
        "--overwrite",
        action="store_true",
        help="delete an existing search of that name and start over, instead of continuing it",
    )
    group.add_argument(
        "--objective", default=None, help="metric to optimize, e.g. val_loss; None: the recipe's validation metric"
    )
    group.add_argument(
        "--no-retrain",
        action="store_true",
        help="skip retraining the best hyperparameters on train+validation (and the export)",
    )
    group.add_argument(
        "--workers", type=int, default=0, help="run a chief and N worker processes on 127.0.0.1 (0: one process)"
    )
    group.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="with --workers: stop everything and fail after this many seconds; None: no limit",
    )
    group.add_argument(
        "--trial-minutes",
        type=float,
        default=None,
        help="time budget of each trial in minutes (the learning-rate decay is planned to end with it where the "
        "recipe plans one); trials it stops are marked cut_short in the results; None: no limit",
    )
    group.add_argument(
        "--worker-timeout",
        type=float,
        default=120.0,
        help="distributed: seconds without a heartbeat from a worker before the chief gives its "
        "trial to another worker",
    )
    space = parser.add_argument_group(
        "search space", "Ranges are MIN MAX (both included) or one value to fix it; None: the recipe's."
    )
    space.add_argument(
        "--cells",
        nargs="+",
        metavar="CELL",
        default=None,
        help="recurrent layer kinds to choose from (`seqapps cells` lists them)",
    )
    space.add_argument(
        "--units-range",
        nargs="+",
        type=int,
        metavar="N",
        default=None,
        help="hidden units MIN MAX, sampled MIN, 2*MIN, 4*MIN ... up to MAX",
    )
    space.add_argument(
        "--layers-range", nargs="+", type=int, metavar="N", default=None, help="stacked recurrent layers MIN MAX"
    )
    space.add_argument(
        "--dropout-range", nargs="+", type=float, metavar="RATE", default=None, help="dropout MIN MAX, in [0, 1)"
    )
    space.add_argument(
        "--learning-rate-range",
        nargs="+",
        type=float,
        metavar="RATE",
        default=None,
        help="Adam learning rate MIN MAX, sampled on a log scale",
    )
    space.add_argument(
        "--batch-sizes", nargs="+", type=int, metavar="N", default=None, help="batch sizes to choose from"
    )
    space.add_argument(
        "--choice",
        action="append",
        type=_name_and_values,
        metavar="NAME=V1,V2",
        default=[],
        help="values of a recipe-specific hyperparameter (e.g. bidirectional=true,false); repeatable",
    )


def key_value(text):
    """`NAME=VALUE` -> `(NAME, VALUE)` (an argparse type)."""
    name, separator, value = text.partition("=")
    if not separator or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value.strip()


def _name_and_values(text):
    name, values = key_value(text)
    values = [value.strip() for value in values.split(",") if value.strip()]
    if not values:
        raise argparse.ArgumentTypeError(f"expected NAME=V1,V2,..., got {text!r}")
    return name, values


def tuning_config(arguments, recipe, recipe_options):
    """The `TuningConfig` of parsed tuning flags; `recipe_options` are the recipe config fields to set."""
    space = {}
    for field, flag in (
        ("cells", "cells"),
        ("units", "units_range"),
        ("layers", "layers_range"),
        ("dropout", "dropout_range"),
        ("learning_rate", "learning_rate_range"),
        ("batch_sizes", "batch_sizes"),
    ):
        value = getattr(arguments, flag)
        if value is not None:
            space[field] = value
    if arguments.choice:
        space["choices"] = dict(arguments.choice)
    return TuningConfig(
        recipe=recipe,
        tuner=arguments.tuner,
        max_trials=arguments.max_trials,
        max_epochs=arguments.max_epochs,
        directory=arguments.directory,
        project_name=arguments.project_name,
        overwrite=arguments.overwrite,
        objective=arguments.objective,
        space=space,
        recipe_options=dict(recipe_options),
        retrain=not arguments.no_retrain,
        workers=arguments.workers,
        timeout=arguments.timeout,
        trial_minutes=arguments.trial_minutes,
        worker_timeout=arguments.worker_timeout,
    )


def run_tuning(arguments, recipe, recipe_options, program):
    """Checks the flags, then runs the search; returns the exit status.

    Returns:
        0 when the search (or this process's part of it) finished, 2 for bad
        flags (reported before anything runs), 1 when the search failed.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from seqapps.tuning import search

    try:
        config = tuning_config(arguments, recipe, recipe_options)
        search.make_hypermodel(config)
        search.distributed_role()
    except ValueError as error:
        print(f"{program}: error: {error}", file=sys.stderr)
        return 2
    try:
        search.tune(config)
    except TuningError as error:
        print(f"{program}: {error}", file=sys.stderr)
        return 1
    return 0
