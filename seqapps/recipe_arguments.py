"""What the recipes share: flags generated from the config dataclass, `--config FILE`, presets, and common checks.

A recipe's flags come from its task's config dataclass (`add_config_arguments`):
one `--field-name` flag per field, its help text taken from the field's entry
in the class docstring's `Args:` section, its type from the field's
annotation and default, and its choices from the registries the recipe
passes. Every recipe also takes `--config FILE` (a YAML or JSON file of
settings, as OpenNMT-tf's `--config`) and, where the config class has
`PRESETS`, `--preset NAME` (and `--quick` for `--preset quick`).

A setting is resolved in this order, each source overriding the ones before:
the dataclass default, the preset, the settings file, the flags typed.
"""

import argparse
import dataclasses
import logging
import re

from seqapps import configs, console, layers

logger = logging.getLogger(__name__)
_UNSET = object()


def documented_help(config_class):
    """The `Args:` entries of the docstrings of `config_class` and of its base classes: field name -> its
    one-paragraph help text (a class's own entry wins over its bases')."""
    entries = {}
    for klass in reversed(config_class.__mro__):
        entries.update(_docstring_arguments(klass.__doc__))
    return entries


def _docstring_arguments(docstring):
    """The `Args:` entries of one docstring: name -> its one-paragraph text."""
    lines = (docstring or "").splitlines()
    entries, names, indent = {}, [], None
    in_arguments = False
    for line in lines:
        stripped = line.strip()
        if stripped == "Args:":
            in_arguments, indent = True, None
            continue
        if not in_arguments:
            continue
        if not stripped:
            continue
        current_indent = len(line) - len(line.lstrip())
        if indent is None:
            indent = current_indent
        match = re.match(r"(\w+(?:, \w+)*)(?: \([^)]*\))?:\s*(.*)", stripped)
        if current_indent == indent and match:
            names = match.group(1).split(", ")
            for name in names:
                entries[name] = match.group(2)
        elif current_indent > indent and names:
            for name in names:
                entries[name] += " " + stripped
        else:
            in_arguments = False
    return entries


def flag_name(name):
    """The command-line flag of a config field: `batch_size` -> `--batch-size`."""
    return "--" + name.replace("_", "-")


def _shown_default(value):
    if isinstance(value, (list, tuple)):
        return " ".join(str(item) for item in value) if value else "none"
    return "none" if value is None else str(value)


def _generated_argument(field, default, help_text, choices):
    """The `add_argument` keyword arguments for one dataclass field."""
    kind = field.type if isinstance(field.type, type) else type(default) if default is not None else str
    arguments = {"help": help_text}
    if kind is bool:
        arguments["action"] = argparse.BooleanOptionalAction
    elif kind in (list, tuple):
        item_type = type(default[0]) if default else str
        arguments["type"] = item_type if item_type in (int, float) else str
        arguments["nargs"] = len(default) if kind is tuple and default and item_type in (int, float) else "+"
    elif kind in (int, float):
        arguments["type"] = kind
    if choices is not None:
        arguments["choices"] = tuple(choices)
    return arguments


