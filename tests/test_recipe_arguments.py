"""The flags every recipe shares, and building a config from parsed flags."""

import argparse
import dataclasses
import re
import typing

import pytest

from seqapps import layers, recipe_arguments


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
    recipe_arguments.add_config_arguments(parser, ExampleConfig)
    parser.add_argument("--tune", action="store_true")  # not a config field: left out
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


def test_a_build_function_makes_the_config_from_the_settings_given(capsys):
    example = parser()
    given = []

    def build(settings):
        given.append(settings)
        if settings.get("restart"):
            raise ValueError("no restart here")
        return ExampleConfig(**{**settings, "units": 99})

    arguments = example.parse_args(["--seed", "3"])
    assert recipe_arguments.config_from_arguments(ExampleConfig, arguments, example, build=build) == ExampleConfig(
        units=99, seed=3
    )
    assert given == [{"seed": 3}]  # only what was typed, not the defaults
    with pytest.raises(SystemExit):
        recipe_arguments.config_from_arguments(ExampleConfig, example.parse_args(["--restart"]), example, build=build)
    assert "no restart here" in capsys.readouterr().err


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


@pytest.mark.parametrize(
    "field, bad, fragment",
    [
        ("dropout", 1.0, "`dropout` must be in [0, 1), got 1.0."),
        ("dropout", -0.1, "`dropout` must be in [0, 1)"),
        ("weight_decay", -0.1, "`weight_decay` must be in [0, 1), got -0.1."),
        ("learning_rate", 0.0, "`learning_rate` must be positive, got 0.0."),
        ("clipnorm", -1.0, "`clipnorm` must be positive or None, got -1.0."),
        ("time_budget_minutes", 0, "`time_budget_minutes` must be positive or None, got 0."),
    ],
)
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


@dataclasses.dataclass
class GeneratedConfig:
    """Settings of a recipe whose flags are generated.

    Args:
        cell: recurrent layer kind.
        units: hidden units per layer, a number
            that must be positive.
        learning_rate: Adam learning rate (100% of it).
        bidirectional: read both directions.
        kinds: kinds to compare.
        split: train / validation / test fractions.
        targets: columns to forecast.
        limit: examples per split (`None`: all).
        epochs: training epochs.
        run_dir: the run folder.
    """

    cell: str = "gru"
    units: int = 8
    learning_rate: float = 1e-3
    bidirectional: bool = False
    kinds: tuple = ("lstm", "gru")
    split: tuple = (0.7, 0.1, 0.2)
    targets: list = None
    limit: int = None
    epochs: int = 4
    run_dir: str = "runs/generated"

    PRESETS: typing.ClassVar[dict] = {"quick": {"units": 2, "epochs": 1, "limit": 100}}

    def __post_init__(self):
        recipe_arguments.check_cell_and_sizes(self, ("units", "epochs"))


def generated_parser(**keywords):
    parser = argparse.ArgumentParser(prog="generated")
    parser.add_argument("--tune", action="store_true")
    recipe_arguments.add_config_arguments(parser, GeneratedConfig, **keywords)
    return parser


def resolve(argv, **keywords):
    parser = generated_parser(**keywords)
    return recipe_arguments.config_from_arguments(GeneratedConfig, parser.parse_args(argv), parser)


def test_documented_help_reads_the_args_section():
    helps = recipe_arguments.documented_help(GeneratedConfig)
    assert helps["units"] == "hidden units per layer, a number that must be positive."
    assert helps["run_dir"] == "the run folder."
    assert set(helps) == {field.name for field in dataclasses.fields(GeneratedConfig)}


