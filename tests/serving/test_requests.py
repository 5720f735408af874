"""seqapps.serving.requests: parsing inputs, REST bodies, JSON and predict in-process."""

import json

import numpy as np
import pytest

from seqapps import serving


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


def test_numeric_values_are_parsed_as_json():
    spec = serving.TensorSpecInfo(name="features", dtype="float32", shape=[-1, 3], tensor_name="features:0")
    signature = {"inputs": [spec], "outputs": [], "method": "tensorflow/serving/predict"}
    features = serving.parse_inputs(signature, ["[1, 2, 3]", "[-4, 5.5, 6]"])["features"]
    assert features.dtype == np.float32 and features.tolist() == [[1, 2, 3], [-4, 5.5, 6]]
    with pytest.raises(serving.ServingError, match="must be JSON"):
        serving.parse_inputs(signature, ["1, 2, 3"])
    with pytest.raises(serving.ServingError, match="expects"):
        serving.parse_inputs(signature, ["[1, 2]"])
