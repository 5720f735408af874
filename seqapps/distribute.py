"""Data-parallel training with `tf.distribute`: one process, several local devices, or several workers.

`strategy_from_environment` picks the strategy a run trains under:

- `TF_CONFIG` naming several workers: `MultiWorkerMirroredStrategy` (one
  process per worker, here or on other machines; `run_local_workers` starts
  them on 127.0.0.1 for `--workers N`);
- `devices > 1`: `MirroredStrategy` over that many local devices (GPUs when
  there are enough, else logical CPU devices);
- else the default strategy (what a run without this module uses).

The user's batch size is the global batch: each step, the replicas train on
disjoint slices of the same global batch (`fit` hands the dataset to the
strategy, which splits each batch and, across workers, shards by DATA: every
worker reads the whole pipeline in the same seeded order and keeps its
slice), and the gradients are summed across replicas, so the weights after a
step are those of one process on the whole batch, up to the order of float
additions. Build and compile the model under `strategy.scope()`, then
`clip_after_all_reduce` (Keras 3 clips each replica's gradient, before the
sum); `check_batch_size` first (Keras 3 needs a first batch that splits evenly).
Every task's `train(config, strategy)` does so (forecasting, text
classification and the IMDB preset, translation, character generation), and
`worker_config` gives each process its run folder and where to resume from.

Under any strategy (even one device), Keras reads one batch of the training
dataset to build the model before the first epoch. A dataset reshuffled when
first read (`seqapps.training.shuffle_each_epoch`) then gives epoch k the
order an unstrategized run gives epoch k + 1: the runs match a one-process
run under `tf.distribute.OneDeviceStrategy`, and differ from one without a
strategy as runs with another shuffle seed do. A resumed run reads the same
extra batch, so it still ends like the uninterrupted one.

Keras 3's `fit` fails under `MultiWorkerMirroredStrategy` (keras-team/keras
#20585, tensorflow/tensorflow#72388): it calls `strategy.reduce` on the
nested first batch (which `MultiWorkerMirroredStrategy.reduce`, unlike
`MirroredStrategy.reduce`, does not map over) and on scalar logs along axis 0.
`KerasMultiWorkerMirroredStrategy` overrides the public `reduce` for both.

Only the chief (worker 0) writes the run folder and the export:
`worker_folders` gives the other workers temporary folders, removed at the
end. A worker that dies makes the others fail within seconds (the
coordination service's heartbeats), or at the latest when a collective has
waited `timeout_seconds` for it.
"""

import contextlib
import dataclasses
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import keras
import tensorflow as tf

from seqapps.processes import LOOPBACK, POLL_SECONDS, STOP_SECONDS, free_port, stop_processes, stream_lines

# Seconds a collective (a gradient all-reduce) waits for the other workers before failing the step.
COLLECTIVE_TIMEOUT_SECONDS = 300

logger = logging.getLogger(__name__)


class DistributedTrainingError(RuntimeError):
    """A worker of a data-parallel run failed; the message names it."""


class KerasMultiWorkerMirroredStrategy(tf.distribute.MultiWorkerMirroredStrategy):
    """`tf.distribute.MultiWorkerMirroredStrategy` whose `reduce` works for Keras 3's `fit`.

    Keras 3 calls `strategy.reduce("MEAN", first_batch, axis=None)` with a
    nested batch (`(x, y)`), which this strategy's `reduce` does not map
    over, and `strategy.reduce("MEAN", log, axis=0)` with scalar logs, which
    have no axis 0. Here a nested value is reduced element by element and a
    scalar along `axis` is reduced across replicas (the mean of the replicas'
    values, what Keras means by it). Everything else is the parent's.

    Args:
        communication_options: `tf.distribute.experimental.CommunicationOptions`
            (e.g. the collectives' `timeout_seconds`).
        cluster_resolver: as for `tf.distribute.MultiWorkerMirroredStrategy`
            (default: from `TF_CONFIG`).

    Example:

        strategy = KerasMultiWorkerMirroredStrategy()
        with strategy.scope():
            model = build_model()
            model.compile(optimizer="adam", loss="mse")
        model.fit(dataset, epochs=2)
    """

    def reduce(self, reduce_op, value, axis):
        def reduce_one(one):
            local = self.experimental_local_results(one)
            scalar = all(getattr(tensor, "shape", None) is not None and tensor.shape.rank == 0 for tensor in local)
            return super(KerasMultiWorkerMirroredStrategy, self).reduce(reduce_op, one, axis=None if scalar else axis)

        return tf.nest.map_structure(reduce_one, value)


