"""benchmarks/timeseries_forecasting.py: variant rows and their run folders."""

import numpy as np

from benchmarks import timeseries_forecasting as benchmark


def metrics(mae):
    return {"mae": mae, "mse": mae**2, "normalized_mae": mae / 10, "normalized_mse": mae**2 / 100}


def record(linear_component, model_mae):
    return {
        "config": {"cell": "gru", "units": 64, "linear_component": linear_component},
        "metrics": {split: {"model": metrics(model_mae), "linear": metrics(1.0)} for split in ("validation", "test")},
        "best_baseline": "linear",
        "improvement_percent": 100 * (1 - model_mae),
        "epochs": 3,
        "training_minutes": 1.0,
        "date": "2026-11-28",
    }


def test_variant_rows_name_their_flags_and_the_model():
    rows = benchmark.default_rows({"etth1": record(True, 0.8), "etth1 --no-linear-component": record(False, 1.2)})
    assert rows[0].startswith("| etth1 | **gru 64 + linear component** | 0.8000 |") and "target met: yes" in rows[0]
    assert rows[2].startswith("| etth1 --no-linear-component | **gru 64** | 1.2000 |")
    assert "-20.0%, target met: **no**" in rows[2]


def test_a_blended_rows_model_names_the_weight_the_blend_chose():
    config = {"model": "segment", "cell": "gru", "units": 512, "input_steps": 720}
    assert benchmark._model_name({"config": config}) == "segment gru 512 (720 in)"
    assert benchmark._model_name({"config": {**config, "linear_blend": False}, "linear_weight": 0.0}) == (
        "segment gru 512 (720 in)"
    )
    blended = {"config": {**config, "linear_blend": True}, "linear_weight": 0.2}
    assert benchmark._model_name(blended) == "segment gru 512 (720 in), linear blend 0.2"
    # Rows measured before the record kept the weight.
    assert (
        benchmark._model_name({"config": {**config, "linear_blend": True}}) == "segment gru 512 (720 in), linear blend"
    )


def test_published_setting_covers_every_dataset_at_96_and_long_horizons_on_two():
    pairs = benchmark.literature_settings(benchmark.LITERATURE)
    assert len(pairs) == 5 + 2 * 3 and ("ettm2", 96) in pairs and ("weather", 720) in pairs
    assert ("etth2", 192) not in pairs
    assert all(pair in benchmark.PUBLISHED for pair in pairs)


def test_literature_rows_set_ours_beside_the_published_figures():
    literature = {
        **record(False, 0.5),
        "config": {
            "dataset": "etth1",
            "horizon": 192,
            "model": "segment",
            "cell": "gru",
            "units": 512,
            "input_steps": 720,
            "target": "all",
        },
        "literature": True,
    }
    rows = benchmark.literature_rows({"etth1_all_targets_h192": literature})
    assert rows[0].startswith("| etth1 | 192 | ours: segment gru 512 (720 in) | 0.003 | 0.050 |")
    assert rows[-1] == f"| etth1 | 192 | published: SegRNN (720 in) | 0.392 | 0.414 | {benchmark._SEGRNN} |"


def test_a_second_seed_is_a_row_of_its_own_under_the_same_baselines():
    def literature(model_mae):
        config = {"dataset": "etth1", "horizon": 96, "model": "segment", "cell": "gru", "units": 512}
        return {**record(False, model_mae), "config": {**config, "input_steps": 720}, "literature": True}

    rows = benchmark.literature_rows(
        {"etth1_all_targets_h96 --seed 2": literature(0.4), "etth1_all_targets_h96": literature(0.5)}
    )
    ours = [row for row in rows if "| ours: segment" in row]
    assert ours[0].startswith("| etth1 | 96 | ours: segment gru 512 (720 in) | 0.003 | 0.050 |")
    assert ours[1].startswith("| etth1 | 96 | ours: segment gru 512 (720 in) [--seed 2] | 0.002 | 0.040 |")
    assert sum("ours: linear baseline" in row for row in rows) == 1

    # A variant's second seed shares that variant's baselines; a seed alone, without its first run, keeps its own.
    rows = benchmark.literature_rows(
        {
            "etth1_all_targets_h96 --windows-per-epoch 16000": literature(0.5),
            "etth1_all_targets_h96 --windows-per-epoch 16000 --seed 2": literature(0.4),
        }
    )
    assert sum("ours: linear baseline" in row for row in rows) == 1
    rows = benchmark.literature_rows({"etth1_all_targets_h96 --seed 2": literature(0.4)})
    assert sum("ours: linear baseline" in row for row in rows) == 1


def test_recorded_config_says_all_for_every_column():
    config = benchmark.TimeseriesForecastingConfig(target="all", horizon=96)
    assert benchmark.recorded_config(config)["target"] == "all"
    assert benchmark.recorded_config(benchmark.TimeseriesForecastingConfig())["target"] is None


