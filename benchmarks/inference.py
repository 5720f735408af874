"""Benchmark: serving latency and throughput of exported SavedModels, loaded as TF Serving would.

For every model folder found under `--roots` (TF Serving layout
`<root>/<model>/<version>/`, newest version), a fresh Python process loads the
SavedModel with `tf.saved_model.load`, takes the first warmup request written
by `seqapps.export` as a realistic input (for the IMDB model, a real test
review of median length), and times `serving_default` and every other
signature taking the same inputs (the IMDB export's `serving_xla`):
latency p50 / p99 of `--calls` single-example calls (batch 1) and throughput
(examples per second, median of `--repeats` calls) at batch 64, after
`--warmup` untimed calls. Writes the "Serving latency" section of
BENCHMARKS.md and benchmarks/results/inference.json.

`--imdb-default` first exports an IMDB model with the recipe's default
architecture (trained one epoch on 1,000 reviews: latency depends on the
architecture, not on the weights) to `runs/benchmarks/inference/saved_models`,
and measures it with the rest.
Target (issue 9): single-review latency of the exported IMDB model, p50 <= 10 ms at batch 1.

    SEQAPPS_DATA_DIR=../shared/datasets python -m benchmarks.inference --imdb-default
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

from benchmarks import reporting
from seqapps.serving_layout import version_dirs

NAME = "inference"
TITLE = "Serving latency"
DEFAULT_ROOTS = (
    "saved_models",
    "runs/benchmarks/char_generation/saved_models",
    "runs/benchmarks/inference/saved_models",
)
IMDB_ROOT = "runs/benchmarks/inference/saved_models"
TARGET_MILLISECONDS = 10.0

MEASURE = """
import json, statistics, sys, time
import numpy as np
import tensorflow as tf
import tensorflow_text  # registers the TF Text ops of text models
from seqapps import serving

version_dir, override = sys.argv[1], sys.argv[5]
calls, warmup, repeats = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
start = time.perf_counter()
signatures = tf.saved_model.load(version_dir).signatures
load_seconds = time.perf_counter() - start
specs = signatures["serving_default"].structured_input_signature[1]
if override:
    example = {name: np.array(value, dtype=specs[name].dtype.as_numpy_dtype)
               for name, value in json.loads(override).items()}
else:
    records = serving.read_warmup_records(version_dir)
    if not records:
        print(json.dumps({"error": "no warmup request to take an input from"}))
        sys.exit(0)
    example = {name: tf.make_ndarray(proto) for name, proto in records[0].predict_log.request.inputs.items()}
single = {name: tf.constant(value[:1]) for name, value in example.items()}
batch = {name: tf.constant(np.concatenate([value[:1]] * 64)) for name, value in example.items()}
inputs = {name: f"{'string' if value.dtype.kind in 'OSU' else value.dtype.name}{list(value.shape[1:])}"
          for name, value in example.items()}
default_inputs = sorted(specs)
measured = {}
for signature_name, signature in signatures.items():
    if sorted(signature.structured_input_signature[1]) != default_inputs:
        continue
    for _ in range(warmup):
        signature(**single)
        signature(**batch)
    latencies = []
    for _ in range(calls):
        begin = time.perf_counter()
        signature(**single)
        latencies.append(1000 * (time.perf_counter() - begin))
    batch_seconds = []
    for _ in range(repeats):
        begin = time.perf_counter()
        signature(**batch)
        batch_seconds.append(time.perf_counter() - begin)
    measured[signature_name] = {
        "p50_ms": float(np.percentile(latencies, 50)),
        "p99_ms": float(np.percentile(latencies, 99)),
        "batch_64_per_second": 64 / statistics.median(batch_seconds),
    }
print(json.dumps({"inputs": inputs, "load_seconds": load_seconds, "signatures": measured}))
"""


def newest_versions(roots):
    """`{label: version folder}` of the newest version of every model under `roots`."""
    found = {}
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            continue
        for model_dir in sorted(path for path in root.iterdir() if path.is_dir()):
            versions = version_dirs(model_dir)
            if versions:
                found[f"{root}/{model_dir.name}"] = versions[-1][1]
    return found


def measure(version_dir, calls, warmup, repeats, inputs=None):
    """Times every signature of `version_dir` taking `serving_default`'s inputs, in a fresh process.

    `inputs` ({name: batch list}) replaces the first warmup request as the example.
    """
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURE,
            str(version_dir),
            str(calls),
            str(warmup),
            str(repeats),
            json.dumps(inputs) if inputs else "",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        return {"error": completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "failed"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def export_imdb_default():
    """Exports the IMDB recipe's default architecture (one epoch on 1,000 reviews) for timing."""
    from seqapps.tasks.imdb_sentiment import ImdbSentimentConfig, train

    config = ImdbSentimentConfig(
        limit=1000, epochs=1, export_root=IMDB_ROOT, run_dir="runs/benchmarks/inference/imdb", restart=True
    )
    return train(config).export_path


