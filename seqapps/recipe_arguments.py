"""What the recipe scripts' command lines share: the output flags and building the config dataclass."""

import dataclasses


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