def test_published_file_scale_keeps_the_placeholders_of_the_training_rows(tmp_path, monkeypatch):
    folder = tmp_path / "timeseries" / "weather"
    folder.mkdir(parents=True)
    # 10 rows: the first 7 (70%) are the training rows; the -9999 in row 3 counts, the large value in row 9 does not.
    values = [1.0, 2.0, -9999.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 1000.0]
    rows = [f"2020-01-01 {i:02d}:00:00,{i},{value}" for i, value in enumerate(values)]
    lines = ["date,SWDR (W/m\ufffd),OT", *rows]
    (folder / "weather.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    monkeypatch.setenv("SEQAPPS_DATA_DIR", str(tmp_path))
    scale = benchmark.published_file_scale("weather", ["OT", "SWDR (W/m\ufffd)"])
    np.testing.assert_allclose(scale, [np.std(values[:7]), np.std(np.arange(7.0))])


def test_scaled_as_published_divides_each_targets_errors_by_its_file_scale():
    test = {"model": {"mse_per_target": [4.0, 400.0], "mae_per_target": [2.0, 20.0]}}
    scaled = benchmark.scaled_as_published(test, [1.0, 100.0])
    assert scaled["model"]["normalized_mse"] == (4.0 + 0.04) / 2
    assert scaled["model"]["normalized_mae"] == (2.0 + 0.2) / 2


def test_rows_scaled_as_published_follow_the_model_and_each_baseline():
    literature = {
        **record(False, 0.5),
        "config": {"dataset": "weather", "horizon": 96, "model": "segment", "cell": "gru", "units": 512},
        "literature": True,
        "test_scaled_as_published": {
            "model": {"normalized_mse": 0.1234, "normalized_mae": 0.2},
            "linear": {"normalized_mse": 0.3, "normalized_mae": 0.4},
        },
    }
    rows = benchmark.literature_rows({"weather_all_targets_h96": literature})
    assert rows[1].startswith("| weather | 96 | ours: segment gru 512, scaled as published | 0.123 | 0.200 |")
    assert rows[3].startswith("| weather | 96 | ours: linear baseline, scaled as published | 0.300 | 0.400 |")


def test_rounded_lists_round_per_step_numbers_and_keep_the_averages_exact():
    metrics = {"test": {"model": {"mae": 0.123456789, "mae_per_step": [0.123456789, 12345.6789, float("nan"), 3]}}}
    rounded = benchmark.rounded_lists(metrics)
    assert rounded["test"]["model"]["mae"] == 0.123456789
    steps = rounded["test"]["model"]["mae_per_step"]
    assert steps[:2] == [0.1235, 12350.0] and np.isnan(steps[2]) and steps[3] == 3
    assert metrics["test"]["model"]["mae_per_step"][0] == 0.123456789


def test_compact_records_keep_the_validation_averages_and_every_test_number():
    steps = [0.123456789, 0.2]
    split = {"model": {"normalized_mae": 0.123456789, "mae_per_step": steps, "interval": {"coverage_per_step": steps}}}
    record = {"epoch_seconds": [61.23456], "metrics": {"validation": split, "test": split}}
    compact = benchmark.compact_record(record)
    assert compact["metrics"]["validation"] == {"model": {"normalized_mae": 0.123456789, "interval": {}}}
    assert compact["metrics"]["test"]["model"]["mae_per_step"] == [0.1235, 0.2]
    assert compact["metrics"]["test"]["model"]["interval"]["coverage_per_step"] == [0.1235, 0.2]
    assert compact["epoch_seconds"] == [61.23]
    assert benchmark.compact_record(compact) == compact
    assert record["metrics"]["validation"]["model"]["mae_per_step"] == steps


def test_the_random_walk_file_is_a_geometric_walk_of_small_daily_returns(tmp_path):
    path = benchmark.write_random_walk(tmp_path / "walk.csv", days=2000, columns=3, seed=1)
    lines = path.read_text().splitlines()
    assert lines[0] == "date,currency_1,currency_2,currency_3" and len(lines) == 2001
    assert lines[1].startswith("1990-01-01,") and lines[-1].startswith("1995-06-23,")
    rates = np.array([[float(value) for value in line.split(",")[1:]] for line in lines[1:]])
    returns = np.diff(np.log(rates), axis=0)
    assert np.all(rates > 0)
    np.testing.assert_allclose(returns.std(axis=0), benchmark.RANDOM_WALK_DAILY_RETURN, rtol=0.1)
    # Independent increments: no lag-one autocorrelation a forecaster could use.
    autocorrelation = [np.corrcoef(column[:-1], column[1:])[0, 1] for column in returns.T]
    assert np.all(np.abs(autocorrelation) < 0.1)
    assert (
        path.read_text()
        == benchmark.write_random_walk(tmp_path / "again.csv", days=2000, columns=3, seed=1).read_text()
    )


def test_random_walk_rows_compare_each_forecaster_with_persistence_and_stay_out_of_the_other_tables():
    walk = {
        **record(False, 0.5),
        "config": {"dataset": "random_walk", "model": "segment", "cell": "gru", "units": 512, "input_steps": 720},
        "random_walk": True,
    }
    for split in ("validation", "test"):
        walk["metrics"][split]["persistence"] = metrics(0.499)
    rows = benchmark.random_walk_rows({benchmark.RANDOM_WALK_KEY: walk})
    model = next(row for row in rows if "**segment gru 512 (720 in)**" in row)
    assert model.startswith(f"| {benchmark.RANDOM_WALK_KEY} | **segment gru 512 (720 in)** | 0.0500 |")
    assert "+0.20% vs persistence, within 1%: yes" in model
    assert any(row.startswith(f"| {benchmark.RANDOM_WALK_KEY} | persistence | 0.0499 |") for row in rows)
    walk["metrics"]["test"]["model"] = metrics(0.51)
    assert "+2.20% vs persistence, within 1%: **no**" in benchmark.random_walk_rows({"walk": walk})[0]
    assert benchmark.default_rows({"walk": walk}) == [] and benchmark.literature_rows({"walk": walk}) == []
    assert "### A random walk: nothing beats persistence" in benchmark.body({"walk": walk})
