"""Task settings as data: presets, settings files, and the settings a run remembers.

Each task keeps its settings in one dataclass (`ImdbSentimentConfig`, ...).
This module turns them to and from plain data:

- `PRESETS`, a class attribute of a config dataclass, names sets of settings
  (`quick`: a smoke run); `with_preset(config_class, "quick", **settings)`
  builds one, the settings given overriding the preset's.
- `read_settings_file(path, config_class)` reads a YAML or JSON file of field
  names -> values (what a recipe's `--config FILE` takes).
- `save_run_config(config, run_dir)` writes `RUN_DIR/config.json` when a run
  starts; `load_run_config(config_class, run_dir, **settings)` reads it back
  to evaluate, resume or export the run without typing its settings again;
  `check_resumable(config, run_dir)` refuses to resume an interrupted run
  with settings that would change its model (`saved_differences` lists them).
- `describe(config)` names the settings that differ from the defaults.
"""

import dataclasses
import json
from pathlib import Path

CONFIG_FILENAME = "config.json"
# Settings that may change between an interrupted run and its resume, unless
# the config class names its own in `RESUMABLE_CHANGES`.
DEFAULT_RESUMABLE_CHANGES = ("epochs", "patience", "restart", "verbose", "export_root", "run_dir")


class SettingsError(ValueError):
    """A settings file or saved run config that cannot be used; the message names the file and the fix."""


def field_names(config_class):
    """The field names of a config dataclass, in order."""
    return [field.name for field in dataclasses.fields(config_class)]


def presets(config_class):
    """The named presets of `config_class` (a dict of name -> settings), empty if it has none."""
    return dict(getattr(config_class, "PRESETS", {}))


def preset_settings(config_class, name):
    """The settings of the preset `name` of `config_class`.

    Raises:
        ValueError: `name` is not one of the class's presets.
    """
    known = presets(config_class)
    if name not in known:
        choices = ", ".join(known) or "none"
        raise ValueError(f"Unknown preset {name!r} for {config_class.__name__}: choose from {choices}.")
    return dict(known[name])


def with_preset(config_class, name, **settings):
    """`config_class` with the preset `name`, and `settings` overriding the preset's values.

    Example:

    >>> from seqapps.tasks.sequence_sum import SequenceSumConfig
    >>> with_preset(SequenceSumConfig, "quick", units=8).epochs
    1
    """
    return config_class(**{**preset_settings(config_class, name), **settings})


def _as_field_values(config_class, values, source):
    """`values` with hyphens in names read as underscores, checked against the fields of `config_class`."""
    names = field_names(config_class)
    settings = {}
    for key, value in values.items():
        name = str(key).replace("-", "_")
        if name not in names:
            raise SettingsError(
                f"{source}: unknown setting {key!r} for {config_class.__name__}; valid settings: {', '.join(names)}."
            )
        settings[name] = _from_plain(config_class, name, value)
    return settings


def field_type(config_class, name):
    """The annotation of field `name` of a config dataclass."""
    return {field.name: field.type for field in dataclasses.fields(config_class)}[name]


def _from_plain(config_class, name, value):
    """A value read from JSON or YAML, with lists turned back into tuples where the field is a tuple."""
    if field_type(config_class, name) in (tuple, "tuple") and isinstance(value, list):
        return tuple(value)
    return value


def read_settings_file(path, config_class):
    """The settings in a YAML (`.yaml`, `.yml`) or JSON file: a mapping of field names to values.

    A file may also name a preset (`preset: quick`); its settings come first
    and the file's own override them.

    Returns:
        A dict of field name -> value (and `preset` when the file names one).

    Raises:
        SettingsError: the file is missing, not a mapping, not valid YAML or
            JSON, or names a setting the config does not have.
    """
    path = Path(path)
    if not path.is_file():
        raise SettingsError(f"Settings file {path} does not exist: pass the path of a YAML or JSON file.")
    text = path.read_text()
    is_yaml = path.suffix.lower() in (".yaml", ".yml")
    if is_yaml:
        import yaml

        load, errors = yaml.safe_load, (yaml.YAMLError, ValueError)
    else:
        load, errors = json.loads, ValueError
    try:
        values = load(text)
    except errors as error:
        kind = "YAML" if is_yaml else "JSON"
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SettingsError(f"Settings file {path} is not valid {kind}: {first_line}.") from None
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise SettingsError(
            f"Settings file {path} must hold a mapping of setting names to values, got {type(values).__name__}."
        )
    preset = values.pop("preset", None)
    settings = _as_field_values(config_class, values, f"Settings file {path}")
    if preset is not None:
        settings = {"preset": preset, **settings}
    return settings