def test_generated_flags_have_the_docstring_help_and_the_default(capsys):
    with pytest.raises(SystemExit):
        generated_parser(choices={"cell": layers.KINDS}).parse_args(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--units UNITS hidden units per layer, a number that must be positive (default: 8)" in help_text
    assert "Adam learning rate (100% of it) (default: 0.001)" in help_text
    assert "--bidirectional, --no-bidirectional read both directions (default: False)" in help_text
    assert "--split SPLIT SPLIT SPLIT" in help_text and "(default: 0.7 0.1 0.2)" in help_text
    assert "(default: none)" in help_text
    assert "--preset {quick}" in help_text and "--quick same as --preset quick" in help_text
    assert "--config FILE" in help_text


def test_generated_flags_parse_to_the_field_types():
    config = resolve(
        [
            "--units",
            "16",
            "--learning-rate",
            "0.5",
            "--bidirectional",
            "--kinds",
            "elman",
            "--split",
            "0.6",
            "0.2",
            "0.2",
            "--targets",
            "a",
            "b",
            "--limit",
            "10",
            "--tune",
        ]
    )
    assert config == GeneratedConfig(
        units=16,
        learning_rate=0.5,
        bidirectional=True,
        kinds=("elman",),
        split=(0.6, 0.2, 0.2),
        targets=["a", "b"],
        limit=10,
    )
    assert resolve(["--no-bidirectional"]).bidirectional is False
    assert resolve([]) == GeneratedConfig()


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--units", "many"], "argument --units: invalid int value: 'many'"),
        (["--split", "0.5", "0.5"], "argument --split: expected 3 arguments"),
        (["--cell", "cnn"], "argument --cell: invalid choice: 'cnn'"),
        (["--units", "0"], "`units` must be a positive integer, got 0."),
    ],
)
def test_bad_flags_exit_with_the_problem(argv, fragment, capsys):
    with pytest.raises(SystemExit):
        resolve(argv, choices={"cell": layers.KINDS})
    assert fragment in capsys.readouterr().err


def test_overrides_and_groups_and_exclude(capsys):
    overrides = {"targets": {"flags": ("--target",), "action": "append", "nargs": None, "type": str}}
    parser = generated_parser(overrides=overrides, groups={"model": ("units", "cell")}, exclude=("run_dir",))
    config = recipe_arguments.config_from_arguments(
        GeneratedConfig, parser.parse_args(["--target", "a", "--target", "b"]), parser
    )
    assert config.targets == ["a", "b"]
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    help_text = capsys.readouterr().out
    assert "--run-dir" not in help_text and "--targets" not in help_text
    groups = help_text[help_text.index("\nmodel:") :]
    assert groups.index("--units UNITS") < groups.index("--cell CELL") < groups.index("\nsettings:")


@pytest.mark.parametrize(
    "keywords",
    [
        {"groups": {"model": ("units", "width")}},
        {"choices": {"width": (1, 2)}},
        {"overrides": {"width": {"type": int}}},
    ],
)
def test_an_unknown_field_is_a_value_error(keywords):
    with pytest.raises(ValueError, match="GeneratedConfig has no field\\(s\\) width"):
        generated_parser(**keywords)


def test_precedence_defaults_then_preset_then_file_then_typed_flags(tmp_path, caplog):
    caplog.set_level("INFO", logger="seqapps")
    settings = tmp_path / "settings.yaml"
    settings.write_text("epochs: 3\ncell: lstm\n")
    assert resolve([]).units == 8
    assert resolve(["--quick"]) == GeneratedConfig(units=2, epochs=1, limit=100)
    assert "Preset quick: units=2, epochs=1, limit=100" in caplog.messages
    assert resolve(["--config", str(settings)]) == GeneratedConfig(epochs=3, cell="lstm")
    assert resolve(["--preset", "quick", "--config", str(settings)]) == GeneratedConfig(
        units=2, epochs=3, limit=100, cell="lstm"
    )
    assert resolve(["--quick", "--config", str(settings), "--epochs", "7", "--units", "5"]) == GeneratedConfig(
        units=5, epochs=7, limit=100, cell="lstm"
    )
    settings.write_text("preset: quick\nunits: 4\n")
    assert resolve(["--config", str(settings)]) == GeneratedConfig(units=4, epochs=1, limit=100)


def test_a_bad_settings_file_exits_with_its_message(tmp_path, capsys):
    settings = tmp_path / "settings.json"
    settings.write_text('{"width": 4}')
    with pytest.raises(SystemExit):
        resolve(["--config", str(settings)])
    assert "unknown setting 'width' for GeneratedConfig" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        resolve(["--config", str(tmp_path / "missing.yaml")])
    assert "does not exist" in capsys.readouterr().err


def test_help_of_a_field_documented_in_a_base_class():
    @dataclasses.dataclass
    class Base:
        """Base.

        Args:
            units: hidden units.
            seed: the base's seed.
        """

        units: int = 4
        seed: int = 1

    @dataclasses.dataclass
    class Derived(Base):
        """Derived.

        Args:
            seed: the derived seed.
        """

    assert recipe_arguments.documented_help(Derived) == {"units": "hidden units.", "seed": "the derived seed."}
