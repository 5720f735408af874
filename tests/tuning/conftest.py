import warnings

import pytest
import tensorflow as tf


@pytest.fixture
def eager_functions():
    """Runs Keras' train and test steps eagerly: on tiny data, tracing them is most of a trial's time."""
    tf.config.run_functions_eagerly(True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Even though the `tf.config.experimental_run_functions_eagerly`")
        yield
    tf.config.run_functions_eagerly(False)