def clip_after_all_reduce(optimizer, strategy):
    """Makes the Keras 3 `optimizer` clip the gradient summed over `strategy`'s replicas, as one process clips it.

    Keras 3's TensorFlow optimizer clips (`clipnorm`, `global_clipnorm`,
    `clipvalue`) each replica's gradient before the all-reduce sums them: over N
    replicas the applied gradient may then reach N times the bound, and a global
    norm is measured on each replica's share rather than on the whole batch's
    gradient. Here each replica leaves its gradient as it is, and the summed
    gradient is clipped (the same on every replica) before the update. Without
    clipping or with one replica, the optimizer is left as it is. Call it after
    `compile`, in `strategy.scope()`.

    Returns:
        `optimizer`.
    """
    clipping = optimizer.clipnorm or optimizer.global_clipnorm or optimizer.clipvalue
    if strategy.num_replicas_in_sync < 2 or not clipping:
        return optimizer
    clip = optimizer._clip_gradients

    def update_step(gradients, variables, learning_rate):
        variables = [variable.value if isinstance(variable, keras.Variable) else variable for variable in variables]
        summed = optimizer._all_reduce_sum_gradients(list(zip(gradients, variables)))
        clipped = clip([gradient for gradient, _ in summed])
        # What the optimizer's own update step does after its all-reduce.
        tf.__internal__.distribute.interim.maybe_merge_call(
            optimizer._distributed_tf_update_step,
            optimizer._distribution_strategy,
            list(zip(clipped, variables)),
            learning_rate,
        )

    optimizer._clip_gradients = lambda gradients: gradients
    optimizer._backend_update_step = update_step
    return optimizer


def cluster_workers(environment=None):
    """The number of workers `TF_CONFIG` names (0 without `TF_CONFIG`).

    Raises:
        ValueError: `TF_CONFIG` is not JSON with a `cluster` of `worker` (and `chief`) addresses.
    """
    environment = os.environ if environment is None else environment
    if not environment.get("TF_CONFIG"):
        return 0
    try:
        cluster = json.loads(environment["TF_CONFIG"])["cluster"]
        return len(cluster.get("chief", ())) + len(cluster.get("worker", ()))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(
            f"TF_CONFIG is not a cluster description ({error}): set it to JSON like "
            '{"cluster": {"worker": ["host0:port", "host1:port"]}, "task": {"type": "worker", "index": 0}}.'
        ) from error


def use_local_devices(count):
    """Splits the CPU into `count` logical devices, unless there are `count` GPUs; returns the devices' names.

    Call it before TensorFlow initializes its devices (before any op runs);
    listing the physical devices, as `import seqapps` does, is fine.

    Raises:
        ValueError: `count` is below 1.
        RuntimeError: TensorFlow initialized its devices already.
    """
    if count < 1:
        raise ValueError(f"--devices must be at least 1, got {count!r}.")
    gpus = tf.config.list_physical_devices("GPU")
    if len(gpus) >= count:
        return [f"/gpu:{index}" for index in range(count)]
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError as error:
        if len(tf.config.list_logical_devices("CPU")) != count:
            raise RuntimeError(
                f"Cannot split the CPU into {count} devices: TensorFlow initialized its devices already ({error}). "
                "Choose the devices before building any model or dataset."
            ) from error
    return [f"/cpu:{index}" for index in range(count)]


def strategy_from_environment(devices=1, timeout_seconds=COLLECTIVE_TIMEOUT_SECONDS):
    """The `tf.distribute.Strategy` a run trains under (see the module docstring).

    Args:
        devices: local devices to mirror the model on (`--devices`); 1: one.
        timeout_seconds: how long a collective waits for the other workers.

    Raises:
        ValueError: both several workers and several devices, or a bad `TF_CONFIG`.
    """
    workers = cluster_workers()
    if workers > 1:
        if devices > 1:
            raise ValueError(
                f"--devices {devices} with {workers} workers: each worker mirrors over its own GPUs; "
                "drop --devices when running several workers."
            )
        options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=timeout_seconds)
        strategy = KerasMultiWorkerMirroredStrategy(communication_options=options)
        logger.info(
            "Data-parallel training on %d workers (this is worker %d).",
            workers,
            strategy.cluster_resolver.task_id,
        )
        return strategy
    if devices > 1:
        names = use_local_devices(devices)
        logger.info("Data-parallel training on %d local devices: %s.", devices, ", ".join(names))
        return tf.distribute.MirroredStrategy(names)
    return tf.distribute.get_strategy()


