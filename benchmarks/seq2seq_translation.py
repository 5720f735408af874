"""Benchmark: Spanish -> English translation, default recipe configuration.

Trains the recipe's default configuration (`recipes/seq2seq_translation.py`)
on the full training split with a training-time budget, scores the 2,000-pair
test split with sacrebleu (BLEU and chrF, greedy and beam search), and
measures decoding speed on the exported SavedModel loaded with
`tf.saved_model.load` as TF Serving would: sentences per second through
`beam_search` at beam width 1 (greedy-equivalent) and the default width, in
batches of 64 test sentences (median of `--repeats` calls after a warm-up).
Writes the "Translation" section of BENCHMARKS.md and
benchmarks/results/seq2seq_translation.json; runs accumulate, keyed by
cell and attention.
Target (issue 6): BLEU >= 35 on the test split with beam search, from at most
90 minutes of training on 2 cores.

    SEQAPPS_DATA_DIR=../shared/datasets python -m benchmarks.seq2seq_translation
"""

import argparse
import dataclasses
import statistics
import sys
import time

from benchmarks import reporting
from seqapps import console
from seqapps.tasks.seq2seq_translation import TranslationConfig, evaluation_config, train

NAME = "seq2seq_translation"
TITLE = "Translation"
TARGET_BLEU = 35.0
BATCH = 64


def decoding_speed(export_path, sentences, beam_widths, repeats):
    """Sentences per second of the reloaded export's `beam_search`, per beam width, batches of `BATCH`."""
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the ops the export uses)

    beam_search = tf.saved_model.load(str(export_path)).signatures["beam_search"]
    batch = tf.constant(sentences[:BATCH])
    speeds = {}
    for width in beam_widths:
        beam_search(text=batch, beam_width=tf.constant(width))
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            beam_search(text=batch, beam_width=tf.constant(width))
            seconds.append(time.perf_counter() - start)
        speeds[str(width)] = int(batch.shape[0]) / statistics.median(seconds)
    return speeds


