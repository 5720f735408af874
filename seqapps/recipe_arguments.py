"""What the recipes share: their output flags, building the config dataclass, and its common checks."""

import dataclasses

from seqapps import layers


def add_output_arguments(parser, defaults):
    """Adds `--export-root`, `--run-dir`, `--restart` and `--seed`, with the defaults of a config instance."""
    group = parser.add_argument_group("outputs")
    group.add_argument("--export-root", default=defaults.export_root,
                       help="where the servable model is written, as <root>/<model>/<version>/")
    group.add_argument("--run-dir", default=defaults.run_dir, help="checkpoints, logs, plots and metrics")
    group.add_argument("--restart", action="store_true", help="ignore the backup of an interrupted run")
    group.add_argument("--seed", type=int, default=defaults.seed)
    return group


def config_from_arguments(config_class, arguments, parser):
    """The `config_class` dataclass from the parsed flags of the same names; a bad value exits with its message."""
    fields = {field.name for field in dataclasses.fields(config_class)}
    try:
        return config_class(**{key: value for key, value in vars(arguments).items() if key in fields})
    except ValueError as error:
        parser.error(str(error))


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
