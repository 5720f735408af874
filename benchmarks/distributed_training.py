"""Benchmark: what data-parallel training (`seqapps.distribute`) costs and could gain, per recipe's default model.

For the default model of the text-classification (and IMDB) recipe, the translation recipe, the
character-generation recipe (on independent windows: truncated BPTT does not distribute) and the
forecasting recipe (its default segment model in the published setting, every column of ETTh1's 7 a
target), it reports

- (a) the trainable parameters P and the bytes the gradient all-reduce exchanges per step: 4 P (float32),
  of which a ring all-reduce sends 2 (N - 1) / N x 4 P per worker among N workers (an upper bound for the
  embeddings, whose sparse gradients are gathered rather than summed densely);
- (b) measured seconds per training step on the same global batch (the recipe's batch size) of one process
  with 2 TensorFlow threads (intra- and inter-op) against two local workers (`MultiWorkerMirroredStrategy`
  over 127.0.0.1) with 1 thread each, over a fixed number of steps after a warm-up, on synthetic batches of
  a typical length (`SHAPES`);
- (c) a scaling model (`ring_allreduce_seconds`, `efficiency`) at 8 and 64 workers on 10 and 25 Gbit/s.

Each worker is this module started with `--worker`; run it on quiet cores:

    python -m benchmarks.distributed_training

`--tiny` (small models, 2 timed steps) only checks that everything runs; it writes nothing.
"""

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import reporting

NAME = "distributed_training"
TITLE = "Distributed training"
RECIPES = ("text_classification", "seq2seq_translation", "char_generation", "timeseries_forecasting")
# Typical lengths of a training batch: IMDB reviews are ~230 words (a length bucket of up to 250-300
# tokens of the default 400), Spanish-English pairs ~7 words, the character windows 50 characters.
SHAPES = {"text_classification": 256, "seq2seq_translation": 10, "char_generation": 50, "timeseries_forecasting": 720}
# The forecaster's columns: ETTh1's 7, every one a target (the published setting).
FORECAST_COLUMNS = 7
WORKERS = (8, 64)
GBITS = (10, 25)
# Seconds each of the 2 (N - 1) messages of a ring all-reduce adds beyond its bytes (TCP over a LAN).
MESSAGE_LATENCY = 50e-6
WARMUP_STEPS, TIMED_STEPS = 5, 20


def ring_allreduce_seconds(parameters, workers, gbits, latency=MESSAGE_LATENCY):
    """Seconds to all-reduce float32 gradients of `parameters` values among `workers` over a ring of `gbits`
    Gbit/s links: each worker sends and receives 2 (N - 1) / N x 4 P bytes in 2 (N - 1) messages."""
    if workers < 2:
        return 0.0
    sent = 2 * (workers - 1) / workers * 4 * parameters
    return sent / (gbits * 1e9 / 8) + 2 * (workers - 1) * latency


def efficiency(step_seconds, parameters, workers, gbits, per_worker_batch=False):
    """Expected parallel efficiency of `workers` workers, the all-reduce not overlapping the computation.

    `step_seconds` is one worker's step on the whole global batch. With the global batch fixed (the
    recipes': `per_worker_batch=False`), each worker computes `step_seconds / N` and E = (T / N) / (T / N +
    T_allreduce); with the batch per worker fixed, E = T / (T + T_allreduce).
    """
    compute = step_seconds if per_worker_batch else step_seconds / workers
    return compute / (compute + ring_allreduce_seconds(parameters, workers, gbits))


def default_config(recipe, tiny=False):
    """The recipe's default config (char generation on independent windows); `tiny`: small sizes."""
    if recipe == "text_classification":
        from seqapps.tasks.text_classification import TextClassificationConfig

        config = TextClassificationConfig()
        return dataclasses.replace(config, units=8, embedding_dim=8, vocab_size=500, batch_size=8) if tiny else config
    if recipe == "seq2seq_translation":
        from seqapps.tasks.seq2seq_translation import TranslationConfig

        config = TranslationConfig()
        sizes = dict(units=8, embedding_dim=8, source_vocabulary_size=200, target_vocabulary_size=200, batch_size=8)
        return dataclasses.replace(config, **sizes) if tiny else config
    if recipe == "timeseries_forecasting":
        from seqapps.tasks.timeseries_forecasting import TimeseriesForecastingConfig

        config = TimeseriesForecastingConfig(dataset="etth1", target=["all"])
        return dataclasses.replace(config, units=8, input_steps=48, horizon=24, batch_size=8) if tiny else config
    from seqapps.tasks.char_generation import CharGenerationConfig

    config = CharGenerationConfig(tbptt=False)
    return dataclasses.replace(config, units=8, layers=1, embedding_dim=4, batch_size=8) if tiny else config


