"""Prediction intervals: split conformal, quantile outputs (pinball loss) or both, and their test coverage.

Three methods (`INTERVALS`, the recipe's `--interval`):

- `conformal` (`ConformalInterval`, the default): the interval of a forecast is `forecast + offset`, with one lower
  and one upper offset per horizon step and target: the `quantiles` (0.1 and 0.9 by default, an 80% interval) of
  the validation residuals `truth - forecast` of the trained model (split conformal prediction, Vovk et al. 2005;
  per step as in Stankeviciute et al., NeurIPS 2021). It needs no change to the model or its loss, works for
  every model and setting of the recipe, and its coverage holds wherever the test errors are distributed like the
  validation errors. The offsets are kept on both sides of zero (lower <= 0 <= upper), so the bounds never cross
  the forecast; the quantiles are taken conservatively (the next residual outward).
- `pinball` (`QuantileInterval`): the model itself outputs the lower and upper quantiles (`forecast - softplus(a)`,
  `forecast + softplus(b)` in the standardized space, so they never cross the forecast), trained jointly with the
  point forecast by the pinball loss (`pinball_loss`); the interval can follow how hard each window is, but
  nothing checks its coverage.
- `pinball_conformal` (`QuantileInterval`): conformalized quantile regression (Romano et al., NeurIPS 2019): the
  pinball bounds moved out (or in) by the conformal quantile of the validation scores
  `max(lower - truth, truth - upper)`, per horizon step and target; still never across the forecast.

`conformal` is the default, from `benchmarks.forecast_intervals` on ETTh1, ETTh2 and ETTm1: the quantile
outputs gave narrower intervals, but training them cost the point forecast 1.6% test MAE on ETTh1, and no method
met the nominal coverage where the test period is calmer than the validation period (BENCHMARKS.md).
"""

import dataclasses

import numpy as np

DEFAULT_QUANTILES = (0.1, 0.9)
INTERVALS = ("conformal", "pinball", "pinball_conformal")
DEFAULT_INTERVAL = "conformal"
# Below this many validation windows the recipe warns that the interval's coverage is rough.
FEW_CALIBRATION_WINDOWS = 100


def check_quantiles(quantiles):
    """`quantiles` as a (lower, upper) pair of floats in (0, 1), lower < upper; else a `ValueError` naming them."""
    values = tuple(quantiles) if isinstance(quantiles, (list, tuple)) else (quantiles,)
    if (
        len(values) != 2
        or not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values)
        or not all(0 < value < 1 for value in values)
        or not values[0] < values[1]
    ):
        raise ValueError(
            f"`quantiles` must be two levels strictly between 0 and 1, lower first (e.g. 0.1 0.9 for an 80% "
            f"interval), got {quantiles!r}. Fix: pass --quantiles LOWER UPPER."
        )
    return tuple(float(value) for value in values)


def check_interval(interval):
    """`interval` if it is one of `INTERVALS`, else a `ValueError` naming the choices."""
    if interval not in INTERVALS:
        raise ValueError(
            f"`interval` must be one of {', '.join(INTERVALS)}, got {interval!r}. Fix: pass --interval "
            f"{' / '.join(INTERVALS)}."
        )
    return interval


def pinball_loss(truth, bound, quantile):
    """The pinball (quantile) loss of `bound` as the `quantile` q of `truth`, per value: `max(q r, (q - 1) r)` with
    `r = truth - bound` (its mean is minimal where `bound` is the q-quantile). Numpy arrays and tensors alike.
    """
    residual = truth - bound
    return (quantile * residual + (quantile - 1) * residual + abs(residual)) / 2


def conformal_quantile(scores, coverage):
    """Per horizon step and target, the `ceil((n + 1) * coverage)`-th smallest of the `n` validation `scores`
    ([windows, horizon, targets]): split conformal's finite-sample quantile (the largest score when that rank
    passes `n`)."""
    scores = np.sort(np.asarray(scores, np.float64), axis=0)
    rank = min(int(np.ceil((len(scores) + 1) * coverage - 1e-9)), len(scores))
    return scores[rank - 1]


