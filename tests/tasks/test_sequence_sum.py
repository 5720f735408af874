import numpy as np
import pytest

from seqapps import configs
from seqapps.tasks import sequence_sum
from seqapps.tasks.sequence_sum import SequenceSumConfig


def test_make_data_sums_the_ones():
    sequences, sums = sequence_sum.make_data(50, 7, np.random.default_rng(0))
    assert sequences.shape == (50, 7, 1)
    assert set(np.unique(sequences)) <= {0.0, 1.0}
    np.testing.assert_array_equal(sums, sequences[:, :, 0].sum(axis=1))


def test_run_prints_a_row_per_kind_and_the_baseline(tmp_path, caplog):
    caplog.set_level("INFO", logger="seqapps")
    config = SequenceSumConfig(
        kinds=("lstm", "keras_gru"),
        length=5,
        train_size=64,
        validation_size=32,
        test_size=32,
        units=4,
        epochs=1,
        batch_size=32,
        run_dir=str(tmp_path),
    )
    results, baseline = sequence_sum.run(config)
    assert [result.kind for result in results] == ["lstm", "keras_gru"]
    for result in results:
        assert 0.0 <= result.test_accuracy <= 1.0 and result.parameters > 0
    assert 0.0 < baseline < 1.0
    output = caplog.text
    assert "| lstm |" in output and "| keras_gru |" in output and "baseline" in output
    assert "Sample predictions" in output
    for kind in ("lstm", "keras_gru"):
        assert (tmp_path / kind / "history.png").stat().st_size > 0
    assert configs.load_run_config(SequenceSumConfig, tmp_path) == config


def test_recipe_main_runs(capsys, monkeypatch, tmp_path):
    from seqapps.recipes import sequence_sum as recipe

    arguments = ["--kinds", "gru", "--length", "4", "--train-size", "32", "--units", "3", "--epochs", "1"]
    assert recipe.main(arguments + ["--run-dir", str(tmp_path)]) == 0
    assert "| gru |" in capsys.readouterr().out


@pytest.mark.parametrize(
    "arguments, fragment",
    [({"kinds": ("nope",)}, "nope"), ({"units": 0}, "units"), ({"learning_rate": -1.0}, "learning_rate")],
)
def test_bad_config(arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        SequenceSumConfig(**arguments)


def test_recipe_rejects_unknown_kind(monkeypatch, capsys):
    from seqapps.recipes import sequence_sum as recipe

    with pytest.raises(SystemExit):
        recipe.main(["--kinds", "transformer"])
    assert "invalid choice" in capsys.readouterr().err


def test_build_model_stacks_bidirectional_layers_with_dropout():
    import keras

    model = sequence_sum.build_model("gru", 6, 3, layers=2, bidirectional=True, dropout=0.1)
    assert sum(isinstance(layer, keras.layers.Bidirectional) for layer in model.layers) == 2
    assert sum(isinstance(layer, keras.layers.Dropout) for layer in model.layers) == 2
    probabilities = np.asarray(model(np.ones((2, 6, 1), "float32")))
    assert probabilities.shape == (2, 7)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)


def test_prepare_data_is_determined_by_the_seed():
    config = SequenceSumConfig(length=5, train_size=40, validation_size=10, test_size=10, seed=3)
    first, second = sequence_sum.prepare_data(config), sequence_sum.prepare_data(config)
    for split in ("train", "validation", "test"):
        np.testing.assert_array_equal(getattr(first, split)[0], getattr(second, split)[0])
    assert first.baseline_accuracy == sequence_sum.majority_baseline(first.train[1], first.test[1])
