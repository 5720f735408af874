"""Keras callback logging gradient norms (and how often clipping fired) every epoch."""

import os

import keras
import numpy as np
import tensorflow as tf


class GradientNormLogger(keras.callbacks.Callback):
    """Logs the gradient norms of each epoch to the logs/History and TensorBoard.

    Keras callbacks never see gradients, so during `fit` this callback wraps
    the `apply` method of the model's optimizer (on the instance; restored at
    the end of training) with one that accumulates, inside the compiled train
    step, the norms of the gradients it receives, before any clipping. The
    train function is rebuilt at the start and at the end of `fit` so the
    wrapper is traced in, and out again afterwards.

    Each epoch it adds to the epoch logs (so to `History`, the progress bar,
    `CSVLogger`...), as means over the epoch's training steps:

    - `gradient_norm`: the global L2 norm of the gradient over all variables;
    - `gradient_norm_max`: the largest global norm of the epoch;
    - `gradient_norm/<variable path>`: the norm of each trainable variable's
      gradient (with `per_variable=True`);
    - `clipped_fraction`: the fraction of steps in which the optimizer's
      clipping changed the gradient, when the optimizer has `clipnorm` (a
      step counts when any variable's norm exceeds it), `global_clipnorm`
      (the global norm exceeds it) or `clipvalue` (any entry exceeds it).

    With `log_dir`, the same values are written as TensorBoard scalars (by
    epoch) to `log_dir/train`, next to the curves of
    `keras.callbacks.TensorBoard(log_dir)`.

    Gradients seen by a `LossScaleOptimizer` (mixed precision) are scaled by
    its loss scale; use the callback with float32 training.

    Args:
        log_dir: optional folder for TensorBoard event files.
        per_variable: also log the norm of each variable's gradient.

    Example:

    >>> model.compile(optimizer=keras.optimizers.Adam(clipnorm=1.0), loss="mse")
    >>> history = model.fit(x, y, epochs=3, callbacks=[GradientNormLogger("logs")])
    >>> history.history["gradient_norm"], history.history["clipped_fraction"]
    """

    def __init__(self, log_dir=None, per_variable=True):
        super().__init__()
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.per_variable = bool(per_variable)
        self._writer = None
        self._variable_paths = []

    def on_train_begin(self, logs=None):
        optimizer = self.model.optimizer
        if optimizer is None:
            raise ValueError(
                "GradientNormLogger: the model has no optimizer; call model.compile(optimizer=...) "
                "before model.fit(...)."
            )
        variables = self.model.trainable_variables
        self._variable_paths = [variable.path for variable in variables]
        index_of = {id(variable): index for index, variable in enumerate(variables)}
        self._steps = tf.Variable(0.0, trainable=False)
        self._clipped_steps = tf.Variable(0.0, trainable=False)
        self._global_sum = tf.Variable(0.0, trainable=False)
        self._global_max = tf.Variable(0.0, trainable=False)
        self._variable_sums = tf.Variable(tf.zeros(len(variables)), trainable=False)
        original_apply = optimizer.apply

        def apply(grads, trainable_variables=None):
            if trainable_variables is not None:
                self._record(optimizer, list(grads), list(trainable_variables), index_of)
            return original_apply(grads, trainable_variables)

        optimizer.apply = apply
        self.model.make_train_function(force=True)
        if self.log_dir is not None:
            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "train"))

    def _record(self, optimizer, grads, variables, index_of):
        pairs = [(gradient, variable) for gradient, variable in zip(grads, variables) if gradient is not None]
        if not pairs:
            return
        scale = optimizer.loss_scale_factor
        dense = [tf.cast(tf.convert_to_tensor(gradient), tf.float32) for gradient, _ in pairs]
        if scale is not None:
            dense = [gradient / scale for gradient in dense]
        norms = tf.stack([tf.norm(gradient) for gradient in dense])
        global_norm = tf.sqrt(tf.reduce_sum(tf.square(norms)))
        indices = [[index_of[id(variable)]] for _, variable in pairs]
        self._variable_sums.assign_add(tf.scatter_nd(indices, norms, [len(self._variable_paths)]))
        self._global_sum.assign_add(global_norm)
        self._global_max.assign(tf.maximum(self._global_max, global_norm))
        self._steps.assign_add(1.0)
        if optimizer.clipnorm:
            clipped = tf.reduce_any(norms > optimizer.clipnorm)
        elif optimizer.global_clipnorm:
            clipped = global_norm > optimizer.global_clipnorm
        elif optimizer.clipvalue:
            clipped = tf.reduce_any(
                tf.stack([tf.reduce_max(tf.abs(gradient)) for gradient in dense]) > optimizer.clipvalue
            )
        else:
            return
        self._clipped_steps.assign_add(tf.cast(clipped, tf.float32))

    def on_epoch_begin(self, epoch, logs=None):
        for variable in (self._steps, self._clipped_steps, self._global_sum, self._global_max):
            variable.assign(0.0)
        self._variable_sums.assign(tf.zeros_like(self._variable_sums))

    def on_epoch_end(self, epoch, logs=None):
        steps = float(self._steps.numpy())
        if steps == 0:
            return
        values = {
            "gradient_norm": float(self._global_sum.numpy()) / steps,
            "gradient_norm_max": float(self._global_max.numpy()),
        }
        if self.per_variable:
            sums = np.asarray(self._variable_sums.numpy())
            for path, total in zip(self._variable_paths, sums):
                values[f"gradient_norm/{path}"] = float(total) / steps
        optimizer = self.model.optimizer
        if optimizer.clipnorm or optimizer.global_clipnorm or optimizer.clipvalue:
            values["clipped_fraction"] = float(self._clipped_steps.numpy()) / steps
        if logs is not None:
            logs.update(values)
        if self._writer is not None:
            with self._writer.as_default():
                for name, value in values.items():
                    tf.summary.scalar(name, value, step=epoch)
            self._writer.flush()

    def on_train_end(self, logs=None):
        optimizer = self.model.optimizer
        if "apply" in vars(optimizer):
            del optimizer.apply
        self.model.make_train_function(force=True)
        if self._writer is not None:
            self._writer.close()
            self._writer = None
