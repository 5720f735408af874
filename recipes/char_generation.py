"""Character-level text generation (Tiny Shakespeare, or any UTF-8 text), exported for TF Serving.

The recipe is `seqapps/recipes/char_generation.py`: what it trains, on which data, its baseline and the
result to expect are in its docstring and in `--help`. This script runs it, as `seqapps train
char_generation` does where only the package is installed.

    python recipes/char_generation.py --help
"""

import sys

from seqapps import console
from seqapps.recipes import char_generation

if __name__ == "__main__":
    sys.exit(console.run(char_generation.main))
