"""Settings as data: presets, settings files, the config a run saves and the resume check."""

import dataclasses
import json
import re
import typing

import pytest

from seqapps import configs, training


@dataclasses.dataclass
class ExampleConfig:
    """Settings of an example task.

    Args:
        units: hidden units.
        kinds: layer kinds.
        split: train / validation / test fractions.
        epochs: training epochs.
        run_dir: the run folder.
    """

    units: int = 8
    kinds: tuple = ("lstm", "gru")
    split: tuple = (0.7, 0.1, 0.2)
    epochs: int = 4
    run_dir: str = "runs/example"

    PRESETS: typing.ClassVar[dict] = {"quick": {"units": 2, "epochs": 1}}

    def __post_init__(self):
        if self.units <= 0:
            raise ValueError(f"`units` must be a positive integer, got {self.units!r}.")


def test_presets_and_with_preset():
    assert configs.presets(ExampleConfig) == {"quick": {"units": 2, "epochs": 1}}
    assert configs.with_preset(ExampleConfig, "quick") == ExampleConfig(units=2, epochs=1)
    assert configs.with_preset(ExampleConfig, "quick", epochs=3) == ExampleConfig(units=2, epochs=3)
    with pytest.raises(ValueError, match="Unknown preset 'slow' for ExampleConfig: choose from quick."):
        configs.with_preset(ExampleConfig, "slow")


def test_presets_are_copies():
    configs.preset_settings(ExampleConfig, "quick")["units"] = 100
    assert ExampleConfig.PRESETS["quick"]["units"] == 2


