"""Benchmark: training and inference speed of every recurrent layer kind, against the Keras built-ins.

For each kind in `seqapps.layers.KINDS` (the seqapps cells in
`keras.layers.RNN`, and `keras.layers.LSTM` / `GRU` / `SimpleRNN`), at each
(batch, steps, input features, units) size of `SIZES`, with and without a
padding mask (right-padded sequences of random lengths between half and all
of `steps`, masked with `keras.layers.Masking`), it builds
`Input -> [Masking] -> recurrent(kind, units) -> Dense(1)`, compiled with Adam
and MSE as a user would (Keras' default `jit_compile`), and measures:

- training throughput: sequences per second of `train_on_batch`, the median
  of `--repeats` timed calls after `--warmup` calls;
- inference throughput: the same for `predict_on_batch`;
- the achieved GFLOP/s of training (forward + backward counted as 3 times the
  forward multiply-adds of the recurrent layer: 2 x gates x units x
  (features + units) per step), next to the machine's float32 matrix-multiply
  peak measured here (a 1024 x 1024 `tf.linalg.matmul`, median of 20).

Two references show how much room is left:

- `tf_block_lstm`: TensorFlow's fused C++ LSTM kernel (`BlockLSTMV2`, the
  whole sequence and its gradient in one op each, the "fused gate kernel"
  lever; TensorFlow only, so not a seqapps kind), unmasked sizes only (it has
  no per-sequence mask);
- the step-matmul ceiling: the GFLOP/s of `steps` dependent products of the
  shape one recurrent step multiplies ([batch, features + units] x
  [features + units, gates x units]), which no implementation of the same
  equations can beat by much, since those products are most of its work.

It also prints the speed ratios seqapps `lstm` / `keras_lstm`, `gru` /
`keras_gru` and `tf_block_lstm` / `keras_lstm`, measured in the same run
(issue 9 target: >= 1.5 for training).
Writes the "Recurrent layer speed" section of BENCHMARKS.md and
benchmarks/results/cells.json.

    python -m benchmarks.cells
    python -m benchmarks.cells --kinds lstm keras_lstm --repeats 5
"""

import argparse
import statistics
import sys
import time

from benchmarks import reporting

NAME = "cells"
TITLE = "Recurrent layer speed"
SIZES = ((64, 100, 64, 128), (32, 200, 128, 256))
GATES = {
    "elman": 1,
    "lstm": 4,
    "gru": 3,
    "peephole_lstm": 4,
    "layer_norm_lstm": 4,
    "keras_lstm": 4,
    "keras_gru": 3,
    "keras_simple_rnn": 1,
    "tf_block_lstm": 4,
}
FUSED_KIND = "tf_block_lstm"
PAIRS = (("lstm", "keras_lstm"), ("gru", "keras_gru"), (FUSED_KIND, "keras_lstm"))


def matmul_peak_gflops(size=1024, repeats=20):
    """The machine's float32 matrix-multiply speed, GFLOP/s (median of `repeats` timed products)."""
    import tensorflow as tf

    left = tf.random.normal([size, size])
    right = tf.random.normal([size, size])
    product = tf.function(lambda a, b: tf.linalg.matmul(a, b))
    product(left, right).numpy()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        product(left, right).numpy()
        seconds.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(seconds) / 1e9


def step_matmul_gflops(size, gates, repeats=10):
    """GFLOP/s of `steps` dependent products shaped like one recurrent step's, median of `repeats`."""
    import tensorflow as tf

    batch, steps, features, units = size
    width = features + units
    weights = tf.random.normal([width, gates * units], stddev=width**-0.5)

    @tf.function
    def chain(state):
        for _ in range(steps):
            # The next step's input: the product's first `width` columns (with the input after them when a
            # one-gate product is narrower than the input).
            state = tf.concat([tf.linalg.matmul(state, weights), state], axis=1)[:, :width]
        return state

    state = tf.random.normal([batch, width])
    seconds = timed(lambda: chain(state).numpy(), warmup=2, repeats=repeats)
    return 2 * batch * width * gates * units * steps / seconds / 1e9


