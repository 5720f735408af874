"""The text-classification task end to end on a tiny three-class dataset in Chinese, Russian and Hindi."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from seqapps import cli, text
from seqapps.tasks import text_classification
from seqapps.tasks.text_classification import TextClassificationConfig

# Three classes, each with its own words in three scripts; the sentences around them are shared.
WORDS = {
    "animals": ["猫", "собака", "बिल्ली"],
    "food": ["米饭", "хлеб", "रोटी"],
    "weather": ["下雨", "снег", "बारिश"],
}
FRAMES = ["我看见{}了", "Я вижу {} сегодня", "मैं {} देखता हूँ", "{}!", "今天{}很好"]
SENTENCES = [
    (frame.format(word), label) for label, words in WORDS.items() for word in words for frame in FRAMES
]  # 45 examples, 15 per class


def _write_csv(path, rows):
    lines = ["id,text,label"] + [f'{index},"{sentence}",{label}' for index, (sentence, label) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _config(tmp_path, **overrides):
    arguments = dict(
        data=str(_write_csv(tmp_path / "train.csv", SENTENCES * 2)),
        test_data=str(_write_csv(tmp_path / "test.csv", SENTENCES)),
        validation_fraction=0.2,
        cell="gru",
        units=4,
        embedding_dim=8,
        max_tokens=16,
        vocab_size=200,
        epochs=6,
        patience=6,
        batch_size=8,
        learning_rate=0.05,
        baseline_epochs=2,
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "export"),
        verbose=0,
    )
    return TextClassificationConfig(**{**arguments, **overrides})


def test_any_script_tokens():
    tokens = [
        value.decode().split(" ")
        for value in text.standardize_any_script(["我喜欢这部电影。", "ПРИВЕТ Мир", "हिन्दी"]).numpy()
    ]
    chinese, russian, hindi = tokens
    assert len(chinese) == 8 and chinese[0] == "我" and chinese[-1] == "。"  # one token per character
    assert russian == ["привет", "мир"]  # Cyrillic kept, lower-cased
    assert hindi == ["हिन्दी"]  # combining vowel signs and virama stay in the word


RELOAD = """
import json, sys
import tensorflow as tf
import tensorflow_text  # registers the TF Text ops the graph uses
signatures = tf.saved_model.load(sys.argv[1]).signatures
texts = json.loads(sys.argv[2])
results = {}
for name in ("serving_default", "serving_xla"):
    for size in (2, len(texts)):
        out = signatures[name](text=tf.constant(texts[:size]))
        results[f"{name} {size}"] = {key: value.numpy().tolist() for key, value in out.items()}
        results[f"{name} {size}"]["label"] = [label.decode() for label in out["label"].numpy()]
        results[f"{name} {size}"]["classes"] = [[c.decode() for c in row] for row in out["classes"].numpy()]
