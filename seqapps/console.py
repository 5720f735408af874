"""What seqapps prints goes through the `seqapps` logger; the recipes and the command line show it.

Library modules log with `logging.getLogger(__name__)` (children of the
`seqapps` logger) and never print. A library user sees warnings only, as with
any Python library, until they configure logging; `configure()` (called by
every recipe and the `seqapps` command) shows the `seqapps` messages on
standard output as plain lines, the way the recipes print their tables.

Example:

>>> import logging
>>> from seqapps import console
>>> logger = console.configure()
>>> logging.getLogger("seqapps.example").info("| model | accuracy |")
| model | accuracy |
"""

import contextlib
import logging
import os
import re
import sys
import tempfile
import threading

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

# What TensorFlow's C++ runtime writes while a model runs, at error level although nothing failed: oneDNN's
# notice that it leaves an op of some dtype to Eigen on this CPU ("oneDNN supports DT_INT32 only on platforms with
# AVX-512. Falling back to the default Eigen-based implementation if present.").
_TENSORFLOW_RUNTIME_NOTICE = re.compile(r"[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.-]+:\d+\] oneDNN supports \w+ only")
# Seconds `run` waits, after `main` returns, for the output processes it started may still be writing.
_DRAIN_SECONDS = 5.0


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
    if "tensorflow" in sys.modules or _user_asked_for_tensorflow_messages():
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


def _user_asked_for_tensorflow_messages():
    return os.environ.get("TF_CPP_MIN_LOG_LEVEL", "").strip() in ("0", "1")


@contextlib.contextmanager
def tensorflow_runtime_notices_filtered():
    """Drops TensorFlow's runtime notices (`_TENSORFLOW_RUNTIME_NOTICE`) from standard error in this block.

    Standard error (file descriptor 2, which processes started in the block
    inherit) goes through a pipe; a thread writes every line but those
    notices to the real standard error. At the end of the block descriptor 2
    is restored and what is left in the pipe is written out, so no message
    of the program, a traceback included, is lost or reordered.
    `TF_CPP_MIN_LOG_LEVEL=0` (or 1) shows the notices: nothing is filtered.
    """
    if _user_asked_for_tensorflow_messages():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def forward():
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                if not _TENSORFLOW_RUNTIME_NOTICE.match(line.decode(errors="replace")):
                    try:
                        os.write(saved, line)
                    except OSError:  # the real standard error is gone: keep draining so writers never block
                        pass

    forwarder = threading.Thread(target=forward, name="seqapps-stderr", daemon=True)
    forwarder.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # closes this process's last write end of the pipe: the thread sees its end
        forwarder.join(_DRAIN_SECONDS)
        if not forwarder.is_alive():  # else a process this one started still writes: the thread keeps `saved`
            os.close(saved)


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
        with tensorflow_runtime_notices_filtered():
            return main(argv)
    except USER_ERRORS as error:
        if debug:
            raise
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"error: {message}", file=sys.stderr)
        return USER_ERROR_STATUS
