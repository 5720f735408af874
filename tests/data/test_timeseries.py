import os
import warnings
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

from seqapps.data import paths, timeseries
from seqapps.data.paths import DataFormatError, DataNotFoundError

SHARED = Path(os.environ.get(paths.DATA_DIR_VARIABLE, "/nonexistent"))


def timestamps(count, start="2020-01-01T00:00", minutes=60):
    return np.datetime64(start, "m") + np.arange(count) * np.timedelta64(minutes, "m")


def write_csv(path, header, rows, newline="\n", encoding="utf-8"):
    lines = [",".join(header)] + [",".join(str(cell) for cell in row) for row in rows]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def series_rows(count, start="2020-01-01T00:00", minutes=60):
    """Rows `date, load, OT` with load = row index and OT = 10 * row index."""
    return [
        [str(time).replace("T", " "), index, 10 * index] for index, time in enumerate(timestamps(count, start, minutes))
    ]


HEADER = ["date", "load", "OT"]


@pytest.fixture(autouse=True)
def no_data_dir(monkeypatch):
    monkeypatch.delenv(paths.DATA_DIR_VARIABLE, raising=False)


def test_clean_csv_rows_split_and_training_statistics(tmp_path):
    rows = series_rows(100)
    rows[90][2] = 1e6  # a huge test value must not move the statistics
    series = timeseries.load_csv(write_csv(tmp_path / "a.csv", HEADER, rows), "date", "OT", split=(60, 80, 95))
    assert series.feature_names == ("load", "OT") and series.target_names == ("OT",)
    assert series.values.shape == (100, 2) and series.values.dtype == np.float32
    assert series.borders == (60, 80, 95)
    assert series.frequency == np.timedelta64(3600, "s") and series.period == 24
    np.testing.assert_allclose(series.targets[:5, 0], [0, 10, 20, 30, 40])
    mean, std = series.statistics()
    np.testing.assert_allclose(mean, [29.5, 295.0], rtol=1e-6)
    np.testing.assert_allclose(std, np.std(np.arange(60)) * np.array([1, 10]), rtol=1e-5)
    assert not series.target_imputed.any() and not series.segments.any()


def test_fraction_split_follows_the_autoformer_convention(tmp_path):
    series = timeseries.load_csv(write_csv(tmp_path / "a.csv", HEADER, series_rows(101)), "date", "OT")
    # train int(101 * 0.7) = 70, test int(101 * 0.2) = 20, validation the rest
    assert series.borders == (70, 81, 101)


def test_feature_columns_always_include_the_targets(tmp_path):
    rows = [row + [index % 3] for index, row in enumerate(series_rows(50))]
    path = write_csv(tmp_path / "a.csv", HEADER + ["other"], rows)
    series = timeseries.load_csv(path, "date", ["OT"], feature_columns=["other"])
    assert series.feature_names == ("OT", "other")  # file order
    with pytest.raises(DataFormatError, match=r"no column\(s\) \['nope'\]"):
        timeseries.load_csv(path, "date", "nope")


def test_missing_values_are_an_error_naming_column_line_and_fix(tmp_path):
    rows = series_rows(50)
    rows[7][2] = "NA"
    rows[9][1] = ""
    path = write_csv(tmp_path / "a.csv", HEADER, rows)
    with pytest.raises(DataFormatError) as error:
        timeseries.load_csv(path, "date", "OT")
    message = str(error.value)
    assert "'OT': 1 missing value(s), first at line 9" in message
    assert "'load': 1 missing value(s), first at line 11" in message
    assert "missing='interpolate'" in message and "--missing" in message


def test_interpolation_is_linear_and_never_a_target(tmp_path):
    rows = series_rows(60)
    rows[30][2] = "NaN"
    rows[31][2] = "null"
    rows[0][1] = "NA"  # leading incomplete row: dropped
    series = timeseries.load_csv(
        write_csv(tmp_path / "a.csv", HEADER, rows), "date", "OT", missing="interpolate", split=(40, 50, 60)
    )
    assert len(series.values) == 59 and series.timestamps[0] == np.datetime64("2020-01-01T01:00")
    np.testing.assert_allclose(series.targets[29:31, 0], [300, 310])  # exact on a line
    assert np.flatnonzero(series.target_imputed).tolist() == [29, 30]
    assert any("interpolated linearly" in note and "dropped 1 leading" in note for note in series.notes)
    starts = timeseries.window_starts(series, "train", input_steps=5, horizon=3)
    forecast_rows = starts[:, None] + np.arange(3)
    assert not np.isin(forecast_rows, [29, 30]).any()
    assert 32 in starts and 26 in starts and 27 not in starts and 30 not in starts
    assert series.borders == (39, 49, 59)  # the same timestamps as file rows 40, 50


