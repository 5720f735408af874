"""What every recipe's `main` does: its flags, `--tune`, the data-parallel flags, then one training run.

A recipe module keeps its docstring (the `--help` description and the
documentation), its flag groups, overrides and choices, and hands them to
`run_recipe` with its task's config class and train function.
"""

import argparse

from seqapps import console, distribute, recipe_arguments
from seqapps.tuning import arguments as tuning_arguments
from seqapps.tuning import hypermodel_class

TUNE_HELP = "search the hyperparameters instead of training once"


def run_recipe(
    argv,
    prog,
    *,
    recipe,
    docstring,
    config_class,
    train,
    groups=None,
    overrides=None,
    choices=None,
    build=None,
    tune_help=TUNE_HELP,
    distributable=False,
):
    """Parses the recipe's flags from `argv` and runs it: a search with `--tune`, else `train(config)`.

    Args:
        argv: the flags (None: the command line).
        prog: the program name `--help` shows (None: argparse's).
        recipe: the recipe name (`seqapps.recipes.RECIPES`), also its tuning
            recipe and its module `seqapps.recipes.<recipe>`.
        docstring: the recipe module's docstring; its first paragraph is the
            `--help` description.
        config_class: the task's config dataclass, whose fields are the flags.
        train: the task's training function, called with the config (and
            `strategy=` when `distributable`).
        groups, overrides, choices: as for
            `seqapps.recipe_arguments.add_config_arguments`.
        build: as for `seqapps.recipe_arguments.config_from_arguments`.
        tune_help: the help text of `--tune`.
        distributable: adds the data-parallel flags (`--devices`; `--workers`
            and `--worker-timeout` shared with the search) and trains under
            the strategy they choose, starting the local workers for
            `--workers N`.

    Returns:
        The exit status: 0 when the run (or the search) finished; the search's
        status with `--tune` (2 for bad search flags, 1 when it failed). A bad
        flag exits with status 2 (`argparse`).
    """
    console.configure()
    parser = argparse.ArgumentParser(
        prog=prog,
        description=docstring.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    recipe_arguments.add_config_arguments(parser, config_class, groups=groups, choices=choices, overrides=overrides)
    parser.add_argument("--tune", action="store_true", help=tune_help)
    tuning_arguments.add_tuning_arguments(parser)
    if distributable:
        distribute.add_arguments(parser)
    arguments = parser.parse_args(argv)
    config = recipe_arguments.config_from_arguments(config_class, arguments, parser, build=build)
    if arguments.tune:
        options = hypermodel_class(recipe).options_from_config(config)
        return tuning_arguments.run_tuning(arguments, recipe, options, parser.prog)
    if not distributable:
        train(config)
        return 0
    strategy = distribute.launch_or_strategy(arguments, f"seqapps.recipes.{recipe}", argv)
    if strategy is not None:
        train(config, strategy=strategy)
    return 0
