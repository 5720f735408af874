"""seqapps.serving: check_export, the op allowlist, serving config, predict and REST bodies."""

import json
import re
import shlex
import shutil

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_text as tf_text
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from seqapps import export, serving
from seqapps.export import export_for_serving


def words_module():
    """Counts known words: a TF Text tokenizer and a lookup table, string input."""
    module = tf.Module()
    module.table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(["good", "bad"], [1, 1], tf.string, tf.int64), default_value=0
    )

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve(text):
        tokens = tf_text.WhitespaceTokenizer().tokenize(tf.strings.lower(text))
        return {"known_words": tf.reduce_sum(module.table.lookup(tokens), axis=1)}

    return module, serve


def pairs_module():
    """Two numeric inputs, no warmup."""
    module = tf.Module()
    module.weight = tf.Variable(2.0)

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, 2], tf.float32, name="window"),
            tf.TensorSpec([None], tf.int32, name="steps"),
        ]
    )
    def serve(window, steps):
        return {"total": tf.reduce_sum(window, axis=1) * module.weight + tf.cast(steps, tf.float32)}

    return module, serve


def py_function_saved_model(directory):
    """A SavedModel whose serving_default uses tf.py_function (written without checks)."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def serve(x):
        return {"y": tf.py_function(lambda value: value * 2, [x], tf.float32)}

    tf.saved_model.save(tf.Module(), str(directory), signatures={"serving_default": serve.get_concrete_function()})


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("serving_root")
    module, serve = words_module()
    export_for_serving(module, root, "words", {"serving_default": serve}, [{"text": ["good film", "Bad bad day"]}])
    module, serve = pairs_module()
    export_for_serving(module, root, "pairs", {"serving_default": serve})
    (root / "not_a_model").mkdir()
    (root / "README.txt").write_text("not a model either")
    return root


@pytest.fixture
def words_copy(root, tmp_path):
    """A private copy of words/1, to break."""
    copy = tmp_path / "words" / "1"
    shutil.copytree(root / "words" / "1", copy)
    return copy


def edit_saved_model(version_dir, edit):
    saved_model = serving.read_saved_model(version_dir)
    edit(saved_model)
    (version_dir / "saved_model.pb").write_bytes(saved_model.SerializeToString())


def test_op_sets_come_from_the_registries():
    core, text, accelerator_only = serving.serving_op_sets()
    assert len(core) > 1000 and {"MatMul", "StringSplitV2", "LookupTableFindV2"} <= core
    assert {"NormalizeUTF8", "WhitespaceTokenizeWithOffsets", "WordpieceTokenizeWithOffsets"} <= text
    assert not core & text
    # Registered by core TensorFlow, rejected explicitly by check_export.
    assert set(serving.PYTHON_CALLBACK_OPS) <= core
    assert accelerator_only["CudnnRNNV3"] == ["GPU"] and "MatMul" not in accelerator_only
    assert serving.serving_op_sets() is serving.serving_op_sets()


def test_good_export_passes(root):
    report = serving.check_export(root / "words")  # a model folder means its latest version
    assert report.ok, report.format()
    assert report.path == root / "words" / "1"
    assert report.text_ops and report.text_ops <= serving.serving_op_sets().text
    assert report.warmup_records == 1 and report.warmup_replayed
    assert report.warmup_outputs[0]["known_words"].tolist() == [1, 2]
    assert "OK: ready for TF Serving" in report.format()
    pairs = serving.check_export(root / "pairs" / "1")
    assert pairs.ok and any("no assets.extra/tf_serving_warmup_requests" in w for w in pairs.warnings)


def test_py_function_is_rejected_in_library_functions(tmp_path):
    py_function_saved_model(tmp_path / "pyfunc" / "1")
    report = serving.check_export(tmp_path / "pyfunc")
    assert not report.ok
    [problem] = [p for p in report.problems if "EagerPyFunc" in p]
    assert "tf.py_function cannot run in TF Serving" in problem
    assert "function __inference" in problem  # found inside the function library, not the top graph
    assert "FAILED" in report.format()


def test_unknown_op_is_rejected(words_copy):
    def rename_an_op(saved_model):
        for function in saved_model.meta_graphs[0].graph_def.library.function:
            for node in function.node_def:
                if node.op == "StringLower":
                    node.op = "MyCustomStringLower"
                    return

    edit_saved_model(words_copy, rename_an_op)
    report = serving.check_export(words_copy, load=False)
    assert any(
        "'MyCustomStringLower'" in p and "neither a core TensorFlow op nor a TensorFlow Text op" in p
        for p in report.problems
    ), report.problems


def test_layout_problems(root, tmp_path):
    not_a_version = tmp_path / "words" / "latest"
    shutil.copytree(root / "words" / "1", not_a_version)
    report = serving.check_export(not_a_version, load=False)
    assert any("is not an integer" in p for p in report.problems)

    (tmp_path / "words" / "2").mkdir()  # latest version, but empty
    (tmp_path / "words" / ".tmp-3-abcd").mkdir()
    report = serving.check_export(tmp_path / "words", load=False)
    assert report.path == tmp_path / "words" / "2"
    assert any("no saved_model.pb" in p for p in report.problems)

    report = serving.check_export(tmp_path / "missing")
    assert report.problems == [f"{tmp_path / 'missing'} does not exist"]


def test_leftover_temporary_folder_is_a_warning(words_copy):
    (words_copy.parent / ".tmp-2-abcd").mkdir()
    report = serving.check_export(words_copy, load=False)
    assert report.ok and any(".tmp-2-abcd" in w for w in report.warnings)


def test_missing_serving_default_and_unnamed_outputs(tmp_path):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def double(x):
        return x * 2

    tf.saved_model.save(tf.Module(), str(tmp_path / "m" / "1"), signatures={"double": double.get_concrete_function()})
    report = serving.check_export(tmp_path / "m" / "1", load=False)
    assert any("no 'serving_default' signature" in p for p in report.problems)
    assert any("'output_0' has an automatic name" in w for w in report.warnings)


def test_wrong_tag_set_is_rejected(words_copy):
    def retag(saved_model):
        del saved_model.meta_graphs[0].meta_info_def.tags[:]
        saved_model.meta_graphs[0].meta_info_def.tags.append("train")

    edit_saved_model(words_copy, retag)
    report = serving.check_export(words_copy)
    assert len(report.problems) == 1 and "tag set {'serve'}" in report.problems[0]


def test_missing_variables_are_reported(words_copy):
    (words_copy / "variables" / "variables.data-00000-of-00001").unlink()
    report = serving.check_export(words_copy, load=False)
    assert "variables/variables.data-00000-of-00001 is missing" in report.problems


def test_corrupt_warmup_file_is_rejected(words_copy):
    (words_copy / export.WARMUP_RELATIVE_PATH).write_bytes(b"this is not a TFRecord file at all")
    report = serving.check_export(words_copy)
    assert any("is not a valid TFRecord file" in p for p in report.problems), report.problems


def write_warmup(version_dir, inputs, signature_name="serving_default"):
    log = export.make_prediction_log("words", inputs, signature_name)
    with tf.io.TFRecordWriter(str(version_dir / export.WARMUP_RELATIVE_PATH)) as writer:
        writer.write(log.SerializeToString())


@pytest.mark.parametrize(
    "inputs, signature_name, message",
    [
        ({"sentence": np.array([b"good"], dtype=object)}, "serving_default", "do not match the inputs"),
        ({"text": np.array([1.0], dtype=np.float32)}, "serving_default", "is float32, the signature expects string"),
        ({"text": np.array([[b"good"]], dtype=object)}, "serving_default", "has shape [1, 1]"),
        ({"text": np.array([b"good"], dtype=object)}, "classify", "names signature 'classify'"),
    ],
)
def test_warmup_requests_must_match_the_signature(words_copy, inputs, signature_name, message):
    write_warmup(words_copy, inputs, signature_name)
    report = serving.check_export(words_copy)
    assert any(message in p for p in report.problems), report.problems


def test_warmup_replay_failure_is_reported(words_copy, tmp_path):
    # A warmup request that parses and matches, but fails when run: TF Serving
    # would refuse to load the version.
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="number")])
    def serve(number):
        return {"value": tf.strings.to_number(number)}

    version_dir = tmp_path / "numbers" / "1"
    tf.saved_model.save(tf.Module(), str(version_dir), signatures={"serving_default": serve.get_concrete_function()})
    (version_dir / export.WARMUP_DIRNAME).mkdir()
    write_warmup(version_dir, {"number": np.array([b"twelve"], dtype=object)})
    report = serving.check_export(version_dir)
    assert any("replaying its warmup requests like TF Serving failed" in p for p in report.problems), report.problems
    assert serving.check_export(version_dir, load=False).ok


def test_serving_config(root):
    config = serving.write_serving_config(root)
    assert config.config_path == root / "models.config"
    host = text_format.Parse(config.config_path.read_text(), model_server_config_pb2.ModelServerConfig())
    models = {model.name: model for model in host.model_config_list.config}
    assert sorted(models) == ["pairs", "words"]  # not_a_model has no versions
    assert models["words"].base_path == str(root.resolve() / "words")
    assert all(model.model_platform == "tensorflow" for model in models.values())
    docker = text_format.Parse(config.docker_config_path.read_text(), model_server_config_pb2.ModelServerConfig())
    assert {model.base_path for model in docker.model_config_list.config} == {"/models/pairs", "/models/words"}

    commands = config.commands().splitlines()
    assert f"tensorflow_model_server --port=8500 --rest_api_port=8501 --model_config_file={root}/models.config" in commands
    assert (
        f"docker run --rm -p 8500:8500 -p 8501:8501 -v {root}:/models tensorflow/serving "
        f"--model_config_file=/models/models.docker.config"
    ) in commands
    curls = {line.split("/v1/models/")[1]: shlex.split(line) for line in commands if line.startswith("curl ")}
    assert set(curls) == {"words:predict", "pairs:predict"}
    words = curls["words:predict"]
    assert words[:2] == ["curl", "-d"] and words[3:] == ["-X", "POST", "http://localhost:8501/v1/models/words:predict"]
    assert json.loads(words[2]) == {"signature_name": "serving_default", "instances": ["good film", "Bad bad day"]}
    assert json.loads(curls["pairs:predict"][2]) == {
        "signature_name": "serving_default",
        "instances": [{"steps": 0, "window": [0.0, 0.0]}],
    }


def test_serving_config_output_option_and_empty_root(root, tmp_path):
    config = serving.write_serving_config(root, output=root / "configs" / "production.config")
    assert config.config_path == root.resolve() / "configs" / "production.config" and config.config_path.is_file()
    (tmp_path / "empty").mkdir()
    with pytest.raises(serving.ServingError, match="no models under"):
        serving.write_serving_config(tmp_path / "empty")


def test_serving_config_output_stays_inside_the_export_root(root, tmp_path, monkeypatch):
    (tmp_path / "outside").mkdir()
    (root / "link_outside").symlink_to(tmp_path / "outside", target_is_directory=True)
    monkeypatch.chdir(root)
    before = {path: path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()}
    resolved = root.resolve()
    for output, message in [
        (tmp_path / "outside" / "models.config", f"is outside the export root {resolved}: write the config inside it"),
        ("../escape.config", f"{resolved.parent / 'escape.config'} is outside the export root"),
        (root / "link_outside" / "models.config", "is outside the export root"),
        (root / "words" / "models.config", f"is inside the model folder {resolved / 'words'}, which TF Serving reads"),
        (root / "words" / "1" / "saved_model.pb", "is inside the model folder"),
        (root / "not_a_model", "is a folder: name a file"),
        (root, "is a folder: name a file"),
        (root / "models.docker.config", "is where the Docker config goes"),
    ]:
        with pytest.raises(serving.ServingError, match=re.escape(message)):
            serving.write_serving_config(root, output=output)
    assert not any((tmp_path / "outside").iterdir()) and not (resolved.parent / "escape.config").exists()
    assert {path: path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()} == before
    (root / "link_outside").unlink()


def test_predict_in_process(root):
    outputs = serving.predict(root / "words", {"text": np.array([b"GOOD good bad", b"nothing"], dtype=object)})
    assert outputs["known_words"].tolist() == [3, 0]


def test_parse_inputs_and_rest_bodies_round_trip(root):
    _, words = serving.read_signature(root / "words")
    inputs = serving.parse_inputs(words, ["good film", "it's bad"])
    assert inputs["text"].tolist() == [b"good film", b"it's bad"]
    body = serving.rest_request_body("serving_default", inputs)
    assert body == {"signature_name": "serving_default", "instances": ["good film", "it's bad"]}
    for text in (json.dumps(body), json.dumps(body["instances"]), '{"text": ["good film", "it\'s bad"]}'):
        assert serving.parse_inputs(words, json_text=text)["text"].tolist() == inputs["text"].tolist()

    _, pairs = serving.read_signature(root / "pairs")
    inputs = serving.parse_inputs(pairs, json_text='{"window": [[1, 2], [3, 4]], "steps": [1, 2]}')
    assert inputs["window"].dtype == np.float32 and inputs["steps"].dtype == np.int32
    body = serving.rest_request_body("serving_default", inputs)
    assert body["instances"] == [{"window": [1.0, 2.0], "steps": 1}, {"window": [3.0, 4.0], "steps": 2}]
    again = serving.parse_inputs(pairs, json_text=json.dumps(body))
    assert again["window"].tolist() == inputs["window"].tolist() and again["steps"].tolist() == [1, 2]
    assert serving.predict(root / "pairs", inputs)["total"].tolist() == [7.0, 16.0]


def test_parse_inputs_errors(root):
    _, words = serving.read_signature(root / "words")
    _, pairs = serving.read_signature(root / "pairs")
    with pytest.raises(serving.ServingError, match="has 2 inputs"):
        serving.parse_inputs(pairs, ["[1, 2]"])
    with pytest.raises(serving.ServingError, match="not both"):
        serving.parse_inputs(words, ["a"], json_text='{"text": ["a"]}')
    with pytest.raises(serving.ServingError, match="expects"):
        serving.parse_inputs(pairs, json_text='{"window": [[1, 2, 3]], "steps": [1]}')
    with pytest.raises(serving.ServingError, match="takes"):
        serving.parse_inputs(pairs, json_text='{"window": [[1, 2]]}')


def test_binary_strings_use_b64_like_tf_serving():
    assert serving.to_json(np.array([b"caf\xc3\xa9", b"\xff\x00"], dtype=object)) == ["café", {"b64": "/wA="}]
    spec = serving.TensorSpecInfo(name="data", dtype="string", shape=[-1], tensor_name="data:0")
    signature = {"inputs": [spec], "outputs": [], "method": "tensorflow/serving/predict"}
    assert serving.parse_inputs(signature, json_text='[{"b64": "/wA="}]')["data"].tolist() == [b"\xff\x00"]


def test_resolve_version_dir(root, tmp_path):
    assert serving.resolve_version_dir(root / "words") == root / "words" / "1"
    assert serving.resolve_version_dir(root / "words" / "1") == root / "words" / "1"
    with pytest.raises(serving.ServingError, match="neither a SavedModel version folder"):
        serving.resolve_version_dir(root / "not_a_model")
    with pytest.raises(serving.ServingError, match="not a folder"):
        serving.resolve_version_dir(root / "README.txt")


def test_numeric_values_are_parsed_as_json():
    spec = serving.TensorSpecInfo(name="features", dtype="float32", shape=[-1, 3], tensor_name="features:0")
    signature = {"inputs": [spec], "outputs": [], "method": "tensorflow/serving/predict"}
    features = serving.parse_inputs(signature, ["[1, 2, 3]", "[-4, 5.5, 6]"])["features"]
    assert features.dtype == np.float32 and features.tolist() == [[1, 2, 3], [-4, 5.5, 6]]
    with pytest.raises(serving.ServingError, match="must be JSON"):
        serving.parse_inputs(signature, ["1, 2, 3"])
    with pytest.raises(serving.ServingError, match="expects"):
        serving.parse_inputs(signature, ["[1, 2]"])


def test_signature_tensor_missing_from_the_graph(words_copy):
    def break_output(saved_model):
        saved_model.meta_graphs[0].signature_def["serving_default"].outputs["known_words"].name = "Nowhere:0"

    edit_saved_model(words_copy, break_output)
    report = serving.check_export(words_copy, load=False)
    assert any("'Nowhere:0', which is not in the graph" in p for p in report.problems), report.problems
