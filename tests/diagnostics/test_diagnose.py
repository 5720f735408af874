import csv
import json
import os

import keras
import matplotlib.image
import numpy as np
import pytest

from seqapps import cli, layers
from seqapps.diagnostics import diagnose

PLOTS = ("gradient_flow.png", "hidden_states.png", "jacobian_spectrum.png")


def _save_token_model(path):
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(20, 4, mask_zero=True),
            layers.recurrent("lstm", 5, return_sequences=True),
            layers.recurrent("gru", 3, bidirectional=True),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.save(path)
    return path


def _files_under(folder):
    return {os.path.join(root, name) for root, _, names in os.walk(folder) for name in names}


def _assert_plots(out):
    for name in PLOTS:
        image = matplotlib.image.imread(out / name)
        assert image.ndim == 3 and image.shape[0] > 100 and image.std() > 0


def test_diagnose_a_saved_model_with_random_inputs(tmp_path, capsys):
    model_path = _save_token_model(tmp_path / "model.keras")
    before = _files_under(tmp_path)
    out = tmp_path / "plots"
    assert cli.main(["diagnose", str(model_path), "--out", str(out), "--examples", "2", "--timesteps", "6"]) == 0

    _assert_plots(out)
    rows = list(csv.DictReader(open(out / "gradient_flow.csv", encoding="utf-8")))
    assert {row["layer"] for row in rows} == {"rnn", "bidirectional/forward_rnn_1", "bidirectional/backward_rnn_1"}
    assert len(rows) == 3 * 6
    assert all(path.startswith(str(out)) for path in _files_under(tmp_path) - before)
    assert f"Wrote {out / 'gradient_flow.png'}" in capsys.readouterr().out


def test_recipe_name_resolves_to_its_saved_model(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.makedirs("runs/tiny_recipe")
    _save_token_model("runs/tiny_recipe/model.keras")
    np.save("tokens.npy", np.array([[1, 2, 3, 0], [4, 5, 6, 0]]))
    assert cli.main(["diagnose", "tiny_recipe", "--out", "out", "--inputs", "tokens.npy"]) == 0
    _assert_plots(tmp_path / "out")
    rows = csv.DictReader(open("out/gradient_flow.csv", encoding="utf-8"))
    norms = [float(row["gradient_norm"]) for row in rows if row["layer"] == "rnn"]
    assert norms[3] == 0 < norms[2]


def test_an_ensemble_recipe_resolves_to_its_first_member_and_a_missing_model_is_explained(tmp_path):
    runs = tmp_path / "runs"
    with pytest.raises(FileNotFoundError, match="nor a recipe with a trained model .*member_1.*run the recipe first"):
        diagnose.resolve_model_path("char_generation", runs_dir=runs)
    (runs / "char_generation" / "member_1").mkdir(parents=True)
    (runs / "char_generation" / "member_1" / "model.keras").write_bytes(b"")
    assert diagnose.resolve_model_path("char_generation", runs_dir=runs) == str(
        runs / "char_generation" / "member_1" / "model.keras"
    )
    single = runs / "char_generation" / "model.keras"
    single.write_bytes(b"")
    assert diagnose.resolve_model_path("char_generation", runs_dir=runs) == str(single)
    # The run's saved settings say which is current: an ensemble's first member, not an earlier single model.
    (runs / "char_generation" / "config.json").write_text(json.dumps({"ensemble": 2}))
    assert diagnose.resolve_model_path("char_generation", runs_dir=runs) == str(
        runs / "char_generation" / "member_1" / "model.keras"
    )
    (runs / "char_generation" / "config.json").write_text(json.dumps({"ensemble": 1}))
    assert diagnose.resolve_model_path("char_generation", runs_dir=runs) == str(single)


def test_string_model_needs_an_inputs_file(tmp_path, capsys):
    vectorizer = keras.layers.TextVectorization(split="character", standardize=None)
    vectorizer.adapt(["hello world"])
    inputs = keras.Input((1,), dtype="string")
    hidden = keras.layers.Embedding(len(vectorizer.get_vocabulary()), 3)(vectorizer(inputs))
    keras.Model(inputs, keras.layers.Dense(1)(layers.recurrent("elman", 2)(hidden))).save(tmp_path / "text.keras")

    assert cli.main(["diagnose", str(tmp_path / "text.keras"), "--out", str(tmp_path / "out")]) == 1
    assert "takes strings; pass --inputs FILE" in capsys.readouterr().err
    (tmp_path / "lines.txt").write_text("hello\nworld\n", encoding="utf-8")
    arguments = ["diagnose", str(tmp_path / "text.keras"), "--out", str(tmp_path / "out")]
    arguments += ["--inputs", str(tmp_path / "lines.txt")]
    assert cli.main(arguments) == 0
    _assert_plots(tmp_path / "out")


def test_compare_cells_command(tmp_path, capsys):
    out = tmp_path / "cells"
    arguments = ["diagnose", "--compare-cells", "--out", str(out), "--lengths", "3,6"]
    arguments += ["--cells", "elman,lstm", "--units", "4"]
    assert cli.main(arguments) == 0
    printed = capsys.readouterr().out
    assert "d=3" in printed and "d=6" in printed and "lstm" in printed
    rows = list(csv.DictReader(open(out / "compare_cells.csv", encoding="utf-8")))
    assert len(rows) == 2 * (4 + 7)
    assert matplotlib.image.imread(out / "compare_cells.png").std() > 0


@pytest.mark.parametrize(
    "arguments, code, message",
    [
        (["diagnose", "--out", "x"], 2, "exactly one"),
        (["diagnose", "model.keras", "--compare-cells", "--out", "x"], 2, "exactly one"),
        (
            ["diagnose", "no_such_recipe", "--out", "x"],
            1,
            "neither runs/no_such_recipe/model.keras nor runs/no_such_recipe/member_1/model.keras exists",
        ),
        (["diagnose", "--compare-cells", "--cells", "transformer", "--out", "x"], 1, "'transformer'"),
    ],
)
def test_errors(tmp_path, monkeypatch, capsys, arguments, code, message):
    monkeypatch.chdir(tmp_path)
    assert cli.main(arguments) == code
    assert message in capsys.readouterr().err
    assert not os.path.exists("x")


def test_bad_lengths_are_rejected_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        cli.main(["diagnose", "--compare-cells", "--out", "x", "--lengths", "10,-5"])
    assert "comma-separated positive integers" in capsys.readouterr().err


def test_random_inputs_follow_the_model_input():
    floats = keras.Sequential([keras.Input((None, 3)), layers.recurrent("gru", 2)])
    assert diagnose.random_inputs(floats, batch_size=2, timesteps=9).shape == (2, 9, 3)
    tokens = keras.Sequential(
        [keras.Input((4,), dtype="int32"), keras.layers.Embedding(7, 2), layers.recurrent("gru", 2)]
    )
    ids = diagnose.random_inputs(tokens, batch_size=50)
    assert ids.shape == (50, 4) and ids.min() >= 1 and ids.max() < 7
    no_embedding = keras.Sequential([keras.Input((4, 1), dtype="int32"), layers.recurrent("gru", 2)])
    with pytest.raises(ValueError, match="no Embedding"):
        diagnose.random_inputs(no_embedding)