def model_and_batch(recipe, config):
    """The recipe's compiled default model and one synthetic training batch of `SHAPES[recipe]` steps."""
    import numpy as np

    random = np.random.default_rng(0)
    length, batch = SHAPES[recipe], config.batch_size
    if recipe == "text_classification":
        from seqapps.tasks.text_classification import build_model, compile_model

        model = compile_model(build_model(config, 2), config.learning_rate)
        return model, (random.integers(2, config.vocab_size, (batch, length)), random.integers(0, 2, (batch, 1)))
    if recipe == "seq2seq_translation":
        from seqapps.tasks.seq2seq_translation import END, START, build_translator, compile_translator

        source = ["", "[UNK]"] + [f"s{index}" for index in range(config.source_vocabulary_size - 2)]
        target = ["", "[UNK]", START, END] + [f"t{index}" for index in range(config.target_vocabulary_size - 4)]
        model = compile_translator(build_translator(config, source, target), config, steps_per_epoch=1000)
        ids = {side: random.integers(2, len(words), (batch, length)) for side, words in (("s", source), ("t", target))}
        return model, ((ids["s"], ids["t"]), ids["t"])
    if recipe == "timeseries_forecasting":
        from seqapps.tasks.timeseries_forecasting import build_model, compile_forecaster

        columns = FORECAST_COLUMNS
        _, trained = build_model(config, columns, columns, np.zeros(columns), np.ones(columns), list(range(columns)))
        windows = random.normal(size=(batch, config.input_steps, columns)).astype("float32")
        return compile_forecaster(trained, config), (windows, random.normal(size=(batch, config.horizon, columns)))
    from seqapps.tasks.char_generation import compile_language_model

    model, _, _ = compile_language_model(config, vocabulary_size=66, steps_per_epoch=1000)
    ids = random.integers(1, 66, (batch, length + 1))
    return model, (ids[:, :-1], ids[:, 1:])


def measure_steps(recipe, threads, warmup, steps, tiny=False):
    """Seconds per training step (after `warmup` steps) of this process, under the strategy of `TF_CONFIG`."""
    import keras
    import numpy as np
    import tensorflow as tf

    from seqapps import distribute

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    strategy = distribute.strategy_from_environment()
    config = default_config(recipe, tiny)
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model, batch = model_and_batch(recipe, config)
        distribute.clip_after_all_reduce(model.optimizer, strategy)  # as the recipes train
    dataset = distribute.shard_by_data(tf.data.Dataset.from_tensors(batch).repeat())
    ends = []
    timer = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda index, logs: ends.append((float(logs["loss"]), time.perf_counter())[1])
    )
    model.fit(dataset, epochs=1, steps_per_epoch=warmup + steps, callbacks=[timer], verbose=0)
    parameters = int(sum(np.prod(variable.shape) for variable in model.trainable_variables))
    return {
        "seconds_per_step": (ends[-1] - ends[warmup - 1]) / steps,
        "parameters": parameters,
        "replicas": strategy.num_replicas_in_sync,
        "global_batch": config.batch_size,
        "threads": threads,
    }


def run_workers(recipe, workers, threads, warmup, steps, tiny):
    """`measure_steps` in `workers` fresh processes (a local cluster when more than one); their results."""
    from seqapps import distribute

    with tempfile.TemporaryDirectory() as folder:
        clusters = distribute.local_cluster(workers) if workers > 1 else [None]
        processes = []
        for index, cluster in enumerate(clusters):
            environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
            environment.pop("TF_CONFIG", None)
            if cluster:
                environment["TF_CONFIG"] = cluster
            command = [sys.executable, "-m", "benchmarks.distributed_training", "--worker", recipe]
            command += ["--threads", str(threads), "--warmup", str(warmup), "--steps", str(steps)]
            command += ["--out", str(Path(folder) / f"{index}.json")] + (["--tiny"] if tiny else [])
            processes.append(
                subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            )
        for process in processes:
            output, _ = process.communicate()
            if process.returncode:
                raise RuntimeError(f"a {recipe} worker failed:\n{output.decode(errors='replace')[-3000:]}")
        return [json.loads((Path(folder) / f"{index}.json").read_text()) for index in range(len(clusters))]