def is_chief(strategy):
    """Whether this process writes the run's files: always, except on workers other than the chief."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


@contextlib.contextmanager
def worker_folders(strategy, *folders):
    """`folders` for the chief; for another worker, as many new temporary folders, removed on exit."""
    if is_chief(strategy):
        yield folders
        return
    temporary = tempfile.mkdtemp(prefix=f"seqapps-worker-{strategy.cluster_resolver.task_id}-")
    try:
        yield tuple(os.path.join(temporary, f"folder-{index}") for index in range(len(folders)))
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


@contextlib.contextmanager
def worker_config(strategy, config):
    """`(config, resume_dir)` for this process of a run whose `config` has `run_dir`, `export_root` and `restart`.

    The chief gets `config` itself and `resume_dir` `None` (it resumes from its
    own run folder). Another worker gets a copy of `config` whose `run_dir` and
    `export_root` are new temporary folders (`worker_folders`, removed on
    exit) and, unless `restart`, the chief's `run_dir` as `resume_dir`: it
    resumes from the chief's backup, so that every worker starts at the same
    epoch (on other machines the run folder must be on a shared file system).
    """
    if is_chief(strategy):
        yield config, None
        return
    with worker_folders(strategy, config.run_dir, config.export_root) as (run_dir, export_root):
        resume_dir = None if config.restart else config.run_dir
        yield dataclasses.replace(config, run_dir=run_dir, export_root=export_root), resume_dir


def check_batch_size(strategy, batch_size):
    """Raises `ValueError` unless the global batch `batch_size` splits evenly between `strategy`'s replicas.

    Keras 3 builds a model under a strategy from the first batch it reads,
    averaged over the replicas (the first validation batch too), which fails
    on slices of different sizes. Later batches may split unevenly (the last of
    a dataset or of a length bucket).
    """
    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        multiple = max(replicas, batch_size // replicas * replicas)
        raise ValueError(
            f"batch_size {batch_size} does not split evenly between the {replicas} replicas: Keras builds the model "
            f"from the first batch averaged over the replicas, which needs slices of one size. Choose a multiple "
            f"of {replicas} (e.g. --batch-size {multiple})."
        )


def several_workers(strategy):
    """Whether `strategy` trains across several worker processes (whose clocks and files differ)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return False
    return sum(len(addresses) for addresses in resolver.cluster_spec().as_dict().values()) > 1


def chief_values(strategy, values):
    """The floats `values` as the chief (replica 0) has them, on every worker: one small all-reduce.

    What a decision taken from a worker's own clock needs (`seqapps.training.TimeBudget`):
    each worker deciding on its own could stop at another epoch than the others,
    which would then wait forever in the next gradient exchange. Without several
    workers, `values` as they are. Every worker must call it at the same point.
    """
    values = [float(value) for value in values]
    if not several_workers(strategy):
        return values
    mine, zeros = tf.constant(values, tf.float64), tf.zeros(len(values), tf.float64)
    per_replica = strategy.experimental_distribute_values_from_function(
        lambda context: mine if context.replica_id_in_sync_group == 0 else zeros
    )
    return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None).numpy().tolist()


