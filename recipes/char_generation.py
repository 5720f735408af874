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

    python recipes/char_generation.py --quick
    seqapps predict saved_models/char_generator --json '{"prompt": ["ROMEO:"], "length": [200], "temperature": [0.8]}'
"""

import argparse
import sys

from seqapps import layers, recipe_arguments
from seqapps.data import shakespeare
from seqapps.tasks.char_generation import CharGenerationConfig, train


def main(argv=None):
    defaults = CharGenerationConfig()
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    data = parser.add_argument_group("data")
    data.add_argument("--text", default=defaults.text, help="UTF-8 text file to train on (default: Tiny Shakespeare)")
    data.add_argument(
        "--decode-errors",
        choices=shakespeare.DECODE_ERRORS,
        default=defaults.decode_errors,
        help="invalid UTF-8 in --text: an error, or replaced with U+FFFD",
    )
    data.add_argument(
        "--max-characters",
        type=int,
        default=defaults.max_characters,
        help="train on at most this many characters (default: the whole training part)",
    )
    model = parser.add_argument_group("model and training")
    model.add_argument("--cell", choices=layers.KINDS, default=defaults.cell, help="recurrent layer kind")
    model.add_argument("--units", type=int, default=defaults.units, help="units per recurrent layer")
    model.add_argument("--layers", type=int, default=defaults.layers, help="stacked recurrent layers")
    model.add_argument("--embedding-dim", type=int, default=defaults.embedding_dim)
    model.add_argument(
        "--ensemble",
        type=int,
        default=defaults.ensemble,
        help="train this many models (seeds --seed, --seed + 1, ...) and use the mean of their predictions",
    )
    model.add_argument("--dropout", type=float, default=defaults.dropout, help="dropout after each recurrent layer")
    model.add_argument(
        "--recurrent-dropout",
        type=float,
        default=defaults.recurrent_dropout,
        help="variational dropout of the hidden state inside each recurrent layer",
    )
    model.add_argument(
        "--tbptt",
        action=argparse.BooleanOptionalAction,
        default=defaults.tbptt,
        help="stateful truncated BPTT over contiguous streams instead of independent windows",
    )
    model.add_argument(
        "--sequence-length",
        type=int,
        default=defaults.sequence_length,
        help="characters per training window (the BPTT length)",
    )
    model.add_argument("--batch-size", type=int, default=defaults.batch_size)
    model.add_argument("--epochs", type=int, default=defaults.epochs, help="maximum epochs (early stopping)")
    model.add_argument(
        "--time-budget-minutes",
        type=float,
        default=defaults.time_budget_minutes,
        help="train for at most this many minutes, with the learning-rate decay planned to end then",
    )
    model.add_argument(
        "--learning-rate",
        type=float,
        default=defaults.learning_rate,
        help="peak learning rate (cosine decay to 5%% of it)",
    )
    model.add_argument("--clipnorm", type=float, default=defaults.clipnorm, help="clip gradients to this global norm")
    model.add_argument(
        "--weight-decay",
        type=float,
        default=defaults.weight_decay,
        help="decoupled (AdamW) weight decay of the embedding and kernels",
    )
    model.add_argument(
        "--ema-momentum",
        type=float,
        default=defaults.ema_momentum,
        help="validate, checkpoint and export a moving average of the weights with this momentum (0: none)",
    )
    model.add_argument(
        "--jit-compile",
        action=argparse.BooleanOptionalAction,
        default=defaults.jit_compile,
        help="compile the training step with XLA",
    )
    model.add_argument(
        "--patience", type=int, default=defaults.patience, help="epochs without validation improvement before stopping"
    )
    model.add_argument("--quick", action="store_true", help="one small model, 200,000 characters, one epoch")
    sampling = parser.add_argument_group("samples")
    sampling.add_argument(
        "--prompt", default=defaults.prompt, help="prompt of the per-epoch samples (default: the first validation line)"
    )
    sampling.add_argument("--sample-length", type=int, default=defaults.sample_length)
    sampling.add_argument("--temperature", type=float, default=defaults.temperature)
    sampling.add_argument(
        "--top-k",
        type=int,
        default=defaults.top_k,
        help="sample among the k most likely characters (also in the export)",
    )
    sampling.add_argument(
        "--top-p",
        type=float,
        default=defaults.top_p,
        help="nucleus sampling: the most likely characters holding this probability (also in the export)",
    )
    recipe_arguments.add_output_arguments(parser, defaults)
    arguments = parser.parse_args(argv)
    config = recipe_arguments.config_from_arguments(CharGenerationConfig, arguments, parser)
    train(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
