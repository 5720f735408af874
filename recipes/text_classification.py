"""Text classification of your own data: raw text in any language -> one of two or more classes.

The recipe is `seqapps/recipes/text_classification.py`: what it trains, on which data, its baseline and the
result to expect are in its docstring and in `--help`. This script runs it, as `seqapps train
text_classification` does where only the package is installed.

    python recipes/text_classification.py --help
"""

import sys

from seqapps import console
from seqapps.recipes import text_classification

if __name__ == "__main__":
    sys.exit(console.run(text_classification.main))
