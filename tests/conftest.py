import json
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _op_list_cache(tmp_path_factory):
    """One cache of TF Serving's op list (see seqapps.serving.ops) for the whole
    session, shared with CLI subprocesses, instead of the user's ~/.cache."""
    from seqapps import serving

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(serving.CACHE_DIR_VARIABLE, str(tmp_path_factory.getbasetemp() / "seqapps-cache"))
        yield


@pytest.fixture(autouse=True)
def _fixed_seed():
    keras.utils.set_random_seed(1234)
    yield
    keras.backend.clear_session()


@pytest.fixture
def run_in_fresh_process():
    """A function running a script with `python -c` in a new interpreter (as a server loading an export would),
    returning the JSON the script printed on its last line; a failing script fails the test with its stderr."""

    def run(script, *arguments, timeout=300):
        completed = subprocess.run(
            [sys.executable, "-c", script, *map(str, arguments)],
            capture_output=True,
            text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
            timeout=timeout,
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        return json.loads(completed.stdout.strip().splitlines()[-1])

    return run
