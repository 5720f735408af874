"""Export for TensorFlow Serving: versioned, atomic, warmed-up, checked.

`export_for_serving` is the one exporter every recipe uses. It writes

    <export_root>/<name>/<version>/
        saved_model.pb            tag set {"serve"}, `serving_default` + any other signatures
        variables/                weights (and lookup-table contents)
        assets/                   vocabulary files, if any
        assets.extra/tf_serving_warmup_requests
                                  TFRecord of `PredictionLog`s, replayed by TF Serving
                                  when it loads the version

which is the layout TF Serving's file-system poller watches: `<version>` is an
integer, one more than the highest version already there. The layout's names
(version folders, warmup path, default signature) are in `seqapps.serving_layout`.

The version appears atomically: everything is written into a temporary sibling
`<name>/.tmp-<version>-<random>` (TF Serving ignores folders whose name is not
an integer), checked, flushed to disk and only then renamed to `<version>`. A
failure at any point removes the temporary folder and leaves the earlier
versions untouched; a concurrent exporter that took the number first makes this
one move on to the next number instead of overwriting.

Before the rename the export is verified the way TF Serving will use it (see
`seqapps.serving.check_export`): the `serve` tag set and `serving_default`
exist, every op is one TF Serving ships (core TensorFlow or TensorFlow Text, no
`tf.py_function`), the warmup records parse and match the signature, and the
SavedModel, loaded into a TF1 session like TF Serving's `SavedModelBundle`,
reproduces the in-memory outputs on every warmup example.
"""

import collections.abc
import contextlib
import errno
import logging
import os
import re
import secrets
import shutil
from pathlib import Path

from seqapps import serving
from seqapps.serving_layout import (
    DEFAULT_SIGNATURE,
    MAX_WARMUP_RECORDS,
    TEMP_PREFIX,
    WARMUP_DIRNAME,
    WARMUP_FILENAME,
    is_version_name,
)

# Attributes of keras.export.ExportArchive's saved object, not usable as signature names.
_RESERVED_NAMES = frozenset({"variables", "trainable_variables", "non_trainable_variables"})

_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


class ExportError(RuntimeError):
    """The written SavedModel failed verification; nothing was published.

    `problems` lists what is wrong, one message per problem.
    """

    def __init__(self, message, problems=()):
        self.problems = list(problems)
        if self.problems:
            message = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message)


