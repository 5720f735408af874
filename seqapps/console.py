"""What seqapps prints goes through the `seqapps` logger; the recipes and the command line show it.

Library modules log with `logging.getLogger(__name__)` (children of the
`seqapps` logger) and never print. A library user sees warnings only, as with
any Python library, until they configure logging; `configure()` (called by
every recipe and the `seqapps` command) shows the `seqapps` messages on
standard output as plain lines, the way the recipes print their tables.

Example:

>>> import logging
>>> from seqapps import console
>>> console.configure()
>>> logging.getLogger("seqapps.example").info("| model | accuracy |")
| model | accuracy |
"""

import logging
import sys

LOGGER_NAME = "seqapps"


class _StandardOutput(logging.StreamHandler):
    """A handler writing to whatever `sys.stdout` is when a message comes (so redirection and capture work)."""

    def __init__(self):
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        """The stream is always the current `sys.stdout`; the value `StreamHandler` sets is ignored."""


def configure(level=logging.INFO):
    """Shows the `seqapps` log messages at `level` and above on standard output, one plain line each.

    Calling it again changes the level; it never adds a second handler. The
    messages still propagate to the root logger, so handlers a program or
    pytest's `caplog` put there see them too.

    Returns:
        The `seqapps` logger.
    """
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if not any(isinstance(handler, _StandardOutput) for handler in logger.handlers):
        handler = _StandardOutput()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    return logger
