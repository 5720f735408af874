"""seqapps.export.export_for_serving: layout, versions, atomicity, warmup, verification."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_text as tf_text
from tensorflow_serving.apis import prediction_log_pb2

from seqapps import export, serving
from seqapps.export import ExportError, export_for_serving
from seqapps.serving_layout import TEMP_PREFIX, WARMUP_RELATIVE_PATH, list_versions

TEXTS = ["a wonderful, moving film", "dull and far too long", "great acting", "a boring mess"]


def build_text_model():
    """A Keras model taking raw strings, with a TextVectorization layer inside."""
    vectorize = keras.layers.TextVectorization(max_tokens=100, output_sequence_length=8)
    vectorize.adapt(TEXTS)
    text = keras.Input(shape=(), dtype="string", name="text")
    hidden = keras.layers.Embedding(100, 8)(vectorize(text))
    hidden = keras.layers.GlobalAveragePooling1D()(hidden)
    return keras.Model(text, keras.layers.Dense(1, activation="sigmoid")(hidden))


def text_signatures(model):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serving_default(text):
        text = tf_text.normalize_utf8(text, "NFKC")  # a TF Text op, inside the graph
        return {"positive": model(text)[:, 0]}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def tokens(text):
        return {"tokens": tf_text.WhitespaceTokenizer().tokenize(text).to_tensor(default_value="")}

    return {"serving_default": serving_default, "tokens": tokens}


def scale_module():
    """A tiny tf.Module with a variable and a numeric signature."""
    module = tf.Module()
    module.scale = tf.Variable([1.0, 2.0, 3.0])

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="features")])
    def serve(features):
        return {"scaled": features * module.scale}

    return module, serve


def visible_entries(model_dir):
    return sorted(entry.name for entry in Path(model_dir).iterdir())


@pytest.fixture(scope="module")
def text_model():
    model = build_text_model()
    return model, text_signatures(model)


@pytest.fixture(scope="module")
def exported(text_model, tmp_path_factory):
    model, signatures = text_model
    root = tmp_path_factory.mktemp("export_root")
    path = export_for_serving(
        model,
        root,
        "sentiment",
        signatures,
        warmup_examples=[{"text": ["a wonderful film", "a boring mess"]}, {"text": "great acting"}],
    )
    return root, path


def test_writes_a_complete_version_folder(exported):
    root, path = exported
    assert path == root / "sentiment" / "1"
    assert visible_entries(root / "sentiment") == ["1"]  # no temporary folder left behind
    assert (path / "saved_model.pb").is_file()
    assert (path / "variables" / "variables.index").is_file()
    assert (path / WARMUP_RELATIVE_PATH).is_file()
    mode = path.stat().st_mode & 0o777
    assert mode & 0o500 == 0o500 and mode == 0o777 & ~_umask()  # readable by TF Serving's user


def _umask():
    current = os.umask(0)
    os.umask(current)
    return current


def test_signatures_have_named_inputs_and_outputs(exported):
    _, path = exported
    _, default = serving.read_signature(path)
    assert [(spec.name, spec.dtype, spec.shape) for spec in default["inputs"]] == [("text", "string", [-1])]
    assert [spec.name for spec in default["outputs"]] == ["positive"]
    _, tokens = serving.read_signature(path, "tokens")
    assert [spec.name for spec in tokens["outputs"]] == ["tokens"]


def test_reload_in_fresh_process_matches_memory(exported, text_model):
    root, _ = exported
    _, signatures = text_model
    texts = ["a wonderful film", "dull and far too long, really"]
    expected = signatures["serving_default"](tf.constant(texts))["positive"].numpy()
    result = subprocess.run(
        [*seqapps_command(), "predict", str(root / "sentiment"), *texts],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)["outputs"]
    np.testing.assert_allclose(outputs["positive"], expected, rtol=1e-5, atol=1e-6)


def seqapps_command():
    """The installed `seqapps` console script, else `python -m seqapps.cli`."""
    script = Path(sys.executable).with_name("seqapps")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "seqapps.cli"]


def test_warmup_records_parse_as_prediction_logs(exported):
    _, path = exported
    raw_records = [record.numpy() for record in tf.data.TFRecordDataset(str(path / WARMUP_RELATIVE_PATH))]
    logs = [prediction_log_pb2.PredictionLog.FromString(raw) for raw in raw_records]
    assert len(logs) == 2
    for log in logs:
        assert log.WhichOneof("log_type") == "predict_log"
        assert log.predict_log.request.model_spec.name == "sentiment"
        assert log.predict_log.request.model_spec.signature_name == "serving_default"
        assert set(log.predict_log.request.inputs) == {"text"}
    values = [tf.make_ndarray(log.predict_log.request.inputs["text"]).tolist() for log in logs]
    # The single instance got its batch dimension.
    assert values == [[b"a wonderful film", b"a boring mess"], [b"great acting"]]


def test_version_after_1_and_3_is_4(tmp_path):
    model_dir = tmp_path / "scale"
    for version in ("1", "3"):
        (model_dir / version).mkdir(parents=True)
        (model_dir / version / "marker").write_text(version)
    (model_dir / "latest").mkdir()  # not an integer: not a version
    module, serve = scale_module()
    path = export_for_serving(
        module, tmp_path, "scale", {"serving_default": serve.get_concrete_function()}, [{"features": [1, 1, 1]}]
    )
    assert path == model_dir / "4"
    assert list_versions(model_dir) == [1, 3, 4]
    assert (model_dir / "1" / "marker").read_text() == "1"
    assert (model_dir / "3" / "marker").read_text() == "3"
    assert serving.check_export(model_dir).ok


def test_crash_after_writing_variables_leaves_no_new_version(tmp_path, monkeypatch):
    module, serve = scale_module()
    first = export_for_serving(module, tmp_path, "scale", {"serving_default": serve})
    seen = []

    def crash(version_dir, name, examples):
        assert (Path(version_dir) / "variables" / "variables.index").is_file()
        seen.append(Path(version_dir))
        raise RuntimeError("injected crash")

    monkeypatch.setattr(export, "_write_warmup", crash)
    with pytest.raises(RuntimeError, match="injected crash"):
        export_for_serving(module, tmp_path, "scale", {"serving_default": serve}, [{"features": [[1, 2, 3]]}])
    assert seen and seen[0].name.startswith(TEMP_PREFIX)  # it wrote into a temporary folder
    assert visible_entries(tmp_path / "scale") == ["1"]
    assert first == tmp_path / "scale" / "1" and serving.check_export(first).ok


def test_version_taken_meanwhile_moves_to_the_next_number(tmp_path, monkeypatch):
    module, serve = scale_module()
    original = export._write_warmup

    def concurrent_exporter_finishes_first(version_dir, name, examples):
        (tmp_path / "scale" / "1").mkdir()
        (tmp_path / "scale" / "1" / "marker").write_text("other exporter")
        original(version_dir, name, examples)

    monkeypatch.setattr(export, "_write_warmup", concurrent_exporter_finishes_first)
    path = export_for_serving(module, tmp_path, "scale", {"serving_default": serve})
    assert path == tmp_path / "scale" / "2"
    assert (tmp_path / "scale" / "1" / "marker").read_text() == "other exporter"
    assert visible_entries(tmp_path / "scale") == ["1", "2"]


def test_rename_never_replaces_an_existing_version(tmp_path):
    source, target = tmp_path / "source", tmp_path / "7"
    source.mkdir()
    target.mkdir()  # even an empty folder is not replaced
    with pytest.raises(FileExistsError):
        export._rename_no_replace(source, target)
    assert source.is_dir()


@pytest.mark.parametrize(
    "example, message",
    [
        ({"wrong_name": [[1.0, 2.0, 3.0]]}, "do not match the inputs"),
        ({"features": [[1.0, 2.0]]}, "has shape"),
        ({"features": [["a", "b", "c"]]}, "is not a float32 tensor"),
    ],
)
def test_bad_warmup_example_fails_before_anything_is_written(tmp_path, example, message):
    module, serve = scale_module()
    with pytest.raises(ValueError, match=message):
        export_for_serving(module, tmp_path, "scale", {"serving_default": serve}, [example])
    assert not (tmp_path / "scale").exists()


def test_warmup_example_failing_in_the_signature_fails_the_export(tmp_path):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="number")])
    def serve(number):
        return {"value": tf.strings.to_number(number)}

    with pytest.raises(ValueError, match="warmup example 0 fails in 'serving_default'"):
        export_for_serving(None, tmp_path, "numbers", {"serving_default": serve}, [{"number": ["not a number"]}])
    assert not (tmp_path / "numbers").exists()


def test_more_than_1000_warmup_examples_are_refused(tmp_path):
    module, serve = scale_module()
    examples = [{"features": [[1.0, 2.0, 3.0]]}] * 1001
    with pytest.raises(ValueError, match="at most 1000"):
        export_for_serving(module, tmp_path, "scale", {"serving_default": serve}, examples)


def test_signature_validation(tmp_path):
    module, serve = scale_module()
    with pytest.raises(ValueError, match="serving_default"):
        export_for_serving(module, tmp_path, "scale", {"predict": serve})

    @tf.function
    def no_input_signature(features):
        return {"scaled": features}

    with pytest.raises(ValueError, match="input_signature"):
        export_for_serving(module, tmp_path, "scale", {"serving_default": no_input_signature})

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="features")])
    def unnamed_output(features):
        return features * module.scale

    with pytest.raises(ValueError, match="dict of named tensors"):
        export_for_serving(module, tmp_path, "scale", {"serving_default": unnamed_output})
    for name in ("../escape", "..", "a/b", "/tmp/absolute", "7"):
        with pytest.raises(ValueError, match="model name"):
            export_for_serving(module, tmp_path / "root", name, {"serving_default": serve})
    assert not (tmp_path / "scale").exists() and not (tmp_path / "root").exists()


def test_a_model_folder_linking_outside_the_export_root_is_refused(tmp_path):
    module, serve = scale_module()
    (tmp_path / "root").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "root" / "scale").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "root" / "dangling").symlink_to(tmp_path / "missing", target_is_directory=True)
    for name in ("scale", "dangling"):
        with pytest.raises(
            ValueError,
            match=r"is a symbolic link to .*, outside the export root .*: exports never "
            r"write outside their root",
        ):
            export_for_serving(module, tmp_path / "root", name, {"serving_default": serve})
    assert not any((tmp_path / "elsewhere").iterdir()) and not (tmp_path / "missing").exists()
    (tmp_path / "root" / "inside").mkdir()
    (tmp_path / "root" / "alias").symlink_to(tmp_path / "root" / "inside", target_is_directory=True)
    assert export_for_serving(module, tmp_path / "root", "alias", {"serving_default": serve}).name == "1"
    assert list_versions(tmp_path / "root" / "inside") == [1]


def test_untracked_lookup_table_gets_a_clear_error(tmp_path):
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2], tf.string, tf.int64), default_value=-1
    )

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="word")])
    def serve(word):
        return {"id": table.lookup(word)}

    with pytest.raises(ValueError, match="not reachable from model_or_module"):
        export_for_serving(None, tmp_path, "words", {"serving_default": serve}, [{"word": ["a"]}])
    assert list((tmp_path / "words").iterdir()) == []
    path = export_for_serving(table, tmp_path, "words", {"serving_default": serve}, [{"word": ["a", "zz"]}])
    assert serving.predict(path, {"word": np.array([b"b", b"zz"], dtype=object)})["id"].tolist() == [2, -1]


def test_py_function_export_is_refused(tmp_path):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def serve(x):
        return {"y": tf.py_function(lambda value: value * 2, [x], tf.float32)}

    with pytest.raises(ExportError, match="tf.py_function cannot run in TF Serving") as caught:
        export_for_serving(None, tmp_path, "pyfunc", {"serving_default": serve}, [{"x": [1.0]}])
    assert any("EagerPyFunc" in problem for problem in caught.value.problems)
    assert list((tmp_path / "pyfunc").iterdir()) == []


def test_failed_export_keeps_earlier_versions_and_model_folder(tmp_path):
    module, serve = scale_module()
    export_for_serving(module, tmp_path, "scale", {"serving_default": serve})
    with pytest.raises(ValueError):
        export_for_serving(module, tmp_path, "scale", {"serving_default": serve}, [{"features": [[1.0]]}])
    assert visible_entries(tmp_path / "scale") == ["1"]
    shutil.rmtree(tmp_path / "scale" / "1")
    assert export.next_version(tmp_path / "scale") == 1


def function_ops(concrete_function):
    graph_def = concrete_function.graph.as_graph_def()
    return {node.op for node in graph_def.node} | {
        node.op for function in graph_def.library.function for node in function.node_def
    }


def test_lstm_traced_with_a_gpu_is_exported_without_cudnn(tmp_path, monkeypatch):
    """Keras traces LSTM/GRU as CudnnRNNV3 (GPU kernels only) when it sees a GPU;
    the export must not contain it, or TF Serving's CPU server could not run it."""
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.LSTM(4), keras.layers.Dense(1)])

    @tf.function(input_signature=[tf.TensorSpec([None, 5, 2], tf.float32, name="window")])
    def serve(window):
        return {"next": model(window)[:, 0]}

    list_logical_devices = tf.config.list_logical_devices

    def with_a_gpu(device_type=None):
        if device_type == "GPU":
            return [tf.config.LogicalDevice(name="/device:GPU:0", device_type="GPU")]
        return list_logical_devices(device_type)

    window = np.linspace(-1, 1, 10, dtype=np.float32).reshape(1, 5, 2)
    expected = model(window).numpy()[:, 0]
    monkeypatch.setattr(tf.config, "list_logical_devices", with_a_gpu)
    gpu_trace = serve.get_concrete_function()  # as left by a call during training on a GPU machine
    assert "CudnnRNNV3" in function_ops(gpu_trace)

    path = export_for_serving(model, tmp_path, "lstm", {"serving_default": serve}, [{"window": window}])
    monkeypatch.undo()
    assert model.layers[0].use_cudnn == "auto"  # restored
    report = serving.check_export(path)
    assert report.ok, report.format()
    assert not any(op.startswith("Cudnn") for op in report.ops)
    np.testing.assert_allclose(serving.predict(path, {"window": window})["next"], expected, rtol=1e-5)

    # The GPU trace itself, exported unchecked, is rejected by check_export.
    unchecked = export_for_serving(model, tmp_path, "lstm", {"serving_default": gpu_trace}, verify=False)
    report = serving.check_export(unchecked, load=False)
    assert any("'CudnnRNNV3'" in p and "only has GPU kernels" in p for p in report.problems), report.problems