def next_version(model_dir):
    """One more than the highest integer-named entry in `model_dir` (1 if none).

    Files with integer names count too: a version folder cannot be renamed
    onto them.
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        return 1
    taken = [int(entry.name) for entry in model_dir.iterdir() if is_version_name(entry.name)]
    return max(taken, default=0) + 1


def export_for_serving(model_or_module, export_root, name, signatures, warmup_examples=None, *, verify=True):
    """Exports a model for TF Serving as `export_root/name/<next version>/`.

    Args:
        model_or_module: what the signatures use: a Keras model or layer, a
            `tf.Module`, any TensorFlow trackable, a list/tuple of them, or
            `None`. Everything reachable from it is tracked, including the
            lookup tables of `TextVectorization` / `StringLookup` /
            `IntegerLookup` layers, so they are saved with the model. Pass
            every object holding state the signatures use (e.g.
            `[model, vectorizer]` when the vectorizer is not inside the model).
        export_root: folder holding one folder per model (created if missing).
        name: the model name, used as folder name and as TF Serving model name.
        signatures: mapping of signature name -> `tf.function` declared with an
            `input_signature` (or a concrete function). Each takes raw inputs,
            does its preprocessing in the graph and returns a dict of named
            tensors. `"serving_default"` is required. A single function is
            accepted as `{"serving_default": function}`.
        warmup_examples: list (at most 1000) of input dicts for
            `serving_default`, input name -> array-like. A value may be a
            whole batch or, when the signature's first dimension is the batch
            dimension, a single instance (a batch dimension is added). Each
            becomes one `PredictionLog` in
            `assets.extra/tf_serving_warmup_requests`. Every example is run
            through the signature before anything is written, so a bad one
            fails the export.
        verify: check the written SavedModel (ops, signatures, warmup) and
            reload it the way TF Serving does, comparing its outputs on the
            warmup examples with the in-memory ones, before publishing it.

    Returns:
        The `Path` of the new version folder.

    Raises:
        ValueError / TypeError: bad arguments (nothing is written).
        ExportError: the written SavedModel failed verification (nothing
            is published).
    """
    name = _check_model_name(name)
    model_dir = _model_dir_inside(export_root, name)
    tracked = _tracked_objects(model_or_module)
    signatures = _signature_mapping(signatures)
    concrete = _concrete_signatures(signatures, tracked)
    default = concrete[DEFAULT_SIGNATURE]
    examples = _prepare_warmup_examples(default, warmup_examples)
    expected = [_run_warmup_example(default, index, example) for index, example in enumerate(examples)]

    model_dir.mkdir(parents=True, exist_ok=True)
    temp_dir = _make_temp_dir(model_dir, next_version(model_dir))
    try:
        with _without_cudnn(tracked), _root_handlers_kept():  # saving may trace the functions again
            _write_saved_model(tracked, signatures, concrete, temp_dir)
        _write_warmup(temp_dir, name, examples)
        if verify:
            _verify(temp_dir, examples, expected)
        _fsync_tree(temp_dir)
        final_dir = _publish(temp_dir, model_dir)
    except BaseException:
        # The model folder stays, even if empty: another exporter may be
        # about to write into it, and TF Serving ignores a folder without versions.
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    return final_dir


def xla_batch_buckets(function):
    """`function` compiled with XLA, for a serving signature, compiling a few shapes only.

    XLA runs a recurrent layer's loop several times faster than the TensorFlow
    executor on CPU (the per-step work of a small layer at batch 1 is mostly
    executor overhead), but compiles once per input shape, about a second
    each. The returned function pads the batch with zero rows to the next
    power of two, calls `tf.function(function, jit_compile=True)` and drops
    the padding from the outputs: up to batch 1024 that is at most 11
    compilations, each on the first request of its size. Keep the other
    dimensions of the input fixed, since every new shape compiles again.

    TF Serving runs XLA-compiled functions only when started with
    `--xla_cpu_compilation_enabled=true` (an experimental flag); without it,
    requests to such a signature fail, so keep `serving_default` uncompiled.

    Args:
        function: takes one tensor, batch first (e.g. token ids), and returns a
            tensor or a nest of tensors, batch first, each row depending only on
            its own input row (no batch statistics).

    Returns:
        A function of the same input and outputs, to call inside a signature.
    """
    import tensorflow as tf

    compiled = tf.function(function, jit_compile=True, autograph=False)

    def bucketed(inputs):
        batch = tf.shape(inputs)[0]
        bucket = tf.while_loop(lambda size: size < batch, lambda size: [size * 2], [tf.constant(1)])[0]
        padding = tf.concat([[[0, bucket - batch]], tf.zeros([tf.rank(inputs) - 1, 2], tf.int32)], axis=0)
        outputs = compiled(tf.pad(inputs, padding))
        return tf.nest.map_structure(lambda output: output[:batch], outputs)

    return bucketed


# --- arguments ---------------------------------------------------------------


def _check_model_name(name):
    if not isinstance(name, str) or not _MODEL_NAME.fullmatch(name) or is_version_name(name):
        raise ValueError(
            f"model name {name!r} is not usable as a TF Serving model folder: use letters, "
            f"digits, '_', '-' and '.', starting with a letter or digit, not only digits "
            f"(an all-digit name would look like a version)."
        )
    return name


def _model_dir_inside(export_root, name):
    """`export_root/name`, refused when a symbolic link takes it outside `export_root`."""
    model_dir = Path(export_root) / name
    target = model_dir.resolve()
    if not target.is_relative_to(Path(export_root).resolve()):
        raise ValueError(
            f"{model_dir} is a symbolic link to {target}, outside the export root {export_root}: exports "
            f"never write outside their root. Pass {target.parent} as the export root, or replace the link "
            f"with a folder."
        )
    return model_dir


def _signature_mapping(signatures):
    if callable(signatures) and not isinstance(signatures, collections.abc.Mapping):
        return {DEFAULT_SIGNATURE: signatures}
    if not isinstance(signatures, collections.abc.Mapping):
        raise TypeError(
            f"signatures must be a mapping of signature name -> tf.function, got {type(signatures).__name__}"
        )
    return dict(signatures)


def _concrete_signatures(signatures, tracked=()):
    """Validates `signatures`; returns {name: ConcreteFunction}, serving_default first.

    The tf.functions are traced with cuDNN off in the Keras RNN layers of
    `tracked` (see `_without_cudnn`). When a GPU is visible, a tf.function is
    re-created from its Python function first (and replaced in `signatures`),
    since a trace made earlier may hold GPU-only cuDNN ops.
    """
    import tensorflow as tf

    if DEFAULT_SIGNATURE not in signatures:
        raise ValueError(
            f"signatures must include {DEFAULT_SIGNATURE!r}, the signature TF Serving uses "
            f"when a request names none; got {sorted(map(str, signatures))}"
        )
    concrete = {}
    for signature_name in [DEFAULT_SIGNATURE] + [key for key in signatures if key != DEFAULT_SIGNATURE]:
        function = signatures[signature_name]
        where = f"signature {signature_name!r}"
        if not isinstance(signature_name, str) or not signature_name or signature_name.startswith("_"):
            raise ValueError(f"signature names must be non-empty strings not starting with '_', got {signature_name!r}")
        if signature_name in _RESERVED_NAMES:
            raise ValueError(f"{signature_name!r} cannot be a signature name: the export uses it for the saved state")
        if isinstance(function, tf.types.experimental.ConcreteFunction):
            concrete_function = function
        elif isinstance(function, tf.types.experimental.GenericFunction):
            if function.input_signature is None:
                raise ValueError(
                    f"{where}: the tf.function has no input_signature. Declare it, e.g. "
                    f"@tf.function(input_signature=[tf.TensorSpec([None], tf.string, name='text')]), "
                    f"so the SavedModel has named inputs with fixed dtypes."
                )
            if tf.config.list_logical_devices("GPU"):
                function = tf.function(function.python_function, input_signature=function.input_signature)
                signatures[signature_name] = function
            with _without_cudnn(tracked):
                concrete_function = function.get_concrete_function()
        else:
            raise TypeError(
                f"{where}: expected a tf.function with an input_signature or a concrete "
                f"function, got {type(function).__name__}"
            )
        specs = _input_specs(concrete_function, where)
        _check_outputs(concrete_function, where)
        names = [spec.name for spec in specs]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"{where}: input names must be unique, repeated: {duplicates}")
        concrete[signature_name] = concrete_function
    return concrete


@contextlib.contextmanager
def _without_cudnn(tracked):
    """Makes the Keras LSTM/GRU layers in `tracked` trace their generic implementation.

    With a GPU visible, Keras traces these layers as `CudnnRNNV3`, an op with
    GPU kernels only, which TF Serving's CPU model server cannot run. The
    generic implementation runs on both CPU and GPU servers. `use_cudnn` is
    restored afterwards (training keeps using cuDNN).
    """
    import keras

    changed = []
    for root in tracked:
        if isinstance(root, keras.layers.Layer):
            for layer in root._flatten_layers(include_self=True):
                if getattr(layer, "use_cudnn", False) in ("auto", True):
                    changed.append((layer, layer.use_cudnn))
                    layer.use_cudnn = False
    try:
        yield
    finally:
        for layer, value in changed:
            layer.use_cudnn = value


def _input_specs(concrete_function, where):
    """The signature's inputs as a flat list of named `tf.TensorSpec`s."""
    import tensorflow as tf

    args, kwargs = concrete_function.structured_input_signature
    specs = list(args) + [kwargs[key] for key in sorted(kwargs)]
    for spec in specs:
        if not isinstance(spec, tf.TensorSpec):
            raise ValueError(
                f"{where}: every input must be a dense tf.TensorSpec (TF Serving feeds dense "
                f"tensors), got {spec!r}; convert ragged/sparse inputs inside the function."
            )
    if not specs:
        raise ValueError(f"{where}: a serving signature needs at least one input")
    return specs