@dataclasses.dataclass
class ConformalInterval:
    """Interval offsets per horizon step and target, in file units.

    Attributes:
        quantiles: the (lower, upper) levels.
        lower: float array [horizon, targets], <= 0: added to the forecast for the lower bound.
        upper: float array [horizon, targets], >= 0: added to the forecast for the upper bound.
        calibration_windows: how many validation windows calibrated it.
    """

    quantiles: tuple
    lower: np.ndarray
    upper: np.ndarray
    calibration_windows: int

    @classmethod
    def calibrate(cls, forecast, truth, quantiles=DEFAULT_QUANTILES):
        """Offsets from the residuals of `forecast` against `truth` ([windows, horizon, targets], file units)."""
        quantiles = check_quantiles(quantiles)
        residuals = np.asarray(truth, np.float64) - np.asarray(forecast, np.float64)
        if residuals.ndim != 3 or not len(residuals):
            raise ValueError(f"Calibration needs residuals [windows, horizon, targets], got shape {residuals.shape}.")
        lower = np.quantile(residuals, quantiles[0], axis=0, method="lower")
        upper = np.quantile(residuals, quantiles[1], axis=0, method="higher")
        return cls(
            quantiles=quantiles,
            lower=np.minimum(lower, 0.0),
            upper=np.maximum(upper, 0.0),
            calibration_windows=len(residuals),
        )

    @property
    def coverage(self):
        """The nominal coverage, e.g. 0.8 for (0.1, 0.9)."""
        return self.quantiles[1] - self.quantiles[0]

    def bounds(self, forecast, *model_bounds):
        """(lower, upper) bounds of `forecast` ([windows, horizon, targets], file units); a model's own bounds
        (`model_bounds`, of a model with quantile outputs) are not used."""
        forecast = np.asarray(forecast)
        return forecast + self.lower.astype(forecast.dtype), forecast + self.upper.astype(forecast.dtype)

    def describe(self):
        return (
            f"{self.coverage:.0%} interval (quantiles {self.quantiles[0]:g} / {self.quantiles[1]:g} of the "
            f"validation residuals, split conformal, {self.calibration_windows:,} windows)"
        )

    def to_json(self):
        return {
            "interval": "conformal",
            "method": "split conformal, per horizon step and target, on the validation windows",
            "quantiles": list(self.quantiles),
            "calibration_windows": self.calibration_windows,
            "lower": self.lower.tolist(),
            "upper": self.upper.tolist(),
        }


