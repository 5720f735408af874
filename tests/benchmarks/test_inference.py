"""benchmarks/inference.py on a tiny export: it finds the newest version and times it in a fresh process."""

import tensorflow as tf

from benchmarks import inference
from seqapps.export import export_for_serving


def test_newest_version_is_measured(tmp_path):
    module = tf.Module()
    module.scale = tf.Variable([1.0, 2.0])

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="features")])
    def serve(features):
        return {"scaled": features * module.scale}

    for _ in range(2):
        export_for_serving(module, tmp_path, "scaler", {"serving_default": serve},
                           warmup_examples=[{"features": [[1.0, 2.0]]}])
    found = inference.newest_versions([tmp_path, tmp_path / "missing"])
    assert found == {f"{tmp_path}/scaler": tmp_path / "scaler" / "2"}
    record = inference.measure(found[f"{tmp_path}/scaler"], calls=5, warmup=1, repeats=2)
    assert record["inputs"] == {"features": "float32[2]"}
    assert 0 < record["p50_ms"] <= record["p99_ms"]
    assert record["batch_64_per_second"] > 0
    text = inference.body({"calls": 5, "warmup": 1, "repeats": 2,
                           "models": {"scaler": {"version": "2", **record}, "broken": {"error": "no warmup"}}})
    assert "| scaler (2) |" in text and "not measured: no warmup" in text
