import os

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