def median_length_review(limit=1000):
    """The test review of median word count among the first `limit` (IMDB data as the recipe finds it)."""
    from seqapps.data import imdb

    reviews = [review.decode("utf-8") for review, _ in imdb.load(limit=limit).test.as_numpy_iterator()]
    return sorted(reviews, key=lambda review: len(review.split()))[len(reviews) // 2]


def body(results):
    rows = []
    for label, record in results["models"].items():
        if "error" in record:
            rows.append(f"| {label} | | | | | | not measured: {record['error']} |")
            continue
        inputs = ", ".join(f"{name} {spec}" for name, spec in record["inputs"].items())
        for signature_name, timing in record["signatures"].items():
            notes = []
            if "imdb_sentiment" in label:
                met = timing["p50_ms"] <= TARGET_MILLISECONDS
                notes.append(f"target p50 <= {TARGET_MILLISECONDS:g} ms: {'met' if met else '**not met**'}")
            if signature_name == "serving_xla":
                notes.append("XLA; TF Serving needs `--xla_cpu_compilation_enabled=true`")
            rows.append(
                f"| {label} ({record['version']}) | {signature_name} | {inputs} | {timing['p50_ms']:.2f} | "
                f"{timing['p99_ms']:.2f} | {timing['batch_64_per_second']:.0f} | {'; '.join(notes)} |"
            )
    imdb_input = (
        f"a real test review of median length ({results['imdb_review_words']} words, the median of the "
        "first 1,000 test reviews)"
        if results.get("imdb_review_words")
        else "its first warmup request"
    )
    return (
        "Each model's newest version, loaded with `tf.saved_model.load` in a fresh process; every signature taking "
        "the same inputs as `serving_default` is timed. The input is the first warmup request of the export (the "
        "character generator 32 characters after a prompt, the forecaster a test window); for the IMDB model "
        f"{imdb_input}. Latency: "
        f"{results['calls']} calls at batch 1 after {results['warmup']} warm-up calls; throughput: median of "
        f"{results['repeats']} calls at batch 64 (the same example repeated, which flatters the IMDB "
        "`serving_default`: it runs to the longest review of a batch, here "
        f"{results.get('imdb_review_words', 'the same')} words in every row). Single-threaded client, no "
        "batching server; wall-clock on a shared 2-core machine.\n\n"
        "| model | signature | inputs | p50 ms (batch 1) | p99 ms (batch 1) | examples/s (batch 64) | notes |\n"
        "|---|---|---|---:|---:|---:|---|\n" + "\n".join(rows)
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--roots", nargs="+", default=list(DEFAULT_ROOTS), help="export roots to look in")
    parser.add_argument(
        "--imdb-default", action="store_true", help="first export the IMDB recipe's default architecture for timing"
    )
    parser.add_argument("--calls", type=int, default=200, help="timed batch-1 calls")
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls first")
    parser.add_argument("--repeats", type=int, default=10, help="timed batch-64 calls")
    arguments = parser.parse_args(argv)
    command = "python -m benchmarks.inference " + " ".join(argv if argv is not None else sys.argv[1:])
    if arguments.imdb_default:
        export_imdb_default()
    roots = arguments.roots + ([IMDB_ROOT] if arguments.imdb_default and IMDB_ROOT not in arguments.roots else [])
    results = {
        "command": command.strip(),
        "calls": arguments.calls,
        "warmup": arguments.warmup,
        "repeats": arguments.repeats,
        "models": {},
    }
    found = newest_versions(roots)
    imdb_inputs = None
    if any("imdb_sentiment" in label for label in found):
        review = median_length_review()
        imdb_inputs = {"text": [review]}
        results["imdb_review_words"] = len(review.split())
    for label, version_dir in found.items():
        print(f"Measuring {version_dir} ...", flush=True)
        inputs = imdb_inputs if "imdb_sentiment" in label else None
        record = measure(version_dir, arguments.calls, arguments.warmup, arguments.repeats, inputs)
        results["models"][label] = {"version": version_dir.name, **record}
    if not results["models"]:
        parser.error(f"no exported model under {', '.join(roots)}: run a recipe first, or pass --imdb-default")
    reporting.write_section(NAME, TITLE, body(results), results)
    print(body(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