def to_plain(config):
    """The config as JSON-ready data (tuples as lists, paths as strings)."""

    def plain(value):
        if isinstance(value, (list, tuple)):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {str(key): plain(item) for key, item in value.items()}
        if isinstance(value, Path):
            return str(value)
        return value

    return {name: plain(getattr(config, name)) for name in field_names(type(config))}


def describe_settings(settings):
    """A dict of settings as `name=value, ...`."""
    return ", ".join(f"{name}={value!r}" for name, value in settings.items())


def describe(config):
    """The settings that differ from the class defaults, as `name=value, ...` (or `the defaults`)."""
    defaults = to_plain(type(config)())
    current = to_plain(config)
    changed = [f"{name}={current[name]!r}" for name in current if current[name] != defaults[name]]
    return ", ".join(changed) or "the defaults"


def save_run_config(config, run_dir):
    """Writes the settings of a run to `run_dir/config.json` and returns the path."""
    path = Path(run_dir) / CONFIG_FILENAME
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{CONFIG_FILENAME}.tmp")
    temporary.write_text(json.dumps(to_plain(config), indent=1, sort_keys=False) + "\n")
    temporary.replace(path)
    return path


def load_run_config(config_class, run_dir, **settings):
    """The settings saved in `run_dir/config.json`, with `settings` overriding them.

    Settings the file lacks (a field added after the run) keep their defaults.

    Raises:
        SettingsError: no config was saved there, or it is unreadable.
    """
    path = Path(run_dir) / CONFIG_FILENAME
    if not path.is_file():
        raise SettingsError(
            f"{path} does not exist: {run_dir} holds no run started by this version of seqapps. "
            "Train into it first, or point --run-dir at a run folder that has a config.json."
        )
    try:
        saved = json.loads(path.read_text())
    except ValueError as error:
        raise SettingsError(f"{path} is not valid JSON ({error}); train the run again with --restart.") from None
    names = set(field_names(config_class))
    known = {key: value for key, value in saved.items() if key in names}
    return config_class(**{**_as_field_values(config_class, known, str(path)), **settings})


def resumable_changes(config_class):
    """The settings that may differ between an interrupted run and its resume."""
    return tuple(getattr(config_class, "RESUMABLE_CHANGES", DEFAULT_RESUMABLE_CHANGES))


def saved_differences(config, run_dir, allowed=()):
    """The settings of `config` that differ from those saved in `run_dir/config.json`, but for `allowed`.

    Returns:
        A list of `(name, saved value, value in config)`, as plain data; empty
        when `run_dir` has no readable saved config.
    """
    path = Path(run_dir) / CONFIG_FILENAME
    if not path.is_file():
        return []
    try:
        saved = json.loads(path.read_text())
    except ValueError:
        return []
    current = to_plain(config)
    return [
        (name, saved[name], current[name])
        for name in current
        if name in saved and name not in allowed and saved[name] != current[name]
    ]


def check_resumable(config, run_dir):
    """Raises if `run_dir` holds a saved config whose model-shaping settings differ from `config`.

    Raises:
        SettingsError: naming each differing setting with both values, and the fix.
    """
    differences = [
        f"{name}: {saved!r} -> {current!r}"
        for name, saved, current in saved_differences(config, run_dir, resumable_changes(type(config)))
    ]
    if differences:
        raise SettingsError(
            f"{run_dir} holds an interrupted run with other settings ({'; '.join(differences)}). "
            "Rerun with the run's settings to resume it, add --restart to start it over, "
            "or choose another --run-dir."
        )