@dataclasses.dataclass
class QuantileInterval:
    """The model's own bounds (pinball outputs), optionally conformalized (CQR), in file units.

    Attributes:
        quantiles: the (lower, upper) levels the outputs were trained for.
        conformal: whether the bounds are conformalized on the validation windows.
        lower: float array [horizon, targets], added to the model's lower bound (`-Q`; zeros without `conformal`).
        upper: float array [horizon, targets], added to the model's upper bound (`+Q`).
        calibration_windows: how many validation windows calibrated it (`None` without `conformal`).
    """

    quantiles: tuple
    conformal: bool
    lower: np.ndarray
    upper: np.ndarray
    calibration_windows: int = None

    @classmethod
    def calibrate(cls, forecast, lower, upper, truth, quantiles=DEFAULT_QUANTILES, conformal=True):
        """The correction `Q` of the model's bounds (`lower`, `upper`, [windows, horizon, targets], file units)
        from the validation `truth`: the conformal quantile of `max(lower - truth, truth - upper)`; without
        `conformal`, none."""
        quantiles = check_quantiles(quantiles)
        truth, lower, upper = (np.asarray(values, np.float64) for values in (truth, lower, upper))
        if truth.ndim != 3 or not len(truth) or lower.shape != truth.shape or upper.shape != truth.shape:
            raise ValueError(
                f"Calibration needs bounds and truth [windows, horizon, targets] of one shape, got {lower.shape}, "
                f"{upper.shape} and {truth.shape}."
            )
        if not conformal:
            zeros = np.zeros(truth.shape[1:])
            return cls(quantiles=quantiles, conformal=False, lower=zeros, upper=zeros)
        correction = conformal_quantile(np.maximum(lower - truth, truth - upper), quantiles[1] - quantiles[0])
        return cls(
            quantiles=quantiles, conformal=True, lower=-correction, upper=correction, calibration_windows=len(truth)
        )

    @property
    def coverage(self):
        """The nominal coverage, e.g. 0.8 for (0.1, 0.9)."""
        return self.quantiles[1] - self.quantiles[0]

    @property
    def method(self):
        return "pinball_conformal" if self.conformal else "pinball"

    def bounds(self, forecast, lower, upper):
        """(lower, upper) bounds from the model's outputs ([windows, horizon, targets], file units), corrected,
        and never across the forecast."""
        forecast = np.asarray(forecast)
        return (
            np.minimum(np.asarray(lower) + self.lower.astype(forecast.dtype), forecast),
            np.maximum(np.asarray(upper) + self.upper.astype(forecast.dtype), forecast),
        )

    def describe(self):
        trained = (
            f"{self.coverage:.0%} interval (quantile outputs {self.quantiles[0]:g} / {self.quantiles[1]:g} trained "
            "with the pinball loss"
        )
        if not self.conformal:
            return trained + ")"
        return trained + f", conformalized on {self.calibration_windows:,} validation windows)"

    def to_json(self):
        return {
            "interval": self.method,
            "method": "quantile outputs trained with the pinball loss"
            + (", conformalized per horizon step and target on the validation windows" if self.conformal else ""),
            "quantiles": list(self.quantiles),
            "calibration_windows": self.calibration_windows,
            "lower": self.lower.tolist(),
            "upper": self.upper.tolist(),
        }


def calibrate(interval, outputs, truth, quantiles=DEFAULT_QUANTILES):
    """The interval of method `interval` (one of `INTERVALS`) from the model's validation `outputs` (`(forecast,)`
    or `(forecast, lower, upper)`, file units) and `truth`; its `bounds(*outputs)` gives the bounds of any outputs."""
    check_interval(interval)
    if interval == "conformal":
        return ConformalInterval.calibrate(outputs[0], truth, quantiles)
    if len(outputs) != 3:
        raise ValueError(
            f"interval={interval!r} needs a model with quantile outputs (trained with --interval {interval}); "
            "this one forecasts a point only. Fix: use --interval conformal, or train with quantile outputs."
        )
    return QuantileInterval.calibrate(*outputs, truth, quantiles, conformal=interval == "pinball_conformal")


def from_json(saved):
    """The interval saved by `to_json` (in `metrics.json`)."""
    lower, upper = np.asarray(saved["lower"]), np.asarray(saved["upper"])
    quantiles = tuple(saved["quantiles"])
    if saved.get("interval", "conformal") == "conformal":
        return ConformalInterval(quantiles, lower, upper, saved["calibration_windows"])
    return QuantileInterval(
        quantiles, saved["interval"] == "pinball_conformal", lower, upper, saved["calibration_windows"]
    )


def interval_metrics(lower, upper, truth, target_std):
    """Empirical coverage (the share of true values inside [lower, upper]) and mean width, averaged and per step.

    Widths are in file units and standardized (divided by each target's training standard deviation).
    """
    truth = np.asarray(truth, np.float64)
    lower, upper = np.asarray(lower, np.float64), np.asarray(upper, np.float64)
    inside = (truth >= lower) & (truth <= upper)
    width = upper - lower
    return {
        "coverage": float(np.mean(inside)),
        "coverage_per_step": np.mean(inside, axis=(0, 2)).tolist(),
        "mean_width": float(np.mean(width)),
        "normalized_mean_width": float(np.mean(width / np.asarray(target_std, np.float64))),
    }