def test_missing_timestamps_error_interpolate_or_drop(tmp_path):
    rows = series_rows(60)
    del rows[20:23]
    path = write_csv(tmp_path / "a.csv", HEADER, rows)
    with pytest.raises(
        DataFormatError, match=r"3 timestamp\(s\) missing from the 1 h grid, first after 2020-01-01T19:00"
    ):
        timeseries.load_csv(path, "date", "OT")
    filled = timeseries.load_csv(path, "date", "OT", missing="interpolate")
    assert len(filled.values) == 60
    np.testing.assert_allclose(filled.targets[20:23, 0], [200, 210, 220])
    dropped = timeseries.load_csv(path, "date", "OT", missing="drop", split=(40, 50, 57))
    assert len(dropped.values) == 57 and dropped.segments.tolist() == [0] * 20 + [1] * 37
    starts = timeseries.window_starts(dropped, "train", input_steps=4, horizon=2)
    assert all(dropped.segments[start - 4] == dropped.segments[start + 1] for start in starts)
    assert 18 in starts and 19 not in starts and 23 not in starts and 24 in starts


def test_duplicates_error_or_dropped_with_a_note(tmp_path):
    rows = series_rows(40)
    rows.insert(11, list(rows[10]))
    rows.insert(21, rows[20][:2] + [-5])
    path = write_csv(tmp_path / "a.csv", HEADER, rows)
    with pytest.raises(DataFormatError, match=r"2 row\(s\) repeat the timestamp.*line\(s\) \[13, 23\]"):
        timeseries.load_csv(path, "date", "OT")
    series = timeseries.load_csv(path, "date", "OT", duplicates="drop")
    assert len(series.values) == 40 and series.targets[20, 0] == 200  # first row kept
    assert any("Dropped 2 row(s)" in note and "1 of them had different values" in note for note in series.notes)


def test_unordered_timestamps_error_or_sorted(tmp_path):
    rows = series_rows(40)
    rows[5], rows[6] = rows[6], rows[5]
    path = write_csv(tmp_path / "a.csv", HEADER, rows)
    with pytest.raises(DataFormatError, match=r"go backwards 1 time\(s\), first at line 8"):
        timeseries.load_csv(path, "date", "OT")
    series = timeseries.load_csv(path, "date", "OT", unordered="sort")
    np.testing.assert_allclose(series.targets[:8, 0], np.arange(8) * 10)


def test_off_grid_timestamps_are_an_error(tmp_path):
    rows = series_rows(40)
    rows[10][0] = "2020-01-01 10:17:00"
    with pytest.raises(DataFormatError, match="not a multiple of the sampling interval 1 h"):
        timeseries.load_csv(write_csv(tmp_path / "a.csv", HEADER, rows), "date", "OT")


def test_text_columns_error_one_hot_or_drop(tmp_path):
    wind = ["NW", "SE", "", "NW"] * 10
    rows = [row + [direction] for row, direction in zip(series_rows(40), wind)]
    path = write_csv(tmp_path / "a.csv", HEADER + ["wind"], rows)
    with pytest.raises(DataFormatError, match=r"column 'wind' is not numeric: 'NW' at line 2.*one_hot"):
        timeseries.load_csv(path, "date", "OT")
    series = timeseries.load_csv(path, "date", "OT", categorical="one_hot")
    assert series.feature_names == ("load", "OT", "wind=NW", "wind=SE")
    np.testing.assert_array_equal(series.values[:4, 2:], [[1, 0], [0, 1], [0, 0], [1, 0]])
    assert timeseries.load_csv(path, "date", "OT", categorical="drop").feature_names == ("load", "OT")
    with pytest.raises(DataFormatError, match="pick a numeric target"):
        timeseries.load_csv(path, "date", "wind", categorical="one_hot")


