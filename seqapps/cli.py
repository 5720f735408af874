"""The `seqapps` command line.

Each subcommand is a function `_add_<name>(subparsers)` that registers its
parser and sets `handler`; `main()` dispatches to it. Library code does the
work, this module only parses arguments and prints.
"""

import argparse
import sys


def _add_cells(subparsers):
    parser = subparsers.add_parser(
        "cells",
        help="list the recurrent layer kinds seqapps.layers.recurrent accepts",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.set_defaults(handler=_run_cells)


def _run_cells(arguments):
    from seqapps import layers

    for kind in layers.KINDS:
        print(kind)
    return 0


SUBCOMMANDS = (_add_cells,)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="seqapps",
        description="Recurrent sequence models: recipes, export and serving tools.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for add_subcommand in SUBCOMMANDS:
        add_subcommand(subparsers)
    return parser


def main(argv=None):
    arguments = build_parser().parse_args(argv)
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())
