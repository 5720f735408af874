"""seqapps.serving.warmup, through check_export: warmup records are read, matched and replayed."""

import numpy as np
import pytest
import tensorflow as tf
from small_exports import write_warmup

from seqapps import serving
from seqapps.serving_layout import WARMUP_DIRNAME, WARMUP_RELATIVE_PATH


def test_corrupt_warmup_file_is_rejected(words_copy):
    (words_copy / WARMUP_RELATIVE_PATH).write_bytes(b"this is not a TFRecord file at all")
    report = serving.check_export(words_copy)
    assert any("is not a valid TFRecord file" in p for p in report.problems), report.problems


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
    (version_dir / WARMUP_DIRNAME).mkdir()
    write_warmup(version_dir, {"number": np.array([b"twelve"], dtype=object)})
    report = serving.check_export(version_dir)
    assert any("replaying its warmup requests like TF Serving failed" in p for p in report.problems), report.problems
    assert serving.check_export(version_dir, load=False).ok
