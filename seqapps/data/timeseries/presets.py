"""The named datasets `load` knows (`PRESETS`): where each file is and how to read it."""

import dataclasses
from pathlib import Path

import keras

from seqapps.data import paths
from seqapps.data.timeseries.loading import DEFAULT_SPLIT, load_csv

JENA_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip"


@dataclasses.dataclass(frozen=True)
class Preset:
    """A dataset `load` knows: where its file is and how to read it.

    Attributes:
        name: preset name, the key in `PRESETS`.
        title: human-readable dataset name.
        relative_path: the file under `$SEQAPPS_DATA_DIR`.
        time_column: the timestamp column, or a tuple of year/month/day/hour columns.
        target: default target column.
        period: seasonal period in rows (one day), for the seasonal-naive baseline.
        split: see `load_csv`.
        feature_columns: input columns (`None`: every column but the time columns).
        time_format: `strptime` format of the timestamps (`None`: ISO 8601).
        missing, duplicates, unordered, categorical: the policies (see the module docstring).
        missing_values: numbers read as missing values.
        url: download address, for datasets `keras.utils.get_file` can fetch.
    """

    name: str
    title: str
    relative_path: str
    time_column: object
    target: str
    period: int
    split: tuple
    feature_columns: tuple = None
    time_format: str = None
    missing: str = "error"
    duplicates: str = "error"
    unordered: str = "error"
    categorical: str = "error"
    missing_values: tuple = ()
    url: str = None


_ETT_HOURLY_ROWS = (8640, 11520, 14400)


def _ett(name, title, minutes):
    factor = 60 // minutes
    return Preset(
        name=name,
        title=title,
        relative_path=f"timeseries/ETT-small/{title}.csv",
        time_column="date",
        target="OT",
        period=24 * factor,
        split=tuple(rows * factor for rows in _ETT_HOURLY_ROWS),
    )


PRESETS = {
    preset.name: preset
    for preset in (
        _ett("etth1", "ETTh1", 60),
        _ett("etth2", "ETTh2", 60),
        _ett("ettm1", "ETTm1", 15),
        _ett("ettm2", "ETTm2", 15),
        Preset(
            name="weather",
            title="Weather (Jena 2020)",
            relative_path="timeseries/weather/weather.csv",
            time_column="date",
            target="OT",
            period=144,
            split=DEFAULT_SPLIT,
            missing="interpolate",
            duplicates="drop",
            missing_values=(-9999.0,),
        ),
        Preset(
            name="beijing_pm25",
            title="Beijing PM2.5",
            relative_path="timeseries/beijing_pm25/PRSA_data_2010.1.1-2014.12.31.csv",
            time_column=("year", "month", "day", "hour"),
            target="pm2.5",
            period=24,
            split=DEFAULT_SPLIT,
            feature_columns=("pm2.5", "DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is", "Ir"),
            missing="interpolate",
            categorical="one_hot",
        ),
        Preset(
            name="jena_climate",
            title="Jena climate 2009-2016",
            relative_path="timeseries/jena_climate/jena_climate_2009_2016.csv.zip",
            time_column="Date Time",
            time_format="%d.%m.%Y %H:%M:%S",
            target="T (degC)",
            period=144,
            split=(0.5, 0.25, 0.25),
            missing="interpolate",
            duplicates="drop",
            unordered="sort",
            missing_values=(-9999.0,),
            url=JENA_URL,
        ),
    )
}


def load(
    name,
    path=None,
    *,
    target_columns=None,
    feature_columns=None,
    missing=None,
    duplicates=None,
    categorical=None,
    future_columns=None,
):
    """Loads a preset dataset (see `PRESETS`).

    Args:
        name: a key of `PRESETS`, e.g. `"etth1"`.
        path: explicit file to read instead of `$SEQAPPS_DATA_DIR/<relative path>`
            (and of the download).
        target_columns: targets instead of the preset's (a name or a list).
        feature_columns: input columns instead of the preset's.
        future_columns: columns known in advance (see `load_csv`).
        missing, duplicates, categorical: override the preset's policies.

    Returns:
        A `TimeSeries` whose `period` is the preset's.

    Raises:
        ValueError: unknown `name`.
        DataNotFoundError: the file is not at `path`, not under
            `$SEQAPPS_DATA_DIR`, and (for `jena_climate`) cannot be downloaded.
        DataFormatError: see `load_csv`.
    """
    if name not in PRESETS:
        raise ValueError(
            f"Unknown time-series dataset {name!r}. Presets: {', '.join(PRESETS)}; "
            f"for any other CSV use load_csv (recipe flag --csv)."
        )
    preset = PRESETS[name]
    found = paths.find_local(path, preset.relative_path, preset.title)
    if found is None:
        if preset.url is None:
            raise paths.not_found(preset.title, path, preset.relative_path, "no public download for this dataset")
        try:
            found = Path(keras.utils.get_file(fname=Path(preset.relative_path).name, origin=preset.url))
        except Exception as error:  # The download fails in many ways (no network, proxy, disk).
            raise paths.not_found(preset.title, path, preset.relative_path, error) from error
    return load_csv(
        found,
        preset.time_column,
        target_columns if target_columns is not None else preset.target,
        feature_columns if feature_columns is not None else preset.feature_columns,
        time_format=preset.time_format,
        split=preset.split,
        missing=missing or preset.missing,
        duplicates=duplicates or preset.duplicates,
        unordered=preset.unordered,
        categorical=categorical or preset.categorical,
        missing_values=preset.missing_values,
        period=preset.period,
        future_columns=future_columns,
    )