def test_mixed_and_infinite_cells_are_errors(tmp_path):
    rows = series_rows(40)
    rows[12][1] = "12,5"
    with pytest.raises(DataFormatError, match="line 14 has 4 fields"):
        timeseries.load_csv(write_csv(tmp_path / "a.csv", HEADER, rows), "date", "OT")
    rows[12][1] = "twelve"
    with pytest.raises(DataFormatError, match="'load' mixes numbers and text: 'twelve' at line 14"):
        timeseries.load_csv(write_csv(tmp_path / "a.csv", HEADER, rows), "date", "OT", categorical="one_hot")
    rows[12][1] = "inf"
    with pytest.raises(DataFormatError, match="infinite value 'inf' at line 14"):
        timeseries.load_csv(write_csv(tmp_path / "a.csv", HEADER, rows), "date", "OT", missing="interpolate")


def test_placeholders_are_missing_when_declared_and_warned_about_otherwise(tmp_path):
    rows = series_rows(40)
    rows[10][2] = -9999
    path = write_csv(tmp_path / "a.csv", HEADER, rows)
    with pytest.warns(UserWarning, match=r"'OT': 1 x -9999"):
        timeseries.load_csv(path, "date", "OT")
    with pytest.raises(DataFormatError, match="'OT': 1 missing value"):
        timeseries.load_csv(path, "date", "OT", missing_values=(-9999,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        series = timeseries.load_csv(path, "date", "OT", missing_values=(-9999,), missing="interpolate")
    assert series.targets[10, 0] == 100 and series.target_imputed[10]


def test_too_short_series_is_a_clear_error(tmp_path):
    series = timeseries.load_csv(write_csv(tmp_path / "a.csv", HEADER, series_rows(40)), "date", "OT")
    with pytest.raises(
        DataFormatError, match=r"validation split .* \(rows \[28, 32\), 4 rows\) holds no complete window"
    ):
        timeseries.window_starts(series, "validation", input_steps=8, horizon=6)
    with pytest.raises(DataFormatError, match=r"has 1 data rows, too few to split"):
        timeseries.load_csv(write_csv(tmp_path / "b.csv", HEADER, series_rows(1)), "date", "OT", split=(0.4, 0.3, 0.3))
    with pytest.raises(DataFormatError, match="has a header but no data rows"):
        timeseries.load_csv(write_csv(tmp_path / "c.csv", HEADER, []), "date", "OT")


def test_validation_and_test_windows_read_the_rows_before_their_split(tmp_path):
    series = timeseries.load_csv(
        write_csv(tmp_path / "a.csv", HEADER, series_rows(100)), "date", "OT", split=(60, 80, 95)
    )
    starts = {split: timeseries.window_starts(series, split, 10, 5, lookback=24) for split in timeseries.SPLITS}
    assert (starts["train"][0], starts["train"][-1]) == (24, 55)
    assert (starts["validation"][0], starts["validation"][-1]) == (60, 75)
    assert (starts["test"][0], starts["test"][-1]) == (80, 90)


def test_dataset_batches_match_the_numpy_windows(tmp_path):
    series = timeseries.load_csv(write_csv(tmp_path / "a.csv", HEADER, series_rows(100)), "date", "OT")
    starts = timeseries.window_starts(series, "train", 6, 3)
    windows, targets = timeseries.gather_windows(series, starts, 6, 3)
    assert windows.shape == (len(starts), 6, 2) and targets.shape == (len(starts), 3, 1)
    np.testing.assert_allclose(windows[0, :, 0], np.arange(6))
    np.testing.assert_allclose(targets[0, :, 0], [60, 70, 80])
    dataset = timeseries.make_dataset(series, starts, 6, 3, batch_size=8, target_transform=lambda target: target / 10)
    batches = list(dataset.as_numpy_iterator())
    np.testing.assert_allclose(np.concatenate([window for window, _ in batches]), windows)
    np.testing.assert_allclose(np.concatenate([target for _, target in batches]), targets / 10)
    shuffled = np.concatenate(
        [
            window
            for window, _ in timeseries.make_dataset(series, starts, 6, 3, 8, shuffle=True, seed=1).as_numpy_iterator()
        ]
    )
    assert not np.array_equal(shuffled, windows)
    np.testing.assert_allclose(np.sort(shuffled[:, 0, 0]), windows[:, 0, 0])


def test_several_time_columns_crlf_and_bad_dates(tmp_path):
    header = ["No", "year", "month", "day", "hour", "pm2.5", "TEMP"]
    rows = [
        [
            index + 1,
            2010,
            1 + (index // 24) // 31,
            1 + (index // 24) % 31,
            index % 24,
            "NA" if index < 3 else index,
            -index,
        ]
        for index in range(24 * 40)
    ]
    path = write_csv(tmp_path / "b.csv", header, rows, newline="\r\n")
    series = timeseries.load_csv(
        path, ["year", "month", "day", "hour"], "pm2.5", ["pm2.5", "TEMP"], missing="interpolate"
    )
    assert series.timestamps[0] == np.datetime64("2010-01-01T03:00") and series.feature_names == ("pm2.5", "TEMP")
    assert series.timestamps[-1] == np.datetime64("2010-02-09T23:00")
    assert any("CRLF" in note for note in series.notes)
    rows[5][3] = 32
    with pytest.raises(DataFormatError, match=r"day 32 in column 'day' at line 7 is outside \[1, 31\]"):
        timeseries.load_csv(write_csv(path, header, rows), ["year", "month", "day", "hour"], "pm2.5")
    rows[5][2:4] = [2, 30]
    with pytest.raises(DataFormatError, match="line 7 gives day 30 of a month that has fewer days"):
        timeseries.load_csv(write_csv(path, header, rows), ["year", "month", "day", "hour"], "pm2.5")


def test_time_format_and_unparsable_timestamps(tmp_path):
    rows = [
        [time.item().strftime("%d.%m.%Y %H:%M:%S"), index, index]
        for index, time in enumerate(timestamps(40, minutes=10))
    ]
    path = write_csv(tmp_path / "a.csv", HEADER, rows)
    with pytest.raises(DataFormatError, match=r"timestamp '01.01.2020 00:00:00' .* line 2 .*--time-format"):
        timeseries.load_csv(path, "date", "OT")
    series = timeseries.load_csv(path, "date", "OT", time_format="%d.%m.%Y %H:%M:%S")
    assert series.frequency == np.timedelta64(600, "s") and series.period == 144


def test_zip_with_one_csv_is_read_and_with_two_is_an_error(tmp_path):
    csv_path = write_csv(tmp_path / "a.csv", HEADER, series_rows(40))
    with zipfile.ZipFile(tmp_path / "one.zip", "w") as archive:
        archive.write(csv_path, "data/a.csv")
    assert timeseries.load_csv(tmp_path / "one.zip", "date", "OT").values.shape == (40, 2)
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.write(csv_path, "a.csv")
        archive.write(csv_path, "b.csv")
    with pytest.raises(DataFormatError, match="2 CSV files"):
        timeseries.load_csv(tmp_path / "two.zip", "date", "OT")
    with pytest.raises(DataNotFoundError, match="is not a file"):
        timeseries.load_csv(tmp_path / "missing.csv", "date", "OT")


@pytest.mark.parametrize(
    "content, kind",
    [
        (b"PAR1" + bytes(range(256)) * 40, "a Parquet file"),
        (b"\x1f\x8b\x08" + bytes(200), "a gzip-compressed file"),
        (b"date,OT\n" + bytes(range(256)) * 40, "a binary file \\(it has NUL bytes\\)"),
    ],
)
def test_a_binary_file_is_named_as_such_without_echoing_its_bytes(tmp_path, content, kind):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match=f"is {kind}, not a CSV text file. Fix: pass a CSV file") as raised:
        timeseries.load_csv(path, "date", "OT")
    assert len(str(raised.value)) < 300


def test_a_file_without_a_csv_header_gets_a_short_column_error(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('{"' + "k" * 5000 + '": [' + ", ".join(map(str, range(3000))) + "]}\n")
    with pytest.raises(DataFormatError, match=r"and 2988 more\. Fix: name columns of the file's header row") as raised:
        timeseries.load_csv(path, "date", "OT")
    assert len(str(raised.value)) < 500


def ett_rows(count):
    rng = np.random.default_rng(0)
    return [[str(time).replace("T", " ")] + rng.normal(size=7).round(3).tolist() for time in timestamps(count)]


def test_ett_preset_from_the_data_dir_uses_the_standard_split(tmp_path, monkeypatch):
    folder = tmp_path / "timeseries" / "ETT-small"
    folder.mkdir(parents=True)
    write_csv(folder / "ETTh1.csv", ["date", "HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"], ett_rows(14500))
    monkeypatch.setenv(paths.DATA_DIR_VARIABLE, str(tmp_path))
    series = timeseries.load("etth1")
    assert series.borders == (8640, 11520, 14400) and series.period == 24 and series.target_names == ("OT",)
    assert len(series.feature_names) == 7
    with pytest.raises(DataNotFoundError, match="ETTh2 not found.*ETT-small/ETTh2.csv"):
        timeseries.load("etth2")
    with pytest.raises(ValueError, match="Unknown time-series dataset 'ettx'"):
        timeseries.load("ettx")


def test_weather_preset_surfaces_every_oddity(tmp_path):
    header = ["date", "p (mbar)", "SWDR (W/m\ufffd)", "OT"]
    rows = [
        [str(time).replace("T", " "), 1000 + index % 7, index % 5, 400 + index % 11]
        for index, time in enumerate(timestamps(300, minutes=10))
    ]
    rows[50][3] = -9999
    rows.insert(101, list(rows[100]))
    del rows[200:203]
    path = write_csv(tmp_path / "weather.csv", header, rows, newline="\r\n")
    series = timeseries.load("weather", path)
    notes = "\n".join(series.notes)
    for fragment in (
        "CRLF",
        "U+FFFD",
        "1 cell(s) of 'OT' hold the placeholder -9999",
        "Dropped 1 row(s)",
        "3 timestamp(s) missing",
        "interpolated linearly",
    ):
        assert fragment in notes
    assert len(series.values) == 300 and series.period == 144
    # 70/10/20 of the 298 file rows, at the timestamps of those file rows
    train_end, validation_end = int(len(rows) * 0.7), len(rows) - int(len(rows) * 0.2)
    assert [series.timestamps[border] for border in series.borders[:2]] == [
        np.datetime64(rows[train_end][0]),
        np.datetime64(rows[validation_end][0]),
    ]
    assert series.borders[2] == 300


def jena_zip(path):
    rows = [
        [time.item().strftime("%d.%m.%Y %H:%M:%S"), 990 + index % 3, (index % 17) - 5.0]
        for index, time in enumerate(timestamps(400, minutes=10))
    ]
    csv_path = write_csv(path.parent / "jena_climate_2009_2016.csv", ["Date Time", "p (mbar)", "T (degC)"], rows)
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(csv_path, "jena_climate_2009_2016.csv")
    return path


def test_jena_preset_downloads_with_get_file(tmp_path, monkeypatch):
    calls = []

    def fake_get_file(fname=None, origin=None, **kwargs):
        calls.append((fname, origin))
        return str(jena_zip(tmp_path / fname))

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    series = timeseries.load("jena_climate")
    assert calls == [("jena_climate_2009_2016.csv.zip", timeseries.JENA_URL)]
    assert series.target_names == ("T (degC)",) and series.borders == (200, 300, 400)
    assert series.frequency == np.timedelta64(600, "s")


def test_jena_preset_without_internet_is_a_clear_not_found_error(monkeypatch):
    def no_internet(*args, **kwargs):
        raise Exception("URL fetch failure: [Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(keras.utils, "get_file", no_internet)
    with pytest.raises(DataNotFoundError) as error:
        timeseries.load("jena_climate")
    message = str(error.value)
    assert "Jena climate 2009-2016 not found" in message and "name resolution" in message
    assert "timeseries/jena_climate/jena_climate_2009_2016.csv.zip" in message


@pytest.mark.skipif(
    not (SHARED / "timeseries" / "weather" / "weather.csv").exists(),
    reason="needs the shared datasets ($SEQAPPS_DATA_DIR)",
)
def test_real_weather_file_oddities_from_the_manifest(monkeypatch):
    monkeypatch.setenv(paths.DATA_DIR_VARIABLE, str(SHARED))
    series = timeseries.load("weather")
    notes = "\n".join(series.notes)
    assert "Read 52,696 rows x 22 columns" in notes and "CRLF" in notes and "U+FFFD" in notes
    assert "50 cell(s) of 'OT'" in notes and "30 cell(s) of 'max. PAR" in notes and "1 cell(s) of 'wv (m/s)'" in notes
    assert "Dropped 1 row(s) repeating an earlier timestamp (first 2020-05-12T06:00:00" in notes
    assert "9 timestamp(s) missing" in notes
    assert len(series.values) == 52_696 - 1 + 9
    # 36,887 / 5,270 / 10,539 file rows; the duplicate and the 9 missing rows are in the training part
    assert series.borders == (36_887 + 8, 36_887 + 8 + 5_270, 52_704)
    assert np.isfinite(series.values).all()


def long_rows(lengths, starts=None, minutes=60):
    """Rows `store, date, load, OT` of several series (`{id: rows}`), one after the other (as `series_rows`)."""
    rows = []
    for series_id, count in lengths.items():
        start = (starts or {}).get(series_id, "2020-01-01T00:00")
        rows += [[series_id] + row for row in series_rows(count, start, minutes)]
    return rows


LONG_HEADER = ["store"] + HEADER


def test_long_layout_splits_each_series_on_its_own_and_no_window_spans_two(tmp_path):
    rows = long_rows({"a": 100, "b": 60, "tiny": 2}, starts={"b": "2020-01-03T05:00"})
    path = write_csv(tmp_path / "stores.csv", LONG_HEADER, rows)
    series = timeseries.load_csv(path, "date", "OT", id_column="store")
    assert series.series_names == ("a", "b")
    assert series.series_borders == ((0, 70, 80, 100), (100, 142, 148, 160))  # 70/10/20 % of each series' rows
    assert "store" not in series.feature_names and series.feature_names == ("load", "OT")
    assert any("Skipped 1 series too short to split: 'tiny' (2 row(s))" in note for note in series.notes)
    assert any("2 series (column 'store'), sampled every 1 h, 60 to 100 rows each" in note for note in series.notes)
    # Training statistics come from the training rows of both series only.
    train_targets = 10 * np.concatenate([np.arange(70), np.arange(42)])  # OT = 10 * row index within its series
    mean, std = series.statistics()
    assert mean[1] == pytest.approx(train_targets.mean()) and std[1] == pytest.approx(train_targets.std(), rel=1e-5)
    for split in timeseries.SPLITS:
        starts = timeseries.window_starts(series, split, input_steps=8, horizon=4)
        owner = series.series_of_rows(starts)
        assert set(owner) == {0, 1}
        assert np.all(series.series_of_rows(starts - 8) == owner)  # the window's first row: the same series
        assert np.all(series.series_of_rows(starts + 3) == owner)
    test = timeseries.window_starts(series, "test", input_steps=8, horizon=4)
    assert (test[0], test[test < 100][-1], test[test >= 100][0], test[-1]) == (80, 96, 148, 156)
    # 50 rows of history: series b's train and validation rows come too early; its test rows have 50 before them.
    assert timeseries.short_series(series, input_steps=50, horizon=4) == {"train": ["b"], "validation": ["b"]}


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda rows: rows.insert(5, list(rows[4])), r"series 'a'.*1 row\(s\) repeat the timestamp.*line\(s\) \[7\]"),
        (
            lambda rows: rows.__setitem__(slice(9, 11), [rows[10], rows[9]]),
            r"series 'a'.*go backwards 1 time\(s\), first at line 12",
        ),
        (lambda rows: rows[3].__setitem__(0, "7"), r"mixes numbers and text, e.g. '7' at line 5 and 'a' at line 2"),
        (lambda rows: rows[3].__setitem__(0, ""), r"1 row\(s\) have an empty id in column 'store', first at line 5"),
    ],
)
def test_long_layout_errors_name_the_series_line_and_fix(tmp_path, edit, message):
    rows = long_rows({"a": 40, "b": 40})
    edit(rows)
    path = write_csv(tmp_path / "stores.csv", LONG_HEADER, rows)
    with pytest.raises(DataFormatError, match=message):
        timeseries.load_csv(path, "date", "OT", id_column="store")


def test_long_layout_needs_one_interval_an_id_column_and_fractions(tmp_path):
    rows = long_rows({"a": 40}) + [["b"] + row for row in series_rows(40, minutes=30)]
    path = write_csv(tmp_path / "stores.csv", LONG_HEADER, rows)
    with pytest.raises(DataFormatError, match=r"series 'b' is sampled every 30 min, the series before every 1 h"):
        timeseries.load_csv(path, "date", "OT", id_column="store")
    with pytest.raises(DataFormatError, match=r"has no id column 'shop'.*Fix: pass --id-column"):
        timeseries.load_csv(path, "date", "OT", id_column="shop")
    with pytest.raises(ValueError, match="three fractions of each series' rows"):
        timeseries.load_csv(path, "date", "OT", id_column="store", split=(20, 30, 40))
    with pytest.raises(ValueError, match="cannot be a time, target or feature column"):
        timeseries.load_csv(path, "date", "store", id_column="store")
