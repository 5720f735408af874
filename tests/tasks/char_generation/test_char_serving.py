"""char_generation/serving.py: a trained and exported generator's signatures, reloaded in a fresh process."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
from char_generation_helpers import TEXT, small_config

from seqapps import configs
from seqapps.layers.char_vocabulary import CharVocabulary
from seqapps.tasks import char_generation as task
from seqapps.tasks.char_generation import CharGenerator

RELOAD = """
import json, sys
import tensorflow as tf
model = tf.saved_model.load(sys.argv[1])
serve, step = model.signatures["serving_default"], model.signatures["step"]
size = int(sys.argv[2])
results = {}

def run(name, function, **inputs):
    try:
        outputs = function(**{key: tf.constant(value) for key, value in inputs.items()})
        results[name] = {key: value.numpy().tolist() if value.dtype != tf.string else
                         [text.decode("utf-8") for text in value.numpy()] for key, value in outputs.items()}
    except tf.errors.InvalidArgumentError as error:
        results[name] = "InvalidArgument: " + error.message

cases = {
    "near greedy": (["ROMEO 1: O, ", "ROMEO 1: O, "], [12, 5], [1e-4, 1e-4]),
    "empty and whitespace": (["", "   \\n\\t"], [6, 6], [1.0, 1.0]),
    "emoji, mixed scripts, unknown": (["😀 Ωμέγα 漢字 ça", "zzz"], [6, 6], [0.8, 0.8]),
    "invalid UTF-8 and NUL": ([b"\\xff\\xfeRO\\x00MEO"], [6], [1.0]),
    "one megabyte": (["ROMEO " * 180_000], [6], [1.0]),
    "batch of 0": ([], [], []),
    "batch of 1000": (["ROMEO"] * 1000, [2] * 1000, [1.0] * 1000),
    "length 0": (["a"], [0], [1.0]),
    "negative length": (["a"], [-5], [1.0]),
    "huge length": (["a"], [2_000_000_000], [1.0]),
    "temperature 0": (["a"], [3], [0.0]),
    "NaN temperature": (["a"], [3], [float("nan")]),
    "infinite temperature": (["a"], [3], [float("inf")]),
    "batch mismatch": (["a", "b"], [3], [1.0, 1.0]),
}
for name, (prompt, length, temperature) in cases.items():
    run(name, serve, prompt=tf.constant(prompt, tf.string), length=tf.constant(length, tf.int32),
        temperature=tf.constant(temperature, tf.float32))
zeros = [[0.0] * size] * 2
run("step", step, text=["ROMEO", "b"], state=zeros, temperature=[1.0, 1.0])
run("step empty text", step, text=["", "b"], state=zeros, temperature=[1.0, 1.0])
run("step NaN state", step, text=["a"], state=[[float("nan")] * size], temperature=[1.0])
try:
    step(text=tf.constant(["a"]), state=tf.zeros([1, size + 1]), temperature=tf.constant([1.0]))
    results["step wrong state width"] = "no error"
except (tf.errors.InvalidArgumentError, ValueError, TypeError) as error:
    results["step wrong state width"] = "rejected: " + str(error)[:200]
print(json.dumps(results))
"""


@pytest.mark.large  # trains, exports and serves: about 20 s on 2 cores
def test_train_evaluate_export_and_serve(tmp_path, caplog):
    config = small_config(
        tmp_path,
        cell="lstm",
        epochs=2,
        prompt="ROMEO 1: O, ",
        sample_length=15,
        time_budget_minutes=60,
        ema_momentum=0.9,
    )
    caplog.set_level("INFO", logger="seqapps")
    result = task.train(config)
    printed = caplog.messages
    assert result.epochs_trained == 2
    assert 0 < result.metrics["test"]["nats_per_character"] < np.log(CharVocabulary.from_text(TEXT).size)
    assert result.metrics["test"]["bits_per_character"] == pytest.approx(
        result.metrics["test"]["nats_per_character"] / np.log(2)
    )
    assert sum("sample after epoch" in line for line in printed) == 2
    assert any("test:" in line and "bits/char" in line for line in printed)
    assert "Training: 2 epoch(s)" in caplog.text
    for name in ("history.png", "history.json", "metrics.json", "vocabulary.json", "model.keras"):
        assert (result.run_dir / name).exists(), name
    assert configs.load_run_config(task.CharGenerationConfig, result.run_dir) == config
    assert result.export_path == tmp_path / "export" / task.MODEL_NAME / "1"

    vocabulary = CharVocabulary(json.loads((result.run_dir / "vocabulary.json").read_text())["characters"])
    generator = CharGenerator(config, vocabulary)
    reloaded = keras.saving.load_model(result.run_dir / "model.keras", safe_mode=True)
    assert reloaded.optimizer.use_ema and reloaded.optimizer.ema_momentum == 0.9
    generator.copy_weights_from(reloaded)
    expected = generator.generate(["ROMEO 1: O, "] * 2, length=12, greedy=True)

    completed = subprocess.run(
        [sys.executable, "-c", RELOAD, str(result.export_path), str(generator.state_size)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    assert results["near greedy"]["text"] == [expected[0], expected[1][:5]]
    for name in ("empty and whitespace", "emoji, mixed scripts, unknown", "invalid UTF-8 and NUL", "one megabyte"):
        assert [len(text) for text in results[name]["text"]] == [6] * len(results[name]["text"]), name
    assert results["batch of 0"]["text"] == []
    assert len(results["batch of 1000"]["text"]) == 1000
    for name, fragment in [
        ("length 0", "length must be in [1, 10000]"),
        ("negative length", "length must be"),
        ("huge length", "length must be"),
        ("temperature 0", "temperature must be a positive"),
        ("NaN temperature", "temperature must be"),
        ("infinite temperature", "temperature must"),
        ("batch mismatch", "one value per prompt"),
        ("step empty text", "at least one character"),
        ("step NaN state", "state holds NaN"),
    ]:
        assert results[name].startswith("InvalidArgument") and fragment in results[name], (name, results[name])
    assert results["step wrong state width"] != "no error"
    assert len(results["step"]["next_character"]) == 2
    assert np.all(np.isfinite(results["step"]["state"])) and np.shape(results["step"]["state"]) == (
        2,
        generator.state_size,
    )
