"""IMDB sentiment: from raw review text to a servable classifier.

The recipe is `seqapps/recipes/imdb_sentiment.py`: what it trains, on which data, its baseline and the
result to expect are in its docstring and in `--help`. This script runs it, as `seqapps train
imdb_sentiment` does where only the package is installed.

    python recipes/imdb_sentiment.py --help
"""

import sys

from seqapps import console
from seqapps.recipes import imdb_sentiment

if __name__ == "__main__":
    sys.exit(console.run(imdb_sentiment.main))
