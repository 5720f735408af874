"""seqapps: recurrent sequence models on Keras 3 / TensorFlow.

Custom RNN cells written from the equations (`seqapps.cells`), a layer factory
(`seqapps.layers.recurrent`), task modules behind the runnable recipes, and
export for TensorFlow Serving.
"""

__version__ = "0.1.0"
