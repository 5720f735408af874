"""Sequence sum: train every seqapps cell on a counting task and compare them.

The recipe is `seqapps/recipes/sequence_sum.py`: what it trains, on which data, its baseline and the
result to expect are in its docstring and in `--help`. This script runs it, as `seqapps train
sequence_sum` does where only the package is installed.

    python recipes/sequence_sum.py --help
"""

import sys

from seqapps import console
from seqapps.recipes import sequence_sum

if __name__ == "__main__":
    sys.exit(console.run(sequence_sum.main))