def _check_outputs(concrete_function, where):
    import tensorflow as tf

    outputs = concrete_function.structured_outputs
    if not isinstance(outputs, collections.abc.Mapping) or not outputs:
        raise ValueError(
            f"{where}: must return a non-empty dict of named tensors, e.g. {{'score': ...}}, "
            f"so TF Serving responses have meaningful output names; got {type(outputs).__name__}"
        )
    for key, value in outputs.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"{where}: output names must be non-empty strings, got {key!r}")
        if not isinstance(value, tf.Tensor):
            raise ValueError(
                f"{where}: output {key!r} must be a dense tensor, got {type(value).__name__} "
                f"(convert ragged outputs with .to_tensor())"
            )


def _prepare_warmup_examples(default_function, warmup_examples):
    """Converts the warmup examples to {input name: numpy array} dicts, validated."""
    import numpy as np
    import tensorflow as tf

    if warmup_examples is None:
        return []
    if isinstance(warmup_examples, collections.abc.Mapping):
        raise TypeError("warmup_examples must be a list of input dicts, not a single dict")
    warmup_examples = list(warmup_examples)
    if len(warmup_examples) > MAX_WARMUP_RECORDS:
        raise ValueError(
            f"{len(warmup_examples)} warmup examples given; TF Serving accepts at most "
            f"{MAX_WARMUP_RECORDS} warmup records and refuses to load the model otherwise"
        )
    specs = _input_specs(default_function, f"signature {DEFAULT_SIGNATURE!r}")
    expected_names = sorted(spec.name for spec in specs)
    prepared = []
    for index, example in enumerate(warmup_examples):
        where = f"warmup example {index}"
        if not isinstance(example, collections.abc.Mapping):
            raise TypeError(f"{where}: expected a dict of input name -> value, got {type(example).__name__}")
        if sorted(example) != expected_names:
            raise ValueError(
                f"{where}: inputs {sorted(example)} do not match the inputs of {DEFAULT_SIGNATURE!r}: {expected_names}"
            )
        converted = {}
        for spec in specs:
            try:
                tensor = tf.constant(example[spec.name], dtype=spec.dtype)
            except (TypeError, ValueError) as error:
                raise ValueError(f"{where}: input {spec.name!r} is not a {spec.dtype.name} tensor: {error}") from error
            if tensor.shape.rank == spec.shape.rank - 1 and spec.shape.rank >= 1 and spec.shape[0] is None:
                tensor = tf.expand_dims(tensor, 0)
            if not spec.shape.is_compatible_with(tensor.shape):
                raise ValueError(
                    f"{where}: input {spec.name!r} has shape {tensor.shape.as_list()}, the "
                    f"signature expects {spec.shape} (None: any size)"
                )
            converted[spec.name] = np.asarray(tensor.numpy())
        prepared.append(converted)
    return prepared


