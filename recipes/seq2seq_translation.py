"""Spanish -> English translation with an attentional recurrent encoder-decoder, exported for TF Serving.

The recipe is `seqapps/recipes/seq2seq_translation.py`: what it trains, on which data, its baseline and the
result to expect are in its docstring and in `--help`. This script runs it, as `seqapps train
seq2seq_translation` does where only the package is installed.

    python recipes/seq2seq_translation.py --help
"""

import sys

from seqapps import console
from seqapps.recipes import seq2seq_translation

if __name__ == "__main__":
    sys.exit(console.run(seq2seq_translation.main))
