"""The recipe's settings (`TimeseriesForecastingConfig`), its result, and the series a config names."""

import csv
import dataclasses
import io
import typing
import zipfile
from pathlib import Path

from seqapps import configs, recipe_arguments
from seqapps.data import timeseries
from seqapps.tasks.timeseries_forecasting import intervals

MODEL_NAME = "timeseries_forecast"
MODELS = ("segment", "window")
LOSSES = ("mse", "mae")
# `target=["all"]`: every column is a target (the published benchmark setting).
ALL = "all"
# Defaults that depend on the model, filled in where the config leaves them `None`.
MODEL_DEFAULTS = {
    "segment": {
        "input_steps": 720,
        "units": 512,
        "dropout": 0.5,
        "learning_rate": 3e-4,
        "loss": "mae",
        "patience": 5,
        "learning_rate_decay": 0.8,
        "ema_momentum": 0.0,
    },
    "window": {
        "input_steps": 96,
        "units": 64,
        "dropout": 0.0,
        "learning_rate": 1e-3,
        "loss": "mse",
        "patience": 3,
        "learning_rate_decay": 1.0,
        "ema_momentum": 0.0,
    },
}
# Segments of 24 rows for data with at most 24 rows a day (hourly or coarser), else 48 (SegRNN's choice).
SEGMENT_LENGTHS = (24, 48)
_POSITIVE_INTEGERS = (
    "input_steps",
    "horizon",
    "units",
    "layers",
    "epochs",
    "batch_size",
    "patience",
    "segment_length",
    "ensemble",
)


