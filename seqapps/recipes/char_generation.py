"""Character-level text generation (Tiny Shakespeare, or any UTF-8 text), exported for TF Serving.

What it does: trains a stacked recurrent language model that predicts the
next character, prints a generated sample after every epoch, scores the
validation and test text in nats and bits per character, and exports a
SavedModel to `<export-root>/char_generator/<version>/`. Its
`serving_default` takes `prompt` (string [batch]), `length` (int32 [batch],
1 to 10,000) and `temperature` (float32 [batch], > 0) and returns `text`
(the continuation); a `step` signature takes and returns the recurrent state
for clients that stream. Generation runs in the graph, one step per
character with the state carried.
Data: Tiny Shakespeare (1.1 M characters) from `$SEQAPPS_DATA_DIR/tinyshakespeare/input.txt`
or the tfds download, or any text file (`--text FILE`), split 90/5/5 in file order.
Baseline: a uniform guess over the 65 characters scores ln 65 = 4.17
nats/char; nanoGPT's character Transformer reports 1.47 nats/char
(validation, A100) and 1.88 in its small CPU configuration.
Expected result: see BENCHMARKS.md ("Character generation") for the default
configuration's test loss and training time; `--quick` (one small model, 200,000
characters, one epoch) only checks that everything runs, in about a minute on 2 cores.

    seqapps train char_generation --quick
    seqapps predict saved_models/char_generator --json '{"prompt": ["ROMEO:"], "length": [200], "temperature": [0.8]}'

Tuning: `--tune` searches the hyperparameters with keras-tuner instead
(`seqapps tune char_generation` does the same), minimizing the validation
nats per character (`val_loss`): the cell, units, layers, dropout, learning
rate, batch size, sequence length and weight average, within the
search-space flags; the data flags apply. `--trial-minutes` gives each trial
a time budget, its cosine learning-rate decay planned to end with it. The
best hyperparameters are retrained by the recipe and exported.

    seqapps train char_generation --tune --quick --max-trials 3 --trial-minutes 2

Data-parallel training: `--devices N` (one process) or `--workers N` (local
worker processes; several machines through `TF_CONFIG`), on independent
windows (`--no-tbptt`): truncated BPTT's stateful streams cannot be split
between replicas.

    seqapps train char_generation --quick --no-tbptt --devices 2
"""

import sys

from seqapps import console, layers
from seqapps.data import shakespeare
from seqapps.recipes.runner import run_recipe
from seqapps.tasks.char_generation import CharGenerationConfig, train

GROUPS = {
    "data": ("text", "decode_errors", "max_characters"),
    "model and training": (
        "cell",
        "units",
        "layers",
        "embedding_dim",
        "ensemble",
        "dropout",
        "recurrent_dropout",
        "tbptt",
        "sequence_length",
        "batch_size",
        "epochs",
        "time_budget_minutes",
        "learning_rate",
        "clipnorm",
        "weight_decay",
        "ema_momentum",
        "jit_compile",
        "patience",
        "verbose",
    ),
    "samples": ("prompt", "sample_length", "temperature", "top_k", "top_p"),
    "outputs": ("export_root", "run_dir", "restart", "seed"),
}


def main(argv=None, prog=None):
    """Runs the recipe with the flags `argv` (default: the command line); `prog` names it in `--help`."""
    return run_recipe(
        argv,
        prog,
        recipe="char_generation",
        docstring=__doc__,
        config_class=CharGenerationConfig,
        train=train,
        groups=GROUPS,
        choices={"cell": layers.KINDS, "decode_errors": shakespeare.DECODE_ERRORS, "verbose": (0, 1, 2)},
        distributable=True,
    )


if __name__ == "__main__":
    sys.exit(console.run(main))
