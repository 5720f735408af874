"""Multivariate time-series forecasting with honest baselines, exported for TF Serving.

The recipe is `seqapps/recipes/timeseries_forecasting.py`: what it trains, on which data, its baseline and the
result to expect are in its docstring and in `--help`. This script runs it, as `seqapps train
timeseries_forecasting` does where only the package is installed.

    python recipes/timeseries_forecasting.py --help
"""

import sys

from seqapps import console
from seqapps.recipes import timeseries_forecasting

if __name__ == "__main__":
    sys.exit(console.run(timeseries_forecasting.main))