def measure(recipe, warmup, steps, tiny=False):
    """One row: (a) parameters and bytes, (b) one process x 2 threads against 2 workers x 1 thread, (c) the model."""
    (single,) = run_workers(recipe, 1, 2, warmup, steps, tiny)
    pair = run_workers(recipe, 2, 1, warmup, steps, tiny)
    two = max(result["seconds_per_step"] for result in pair)
    parameters = single["parameters"]
    return {
        "recipe": recipe,
        "parameters": parameters,
        "allreduce_bytes": 4 * parameters,
        "ring_bytes_sent_per_worker": {
            str(workers): 2 * (workers - 1) / workers * 4 * parameters for workers in (2, *WORKERS)
        },
        "global_batch": single["global_batch"],
        "steps": SHAPES[recipe],
        "one_process_two_threads_seconds": single["seconds_per_step"],
        "two_workers_one_thread_seconds": two,
        "measured_efficiency": single["seconds_per_step"] / two,
        "model": {
            f"{workers} workers, {gbits} Gbit/s": {
                "allreduce_seconds": ring_allreduce_seconds(parameters, workers, gbits),
                "efficiency_global_batch": efficiency(single["seconds_per_step"], parameters, workers, gbits),
                "efficiency_batch_per_worker": efficiency(
                    single["seconds_per_step"], parameters, workers, gbits, per_worker_batch=True
                ),
            }
            for workers in WORKERS
            for gbits in GBITS
        },
    }


def body(rows, warmup, steps):
    lines = [
        f"Per recipe's default model, on synthetic batches of the recipe's batch size and a typical length "
        f"(steps), seconds per training step timed over {steps} steps after {warmup} warm-up steps: one process "
        "with 2 TensorFlow threads against 2 local workers (`MultiWorkerMirroredStrategy` over 127.0.0.1) with 1 "
        "thread each, on the same global batch. The all-reduce exchanges 4 P bytes per step (float32 gradients "
        "of P parameters; an upper bound for embeddings, whose sparse gradients are gathered); a ring sends "
        "2 (N - 1) / N of that per worker.",
        "",
        "| recipe | parameters | all-reduce MB / step | MB sent per worker, N = 8 / 64 | batch x steps "
        "| 1 process x 2 threads, s / step | 2 workers x 1 thread, s / step | efficiency |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for row in rows:
        sent = row["ring_bytes_sent_per_worker"]
        lines.append(
            f"| {row['recipe']} | {row['parameters']:,} | {row['allreduce_bytes'] / 1e6:.1f} "
            f"| {sent['8'] / 1e6:.1f} / {sent['64'] / 1e6:.1f} | {row['global_batch']} x {row['steps']} "
            f"| {row['one_process_two_threads_seconds']:.3f} | {row['two_workers_one_thread_seconds']:.3f} "
            f"| {row['measured_efficiency']:.0%} |"
        )
    lines += [
        "",
        "Scaling model. T: the measured step of one process (2 threads) on the whole global batch; P: the "
        "parameters; N workers on links of B bit/s. Ring all-reduce: T_ar = 2 (N - 1) / N x 4 P x 8 / B "
        f"+ 2 (N - 1) x {MESSAGE_LATENCY * 1e6:.0f} us. Efficiency, the exchange not overlapping the computation: "
        "with the global batch fixed (the recipes' `--batch-size`), E = (T / N) / (T / N + T_ar); with the "
        "batch per worker fixed (the global batch N times larger), E = T / (T + T_ar). Both assume a worker "
        "computes as fast as this machine and its step time scales with its examples.",
        "",
        "| recipe | workers | Gbit/s | T_ar, ms | E, global batch fixed | E, batch per worker fixed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for workers in WORKERS:
            for gbits in GBITS:
                model = row["model"][f"{workers} workers, {gbits} Gbit/s"]
                lines.append(
                    f"| {row['recipe']} | {workers} | {gbits} | {model['allreduce_seconds'] * 1e3:.1f} "
                    f"| {model['efficiency_global_batch']:.0%} | {model['efficiency_batch_per_worker']:.0%} |"
                )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", nargs="*", choices=RECIPES, default=list(RECIPES))
    parser.add_argument("--warmup", type=int, default=WARMUP_STEPS)
    parser.add_argument("--steps", type=int, default=TIMED_STEPS)
    parser.add_argument("--tiny", action="store_true", help="small models and a smoke run; writes nothing")
    parser.add_argument("--worker", choices=RECIPES, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.worker:
        result = measure_steps(arguments.worker, arguments.threads, arguments.warmup, arguments.steps, arguments.tiny)
        arguments.out.write_text(json.dumps(result))
        return 0
    results = {
        "command": "python -m benchmarks.distributed_training " + " ".join(argv or sys.argv[1:]),
        "cpu": reporting.machine_description(),
        "date": reporting.today(),
        "rows": [],
    }
    for recipe in arguments.recipes:
        row = measure(recipe, arguments.warmup, arguments.steps, arguments.tiny)
        print(
            f"{recipe}: {row['parameters']:,} parameters, {row['one_process_two_threads_seconds']:.3f} s/step "
            f"(1 x 2 threads), {row['two_workers_one_thread_seconds']:.3f} s/step (2 workers x 1 thread)"
        )
        results["rows"].append(row)
        if not arguments.tiny:
            reporting.write_section(NAME, TITLE, body(results["rows"], arguments.warmup, arguments.steps), results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
