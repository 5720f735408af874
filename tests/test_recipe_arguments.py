"""The flags every recipe shares, and building a config from parsed flags."""

import argparse
import dataclasses
import re

import pytest

from seqapps import recipe_arguments


@dataclasses.dataclass
class ExampleConfig:
    units: int = 8
    export_root: str = "saved_models"
    run_dir: str = "runs/example"
    restart: bool = False
    seed: int = 1

    def __post_init__(self):
        if self.units <= 0:
            raise ValueError(f"`units` must be a positive integer, got {self.units!r}.")


def parser():
    parser = argparse.ArgumentParser(prog="example")
    parser.add_argument("--units", type=int, default=ExampleConfig().units)
    parser.add_argument("--tune", action="store_true")  # not a config field: left out
    recipe_arguments.add_output_arguments(parser, ExampleConfig())
    return parser


def test_flags_become_the_config():
    example = parser()
    arguments = example.parse_args(["--units", "4", "--export-root", "/tmp/x", "--restart", "--seed", "7", "--tune"])
    config = recipe_arguments.config_from_arguments(ExampleConfig, arguments, example)
    assert config == ExampleConfig(units=4, export_root="/tmp/x", run_dir="runs/example", restart=True, seed=7)
    defaults = recipe_arguments.config_from_arguments(ExampleConfig, example.parse_args([]), example)
    assert defaults == ExampleConfig()


def test_a_bad_value_exits_with_its_message(capsys):
    example = parser()
    with pytest.raises(SystemExit):
        recipe_arguments.config_from_arguments(ExampleConfig, example.parse_args(["--units", "0"]), example)
    assert "`units` must be a positive integer, got 0." in capsys.readouterr().err


def test_common_config_checks():
    @dataclasses.dataclass
    class CellConfig:
        cell: str = "lstm"
        units: int = 8

    recipe_arguments.check_cell_and_sizes(CellConfig(), ("units",))
    with pytest.raises(ValueError, match="Unknown cell 'transformer': choose from elman"):
        recipe_arguments.check_cell_and_sizes(CellConfig(cell="transformer"), ("units",))
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match=f"`units` must be a positive integer, got {bad!r}."):
            recipe_arguments.check_cell_and_sizes(CellConfig(units=bad), ("units",))


@pytest.mark.parametrize("field, bad, fragment", [
    ("dropout", 1.0, "`dropout` must be in [0, 1), got 1.0."),
    ("dropout", -0.1, "`dropout` must be in [0, 1)"),
    ("weight_decay", -0.1, "`weight_decay` must be in [0, 1), got -0.1."),
    ("learning_rate", 0.0, "`learning_rate` must be positive, got 0.0."),
    ("clipnorm", -1.0, "`clipnorm` must be positive or None, got -1.0."),
    ("time_budget_minutes", 0, "`time_budget_minutes` must be positive or None, got 0."),
])
def test_training_settings_are_checked_where_the_config_has_them(field, bad, fragment):
    @dataclasses.dataclass
    class TrainingConfig:
        cell: str = "gru"
        dropout: float = 0.1
        weight_decay: float = 0.0
        learning_rate: float = 1e-3
        clipnorm: float = None
        time_budget_minutes: float = None

    recipe_arguments.check_cell_and_sizes(TrainingConfig(), ())
    with pytest.raises(ValueError, match=re.escape(fragment)):
        recipe_arguments.check_cell_and_sizes(TrainingConfig(**{field: bad}), ())
