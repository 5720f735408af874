"""benchmarks/inference.py on a tiny export: it finds the newest version and times it in a fresh process."""

import pytest
import tensorflow as tf

from benchmarks import inference
from seqapps.export import export_for_serving


@pytest.mark.large  # exports twice, each checked in a fresh process: about 27 s on 2 cores
def test_newest_version_is_measured(tmp_path):
    module = tf.Module()
    module.scale = tf.Variable([1.0, 2.0])

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="features")])
    def serve(features):
        return {"scaled": features * module.scale}

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="features")])
    def doubled(features):
        return {"scaled": 2.0 * features * module.scale}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="other")])
    def other(other):
        return {"same": other}

    signatures = {"serving_default": serve, "doubled": doubled, "other": other}
    for _ in range(2):
        export_for_serving(module, tmp_path, "scaler", signatures, warmup_examples=[{"features": [[1.0, 2.0]]}])
    found = inference.newest_versions([tmp_path, tmp_path / "missing"])
    assert found == {f"{tmp_path}/scaler": tmp_path / "scaler" / "2"}
    record = inference.measure(found[f"{tmp_path}/scaler"], calls=5, warmup=1, repeats=2)
    assert record["inputs"] == {"features": "float32[2]"}
    assert set(record["signatures"]) == {"serving_default", "doubled"}  # "other" takes other inputs
    for timing in record["signatures"].values():
        assert 0 < timing["p50_ms"] <= timing["p99_ms"]
        assert timing["batch_64_per_second"] > 0
    given = inference.measure(
        found[f"{tmp_path}/scaler"], calls=2, warmup=1, repeats=1, inputs={"features": [[3.0, 4.0]]}
    )
    assert given["inputs"] == {"features": "float32[2]"} and set(given["signatures"]) == {"serving_default", "doubled"}
    text = inference.body(
        {
            "calls": 5,
            "warmup": 1,
            "repeats": 2,
            "models": {"scaler": {"version": "2", **record}, "broken": {"error": "no warmup"}},
        }
    )
    assert "| scaler (2) | serving_default |" in text and "| scaler (2) | doubled |" in text
    assert "not measured: no warmup" in text