def add_config_arguments(parser, config_class, *, groups=None, choices=None, overrides=None, exclude=()):
    """Adds one flag per field of `config_class`, plus `--config FILE` and (with `PRESETS`) `--preset`/`--quick`.

    Args:
        parser: the recipe's `argparse.ArgumentParser`.
        config_class: the task's config dataclass; each field's help text is
            its `Args:` entry in the class docstring.
        groups: optional `{group title: field names}`; the fields named go to
            that argument group (in that order), the others to "settings".
        choices: optional `{field name: valid values}`, e.g. `{"cell": layers.KINDS}`.
        overrides: optional `{field name: add_argument keyword arguments}`
            replacing the generated ones, e.g. another flag name (`"flags"`),
            `action="append"` or a `metavar`.
        exclude: field names that get no flag.

    Every field flag's default is "not given" (`argparse.SUPPRESS`), so that
    `config_from_arguments` can tell a typed flag from a default; the help
    text shows the dataclass default.

    Returns:
        The parser.
    """
    defaults = config_class()
    helps = documented_help(config_class)
    choices, overrides = dict(choices or {}), dict(overrides or {})
    names = [name for name in configs.field_names(config_class) if name not in exclude]
    unknown = sorted(
        (set(choices) | set(overrides) | {n for group in (groups or {}).values() for n in group})
        - set(configs.field_names(config_class))
    )
    if unknown:
        raise ValueError(f"add_config_arguments: {config_class.__name__} has no field(s) {', '.join(unknown)}.")
    settings = parser.add_argument_group("settings files and presets")
    settings.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="YAML or JSON file of settings (field names as in --help, e.g. `batch_size: 32`); flags typed override it",
    )
    known_presets = configs.presets(config_class)
    if known_presets:
        settings.add_argument(
            "--preset",
            choices=tuple(known_presets),
            default=argparse.SUPPRESS,
            help="named settings: "
            + "; ".join(
                f"{name}: {configs.describe_settings(values)}" for name, values in known_presets.items()
            ).replace("%", "%%"),
        )
        if "quick" in known_presets:
            settings.add_argument(
                "--quick",
                dest="preset",
                action="store_const",
                const="quick",
                default=argparse.SUPPRESS,
                help="same as --preset quick: a smoke run",
            )
    settings.add_argument(console.DEBUG_FLAG, action="store_true", default=argparse.SUPPRESS, help=console.DEBUG_HELP)
    group_of = {name: title for title, group in (groups or {}).items() for name in group}
    ordered = [name for group in (groups or {}).values() for name in group if name in names]
    ordered += [name for name in names if name not in group_of]
    fields = {field.name: field for field in dataclasses.fields(config_class)}
    group_objects = {}
    for name in ordered:
        title = group_of.get(name, "settings")
        if title not in group_objects:
            group_objects[title] = parser.add_argument_group(title)
        target = group_objects[title]
        default = getattr(defaults, name)
        help_text = helps.get(name, "").rstrip(".").replace("%", "%%")
        help_text = f"{help_text} (default: {_shown_default(default)})".strip()
        arguments = _generated_argument(fields[name], default, help_text, choices.get(name))
        arguments.update(overrides.get(name, {}))
        flags = arguments.pop("flags", (flag_name(name),))
        target.add_argument(*flags, dest=name, default=argparse.SUPPRESS, **arguments)
    return parser


def config_from_arguments(config_class, arguments, parser, build=None):
    """The `config_class` dataclass from the defaults, the preset, `--config FILE` and the flags typed.

    Args:
        config_class: the task's config dataclass.
        arguments: the parsed flags (from a parser `add_config_arguments` set up).
        parser: the parser, whose `error` reports a bad value or settings file.
        build: optional function from the settings given (preset, file and
            flags: a dict of field name -> value) to the config, instead of
            `config_class(**settings)`; e.g. one reading the settings a run
            saved. A `ValueError` it raises is reported like a bad value.
    """
    try:
        settings = {}
        preset = getattr(arguments, "preset", None)
        from_file = {}
        if getattr(arguments, "config", None):
            from_file = configs.read_settings_file(arguments.config, config_class)
            preset = preset or from_file.pop("preset", None)
            from_file.pop("preset", None)
        if preset is not None:
            settings.update(configs.preset_settings(config_class, preset))
        settings.update(from_file)
        names = set(configs.field_names(config_class))
        settings.update({key: value for key, value in vars(arguments).items() if key in names})
        for name, value in settings.items():
            if isinstance(value, list) and configs.field_type(config_class, name) in (tuple, "tuple"):
                settings[name] = tuple(value)
        config = build(settings) if build is not None else config_class(**settings)
    except ValueError as error:
        parser.error(str(error))
    if preset is not None:
        logger.info("Preset %s: %s", preset, configs.describe_settings(configs.preset_settings(config_class, preset)))
    return config


def check_cell_and_sizes(config, positive_integers):
    """The checks every recipe config makes: a known `cell`, positive integers where named, and training settings.

    The training settings are checked where the config has them: `dropout`,
    `recurrent_dropout`, `weight_decay` and `ema_momentum` in [0, 1), a positive `learning_rate`,
    and `clipnorm` and `time_budget_minutes` positive or None.

    Raises:
        ValueError: naming the bad value and the valid choices.
    """
    if config.cell not in layers.KINDS:
        raise ValueError(f"Unknown cell {config.cell!r}: choose from {', '.join(layers.KINDS)}.")
    for name in positive_integers:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
    for name in ("dropout", "recurrent_dropout", "weight_decay", "ema_momentum"):
        value = getattr(config, name, 0)
        if not (isinstance(value, (int, float)) and 0 <= value < 1):
            raise ValueError(f"`{name}` must be in [0, 1), got {value!r}.")
    if hasattr(config, "learning_rate") and not config.learning_rate > 0:
        raise ValueError(f"`learning_rate` must be positive, got {config.learning_rate!r}.")
    for name in ("clipnorm", "time_budget_minutes"):
        value = getattr(config, name, None)
        if value is not None and not value > 0:
            raise ValueError(f"`{name}` must be positive or None, got {value!r}.")
