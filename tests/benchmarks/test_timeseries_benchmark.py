"""benchmarks/timeseries_forecasting.py: variant rows and their run folders."""

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


def test_recorded_config_says_all_for_every_column():
    config = benchmark.TimeseriesForecastingConfig(target="all", horizon=96)
    assert benchmark.recorded_config(config)["target"] == "all"
    assert benchmark.recorded_config(benchmark.TimeseriesForecastingConfig())["target"] is None
