"""The seqapps logger shown on standard output by `seqapps.console.configure`."""

import contextlib
import io
import logging
import os
import subprocess
import sys

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


def _raise(error):
    def main(argv=None):
        raise error

    return main


def test_run_turns_a_data_or_settings_error_into_one_error_line_and_status_2(capsys, monkeypatch):
    monkeypatch.delenv(console.DEBUG_VARIABLE, raising=False)
    message = "'data.csv' line 7 has 3 fields, the header has 8.\nFix: repair that line."
    assert console.run(_raise(ValueError(message)), ["--epochs", "2"]) == 2
    assert (
        capsys.readouterr().err == "error: 'data.csv' line 7 has 3 fields, the header has 8. Fix: repair that line.\n"
    )
    assert console.run(_raise(FileNotFoundError("no such file: a.csv")), []) == 2
    assert capsys.readouterr().err == "error: no such file: a.csv\n"
    assert console.run(lambda argv=None: 0, []) == 0


def test_run_shows_the_traceback_with_debug_and_never_hides_a_bug(monkeypatch):
    monkeypatch.delenv(console.DEBUG_VARIABLE, raising=False)
    with pytest.raises(ValueError, match="bad"):
        console.run(_raise(ValueError("bad")), ["--debug"])
    monkeypatch.setenv(console.DEBUG_VARIABLE, "1")
    with pytest.raises(ValueError, match="bad"):
        console.run(_raise(ValueError("bad")), [])
    monkeypatch.setenv(console.DEBUG_VARIABLE, "0")
    assert console.run(_raise(ValueError("bad")), []) == 2
    with pytest.raises(TypeError):  # not a data or settings error: a bug keeps its traceback
        console.run(_raise(TypeError("unsupported operand")), [])


def test_tensorflow_c_plus_plus_log_lines_are_recognized():
    noise = [
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "I0000 00:00:1796532932.690388   11606 port.cc:153] oneDNN custom operations are on.",
        "I0000 00:00:1796532932.690756   11606 cudart_stub.cc:31] Could not find cuda drivers on your machine",
        "E0000 00:00:1796532937.452092   11606 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error",
        "2025-09-17 14:44:05.157831: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:32] Could not find cuda",
        "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow",
    ]
    kept = ["error: a.csv is empty", "Traceback (most recent call last):", "E is for error", "I0000 is an id"]
    assert all(console._TENSORFLOW_LOG_LINE.match(line) for line in noise)
    assert not any(console._TENSORFLOW_LOG_LINE.match(line) for line in kept)


def test_the_filter_drops_c_plus_plus_lines_written_to_descriptor_2_and_keeps_the_rest(monkeypatch, capfd):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.delitem(sys.modules, "tensorflow")
    with console.tensorflow_start_up_filtered():
        os.write(2, b"I0000 00:00:1796532932.690388   11606 port.cc:153] oneDNN custom operations are on.\n")
        os.write(2, b"a message of the program\n")
    assert capfd.readouterr().err == "a message of the program\n"
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
    with console.tensorflow_start_up_filtered():  # as in a process a seqapps process started
        os.write(2, b"I0000 00:00:1796532932.690388   11606 port.cc:153] oneDNN custom operations are on.\n")
    assert capfd.readouterr().err == ""
    for level in ("0", "1"):  # the user's choice: nothing is filtered
        monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", level)
        with console.tensorflow_start_up_filtered():
            os.write(2, b"I0000 00:00:1796532932.690388   11606 port.cc:153] oneDNN custom operations are on.\n")
        assert "oneDNN" in capfd.readouterr().err


ONEDNN_NOTICE = (
    b"E0000 00:00:1796543964.791905   28332 util.cc:131] oneDNN supports DT_INT32 only on platforms with AVX-512. "
    b"Falling back to the default Eigen-based implementation if present.\n"
)


def _write_notice_and_messages(argv=None):
    os.write(2, ONEDNN_NOTICE)
    os.write(2, b"first message\n")
    subprocess.run([sys.executable, "-c", f"import os; os.write(2, {ONEDNN_NOTICE!r}); os.write(2, b'child\\n')"])
    os.write(2, b"last message\n")
    return 0


def test_run_drops_tensorflow_runtime_notices_of_the_process_and_its_children(monkeypatch, capfd):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    assert console.run(_write_notice_and_messages, []) == 0
    assert capfd.readouterr().err == "first message\nchild\nlast message\n"
    os.write(2, b"after run\n")  # descriptor 2 is the real standard error again
    assert capfd.readouterr().err == "after run\n"
    with pytest.raises(TypeError):  # a bug's traceback is not swallowed
        console.run(_raise(TypeError("unsupported operand")), [])
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")  # the user's choice: nothing is filtered
    assert console.run(_write_notice_and_messages, []) == 0
    assert capfd.readouterr().err.count("oneDNN supports DT_INT32") == 2


def test_import_seqapps_prints_nothing_in_a_fresh_process():
    environment = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-c", "import seqapps, keras; keras.ops.add(1, 2)"],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    assert result.stdout == "" and result.stderr == ""