@pytest.mark.parametrize(
    "name, text",
    [
        ("settings.yaml", "units: 16\nkinds: [elman]\nsplit: [0.6, 0.2, 0.2]\nrun-dir: runs/other\n"),
        ("settings.yml", "units: 16\nkinds:\n  - elman\nsplit: [0.6, 0.2, 0.2]\nrun_dir: runs/other\n"),
        ("settings.json", '{"units": 16, "kinds": ["elman"], "split": [0.6, 0.2, 0.2], "run-dir": "runs/other"}'),
    ],
)
def test_settings_files_in_yaml_and_json(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    settings = configs.read_settings_file(path, ExampleConfig)
    assert settings == {"units": 16, "kinds": ("elman",), "split": (0.6, 0.2, 0.2), "run_dir": "runs/other"}
    assert ExampleConfig(**settings).kinds == ("elman",)


def test_a_settings_file_may_name_a_preset(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("preset: quick\nepochs: 2\n")
    assert configs.read_settings_file(path, ExampleConfig) == {"preset": "quick", "epochs": 2}
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert configs.read_settings_file(empty, ExampleConfig) == {}


def test_a_missing_settings_file(tmp_path):
    with pytest.raises(configs.SettingsError, match=r"missing.yaml does not exist: pass the path of a YAML or JSON"):
        configs.read_settings_file(tmp_path / "missing.yaml", ExampleConfig)


@pytest.mark.parametrize(
    "name, text, fragment",
    [
        ("list.yaml", "- units\n- 4\n", "must hold a mapping of setting names to values, got list"),
        ("number.json", "12", "must hold a mapping of setting names to values, got int"),
        ("broken.json", '{"units": 4,', "is not valid JSON"),
        ("broken.yaml", "units: [4\n", "is not valid YAML"),
    ],
)
def test_a_settings_file_that_is_not_a_mapping(tmp_path, name, text, fragment):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(configs.SettingsError, match=re.escape(fragment)) as error:
        configs.read_settings_file(path, ExampleConfig)
    assert str(path) in str(error.value)


def test_an_unknown_setting_names_the_key_and_the_valid_names(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("units: 4\nunit_count: 8\n")
    with pytest.raises(configs.SettingsError) as error:
        configs.read_settings_file(path, ExampleConfig)
    message = str(error.value)
    assert "unknown setting 'unit_count' for ExampleConfig" in message
    assert "valid settings: units, kinds, split, epochs, run_dir." in message


def test_run_config_round_trip_keeps_tuples(tmp_path):
    config = ExampleConfig(units=5, kinds=("elman",), split=(0.5, 0.25, 0.25), run_dir=str(tmp_path))
    path = configs.save_run_config(config, tmp_path)
    assert path == tmp_path / "config.json"
    assert json.loads(path.read_text())["kinds"] == ["elman"]
    assert configs.load_run_config(ExampleConfig, tmp_path) == config
    assert configs.load_run_config(ExampleConfig, tmp_path, epochs=9) == dataclasses.replace(config, epochs=9)


def test_load_run_config_ignores_removed_fields_and_defaults_new_ones(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"units": 3, "quick": True}))
    assert configs.load_run_config(ExampleConfig, tmp_path) == ExampleConfig(units=3)


def test_load_run_config_without_a_saved_config(tmp_path):
    with pytest.raises(configs.SettingsError, match="config.json does not exist"):
        configs.load_run_config(ExampleConfig, tmp_path)
    (tmp_path / "config.json").write_text("{")
    with pytest.raises(configs.SettingsError, match="is not valid JSON"):
        configs.load_run_config(ExampleConfig, tmp_path)


def test_check_resumable_refuses_a_changed_model_but_allows_more_epochs(tmp_path):
    configs.save_run_config(ExampleConfig(), tmp_path)
    configs.check_resumable(ExampleConfig(epochs=10), tmp_path)
    with pytest.raises(configs.SettingsError, match=r"other settings \(units: 8 -> 16\).*--restart"):
        configs.check_resumable(ExampleConfig(units=16, epochs=10), tmp_path)
    configs.check_resumable(ExampleConfig(units=16), tmp_path / "no_saved_config")


def test_saved_differences_lists_the_changed_settings_as_plain_data(tmp_path):
    configs.save_run_config(ExampleConfig(kinds=("gru",)), tmp_path)
    changed = ExampleConfig(units=16, epochs=10, kinds=("gru",))
    assert configs.saved_differences(changed, tmp_path) == [("units", 8, 16), ("epochs", 4, 10)]
    assert configs.saved_differences(changed, tmp_path, allowed=("epochs",)) == [("units", 8, 16)]
    assert configs.saved_differences(changed, tmp_path / "no_saved_config") == []


def test_describe_names_what_differs_from_the_defaults():
    assert configs.describe(ExampleConfig()) == "the defaults"
    assert configs.describe(ExampleConfig(units=2, kinds=("gru",))) == "units=2, kinds=['gru']"


def test_start_run_saves_the_config_and_refuses_a_mismatched_resume(tmp_path):
    run_dir = tmp_path / "run"
    training.start_run(run_dir, restart=False, seed=0, config=ExampleConfig(run_dir=str(run_dir)))
    assert configs.load_run_config(ExampleConfig, run_dir) == ExampleConfig(run_dir=str(run_dir))
    (run_dir / training.BACKUP_FOLDER).mkdir()  # an interrupted run
    with pytest.raises(configs.SettingsError, match=r"units: 8 -> 4"):
        training.start_run(run_dir, restart=False, seed=0, config=ExampleConfig(units=4, run_dir=str(run_dir)))
    assert (run_dir / training.BACKUP_FOLDER).exists()
    assert configs.load_run_config(ExampleConfig, run_dir).units == 8  # the refused settings were not saved
    training.start_run(run_dir, restart=False, seed=0, config=ExampleConfig(epochs=6, run_dir=str(run_dir)))
    assert configs.load_run_config(ExampleConfig, run_dir).epochs == 6
    training.start_run(run_dir, restart=True, seed=0, config=ExampleConfig(units=4, run_dir=str(run_dir)))
    assert not (run_dir / training.BACKUP_FOLDER).exists()
    assert configs.load_run_config(ExampleConfig, run_dir).units == 4
