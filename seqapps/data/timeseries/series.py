"""The cleaned, split time series every loader returns (`TimeSeries`) and the split names."""

import dataclasses

import numpy as np

SPLITS = ("train", "validation", "test")


@dataclasses.dataclass(frozen=True)
class TimeSeries:
    """A cleaned multivariate series on a regular time grid, split chronologically.

    Attributes:
        values: float32 `(rows, features)`, every input feature in file units,
            the targets included; never NaN or infinite.
        timestamps: `datetime64[s]` `(rows,)`, increasing.
        feature_names: names of the columns of `values` (one-hot columns are `name=value`).
        target_names: the forecast targets, a subset of `feature_names`.
        frequency: the sampling interval, a `numpy.timedelta64`.
        segments: int `(rows,)`, id of the run of consecutive grid points a
            row belongs to (all 0 unless rows were dropped); windows never span two.
        target_imputed: bool `(rows,)`, True where a target value was interpolated.
        borders: `(train_end, validation_end, test_end)` row indices: train is
            rows `[0, train_end)`, validation `[train_end, validation_end)`,
            test `[validation_end, test_end)`; later rows are unused.
        period: rows per season (e.g. 24 for hourly data) or `None` when unknown.
        source: the file read.
        notes: what was found and done while reading, one sentence each.
        series_names: for a file of many series (`load_csv(..., id_column=...)`),
            the id of each series, in file order; empty for one series.
        series_borders: for many series, `(start, train_end, validation_end,
            test_end)` rows of each series: the series are stacked one after the
            other in `values` (each its own run of `segments`, so no window spans
            two), and each is split chronologically on its own; `borders` then
            holds the last series' borders and is not used.
        future_names: the columns of `values` known in advance of the forecast
            (`load_csv(..., future_columns=...)`), never missing in the file.
    """

    values: np.ndarray
    timestamps: np.ndarray
    feature_names: tuple
    target_names: tuple
    frequency: np.timedelta64
    segments: np.ndarray
    target_imputed: np.ndarray
    borders: tuple
    period: int
    source: str
    notes: tuple
    series_names: tuple = ()
    series_borders: tuple = ()
    future_names: tuple = ()

    @property
    def target_indices(self):
        """Indices of the targets among the columns of `values`."""
        return tuple(self.feature_names.index(name) for name in self.target_names)

    @property
    def future_indices(self):
        """Indices of the future columns among the columns of `values`."""
        return tuple(self.feature_names.index(name) for name in self.future_names)

    @property
    def targets(self):
        """float32 `(rows, targets)`: the target columns of `values`."""
        return self.values[:, list(self.target_indices)]

    def series_of_rows(self, rows):
        """The index in `series_names` of the series each row belongs to (all 0 for one series)."""
        if not self.series_borders:
            return np.zeros(len(rows), dtype=np.int64)
        starts = np.array([start for start, *_ in self.series_borders])
        return np.searchsorted(starts, np.asarray(rows), side="right") - 1

    def statistics(self, values=None):
        """Per-column mean and standard deviation (float32 `(columns,)`) of the training rows.

        Of `values` (default the series' own; any float matrix with a row per
        row of the series, e.g. `future_covariates`). A column constant over the
        training rows gets standard deviation 1.
        """
        values = self.values if values is None else values
        if self.series_borders:
            rows = np.concatenate([np.arange(start, train_end) for start, train_end, *_ in self.series_borders])
            train = values[rows].astype(np.float64)
        else:
            train = values[: self.borders[0]].astype(np.float64)
        mean, std = train.mean(axis=0), train.std(axis=0)
        std[std < 1e-6 * np.maximum(1.0, np.abs(mean))] = 1.0
        return mean.astype(np.float32), std.astype(np.float32)
