"""Benchmark: character-level generation on Tiny Shakespeare, default recipe configuration.

Trains the recipe's default configuration (`recipes/char_generation.py`) on
the full training part (90% of the text) with a training-time budget, scores
the test part (the last 5%, read as one stream) in nats and bits per
character, and measures generation speed on the exported SavedModel, loaded
with `tf.saved_model.load` as TF Serving would: characters per second through
`serving_default` at batch 1 and batch 32 (200 characters per row, median of
`--repeats` calls after a warm-up call). Writes the "Character generation"
section of BENCHMARKS.md and benchmarks/results/char_generation.json; runs
accumulate, keyed by cell.
Target (issue 7): test loss <= 1.50 nats/char (2.16 bits/char) with at most
60 minutes of training on 2 cores.

    SEQAPPS_DATA_DIR=../shared/datasets python -m benchmarks.char_generation
"""

import argparse
import dataclasses
import statistics
import sys
import time

from benchmarks import reporting
from seqapps.tasks.char_generation import CharGenerationConfig, train

NAME = "char_generation"
TITLE = "Character generation"
TARGET_NATS = 1.50
GENERATED_CHARACTERS = 200
BATCH_SIZES = (1, 32)


def generation_speed(export_path, repeats):
    """Characters per second of the reloaded export's `serving_default`, per batch size."""
    import tensorflow as tf

    serve = tf.saved_model.load(str(export_path)).signatures["serving_default"]
    speeds = {}
    for batch in BATCH_SIZES:
        arguments = dict(prompt=tf.constant(["ROMEO:\n"] * batch), length=tf.fill([batch], GENERATED_CHARACTERS),
                         temperature=tf.fill([batch], 0.8))
        serve(**arguments)
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            serve(**arguments)
            seconds.append(time.perf_counter() - start)
        speeds[str(batch)] = batch * GENERATED_CHARACTERS / statistics.median(seconds)
    return speeds


def run(cell, minutes, repeats, epochs):
    overrides = {"cell": cell} if cell else {}
    if epochs:
        overrides["epochs"] = epochs
    config = CharGenerationConfig(run_dir=f"runs/benchmarks/{NAME}/{cell or 'default'}",
                                  export_root=f"runs/benchmarks/{NAME}/saved_models", restart=True,
                                  time_budget_minutes=minutes, **overrides)
    start = time.perf_counter()
    result = train(config)
    return {
        "date": reporting.today(),
        "config": dataclasses.asdict(config),
        "metrics": result.metrics,
        "epochs": result.epochs_trained,
        "epoch_seconds": result.epoch_seconds,
        "training_minutes": sum(result.epoch_seconds) / 60,
        "total_minutes": (time.perf_counter() - start) / 60,
        "characters_per_second": generation_speed(result.export_path, repeats),
        "sample": result.samples["temperature 0.8"][:300],
    }


def body(runs):
    defaults = CharGenerationConfig()
    rows = []
    for key, record in runs.items():
        config, test = record["config"], record["metrics"]["test"]
        verdict = "yes" if test["nats_per_character"] <= TARGET_NATS else "**no**"
        speed = record["characters_per_second"]
        rows.append(
            f"| {config['cell']} {config['layers']}x{config['units']}{' TBPTT' if config['tbptt'] else ''} | "
            f"**{test['nats_per_character']:.3f}** | {test['bits_per_character']:.3f} | {test['perplexity']:.2f} | "
            f"{record['metrics']['validation']['nats_per_character']:.3f} | {record['epochs']} | "
            f"{record['training_minutes']:.1f} | {speed['1']:.0f} | {speed['32']:.0f} | {verdict} | {record['date']} |"
        )
    samples = "\n\n".join(f"Sample ({key}, temperature 0.8, prompt = first validation line):\n\n```\n"
                          f"{record['sample']}\n```" for key, record in runs.items())
    return (
        "Task: next-character prediction on Tiny Shakespeare (1,115,394 characters), contiguous split 90/5/5 "
        "(train / validation / test). Test loss: the mean negative log-likelihood of every test character given "
        "all the test text before it (the test part read as one stream, state carried). Default configuration: "
        f"`{defaults.cell}` {defaults.layers} layers x {defaults.units} units, embedding {defaults.embedding_dim}, "
        f"dropout {defaults.dropout}, {'stateful truncated BPTT' if defaults.tbptt else 'independent windows'} over "
        f"{defaults.sequence_length}-character windows, batch {defaults.batch_size}, Adam {defaults.learning_rate:g} "
        f"with cosine decay, global gradient clipping {defaults.clipnorm}, up to {defaults.epochs} epochs within a "
        "training-time budget. Generation speed: characters per second through the reloaded export's "
        f"`serving_default` ({GENERATED_CHARACTERS} characters per row, temperature 0.8). Target: test loss <= "
        f"{TARGET_NATS} nats/char within 60 min of training. For scale (not measured here): nanoGPT's character "
        "Transformer reports 1.47 (validation, A100) and 1.88 (small CPU configuration). Timings are wall-clock on "
        "a shared 2-core machine that may have been running other jobs: approximate.\n\n"
        "| model | test nats/char | test bits/char | test perplexity | val nats/char | epochs | training min | "
        "chars/s batch 1 | chars/s batch 32 | target met | date |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n" + "\n".join(rows) + "\n\n" + samples
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--cell", default=None, help="train this cell instead of the default")
    parser.add_argument("--epochs", type=int, default=None, help="maximum epochs (default: the recipe's)")
    parser.add_argument("--minutes", type=float, default=60.0, help="training-time budget")
    parser.add_argument("--repeats", type=int, default=5, help="timed generation calls per batch size")
    arguments = parser.parse_args(argv)
    command = "python -m benchmarks.char_generation " + " ".join(argv if argv is not None else sys.argv[1:])
    results = reporting.previous_results(NAME)
    results["command"] = command.strip()
    runs = results.setdefault("runs", {})
    key = arguments.cell or "default"
    runs[key] = run(arguments.cell, arguments.minutes, arguments.repeats, arguments.epochs)
    reporting.write_section(NAME, TITLE, body(runs), results)
    print(body(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