def test_reloaded_outputs_are_compared_at_the_scale_of_the_tensor():
    from seqapps.export import outputs_match

    original = np.array([3000.0, 0.001], dtype=np.float32)
    assert outputs_match(original + np.array([0.0, 2.44e-4], np.float32), original)
    assert not outputs_match(original + np.array([0.0, 1.0], np.float32), original)
    assert not outputs_match(np.array([0.0011, 0.0], np.float32), np.array([0.001, 0.0], np.float32))
    assert outputs_match(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))


def test_xla_batch_buckets_pads_the_batch_to_a_power_of_two_and_drops_the_padding():
    def rows_and_bucket(inputs):
        return {"doubled": 2.0 * inputs, "bucket": tf.fill([tf.shape(inputs)[0]], tf.shape(inputs)[0])}

    bucketed = export.xla_batch_buckets(rows_and_bucket)
    run = tf.function(bucketed, input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    for batch, bucket in ((0, 1), (1, 1), (3, 4), (4, 4), (5, 8), (1000, 1024)):
        inputs = np.arange(batch * 3, dtype=np.float32).reshape(batch, 3)
        outputs = run(tf.constant(inputs))
        np.testing.assert_array_equal(outputs["doubled"].numpy(), 2.0 * inputs)
        np.testing.assert_array_equal(outputs["bucket"].numpy(), np.full([batch], bucket))


def test_xla_batch_buckets_equals_the_uncompiled_model():
    model = keras.Sequential([keras.Input((6, 2)), keras.layers.GRU(4), keras.layers.Dense(1)])
    inputs = np.random.default_rng(0).normal(size=(3, 6, 2)).astype(np.float32)
    compiled = tf.function(export.xla_batch_buckets(lambda x: model(x, training=False)))
    np.testing.assert_allclose(compiled(tf.constant(inputs)).numpy(), model(inputs).numpy(), atol=1e-6)


def test_an_export_leaves_the_seqapps_messages_printed_once(tmp_path):
    code = (
        "import logging\n"
        "from seqapps import console, export\n"
        "import keras, tensorflow as tf\n"
        "console.configure()\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "spec = [tf.TensorSpec([None, 3], tf.float32, name='x')]\n"
        "serve = tf.function(lambda x: {'y': model(x)}, input_signature=spec)\n"
        "export.export_for_serving(model, sys_argv_1, 'm', {'serving_default': serve}, verify=False)\n"
        "logging.getLogger('seqapps.example').info('printed once')\n"
    ).replace("sys_argv_1", repr(str(tmp_path)))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (result.stdout + result.stderr).count("printed once") == 1
