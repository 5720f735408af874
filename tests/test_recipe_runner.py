"""`seqapps.recipes.runner.run_recipe`: what every recipe's `main` does with its flags."""

import importlib
import inspect

import pytest

from seqapps import distribute
from seqapps.recipes import RECIPES, runner
from seqapps.tasks.sequence_sum import SequenceSumConfig
from seqapps.tuning import arguments as tuning_arguments

DOCSTRING = "A recipe for the tests.\n\nMore about it."


def _run(argv, trained, **settings):
    def train(config, **keywords):
        trained.append((config, keywords))

    return runner.run_recipe(
        argv,
        "recipe",
        recipe="sequence_sum",
        docstring=DOCSTRING,
        config_class=SequenceSumConfig,
        train=train,
        **settings,
    )


def test_a_recipe_trains_once_with_the_config_of_its_flags():
    trained = []
    assert _run(["--length", "7", "--kinds", "gru"], trained) == 0
    [(config, keywords)] = trained
    assert (config.length, config.kinds, keywords) == (7, ("gru",), {})


def test_only_a_distributable_recipe_takes_the_distribution_flags(capsys):
    with pytest.raises(SystemExit) as exited:
        _run(["--devices", "2"], [])
    assert exited.value.code == 2 and "unrecognized arguments: --devices 2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _run(["--help"], [], distributable=True)
    help_text = capsys.readouterr().out
    assert help_text.startswith("usage: recipe ") and "A recipe for the tests.\n" in help_text
    assert "distributed training:" in help_text and "without --tune:" in help_text


def test_a_distributable_recipe_trains_under_the_strategy_of_its_flags(monkeypatch):
    launched = []
    strategy = object()

    def launch_or_strategy(arguments, module, argv):
        launched.append((arguments.devices, arguments.workers, module, argv))
        return strategy if arguments.workers < 2 else None

    monkeypatch.setattr(distribute, "launch_or_strategy", launch_or_strategy)
    trained = []
    assert _run(["--devices", "2"], trained, distributable=True) == 0
    assert launched == [(2, 0, "seqapps.recipes.sequence_sum", ["--devices", "2"])]
    assert [keywords for _, keywords in trained] == [{"strategy": strategy}]
    trained.clear()
    assert _run(["--workers", "2"], trained, distributable=True) == 0  # this process only started the workers
    assert trained == []


def test_tune_searches_with_the_recipe_options_instead_of_training(monkeypatch):
    searches = []
    monkeypatch.setattr(
        tuning_arguments,
        "run_tuning",
        lambda arguments, recipe, options, program: searches.append((recipe, options)) or 3,
    )
    trained = []
    assert _run(["--tune", "--length", "7", "--units", "99"], trained, distributable=True) == 3  # the search's status
    assert trained == [] and searches == [("sequence_sum", {"length": 7})]  # --units is searched, not an option


@pytest.mark.parametrize("recipe", [name for name in RECIPES if name != "sequence_sum"])
def test_every_task_recipe_takes_the_distribution_flags_and_trains_under_their_strategy(recipe, monkeypatch):
    """Every recipe whose task's `train` takes a strategy wires `--devices` / `--workers` to it."""
    module = importlib.import_module(f"seqapps.recipes.{recipe}")
    assert "strategy" in inspect.signature(module.train).parameters
    launched, trained = [], []
    monkeypatch.setattr(
        distribute, "launch_or_strategy", lambda arguments, name, argv: launched.append((arguments.devices, name))
    )
    monkeypatch.setattr(module, "train", lambda config, **keywords: trained.append(keywords))
    assert module.main(["--devices", "2"]) == 0
    assert launched == [(2, f"seqapps.recipes.{recipe}")] and trained == []  # launch_or_strategy returned None