def _run_warmup_example(concrete_function, index, example):
    import tensorflow as tf

    try:
        return _run_signature(concrete_function, example)
    except tf.errors.OpError as error:
        raise ValueError(
            f"warmup example {index} fails in {DEFAULT_SIGNATURE!r}: {type(error).__name__}: {error.message}"
        ) from error


def _run_signature(concrete_function, example):
    """Runs one prepared example through the function; returns {output: numpy array}."""
    import tensorflow as tf

    args, kwargs = concrete_function.structured_input_signature
    positional = [tf.constant(example[spec.name], dtype=spec.dtype) for spec in args]
    keywords = {key: tf.constant(example[spec.name], dtype=spec.dtype) for key, spec in kwargs.items()}
    outputs = concrete_function(*positional, **keywords)
    return {key: value.numpy() for key, value in outputs.items()}


# --- writing -----------------------------------------------------------------


def _make_temp_dir(model_dir, version):
    """Creates `model_dir/.tmp-<version>-<random>`, honouring the umask.

    The version in the name is informational; the final number is chosen
    when the folder is renamed into place.
    """
    while True:
        path = model_dir / f"{TEMP_PREFIX}{version}-{secrets.token_hex(4)}"
        try:
            path.mkdir(mode=0o777)
            return path
        except FileExistsError:
            continue


