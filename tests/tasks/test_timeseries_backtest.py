"""Backtesting a trained forecasting run: rolling origins over the test period, per fold and overall, and the CSV."""

import csv
import json

import numpy as np
import pytest
from test_timeseries_forecasting import HORIZON, config

from seqapps import cli
from seqapps.tasks.timeseries_forecasting import backtest, train


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny finished run with two targets (seconds)."""
    tmp_path = tmp_path_factory.mktemp("backtest")
    return train(config(tmp_path, target=["driver", "OT"], epochs=1))


def test_stride_1_scores_the_recipes_test_windows(trained):
    result = backtest.backtest(trained.run_dir, stride=1, folds=3)
    test = trained.metrics["test"]
    for name in ("model", "persistence"):
        for key in ("mae", "mse", "normalized_mae", "normalized_mse"):
            assert result.overall[name][key] == pytest.approx(test[name][key], rel=1e-5), (name, key)
    assert result.overall["model"]["interval"]["coverage"] == pytest.approx(test["model"]["interval"]["coverage"])
    assert np.all(result.lower <= result.forecast) and np.all(result.forecast <= result.upper)
    # Folds: consecutive blocks that partition the origins, in time order.
    assert [fold["fold"] for fold in result.folds] == [1, 2, 3]
    assert sum(fold["origins"] for fold in result.folds) == result.overall["origins"] == len(result.origins)
    assert np.all(np.diff(result.fold_of_origin) >= 0) and np.all(np.diff(result.origins) == 1)
    assert result.folds[0]["last"] < result.folds[1]["first"]
    mean_of_folds = np.average(
        [fold["model"]["mae"] for fold in result.folds], weights=[fold["origins"] for fold in result.folds]
    )
    assert mean_of_folds == pytest.approx(result.overall["model"]["mae"], rel=1e-5)


def test_default_stride_is_the_horizon_and_the_csv_has_every_forecast(trained, tmp_path):
    every = backtest.backtest(trained.run_dir, stride=1, folds=1)
    result = backtest.backtest(trained.run_dir, folds=2)
    np.testing.assert_array_equal(result.origins, every.origins[::HORIZON])
    np.testing.assert_allclose(result.forecast, every.forecast[::HORIZON], atol=1e-5)
    path = backtest.write_csv(result, tmp_path / "out" / "backtest.csv")
    with open(path) as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == len(result.origins) * 2 * HORIZON  # origins x targets x steps
    first = rows[0]
    assert (first["target"], first["step"], first["fold"]) == ("driver", "1", "1")
    assert first["origin"] == first["timestamp"]
    assert float(first["forecast"]) == pytest.approx(result.forecast[0, 0, 0], rel=1e-5)
    assert float(first["truth"]) == pytest.approx(result.truth[0, 0, 0], rel=1e-5)
    assert float(first["lower"]) <= float(first["forecast"]) <= float(first["upper"])
    last = rows[-1]
    assert (last["target"], last["step"], last["fold"]) == ("OT", str(HORIZON), "2")


def test_bad_arguments_are_errors_naming_the_fix(trained, tmp_path):
    with pytest.raises(ValueError, match="has no config.json: pass the --run-dir of a finished run"):
        backtest.backtest(tmp_path)
    with pytest.raises(ValueError, match="`stride` must be a positive integer, got 0"):
        backtest.backtest(trained.run_dir, stride=0)
    with pytest.raises(ValueError, match=r"folds=100000 is more than the \d+ origins .* pass fewer --folds"):
        backtest.backtest(trained.run_dir, folds=100000)


def test_seqapps_backtest_prints_the_folds_and_writes_the_csv_and_metrics(trained, tmp_path, capsys):
    output = tmp_path / "forecasts.csv"
    assert cli.main(["backtest", str(trained.run_dir), "--folds", "2", "--output", str(output)]) == 0
    out = capsys.readouterr().out
    assert "| fold | origins | first forecast |" in out and "| all |" in out and "interval coverage" in out
    summary = json.loads((tmp_path / "backtest.json").read_text())
    assert len(summary["folds"]) == 2 and output.stat().st_size > 0
    assert cli.main(["backtest", str(tmp_path / "nothing_here")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
