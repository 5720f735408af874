"""Covariates known in advance: calendar features, future columns of a CSV, and windows that carry them."""

import numpy as np
import pytest

from seqapps.data import paths, timeseries
from seqapps.data.paths import DataFormatError

HEADER = ["date", "load", "OT", "holiday"]


@pytest.fixture(autouse=True)
def no_data_dir(monkeypatch):
    monkeypatch.delenv(paths.DATA_DIR_VARIABLE, raising=False)


def write_csv(path, header, rows):
    path.write_text("\n".join([",".join(header)] + [",".join(str(cell) for cell in row) for row in rows]) + "\n")
    return path


def planned_rows(count):
    """Hourly rows `date, load, OT, holiday`: load = row index, OT = 10 * row index, holiday = 1 every 7th row."""
    times = np.datetime64("2020-01-01T00:00", "m") + np.arange(count) * np.timedelta64(60, "m")
    return [[str(time).replace("T", " "), index, 10 * index, int(index % 7 == 0)] for index, time in enumerate(times)]


def test_calendar_features_golden_values():
    times = np.array(
        ["2024-01-01T06:00", "2024-01-07T00:00", "2023-07-02T12:00", "2024-12-31T18:00"], dtype="datetime64[s]"
    )
    features = timeseries.calendar_features(times)
    assert features.shape == (4, 6) and features.dtype == np.float32
    assert len(timeseries.CALENDAR_FEATURES) == 6
    angles = (
        2
        * np.pi
        * np.array(
            [
                [0.25, 0.25 / 7, 0.25 / 366],  # Monday 6:00 of a leap year's first day
                [0.0, 6 / 7, 6 / 366],  # Sunday midnight
                [0.5, (6 + 0.5) / 7, 182.5 / 365],  # Sunday noon, the middle of 2023
                [0.75, (1 + 0.75) / 7, 365.75 / 366],  # Tuesday 18:00, last day of 2024
            ]
        )
    )
    expected = np.stack([np.sin(angles), np.cos(angles)], axis=2).reshape(4, 6)
    np.testing.assert_allclose(features, expected, atol=1e-6)
    # A whole day (and a whole week) later: the same hour and weekday features.
    later = timeseries.calendar_features(times[:1] + np.timedelta64(7, "D"))
    np.testing.assert_allclose(later[0, :4], features[0, :4], atol=1e-6)


def test_future_columns_are_features_and_named_and_covariates_follow_them(tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER, planned_rows(100))
    series = timeseries.load_csv(path, "date", "OT", ["load"], future_columns=["holiday"], split=(60, 80, 95))
    assert series.feature_names == ("load", "OT", "holiday") and series.future_names == ("holiday",)
    assert series.future_indices == (2,)
    matrix, names = timeseries.future_covariates(series, calendar=True)
    assert names == ("holiday",) + timeseries.CALENDAR_FEATURES
    assert matrix.shape == (100, 7)
    np.testing.assert_array_equal(matrix[:, 0], (np.arange(100) % 7 == 0).astype(np.float32))
    np.testing.assert_allclose(matrix[:, 1:], timeseries.calendar_features(series.timestamps))
    without_calendar, names = timeseries.future_covariates(series)
    assert names == ("holiday",)
    np.testing.assert_array_equal(without_calendar, matrix[:, :1])
    mean, std = series.statistics(matrix)
    assert mean.shape == (7,)
    np.testing.assert_allclose(mean[0], np.mean(np.arange(60) % 7 == 0), rtol=1e-6)
    plain = timeseries.load_csv(path, "date", "OT", ["load"])
    assert plain.future_names == () and timeseries.future_covariates(plain) == (None, ())


def test_windows_carry_the_covariates_of_their_forecast_rows(tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER, planned_rows(100))
    series = timeseries.load_csv(path, "date", "OT", future_columns="holiday", split=(60, 80, 95))
    matrix, _ = timeseries.future_covariates(series, calendar=True)
    starts = timeseries.window_starts(series, "validation", 6, 3)
    future = timeseries.gather_future(matrix, starts, 3)
    assert future.shape == (len(starts), 3, 7)
    np.testing.assert_array_equal(future[:, :, 0], (starts[:, None] + np.arange(3)) % 7 == 0)
    batches = list(timeseries.make_dataset(series, starts, 6, 3, batch_size=4, future=matrix).as_numpy_iterator())
    inputs, targets = batches[0]
    assert set(inputs) == {"window", "future"}
    windows, truth = timeseries.gather_windows(series, starts[:4], 6, 3)
    np.testing.assert_array_equal(inputs["window"], windows)
    np.testing.assert_array_equal(inputs["future"], future[:4])
    np.testing.assert_array_equal(targets, truth)


def test_many_series_keep_their_future_columns(tmp_path):
    rows = [[name] + row for name in ("a", "b") for row in planned_rows(40)]
    path = write_csv(tmp_path / "long.csv", ["store"] + HEADER, rows)
    series = timeseries.load_csv(path, "date", "OT", id_column="store", future_columns=["holiday"])
    assert series.series_names == ("a", "b") and series.future_names == ("holiday",)
    matrix, _ = timeseries.future_covariates(series)
    np.testing.assert_array_equal(matrix[:, 0], np.tile(np.arange(40) % 7 == 0, 2))


def test_a_future_column_missing_from_the_file_is_an_error_naming_it(tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER, planned_rows(50))
    with pytest.raises(DataFormatError, match=r"has no future column\(s\) \['planned_load'\]") as error:
        timeseries.load_csv(path, "date", "OT", future_columns=["planned_load"])
    assert "Its columns are ['date', 'load', 'OT', 'holiday']" in str(error.value)
    assert "--future-column" in str(error.value)


@pytest.mark.parametrize("missing", ["error", "interpolate", "drop"])
def test_a_missing_future_value_is_an_error_naming_column_and_line_whatever_the_policy(tmp_path, missing):
    rows = planned_rows(50)
    rows[20][3] = ""
    rows[30][3] = "NA"
    path = write_csv(tmp_path / "a.csv", HEADER, rows)
    message = r"future column 'holiday' has 2 missing value\(s\), first at line 22\..*Fix: fill in every row"
    with pytest.raises(DataFormatError, match=message):
        timeseries.load_csv(path, "date", "OT", future_columns=["holiday"], missing=missing)
    # The same file, with the column an ordinary feature, follows the policy.
    if missing == "interpolate":
        assert timeseries.load_csv(path, "date", "OT", missing=missing).future_names == ()


def test_future_column_that_is_a_target_or_text_is_an_error(tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER, planned_rows(50))
    with pytest.raises(ValueError, match="future column 'OT' is also a target"):
        timeseries.load_csv(path, "date", "OT", future_columns=["OT"])
    rows = [row[:3] + ["yes" if row[3] else "no"] for row in planned_rows(50)]
    text = write_csv(tmp_path / "text.csv", HEADER, rows)
    with pytest.raises(DataFormatError, match="future column 'holiday' is not numeric.*0/1"):
        timeseries.load_csv(text, "date", "OT", future_columns=["holiday"], categorical="one_hot")