def _tracked_objects(model_or_module):
    """The objects to track: the given ones, plus every Keras lookup layer inside them."""
    import keras

    if model_or_module is None:
        roots = []
    elif isinstance(model_or_module, (list, tuple)):
        roots = list(model_or_module)
    else:
        roots = [model_or_module]
    lookup_types = (keras.layers.TextVectorization, keras.layers.StringLookup, keras.layers.IntegerLookup)
    tracked = []
    for root in roots:
        tracked.append(root)
        if isinstance(root, keras.layers.Layer):
            for layer in root._flatten_layers(include_self=False):
                # ExportArchive only tracks built layers; the tables of an adapted
                # but unbuilt lookup layer are still found through `root`.
                if isinstance(layer, lookup_types) and layer.built:
                    tracked.append(layer)
    return tracked


@contextlib.contextmanager
def _root_handlers_kept():
    """Removes the handlers code in this block adds to the root logger.

    Saving a SavedModel makes TensorFlow call `logging.warning`, which runs an
    implicit `logging.basicConfig()` when the root logger has no handler: from
    then on every `seqapps` message would be printed twice (once more as
    `INFO:seqapps...` on standard error).
    """
    before = list(logging.root.handlers)
    try:
        yield
    finally:
        for handler in list(logging.root.handlers):
            if handler not in before:
                logging.root.removeHandler(handler)


def _write_saved_model(tracked, signatures, concrete, directory):
    """Writes the SavedModel with `keras.export.ExportArchive`.

    ExportArchive saves exactly the variables the signatures use plus the
    `TrackableResource`s (lookup tables) reachable from the tracked objects,
    and works for Keras models and plain `tf.Module`s alike.
    """
    import keras
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    for obj in tracked:
        archive.track(obj)
    for signature_name, concrete_function in concrete.items():
        function = signatures[signature_name]
        if isinstance(function, tf.types.experimental.GenericFunction):
            archive.add_endpoint(signature_name, function)
        else:
            archive.add_endpoint(
                signature_name,
                concrete_function,
                input_signature=list(concrete_function.structured_input_signature[0]),
            )
    try:
        archive.write_out(str(directory), verbose=False)
    except (AssertionError, ValueError) as error:
        if "untracked" in str(error):
            raise ValueError(
                "a signature uses a resource (e.g. a lookup table) that is not reachable "
                "from model_or_module; pass every object the signatures use, e.g. "
                f"export_for_serving([model, vectorizer], ...). TensorFlow said: {error}"
            ) from error
        raise


def _write_warmup(version_dir, name, examples):
    """Writes `assets.extra/tf_serving_warmup_requests`: one PredictionLog per example."""
    if not examples:
        return
    import tensorflow as tf

    records = [make_prediction_log(name, example).SerializeToString() for example in examples]
    warmup_dir = Path(version_dir) / WARMUP_DIRNAME
    warmup_dir.mkdir(mode=0o777, exist_ok=True)
    with tf.io.TFRecordWriter(str(warmup_dir / WARMUP_FILENAME)) as writer:
        for record in records:
            writer.write(record)


def make_prediction_log(model_name, inputs, signature_name=DEFAULT_SIGNATURE):
    """A `PredictionLog` wrapping a `PredictRequest` for `inputs` ({name: array})."""
    import tensorflow as tf
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    request = predict_pb2.PredictRequest(model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature_name))
    for input_name, value in inputs.items():
        request.inputs[input_name].CopyFrom(tf.make_tensor_proto(value))
    return prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))