def fused_block_lstm(units):
    """A Keras layer running TensorFlow's fused LSTM kernel over the whole sequence; returns the last output."""
    import keras
    import tensorflow as tf

    class FusedBlockLSTM(keras.layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1] + units, 4 * units), name="kernel")
            self.bias = self.add_weight(shape=(4 * units,), name="bias", initializer="zeros")

        def call(self, inputs):
            zeros, no_peephole = tf.zeros((tf.shape(inputs)[0], units)), tf.zeros((units,))
            outputs = tf.raw_ops.BlockLSTMV2(
                seq_len_max=tf.cast(tf.shape(inputs)[1], tf.int64),
                x=tf.transpose(inputs, [1, 0, 2]),
                cs_prev=zeros,
                h_prev=zeros,
                w=self.kernel,
                wci=no_peephole,
                wcf=no_peephole,
                wco=no_peephole,
                b=self.bias,
                cell_clip=0.0,
                use_peephole=False,
            )
            return outputs[-1][-1]

    return FusedBlockLSTM()


def forward_flops(kind, steps, features, units):
    """Multiply-add FLOPs of one sequence through the recurrent layer (forward)."""
    return 2 * GATES[kind] * units * (features + units) * steps


def timed(function, warmup, repeats):
    for _ in range(warmup):
        function()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def measure(kind, size, masked, warmup, repeats):
    import keras
    import numpy as np

    from seqapps import layers

    batch, steps, features, units = size
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(batch, steps, features)).astype("float32")
    if masked:
        lengths = rng.integers(steps // 2, steps + 1, size=batch)
        inputs[np.arange(steps)[None, :] >= lengths[:, None]] = 0.0
    targets = rng.normal(size=(batch, 1)).astype("float32")
    sequences = keras.Input((steps, features))
    hidden = keras.layers.Masking(0.0)(sequences) if masked else sequences
    hidden = (fused_block_lstm(units) if kind == FUSED_KIND else layers.recurrent(kind, units))(hidden)
    model = keras.Model(sequences, keras.layers.Dense(1)(hidden))
    model.compile(optimizer="adam", loss="mse")
    train_seconds = timed(lambda: model.train_on_batch(inputs, targets), warmup, repeats)
    infer_seconds = timed(lambda: model.predict_on_batch(inputs), warmup, repeats)
    keras.backend.clear_session()
    training_flops = 3 * forward_flops(kind, steps, features, units) * batch
    return {
        "train_sequences_per_second": batch / train_seconds,
        "inference_sequences_per_second": batch / infer_seconds,
        "train_gflops": training_flops / train_seconds / 1e9,
    }


def size_label(size):
    return "batch {}, steps {}, features {}, units {}".format(*size)


def body(results):
    peak = results["peak_gflops"]
    rows, ratio_rows = [], []
    for key, record in results["runs"].items():
        rows.append(
            f"| {record['kind']} | {size_label(record['size'])} | {'yes' if record['masked'] else 'no'} | "
            f"{record['train_sequences_per_second']:.0f} | {record['inference_sequences_per_second']:.0f} | "
            f"{record['train_gflops']:.1f} | {100 * record['train_gflops'] / peak:.0f}% |"
        )
    for ours, builtin in PAIRS:
        for size in SIZES:
            for masked in (False, True):
                first = results["runs"].get(run_key(ours, size, masked))
                second = results["runs"].get(run_key(builtin, size, masked))
                if first and second:
                    ratio_rows.append(
                        f"| {ours} / {builtin} | {size_label(size)} | {'yes' if masked else 'no'} | "
                        f"{first['train_sequences_per_second'] / second['train_sequences_per_second']:.2f} | "
                        f"{first['inference_sequences_per_second'] / second['inference_sequences_per_second']:.2f} |"
                    )
    ceiling_rows = [
        f"| {size_label(size)} | {gates} | {gflops:.1f} | {100 * gflops / peak:.0f}% |"
        for size, gates, gflops in results.get("step_matmul_gflops", [])
    ]
    ceiling = (
        (
            "\n\nStep-matmul ceiling, same run: `steps` dependent products of the shape one step multiplies "
            "([batch, features + units] x [features + units, gates x units]), GFLOP/s. The layers' training GFLOP/s "
            "above count the same products, so a layer near this figure has little left to gain with the same "
            "equations:\n\n| size | gates | step-shaped matmul GFLOP/s | of peak |\n|---|---:|---:|---:|\n"
            + "\n".join(ceiling_rows)
        )
        if ceiling_rows
        else ""
    )
    return (
        f"`Input -> [Masking] -> recurrent(kind, units) -> Dense(1)`, Adam + MSE, Keras' default `jit_compile`; "
        f"throughput = sequences per second, median of {results['repeats']} timed `train_on_batch` / "
        f"`predict_on_batch` calls after {results['warmup']} warm-up calls. Masked: right-padded sequences of "
        "random lengths in [steps/2, steps]. GFLOP/s counts the recurrent layer's multiply-adds (training = 3 x "
        f"forward). Machine float32 matmul peak measured in the same run: **{peak:.1f} GFLOP/s** (1024 x 1024). "
        "Wall-clock on a shared 2-core machine. `tf_block_lstm`: TensorFlow's fused C++ LSTM kernel "
        "(`BlockLSTMV2`), a reference, unmasked only.\n\n"
        "| kind | size | masked | train seq/s | inference seq/s | train GFLOP/s | of peak |\n"
        "|---|---|---|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n\n"
        "Speed ratios, same run (issue 9 target: seqapps LSTM and GRU train >= 1.5x faster than the built-ins):\n\n"
        "| layers | size | masked | training | inference |\n|---|---|---|---:|---:|\n" + "\n".join(ratio_rows) + ceiling
    )


def run_key(kind, size, masked):
    return f"{kind} {'x'.join(map(str, size))}{' masked' if masked else ''}"


def main(argv=None):
    from seqapps import layers

    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--kinds", nargs="+", choices=layers.KINDS + (FUSED_KIND,), default=list(layers.KINDS) + [FUSED_KIND]
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-mask", action="store_true", help="skip the masked runs")
    arguments = parser.parse_args(argv)
    command = "python -m benchmarks.cells " + " ".join(argv if argv is not None else sys.argv[1:])
    results = {
        "command": command.strip(),
        "warmup": arguments.warmup,
        "repeats": arguments.repeats,
        "peak_gflops": matmul_peak_gflops(),
        "runs": {},
    }
    print(f"float32 matmul peak: {results['peak_gflops']:.1f} GFLOP/s", flush=True)
    results["step_matmul_gflops"] = [
        (size, gates, step_matmul_gflops(size, gates))
        for size in SIZES
        for gates in sorted({GATES[kind] for kind in arguments.kinds}, reverse=True)
    ]
    for size, gates, gflops in results["step_matmul_gflops"]:
        print(f"step-shaped matmul, {size_label(size)}, {gates} gates: {gflops:.1f} GFLOP/s", flush=True)
    for size in SIZES:
        for masked in (False,) if arguments.no_mask else (False, True):
            for kind in arguments.kinds:
                if masked and kind == FUSED_KIND:
                    continue
                record = measure(kind, size, masked, arguments.warmup, arguments.repeats)
                results["runs"][run_key(kind, size, masked)] = {"kind": kind, "size": size, "masked": masked, **record}
                print(
                    f"{run_key(kind, size, masked)}: train {record['train_sequences_per_second']:.0f} seq/s, "
                    f"inference {record['inference_sequences_per_second']:.0f} seq/s, "
                    f"{record['train_gflops']:.1f} GFLOP/s",
                    flush=True,
                )
    reporting.write_section(NAME, TITLE, body(results), results)
    print(body(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