def shard_by_data(dataset):
    """`dataset` with DATA auto-sharding: each worker reads the whole pipeline and keeps its slice of every batch.

    What the strategy falls back to, with a warning, for a dataset that is not
    read from files; the pipeline must give every worker the same order
    (seeded shuffles).
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def local_cluster(workers):
    """`TF_CONFIG` values (JSON strings) of `workers` workers on free ports of 127.0.0.1, worker 0 first."""
    addresses = [f"{LOOPBACK}:{free_port()}" for _ in range(workers)]
    return [
        json.dumps({"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}})
        for index in range(workers)
    ]


def run_local_workers(command, workers, timeout=None):
    """Runs `command` as `workers` workers of one cluster on 127.0.0.1 and waits for all of them.

    Each process gets its `TF_CONFIG`; its output is logged line by line with
    a `[worker<i>]` prefix.

    Raises:
        DistributedTrainingError: a worker exited with a non-zero status or was
            killed (named in the message), or the run took longer than
            `timeout` seconds; the other workers are stopped first.
    """
    if workers < 2:
        raise ValueError(f"--workers must be at least 2 to start a cluster, got {workers!r}.")
    configs = local_cluster(workers)
    logger.info("Starting %d workers on %s: %s", workers, LOOPBACK, json.loads(configs[0])["cluster"]["worker"])
    processes, readers, lock = {}, [], threading.Lock()
    try:
        for index, config in enumerate(configs):
            name = f"worker{index}"
            processes[name] = subprocess.Popen(
                command,
                env={**os.environ, "TF_CONFIG": config, "PYTHONUNBUFFERED": "1"},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
            reader = threading.Thread(
                target=stream_lines, args=(name, processes[name].stdout, lock, logger), daemon=True
            )
            reader.start()
            readers.append(reader)
        _wait_for_workers(processes, timeout)
    finally:
        stop_processes(processes)
        for reader in readers:
            reader.join(timeout=STOP_SECONDS)
    logger.info("All %d workers finished.", workers)


def _wait_for_workers(processes, timeout):
    start = time.monotonic()
    while True:
        codes = {name: process.poll() for name, process in processes.items()}
        failed = {name: code for name, code in codes.items() if code not in (None, 0)}
        if failed:
            # The first to fail is the cause; the others fail from waiting on it.
            name, code = next(iter(sorted(failed.items(), key=lambda item: item[1] >= 0)))
            how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
            raise DistributedTrainingError(
                f"{name} {how} (its output above is prefixed [{name}]); stopped the other workers. "
                "Run the same command again to resume from the last finished epoch."
            )
        if all(code == 0 for code in codes.values()):
            return
        if timeout is not None and time.monotonic() - start > timeout:
            raise DistributedTrainingError(f"The workers did not finish within {timeout:g} s; stopped them.")
        time.sleep(POLL_SECONDS)


WORKERS_HELP = "start this many worker processes on 127.0.0.1, each training on its share of every global batch"
WORKER_TIMEOUT_HELP = "seconds a worker waits for the others in a gradient exchange before failing"


def add_arguments(parser):
    """Adds `--devices`, `--workers` and `--worker-timeout` to a recipe's argument parser.

    A recipe that is also tunable already has `--workers` and `--worker-timeout`
    from `seqapps.tuning.arguments` (the search's workers): the same flags then
    serve both, search workers with `--tune` and training workers without, and
    their help says so.
    """
    group = parser.add_argument_group("distributed training")
    group.add_argument(
        "--devices", type=int, default=1, help="mirror the model on this many local devices (GPUs, else CPU parts)"
    )
    # argparse keeps the flags it has in `_option_string_actions`; a flag cannot be added twice.
    existing = parser._option_string_actions
    if "--workers" in existing:
        existing["--workers"].help += f"; without --tune: {WORKERS_HELP}"
    else:
        group.add_argument("--workers", type=int, default=1, help=WORKERS_HELP)
    if "--worker-timeout" in existing:
        existing["--worker-timeout"].help += f"; without --tune: {WORKER_TIMEOUT_HELP}"
    else:
        group.add_argument("--worker-timeout", type=float, default=COLLECTIVE_TIMEOUT_SECONDS, help=WORKER_TIMEOUT_HELP)


def launch_or_strategy(arguments, module, argv=None):
    """What a recipe's main does with the distribution flags.

    With `--workers N` (N > 1) and no `TF_CONFIG`, starts N processes of
    `python -m module *argv` (default argv: this command line's) with
    `TF_CONFIG` set, waits for them and returns `None`. Otherwise returns the
    strategy to train under.
    """
    if arguments.workers > 1 and not cluster_workers():
        argv = sys.argv[1:] if argv is None else list(argv)
        run_local_workers([sys.executable, "-m", module, *argv], arguments.workers)
        return None
    return strategy_from_environment(arguments.devices, arguments.worker_timeout)
