"""The seqapps logger shown on standard output by `seqapps.console.configure`."""

import contextlib
import io
import logging

import pytest

from seqapps import console


@pytest.fixture
def seqapps_logger():
    """The `seqapps` logger, its handlers and level put back after the test."""
    logger = logging.getLogger(console.LOGGER_NAME)
    handlers, level = list(logger.handlers), logger.level
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)


def _console_handlers(logger):
    return [handler for handler in logger.handlers if isinstance(handler, console._StandardOutput)]


def test_configure_prints_plain_lines_to_the_current_stdout(seqapps_logger, capsys):
    assert console.configure() is seqapps_logger
    logging.getLogger("seqapps.tasks.example").info("| model | accuracy |")
    assert capsys.readouterr().out == "| model | accuracy |\n"
    redirected = io.StringIO()
    with contextlib.redirect_stdout(redirected):  # the stream is looked up when a message comes
        logging.getLogger("seqapps.training").info("Training: 1 epoch(s)")
    assert redirected.getvalue() == "Training: 1 epoch(s)\n"
    assert capsys.readouterr().out == ""


def test_configure_twice_adds_no_second_handler_and_sets_the_level(seqapps_logger, capsys):
    console.configure()
    console.configure(logging.WARNING)
    assert len(_console_handlers(seqapps_logger)) == 1
    logging.getLogger("seqapps.example").info("hidden")
    logging.getLogger("seqapps.example").warning("shown")
    assert capsys.readouterr().out == "shown\n"


def test_other_loggers_are_not_shown(seqapps_logger, capsys):
    console.configure()
    logging.getLogger("keras_tuner.example").warning("not ours")
    assert "not ours" not in capsys.readouterr().out
