"""Sequence sum: train every seqapps cell on a counting task and compare them.

What it does: generates random binary sequences (length 20 by default) and
trains one small model per recurrent cell to output how many ones each
sequence holds, then prints a table of cell, parameters, accuracy and
training seconds.
Data: generated in memory; nothing is downloaded.
Baseline: always predicting the most frequent sum (about 0.18 accuracy for
length 20).
Expected result: with the defaults (8 epochs, 32 units, 6-18 s per cell on
2 CPU cores) the gated cells (lstm, gru, peephole_lstm, layer_norm_lstm)
reach 0.95-1.0 test accuracy and elman about 0.75: counting needs memory
across all 20 steps.

    seqapps train sequence_sum --kinds lstm gru --epochs 5

Tuning: `--tune` searches the hyperparameters with keras-tuner instead
(`seqapps tune sequence_sum` does the same): the cell type, units, layers,
dropout, learning rate, batch size and direction, within the ranges of the
search-space flags (--kinds, --units, --batch-size and --learning-rate do not
apply; --length, --train-size, --epochs, --seed and --verbose do). The best
hyperparameters are retrained on train+validation and their test accuracy
reported; this recipe has no servable export.

    seqapps train sequence_sum --tune --max-trials 6 --max-epochs 4 --train-size 2000
"""

import sys

from seqapps import console, layers
from seqapps.recipes.runner import run_recipe
from seqapps.tasks.sequence_sum import SequenceSumConfig, run


def main(argv=None, prog=None):
    """Runs the recipe with the flags `argv` (default: the command line); `prog` names it in `--help`."""
    return run_recipe(
        argv,
        prog,
        recipe="sequence_sum",
        docstring=__doc__,
        config_class=SequenceSumConfig,
        train=run,
        choices={"kinds": layers.KINDS, "verbose": (0, 1, 2)},
        tune_help="search the hyperparameters instead of comparing --kinds",
    )


if __name__ == "__main__":
    sys.exit(console.run(main))
