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

import contextlib
import logging
import os
import re
import sys
import tempfile

LOGGER_NAME = "seqapps"
# Set to anything but "" or "0" to see the traceback of a data or settings error (as `--debug` does).
DEBUG_VARIABLE = "SEQAPPS_DEBUG"
DEBUG_FLAG = "--debug"
DEBUG_HELP = f"show the Python traceback of a data or settings error (or set {DEBUG_VARIABLE}=1)"
# Errors whose message is for the user: bad data, settings or files (seqapps writes them to say what to fix).
USER_ERRORS = (ValueError, OSError)
# The exit status of a data or settings error, as argparse's for a bad flag.
USER_ERROR_STATUS = 2
# What TensorFlow's C++ runtime writes to standard error while it loads (absl / TSL log lines, of any severity:
# oneDNN notices, CUDA stubs, `cuInit` errors on a machine without a GPU, the CPU-instruction notice).
_TENSORFLOW_LOG_LINE = re.compile(
    r"(?:[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.-]+:\d+\]"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] "
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|To enable the following instructions: )"
)


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


@contextlib.contextmanager
def tensorflow_start_up_filtered():
    """Hides the C++ messages TensorFlow writes while it loads in this block, unless the user asked for them.

    TensorFlow 2.21 writes its start-up messages (oneDNN, CUDA stubs, `cuInit`
    errors, CPU instructions) through absl before `TF_CPP_MIN_LOG_LEVEL` takes
    effect, so they are filtered: standard error (file descriptor 2) goes to a
    temporary file for the block, and every line that is not a TensorFlow C++
    log line is written back when it ends. `TF_CPP_MIN_LOG_LEVEL` is set to 2
    where it is unset, which hides TensorFlow's later C++ messages below errors
    (in this process and the processes it starts).

    `TF_CPP_MIN_LOG_LEVEL=0` (or 1) shows every message again: nothing is
    filtered then, nor when TensorFlow is already imported.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules or os.environ["TF_CPP_MIN_LOG_LEVEL"].strip() in ("0", "1"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode(errors="replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not _TENSORFLOW_LOG_LINE.match(line))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()


def run(main, argv=None):
    """Calls `main(argv)` and returns its exit status; a data or settings error becomes one `error:` line.

    A `ValueError` or `OSError` (what the loaders and configs raise, with a
    message naming the problem and the fix) is written to standard error as
    `error: MESSAGE` on one line, and the status is 2, as argparse's for a bad
    flag. With `--debug` among the arguments, or `SEQAPPS_DEBUG=1`, the error
    is raised with its traceback instead.

    Example:

    >>> import sys
    >>> def main(argv=None):
    ...     raise ValueError("No such column 'price'. Fix: pass --target with one of ['open', 'close'].")
    >>> sys.stderr = sys.stdout  # for the doctest
    >>> run(main, [])
    error: No such column 'price'. Fix: pass --target with one of ['open', 'close'].
    2
    >>> sys.stderr = sys.__stderr__
    """
    arguments = sys.argv[1:] if argv is None else list(argv)
    debug = DEBUG_FLAG in arguments or os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")
    try:
        return main(argv)
    except USER_ERRORS as error:
        if debug:
            raise
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"error: {message}", file=sys.stderr)
        return USER_ERROR_STATUS