@dataclasses.dataclass
class TimeseriesForecastingConfig:
    """Settings of the time-series forecasting recipe.

    Fields left `None` take the model's default (`MODEL_DEFAULTS`): for
    `model="segment"` 720 input steps, 512 units, dropout 0.5, Adam 3e-4, MAE
    loss, patience 5, learning rate x0.8 per epoch after the first two; for
    `model="window"` 96 steps, 64 units, no dropout, Adam 1e-3, MSE loss,
    patience 3, a constant learning rate.

    Args:
        dataset: preset name, a key of `seqapps.data.timeseries.PRESETS`
            (ignored when `csv` is given).
        csv: path of any CSV with a timestamp column, instead of a preset.
        data: explicit file of the preset (else `$SEQAPPS_DATA_DIR`, then the download).
        id_column: for a `csv` of many series in long layout (one row per
            series and timestamp), the column naming the series: one global
            model is trained across them, each series split chronologically
            and scaled on its own (`instance_scale`); series too short for a
            window are reported and skipped.
        time_column: timestamp column of `csv`, or comma-separated
            year,month,day[,hour...] columns.
        time_format: `strptime` format of `csv`'s timestamps (default ISO 8601).
        target: target column name(s), or `all` (every column a target, the
            published benchmark setting); default the preset's, required with `csv`.
        features: input column names; default every column but the time columns.
        missing: `error`, `interpolate` or `drop` (see `seqapps.data.timeseries`);
            default the preset's policy, `error` for `csv`.
        duplicates: `error` or `drop`; default the preset's, `error` for `csv`.
        categorical: `error`, `drop` or `one_hot`; default the preset's, `error` for `csv`.
        missing_values: numbers meaning "missing" in `csv`, e.g. `[-9999]`.
        split: train / validation / test fractions of `csv`'s rows.
        period: rows per season for the seasonal-naive baseline; default the
            preset's, for `csv` one day of rows.
        future_columns: columns of the file whose values are known for the
            forecast horizon (e.g. a planned load or a holiday flag; numeric,
            never missing): inputs like any feature, and the segment model
            also reads their values over the horizon (the export takes them as
            `future`).
        calendar_features: the segment model also reads the calendar
            position of each forecast row: sine and cosine of the hour of day,
            day of week and day of year of its timestamp (after the future
            columns in `future`; `seqapps.data.timeseries.calendar_features`
            computes them for a request).
        model: `segment` (default: SegRNN, channel-independent, see
            `seqapps.layers.SegmentRecurrentForecaster`) or `window` (a
            recurrent encoder over every column of the window, with a dense head).
        input_steps: rows the model reads per window (the linear baseline too);
            default 720 (`segment`) or 96 (`window`); a multiple of
            `segment_length` for the segment model.
        horizon: rows forecast per window.
        segment_length: rows per segment of the segment model; default 24, or
            48 for presets with more than 24 rows a day (ETTm1/2: 15 minutes,
            Weather: 10 minutes).
        channel_embedding: the segment model learns an embedding per target
            column (SegRNN's channel embedding).
        instance_scale: the segment model divides each window by its own
            spread and multiplies the forecast back (RevIN's scaling), so
            series of different magnitudes share the weights; default on with
            `id_column`, off otherwise.
        cell: recurrent layer kind, a name from `seqapps.layers.KINDS`.
        units: hidden units per recurrent layer (and of the segment embedding).
        layers: stacked recurrent layers (window model only).
        dropout: dropout on the encoder output (window) or before the output
            layer (segment).
        epochs: maximum training epochs (early stopping on validation MAE).
        batch_size: training batch size.
        learning_rate: Adam learning rate.
        learning_rate_decay: factor applied to the learning rate every epoch
            after the first two (1: constant).
        loss: training loss on the standardized targets, `mse` or `mae`.
        ema_momentum: keep an exponential moving average of the weights with
            this momentum (Keras `use_ema`); validation, early stopping, the
            checkpoints, the test score and the export use the averaged
            weights. A run of few steps averages with a lower momentum, so
            that its first weights wear off
            (`seqapps.training.averaging_momentum`). 0: no averaging.
        patience: epochs without validation improvement before stopping.
        linear_component: (window model) add the linear baseline's forecast (ridge, fitted in
            the same run, then frozen) to the head's output, so the recurrent
            part learns the residual of the linear forecast; `False` (default):
            the head forecasts the change from the last value.
        linear_blend: after training, blend the forecast with the linear
            baseline's (`(1 - w) * network + w * linear`, both fitted in the
            same run), the weight `w` of 0, 0.1, ..., 1 with the lowest
            validation MAE (0 keeps the network alone); the export holds the
            ridge as frozen layers. Training is unchanged. Off by default: on
            a short random walk, validation chose a large weight and the test
            MAE rose above persistence's (README, "Time-series forecasting").
        max_train_windows: train on at most this many windows, evenly spaced
            over the training split (`None`: all).
        windows_per_epoch: train each epoch on this many training windows
            (rounded up to whole batches), sampled anew each epoch (`None`: all).
        time_budget_minutes: stop training after the epoch that leaves too
            little of this many minutes for another (`None`: no limit); an
            ensemble shares it out between its members.
        ensemble: train this many models one after the other, the k-th with
            the seed `seed + k - 1`, each with an equal share of the time
            budget left, in `run_dir/member_<k>`; the forecast (and interval
            outputs) is their mean. A rerun with the same settings and data
            reuses the finished members; an interrupted member resumes. A
            search's trials train one model each; its retrain, the ensemble.
        quantiles: the lower and upper levels of the prediction interval
            (0.1 0.9: an 80% interval), returned by the export as `lower` /
            `upper` (see `interval`).
        interval: how the interval is made (see `intervals.py`): `conformal`
            (default: offsets of the forecast calibrated on the validation
            windows' residuals, split conformal, per horizon step and target;
            no change to the model), `pinball` (the model also outputs the
            two quantiles, trained with the point forecast by the pinball
            loss) or `pinball_conformal` (those outputs widened or narrowed by
            the conformal quantile of the validation windows' scores,
            conformalized quantile regression).
        export_root: where the servable model is written (`<root>/timeseries_forecast/<version>/`).
        run_dir: checkpoints, TensorBoard logs, `history.png`, `forecast.png`,
            `metrics.json`, `series.json`, `example_request.json` and
            `model.keras` (raw window -> raw forecast).
        restart: discard the backup of an interrupted run and start over.
        seed: seed of the shuffling and the weights.
        verbose: Keras `fit` verbosity (2: one line per epoch).

    `PRESETS["quick"]`: a small model (16 units) on 2000 training windows
    for one epoch, a smoke run.
    """

    dataset: str = "etth1"
    csv: str = None
    data: str = None
    id_column: str = None
    time_column: str = "date"
    time_format: str = None
    target: list = None
    features: list = None
    missing: str = None
    duplicates: str = None
    categorical: str = None
    missing_values: list = None
    split: tuple = timeseries.DEFAULT_SPLIT
    period: int = None
    future_columns: list = None
    calendar_features: bool = False
    model: str = "segment"
    input_steps: int = None
    horizon: int = 24
    segment_length: int = None
    channel_embedding: bool = True
    instance_scale: bool = None
    cell: str = "gru"
    units: int = None
    layers: int = 1
    dropout: float = None
    epochs: int = 20
    batch_size: int = 64
    learning_rate: float = None
    learning_rate_decay: float = None
    loss: str = None
    ema_momentum: float = None
    patience: int = None
    linear_component: bool = False
    linear_blend: bool = False
    max_train_windows: int = None
    windows_per_epoch: int = None
    time_budget_minutes: float = None
    ensemble: int = 1
    quantiles: tuple = intervals.DEFAULT_QUANTILES
    interval: str = intervals.DEFAULT_INTERVAL
    export_root: str = "saved_models"
    run_dir: str = "runs/timeseries_forecasting"
    restart: bool = False
    seed: int = 1337
    verbose: int = 2

    PRESETS: typing.ClassVar[dict] = {"quick": {"epochs": 1, "units": 16, "max_train_windows": 2000}}
    RESUMABLE_CHANGES: typing.ClassVar[tuple] = configs.DEFAULT_RESUMABLE_CHANGES + (
        "time_budget_minutes",
        "quantiles",
        "linear_blend",
    )

    def __post_init__(self):
        if self.csv is None and self.dataset not in timeseries.PRESETS:
            raise ValueError(
                f"Unknown dataset {self.dataset!r}: choose from {', '.join(timeseries.PRESETS)}, "
                "or pass csv=... (--csv) for your own file."
            )
        if self.csv is not None and not self.target:
            raise ValueError(
                "With csv=... (--csv) name the column(s) to forecast with target=... (--target), or `all`."
            )
        if self.id_column is not None and self.csv is None:
            raise ValueError("id_column (--id-column) names the series of your own file: pass it with csv=... (--csv).")
        if self.instance_scale is None:
            self.instance_scale = self.id_column is not None and self.model == "segment"
        if self.model not in MODELS:
            raise ValueError(f"`model` must be one of {', '.join(MODELS)}, got {self.model!r}.")
        for name, value in MODEL_DEFAULTS[self.model].items():
            if getattr(self, name) is None:
                setattr(self, name, value)
        if self.segment_length is None:
            period = self.period if self.csv is not None else self.period or timeseries.PRESETS[self.dataset].period
            self.segment_length = SEGMENT_LENGTHS[1] if period and period > 24 else SEGMENT_LENGTHS[0]
        recipe_arguments.check_cell_and_sizes(self, _POSITIVE_INTEGERS)
        for name in ("period", "max_train_windows", "windows_per_epoch"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                raise ValueError(f"`{name}` must be a positive integer or None, got {value!r}.")
        for name, choices in (
            ("missing", timeseries.MISSING_POLICIES),
            ("duplicates", timeseries.DUPLICATE_POLICIES),
            ("categorical", timeseries.CATEGORICAL_POLICIES),
        ):
            if getattr(self, name) not in (None,) + choices:
                raise ValueError(f"`{name}` must be one of {', '.join(choices)}, got {getattr(self, name)!r}.")
        if self.loss not in LOSSES:
            raise ValueError(f"`loss` must be one of {', '.join(LOSSES)}, got {self.loss!r}.")
        if not 0 < self.learning_rate_decay <= 1:
            raise ValueError(f"`learning_rate_decay` must be in (0, 1], got {self.learning_rate_decay!r}.")
        self.quantiles = intervals.check_quantiles(self.quantiles)
        intervals.check_interval(self.interval)
        if isinstance(self.target, str):
            self.target = [self.target]
        if self.target and ALL in self.target and len(self.target) > 1:
            raise ValueError(f"target={self.target!r}: `all` stands alone (every column a target).")
        if isinstance(self.future_columns, str):
            self.future_columns = [self.future_columns]
        forecast = sorted(set(self.future_columns or ()) & set(self.target or ()))
        if forecast:
            raise ValueError(
                f"{forecast} are both target and future columns: a future column is known in advance, never "
                "forecast. Fix: leave them out of target (--target) or of future_columns (--future-columns)."
            )
        if self.model == "window" and (self.future_columns or self.calendar_features):
            raise ValueError(
                "future_columns and calendar_features (covariates known in advance) feed the segment model's "
                "decoder; the window model has none. Fix: use model='segment' (--model segment), or leave them out."
            )
        if self.model == "segment":
            if self.input_steps % self.segment_length:
                multiples = ", ".join(str(self.segment_length * count) for count in (1, 2, 15, 30))
                raise ValueError(
                    f"input_steps={self.input_steps} is not a multiple of segment_length={self.segment_length}: "
                    f"the segment model reads whole segments; use e.g. {multiples} (or --segment-length)."
                )
            for name, value, default in (
                ("layers", self.layers, 1),
                ("linear_component", self.linear_component, False),
            ):
                if value != default:
                    raise ValueError(f"`{name}`={value!r} applies to model='window' only (--model window).")
        elif self.instance_scale:
            raise ValueError("`instance_scale`=True applies to model='segment' only (--model segment).")

    @property
    def quantile_outputs(self):
        """Whether the model outputs the interval's bounds (`interval` `pinball` or `pinball_conformal`)."""
        return self.interval != "conformal"

    @property
    def every_column(self):
        """Whether every column is a target (`target=["all"]`)."""
        return self.target == [ALL]


@dataclasses.dataclass
class TimeseriesForecastingResult:
    """What `train` measured and wrote.

    `metrics[split][name]` (split `validation` / `test`, name `model` or a
    baseline) holds `mae`, `mse` (file units), `normalized_mae`,
    `normalized_mse` (averaged), the same per horizon step (`*_per_step`),
    and `mae_per_target` / `mse_per_target` (file units, in the order of the
    run's target columns). `linear_weight`: the linear baseline's weight in
    the blend (`linear_blend`; 0 without it).
    """

    metrics: dict
    best_baseline: str
    improvement_percent: float
    epochs_trained: int
    epoch_seconds: list
    export_path: Path
    run_dir: Path
    notes: tuple
    linear_weight: float = 0.0


def _csv_columns(path):
    """The header of a CSV file (or of the single CSV inside a zip)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [name for name in archive.namelist() if name.lower().endswith(".csv")]
            first_line = archive.read(members[0]).decode("utf-8-sig").splitlines()[0] if members else ""
    else:
        with open(path, encoding="utf-8-sig") as file:
            first_line = file.readline()
    return next(csv.reader(io.StringIO(first_line)), [])


def load_series(config):
    """The `TimeSeries` the config names (a preset or `csv`); with `target=["all"]` every column is a target
    (but the future columns)."""
    if config.csv is not None:
        time_column = config.time_column.split(",") if "," in config.time_column else config.time_column
        target = config.target
        if config.every_column:
            time_columns = time_column if isinstance(time_column, list) else [time_column]
            excluded = time_columns + [config.id_column] + list(config.future_columns or ())
            target = [name for name in config.features or _csv_columns(config.csv) if name not in excluded]
        return timeseries.load_csv(
            config.csv,
            time_column,
            target,
            config.features,
            time_format=config.time_format,
            split=tuple(config.split),
            missing=config.missing or "error",
            duplicates=config.duplicates or "error",
            categorical=config.categorical or "error",
            missing_values=tuple(config.missing_values or ()),
            period=config.period,
            id_column=config.id_column,
            future_columns=config.future_columns,
        )
    series = timeseries.load(
        config.dataset,
        config.data,
        target_columns=None if config.every_column else config.target,
        feature_columns=config.features,
        missing=config.missing,
        duplicates=config.duplicates,
        categorical=config.categorical,
        future_columns=config.future_columns,
    )
    if config.every_column:
        # Windows whose forecast holds an interpolated value of the preset's target stay left out.
        targets = tuple(name for name in series.feature_names if name not in series.future_names)
        series = dataclasses.replace(series, target_names=targets)
    return series
