"""seq2seq_translation/training.py and serving.py: the recipe end to end, its export reloaded in a fresh process."""

import json
import subprocess
import sys

import keras
import pytest
import tensorflow as tf
from translation_helpers import write_pairs

from seqapps import configs
from seqapps.tasks import seq2seq_translation as task
from seqapps.tasks.seq2seq_translation import TranslationConfig, Translator

RELOAD = """
import json, sys
import tensorflow as tf
import tensorflow_text
model = tf.saved_model.load(sys.argv[1])
serve, beam = model.signatures["serving_default"], model.signatures["beam_search"]
results = {}

def run(name, function, **inputs):
    try:
        outputs = function(**inputs)
        results[name] = [text.decode("utf-8") for text in outputs["translation"].numpy()]
    except tf.errors.InvalidArgumentError as error:
        results[name] = "InvalidArgument: " + error.message

cases = {
    "known": ["Yo veo la casa hoy.", "Tomás vende el barco mañana."],
    "empty and whitespace": ["", "   \\n\\t "],
    "unknown words": ["Xilófono zzz quux."],
    "emoji and mixed scripts": ["😀 Ωμέγα 漢字 ça"],
    "invalid UTF-8 and NUL": [b"Yo \\xff\\xfe veo\\x00 la casa"],
    "one megabyte": ["yo veo la casa " * 70_000],
    "batch of 0": [],
    "batch of 1000": ["Yo veo el perro."] * 1000,
    "over 100 words": ["Yo veo la casa y el perro " * 30],
    "mixed batch": ["Yo veo la casa hoy.", "", b"\\xff", "😀"],
}
for name, texts in cases.items():
    run(name, serve, text=tf.constant(texts, tf.string))
run("beam 1", beam, text=tf.constant(cases["known"]), beam_width=tf.constant(1))
run("beam 3", beam, text=tf.constant(cases["known"]), beam_width=tf.constant(3))
run("beam 0", beam, text=tf.constant(["a"]), beam_width=tf.constant(0))
run("beam 17", beam, text=tf.constant(["a"]), beam_width=tf.constant(17))
for name, call in [("wrong dtype", lambda: serve(text=tf.constant([1.0]))),
                   ("wrong rank", lambda: serve(text=tf.constant([["a", "b"]])))]:
    try:
        call()
        results[name] = "no error"
    except (tf.errors.InvalidArgumentError, ValueError, TypeError) as error:
        results[name] = "rejected: " + str(error)[:200]
print(json.dumps(results))
"""


@pytest.mark.large  # trains, exports and serves: about 50 s on 2 cores
def test_recipe_trains_evaluates_exports_and_serves(tmp_path, capsys):
    from seqapps.recipes import seq2seq_translation as recipe

    data = write_pairs(tmp_path / "spa.txt")
    run_dir, export_root = tmp_path / "run", tmp_path / "export"
    assert (
        recipe.main(
            [
                "--data",
                str(data),
                "--quick",
                "--max-pairs",
                "600",
                "--units",
                "16",
                "--embedding-dim",
                "8",
                "--evaluation-pairs",
                "40",
                "--beam-width",
                "3",
                "--run-dir",
                str(run_dir),
                "--export-root",
                str(export_root),
            ]
        )
        == 0
    )
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert set(metrics["metrics"]) == {"greedy", "beam"}
    for values in metrics["metrics"].values():
        assert 0 <= values["bleu"] <= 100 and values["pairs"] == 40
    assert len(metrics["samples"]) == 10
    for name in ("attention.png", "history.png", "vocabulary.json", "translator.weights.h5"):
        assert (run_dir / name).exists(), name
    export_path = export_root / task.MODEL_NAME / "1"

    vocabulary = json.loads((run_dir / "vocabulary.json").read_text())
    config = configs.load_run_config(TranslationConfig, run_dir)  # the settings the run saved
    assert config == configs.with_preset(
        TranslationConfig,
        "quick",
        data=str(data),
        max_pairs=600,
        units=16,
        embedding_dim=8,
        evaluation_pairs=40,
        beam_width=3,
        run_dir=str(run_dir),
        export_root=str(export_root),
    )
    translator = Translator(
        vocabulary["source"],
        vocabulary["target"],
        config.cell,
        config.units,
        config.embedding_dim,
        config.attention,
        config.dropout,
    )
    translator((tf.constant([[2]]), tf.constant([[2]])))
    translator.load_weights(run_dir / "translator.weights.h5")
    known = ["Yo veo la casa hoy.", "Tomás vende el barco mañana."]
    expected_beam = translator.translate(known, "beam", beam_width=3)
    # The validation scores fit logged are those of the whole validation split.
    validation = task.pair_dataset(translator, task.load_pairs(config).validation, config, shuffle=False)
    translator.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        metrics=[task.masked_accuracy],
    )
    loss, accuracy = translator.evaluate(validation, verbose=0)
    history = json.loads((run_dir / "history.json").read_text())
    assert history["val_loss"][-1] == pytest.approx(loss, rel=1e-4)
    assert history["val_masked_accuracy"][-1] == pytest.approx(accuracy, rel=1e-4)

    completed = subprocess.run(
        [sys.executable, "-c", RELOAD, str(export_path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    assert results["known"] == expected_beam
    assert results["beam 3"] == expected_beam
    assert results["beam 1"] == translator.translate(known, "greedy")
    for name in (
        "empty and whitespace",
        "unknown words",
        "emoji and mixed scripts",
        "invalid UTF-8 and NUL",
        "one megabyte",
        "over 100 words",
        "mixed batch",
    ):
        assert isinstance(results[name], list) and all("[" not in text for text in results[name]), name
    assert results["batch of 0"] == [] and len(results["mixed batch"]) == 4
    assert results["mixed batch"][0] == results["known"][0]
    assert len(results["batch of 1000"]) == 1000 and len(set(results["batch of 1000"])) == 1
    for name in ("beam 0", "beam 17"):
        assert results[name].startswith("InvalidArgument") and "beam_width must be in [1, 16]" in results[name]
    assert results["wrong dtype"].startswith("rejected") and results["wrong rank"].startswith("rejected")

    # Scoring the run again without training, from the settings it saved, gives the same scores and a second
    # version; a setting that built the model cannot change then.
    with pytest.raises(SystemExit):
        recipe.main(["--run-dir", str(run_dir), "--evaluate-only", "--units", "32", "--beam-width", "2"])
    error = capsys.readouterr().err
    assert "trained with other settings (units: the run's 16, given 32)" in error and "beam_width" not in error[:200]
    assert recipe.main(["--run-dir", str(run_dir), "--export-root", str(export_root), "--evaluate-only"]) == 0
    again = json.loads((run_dir / "metrics.json").read_text())
    for decoding in ("greedy", "beam"):
        assert again["metrics"][decoding]["bleu"] == pytest.approx(metrics["metrics"][decoding]["bleu"])
    assert again["epochs_trained"] == metrics["epochs_trained"] == 1
    assert (export_root / task.MODEL_NAME / "2" / "saved_model.pb").exists()
