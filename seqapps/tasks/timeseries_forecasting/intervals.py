"""Prediction intervals: split-conformal bounds calibrated on the validation windows, and their test coverage.

The interval of a forecast is `forecast + offset`, with one lower and one upper
offset per horizon step and target: the `quantiles` (0.1 and 0.9 by default,
an 80% interval) of the validation residuals `truth - forecast` of the trained
model (split conformal prediction, Vovk et al. 2005; per step as in Stankeviciute
et al., NeurIPS 2021). It needs no change to the model or its loss, works for
every model and setting of the recipe, and its coverage holds wherever the
test errors are distributed like the validation errors. The offsets are kept
on both sides of zero (lower <= 0 <= upper), so the bounds never cross the
forecast; the quantiles are taken conservatively (the next residual outward).
"""

import dataclasses

import numpy as np

DEFAULT_QUANTILES = (0.1, 0.9)
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

    def bounds(self, forecast):
        """(lower, upper) bounds of `forecast` ([windows, horizon, targets], file units)."""
        forecast = np.asarray(forecast)
        return forecast + self.lower.astype(forecast.dtype), forecast + self.upper.astype(forecast.dtype)

    def describe(self):
        return (
            f"{self.coverage:.0%} interval (quantiles {self.quantiles[0]:g} / {self.quantiles[1]:g} of the "
            f"validation residuals, split conformal, {self.calibration_windows:,} windows)"
        )

    def to_json(self):
        return {
            "method": "split conformal, per horizon step and target, on the validation windows",
            "quantiles": list(self.quantiles),
            "calibration_windows": self.calibration_windows,
            "lower": self.lower.tolist(),
            "upper": self.upper.tolist(),
        }


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