def run(cell, attention, minutes, repeats, epochs, trained_minutes=None, tokens=None):
    overrides = {
        key: value
        for key, value in (("cell", cell), ("attention", attention), ("epochs", epochs), ("tokens", tokens))
        if value
    }
    folder = "-".join(value for value in (cell, tokens) if value) or "default"
    run_dir, export_root = f"runs/benchmarks/{NAME}/{folder}", f"runs/benchmarks/{NAME}/saved_models"
    if trained_minutes is None:
        config = TranslationConfig(
            run_dir=run_dir, export_root=export_root, restart=True, time_budget_minutes=minutes, **overrides
        )
    else:  # the run's saved settings; --attention or --epochs other than the run's are an error
        config = evaluation_config(run_dir, export_root=export_root, **overrides)
    start = time.perf_counter()
    result = train(config)
    sentences = [sample["source"] for sample in result.samples]
    sentences = (sentences * (BATCH // len(sentences) + 1))[:BATCH]
    return {
        "date": reporting.today(),
        "config": dataclasses.asdict(config),
        "metrics": result.metrics,
        "epochs": result.epochs_trained,
        "epoch_seconds": result.epoch_seconds,
        "training_minutes": trained_minutes if trained_minutes is not None else sum(result.epoch_seconds) / 60,
        "evaluated_separately": trained_minutes is not None,
        "total_minutes": (time.perf_counter() - start) / 60,
        "export_sentences_per_second": decoding_speed(result.export_path, sentences, (1, config.beam_width), repeats),
        "samples": result.samples,
    }


def body(runs):
    defaults = TranslationConfig()
    rows, samples = [], []
    for key, record in runs.items():
        config, metrics = record["config"], record["metrics"]
        beam, greedy = metrics["beam"], metrics["greedy"]
        verdict = "yes" if beam["bleu"] >= TARGET_BLEU and record["training_minutes"] <= 90 else "**no**"
        speed = record["export_sentences_per_second"]
        rows.append(
            f"| {config['cell']} {config['units']}, {config['attention']}"
            f", {config.get('tokens', 'word')}s | "
            f"**{beam['bleu']:.2f}** | "
            f"{greedy['bleu']:.2f} | {beam['bleu'] - greedy['bleu']:+.2f} | {beam['chrf']:.2f} | "
            f"{greedy['chrf']:.2f} | {record['epochs']} | {record['training_minutes']:.1f}"
            f"{' *' if record.get('evaluated_separately') else ''} | "
            f"{greedy['sentences_per_second']:.0f} | "
            f"{beam['sentences_per_second']:.0f} | {speed['1']:.0f} / {speed[str(config['beam_width'])]:.0f} | "
            f"{verdict} | {record['date']} |"
        )
        samples.append(
            f"Samples ({key}):\n\n| Spanish | reference | greedy | beam |\n|---|---|---|---|\n"
            + "\n".join(
                f"| {sample.get('source') or sample['spanish']} | {sample['reference']} | {sample['greedy']} | "
                f"{sample['beam']} |"
                for sample in record["samples"]
            )
        )
    return (
        "Task: Spanish -> English on the Anki/Tatoeba pairs (`spa-eng.zip`), split by unique Spanish sentence "
        "(seed 2018): 114,964 train / 2,000 validation / 2,000 test pairs. Scores: sacrebleu corpus BLEU "
        "(13a tokenization, case-insensitive) and chrF on the 2,000 test pairs, one reference each. Default "
        f"configuration: bidirectional `{defaults.cell}` encoder and `{defaults.cell}` decoder of {defaults.units} "
        f"units, embeddings {defaults.embedding_dim}, {defaults.attention} attention, word vocabularies of "
        f"{defaults.source_vocabulary_size:,} / {defaults.target_vocabulary_size:,}, dropout {defaults.dropout}, "
        f"batch {defaults.batch_size} (bucketed by length), Adam {defaults.learning_rate:g} with cosine decay over "
        f"{defaults.epochs} epochs, beam width {defaults.beam_width} with length penalty 0.6. Decoding speed: "
        "sentences per second in the recipe's evaluation (in-memory, batches of 64), and through the reloaded "
        "export's `beam_search` signature (beam width 1 / default width, a batch of 64). Target: beam-search BLEU "
        f">= {TARGET_BLEU:g} within 90 min of training. Timings are wall-clock on a shared 2-core machine: "
        "approximate.\n\n"
        "| model (cell, attention, tokens) | BLEU beam | BLEU greedy | beam - greedy | chrF beam | chrF greedy | "
        "epochs | training min | "
        "sentences/s greedy | sentences/s beam | export sentences/s (width 1 / default) | target met | date |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n"
        + "\n".join(rows)
        + "\n\n"
        + (
            "\\* Scored in a separate run (`--evaluate-only-trained-minutes`) from the best-epoch weights the "
            "training run saved; the training minutes are those its log printed.\n\n"
            if any(record.get("evaluated_separately") for record in runs.values())
            else ""
        )
        + "\n\n".join(samples)
    )


def main(argv=None):
    console.configure()
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--cell", default=None, help="train this cell instead of the default")
    parser.add_argument("--attention", default=None, help="bahdanau or luong instead of the default")
    parser.add_argument("--epochs", type=int, default=None, help="maximum epochs (default: the recipe's)")
    parser.add_argument("--tokens", default=None, help="word or subword instead of the default (word)")
    parser.add_argument("--minutes", type=float, default=90.0, help="training-time budget")
    parser.add_argument("--repeats", type=int, default=5, help="timed export calls per beam width")
    parser.add_argument(
        "--evaluate-only-trained-minutes",
        type=float,
        default=None,
        dest="trained_minutes",
        help="train nothing: score the best weights of the earlier run in the run folder, which "
        "trained for this many minutes (as its log says)",
    )
    arguments = parser.parse_args(argv)
    command = "python -m benchmarks.seq2seq_translation " + " ".join(argv if argv is not None else sys.argv[1:])
    results = reporting.previous_results(NAME)
    results["command"] = command.strip()
    runs = results.setdefault("runs", {})
    key = "-".join(value for value in (arguments.cell, arguments.attention, arguments.tokens) if value) or "default"
    runs[key] = run(
        arguments.cell,
        arguments.attention,
        arguments.minutes,
        arguments.repeats,
        arguments.epochs,
        arguments.trained_minutes,
        arguments.tokens,
    )
    reporting.write_section(NAME, TITLE, body(runs), results)
    print(body(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
