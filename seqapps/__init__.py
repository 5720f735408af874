"""seqapps: recurrent sequence models on Keras 3 / TensorFlow.

Custom RNN cells written from the equations (`seqapps.cells`), a layer factory
(`seqapps.layers.recurrent`), task modules behind the runnable recipes, and
export for TensorFlow Serving.

`import seqapps` registers every seqapps class and function with Keras (as
keras_hub does), so `keras.models.load_model` reads a `.keras` file that uses
them. Imported before TensorFlow, it also hides TensorFlow's C++ start-up
messages (oneDNN notices, CUDA stubs, `cuInit` errors on a machine without a
GPU) and its later C++ messages below errors; set `TF_CPP_MIN_LOG_LEVEL=0` to
see them all again.
"""

__version__ = "0.1.0"

from seqapps import console  # noqa: E402 (after the version, which the modules below may read)

with console.tensorflow_start_up_filtered():
    import tensorflow

    from seqapps import saving

    tensorflow.config.list_physical_devices()
    saving.register_all()