print(json.dumps(results, ensure_ascii=False))
"""


@pytest.mark.large  # trains, exports and serves in a fresh process: 17-32 s on 2 shared cores
def test_three_classes_in_three_scripts_train_evaluate_export_and_serve(tmp_path, caplog):
    caplog.set_level("INFO", logger="seqapps")
    result = text_classification.train(_config(tmp_path))
    assert result.class_names == ("animals", "food", "weather")
    assert result.test_accuracy >= 0.9 and result.test_macro_f1 >= 0.85  # the same sentences as training
    assert result.export_path == tmp_path / "export" / "text_classification" / "1"
    metrics = json.loads((result.run_dir / "metrics.json").read_text())
    assert metrics["classes"] == list(result.class_names)
    assert [row["class"] for row in metrics["model"]["per_class"]] == list(result.class_names)
    assert sum(row["support"] for row in metrics["model"]["per_class"]) == len(SENTENCES)
    assert np.sum(metrics["model"]["confusion_matrix"]) == len(SENTENCES)
    assert metrics["baseline"]["accuracy"] == result.baseline_test_accuracy
    assert (result.run_dir / "confusion_matrix.png").stat().st_size > 0
    assert json.loads((result.run_dir / "classes.json").read_text()) == list(result.class_names)
    assert "| model | test accuracy | test macro-F1 |" in caplog.text and "| weather | 15 |" in caplog.text

    import keras

    probe = [sentence for sentence, _ in SENTENCES[::4]]
    text_model = keras.saving.load_model(result.run_dir / "model.keras", safe_mode=True)
    expected = np.asarray(text_model(np.array(probe, dtype=object)))
    assert expected.shape == (len(probe), 3)
    completed = subprocess.run(
        [sys.executable, "-c", RELOAD, str(result.export_path), json.dumps(probe)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    served = json.loads(completed.stdout.strip().splitlines()[-1])
    for name, outputs in served.items():
        size = len(outputs["label"])
        assert set(outputs) == {"label", "probabilities", "classes"}, name
        np.testing.assert_allclose(outputs["probabilities"], expected[:size], atol=1e-5, err_msg=name)
        assert outputs["classes"] == [list(result.class_names)] * size
        assert outputs["label"] == [result.class_names[row] for row in np.argmax(expected[:size], axis=1)]
    assert len(served["serving_default 2"]["label"]) == 2 and len(served[f"serving_default {len(probe)}"]["label"]) > 2


def test_two_classes_also_serve_the_probability_of_the_second():
    config = TextClassificationConfig(data="unused.csv", units=3, embedding_dim=4, max_tokens=8, vocab_size=10)
    vectorizer = text_classification.make_vectorizer(["", "[UNK]", "good", "bad"], 8)
    model = text_classification.build_model(config, classes=2)
    serve = text_classification.serving_functions(vectorizer, model, ("neg", "pos"))["serving_default"]
    outputs = serve(np.array(["good", "bad film", ""], dtype=object))
    assert set(outputs) == {"label", "probabilities", "classes", "probability"}
    probability = outputs["probability"].numpy()
    np.testing.assert_allclose(outputs["probabilities"].numpy(), np.stack([1 - probability, probability], 1))
    assert [label.decode() for label in outputs["label"].numpy()] == ["pos" if p >= 0.5 else "neg" for p in probability]
    three = text_classification.build_model(config, classes=3)
    with pytest.raises(ValueError, match="`probability` output is for two classes"):
        text_classification.serving_functions(vectorizer, three, ("a", "b", "c"), ("label", "probability"))


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        ({"data": "x.csv", "validation_fraction": 1.0}, "--validation-fraction"),
        ({"data": "x.csv", "validation_fraction": 0.5, "test_fraction": 0.5}, "--test-fraction must be less"),
        ({"dataset": "imdb", "test_data": "t.csv"}, "--test-data does not apply to --dataset imdb"),
        ({"dataset": "yelp"}, "Unknown --dataset 'yelp'"),
        ({"data": "x.csv", "units": 0}, "units"),
    ],
)
def test_bad_config_names_the_flag(arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        TextClassificationConfig(**arguments)


def test_data_or_dataset_is_required():
    with pytest.raises(ValueError, match="--data is required"):
        text_classification.load_texts(TextClassificationConfig())


def test_recipe_reports_a_data_error_as_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the recipe's default run folder is relative
    path = tmp_path / "data.csv"
    path.write_bytes(b"PAR1" + bytes(64))
    assert cli.main(["train", "text_classification", "--data", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "is a Parquet file, not a CSV text file" in error
    assert len(error.strip().splitlines()) == 1


def test_recipe_imdb_preset_and_flags(monkeypatch):
    from seqapps.recipes import text_classification as recipe

    resolved = []
    monkeypatch.setattr(recipe, "train", lambda config, strategy=None: resolved.append(config))
    assert recipe.main(["--dataset", "imdb", "--quick", "--run-dir", "runs/x"]) == 0
    assert resolved == [
        TextClassificationConfig(dataset="imdb", run_dir="runs/x", **TextClassificationConfig.PRESETS["quick"])
    ]
    arguments = ["--data", "d.tsv", "--test-data", "t.tsv", "--text-column", "body", "--label-column", "topic"]
    assert recipe.main(arguments) == 0
    assert (resolved[1].test_data, resolved[1].text_column, resolved[1].label_column) == ("t.tsv", "body", "topic")