def _verify(version_dir, examples, expected):
    """Checks the written SavedModel; raises ExportError listing every problem."""
    import numpy as np

    report = serving.check_export(version_dir, layout=False, load=True)
    problems = list(report.problems)
    if not problems:
        if len(report.warmup_outputs) != len(expected):
            problems.append(f"{len(expected)} warmup examples given but {len(report.warmup_outputs)} were replayed")
        for index, (reloaded, original) in enumerate(zip(report.warmup_outputs, expected)):
            for key, value in original.items():
                if key not in reloaded:
                    problems.append(f"warmup example {index}: output {key!r} missing after reload")
                    continue
                got = reloaded[key]
                if got.shape != value.shape:
                    problems.append(
                        f"warmup example {index}: output {key!r} has shape {list(got.shape)} after "
                        f"reload, {list(value.shape)} in memory"
                    )
                elif np.issubdtype(value.dtype, np.inexact):
                    if not outputs_match(got, value):
                        problems.append(
                            f"warmup example {index}: output {key!r} differs after reload (max abs "
                            f"difference {float(np.max(np.abs(got - value)))}): is some state not tracked?"
                        )
                elif not np.array_equal(got, value):
                    problems.append(f"warmup example {index}: output {key!r} differs after reload")
    if problems:
        raise ExportError(
            f"the SavedModel written to {version_dir} would not serve correctly; nothing was published:",
            problems,
        )


def outputs_match(reloaded, original):
    """Whether a float output survived saving and reloading.

    The tolerance scales with the largest magnitude in the tensor, not with
    each element: outputs in raw units (e.g. `x * std + mean`) lose float32
    precision on elements near zero by cancellation, an ulp of the large
    intermediate, which an element-wise relative tolerance would reject.
    """
    import numpy as np

    scale = float(np.nanmax(np.abs(original), initial=0.0))
    return np.allclose(reloaded, original, rtol=1e-4, atol=1e-5 + 1e-5 * scale, equal_nan=True)


def _fsync_tree(directory):
    """Flushes every file and folder under `directory` to disk."""
    for root, _, files in os.walk(directory):
        for filename in files:
            fd = os.open(os.path.join(root, filename), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(root)


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync folders
    finally:
        os.close(fd)


def _publish(temp_dir, model_dir):
    """Renames `temp_dir` to the next free version number; returns the final path.

    Never overwrites: when another exporter took the number meanwhile, the
    next one is tried.
    """
    for _ in range(1000):
        target = model_dir / str(next_version(model_dir))
        try:
            _rename_no_replace(temp_dir, target)
        except FileExistsError:
            continue
        _fsync_dir(model_dir)
        return target
    raise RuntimeError(f"could not find a free version number in {model_dir}")


def _rename_no_replace(source, target):
    """Atomically renames `source` to `target`, raising FileExistsError if `target` exists."""
    renameat2 = _renameat2()
    if renameat2 is not None:
        import ctypes

        at_fdcwd, rename_noreplace = -100, 1
        if renameat2(at_fdcwd, os.fsencode(source), at_fdcwd, os.fsencode(target), rename_noreplace) == 0:
            return
        error = ctypes.get_errno()
        if error == errno.EEXIST:
            raise FileExistsError(error, os.strerror(error), str(target))
        if error not in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
            raise OSError(error, os.strerror(error), str(source))
        # The file system does not support RENAME_NOREPLACE: fall back.
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
    try:
        # Renaming a folder onto a non-empty folder fails, so a version that
        # appeared since the check above is not overwritten.
        os.rename(source, target)
    except OSError as error:
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
            raise FileExistsError(error.errno, error.strerror, str(target)) from error
        raise


_RENAMEAT2 = []


def _renameat2():
    """libc's renameat2 (Linux), or None where it is not available."""
    if not _RENAMEAT2:
        function = None
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            function = libc.renameat2
            function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            function.restype = ctypes.c_int
        except (OSError, AttributeError):
            function = None
        _RENAMEAT2.append(function)
    return _RENAMEAT2[0]
