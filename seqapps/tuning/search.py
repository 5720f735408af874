"""Runs a hyperparameter search: in one process, as keras-tuner chief or worker, or as a local chief and workers.

`tune(config)` does everything `seqapps tune` and `recipes/<recipe>.py --tune`
do. What it writes into `directory/project_name/` besides keras-tuner's
`oracle.json` and `trial_<id>/` folders:

- `results.csv`, `results.md`: one row per trial: trial, status, every
  hyperparameter, the objective, the epochs to the best epoch, seconds, and
  `cut_short` ("yes" where `trial_minutes` stopped the trial);
- `logs/`: TensorBoard logs, one run per trial (`logs/<trial>/execution0`)
  with its HParams session, and the HParams experiment at the root:
  `tensorboard --logdir DIR/PROJECT/logs`, tab HPARAMS;
- `best_hyperparameters.json`: the best trial, its objective value, its
  epochs and its hyperparameters;
- `best_model/` and `best_model.json`: the best hyperparameters retrained as
  the recipe trains (on train+validation where the recipe has no further use
  for validation) for the best trial's epochs, their test metrics, and the
  export path for recipes that export.

Distributed: with `KERASTUNER_ORACLE_IP`, `KERASTUNER_ORACLE_PORT` and
`KERASTUNER_TUNER_ID` set, the process is the chief (`KERASTUNER_TUNER_ID`
contains "chief": serves the oracle, runs no trial, loads no data, and
writes the results and retrains once the workers are done) or a worker (runs
trials until the oracle says the search is over, then returns). Workers
never delete a search (`overwrite` applies on the chief only). Workers send
heartbeats, and the chief gives the trial of a worker silent for
`worker_timeout` seconds to another worker (`seqapps.tuning.liveness`).
"""

import dataclasses
import json
import logging
import os
import shutil
import sys
from pathlib import Path

import keras
import keras_tuner

from seqapps.tuning import hypermodel_class, launcher, liveness, results
from seqapps.tuning.tuning_config import TuningError

ORACLE_IP = "KERASTUNER_ORACLE_IP"
ORACLE_PORT = "KERASTUNER_ORACLE_PORT"
TUNER_ID = "KERASTUNER_TUNER_ID"
RESULTS_CSV = "results.csv"
RESULTS_MARKDOWN = "results.md"
BEST_HYPERPARAMETERS = "best_hyperparameters.json"
BEST_MODEL = "best_model.json"
BEST_MODEL_DIR = "best_model"
LOG_DIR = "logs"
LAUNCH_CONFIG = "launch_config.json"
HYPERBAND_FACTOR = 3

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class TuningResult:
    """What a search produced (read back from its folder).

    Attributes:
        project_dir: `directory/project_name`.
        table: the results table, Markdown.
        best: the content of `best_hyperparameters.json`.
        final: the content of `best_model.json` (`None` without retraining).
    """

    project_dir: Path
    table: str
    best: dict
    final: dict = None


def distributed_role(environment=None):
    """`"chief"`, `"worker"` or `None` (not distributed), from keras-tuner's environment variables."""
    environment = os.environ if environment is None else environment
    if ORACLE_IP not in environment:
        return None
    missing = [name for name in (ORACLE_PORT, TUNER_ID) if not environment.get(name)]
    if missing:
        raise ValueError(
            f"{ORACLE_IP} is set but {' and '.join(missing)} not: a distributed search needs all of "
            f"{ORACLE_IP}, {ORACLE_PORT} and {TUNER_ID} (chief for the chief, a unique name per worker)."
        )
    return "chief" if "chief" in environment[TUNER_ID] else "worker"


def make_hypermodel(config):
    """The recipe's hypermodel for `config`; raises `ValueError` on a bad option, space or objective."""
    return hypermodel_class(config.recipe)(
        config.recipe_options, config.space, config.objective, trial_minutes=config.trial_minutes
    )


def epochs_per_trial(config, hypermodel):
    """`config.max_epochs`, or the recipe's `epochs`."""
    return config.max_epochs or hypermodel.config.epochs


def make_tuner(config, hypermodel, overwrite):
    """The keras-tuner tuner of `config.tuner` over `hypermodel`, in `config.project_dir`."""
    arguments = dict(
        hypermodel=hypermodel,
        objective=hypermodel.objective,
        directory=config.directory,
        project_name=config.project_name,
        overwrite=overwrite,
        seed=hypermodel.config.seed,
    )
    if config.tuner == "random":
        return keras_tuner.RandomSearch(max_trials=config.max_trials, **arguments)
    if config.tuner == "bayesian":
        return keras_tuner.BayesianOptimization(max_trials=config.max_trials, **arguments)
    return keras_tuner.Hyperband(max_epochs=epochs_per_trial(config, hypermodel), factor=HYPERBAND_FACTOR, **arguments)


def tune(config):
    """Runs the search of `config` (a `TuningConfig`), or this process's part of a distributed one.

    The search space, options and objective are checked before anything
    runs. An existing search in `config.project_dir` is continued unless
    `config.overwrite`. Progress goes to the `seqapps.tuning.search` logger.

    Returns:
        A `TuningResult`, or `None` in a worker process.

    Raises:
        ValueError: a bad option, search space, objective or environment.
        TuningError: no trial completed, or a process of a `workers` run failed.
    """
    role = distributed_role()
    hypermodel = make_hypermodel(config)
    if config.workers and role is None:
        return _launch(config)
    if role == "worker" and config.overwrite:
        logger.info("Workers never delete a search: --overwrite applies on the chief only.")
    if role != "chief":
        hypermodel.prepare()
    tuner = make_tuner(config, hypermodel, overwrite=config.overwrite and role != "worker")
    if role != "worker":
        _queue_unfinished_trials(tuner.oracle)
    if role == "chief":
        logger.info(
            f"Chief: serving the oracle on {os.environ[ORACLE_IP]}:{os.environ[ORACLE_PORT]} until the "
            f"workers have run the search; a worker silent for {config.worker_timeout:g} s loses its trial to "
            f"the next worker"
        )
        liveness.requeue_silent_workers_trials(tuner.oracle, config.worker_timeout)
    if role == "worker":
        liveness.send_heartbeats(tuner)
    tensorboard = keras.callbacks.TensorBoard(str(config.project_dir / LOG_DIR), write_graph=False)
    tuner.search(epochs=epochs_per_trial(config, hypermodel), callbacks=[tensorboard], verbose=config.verbose)
    if role == "worker":
        logger.info(f"{os.environ[TUNER_ID]}: the oracle ended the search; exiting.")
        return None
    return _finish(config, tuner, hypermodel)


def _queue_unfinished_trials(oracle):
    """Makes a resumed search run every interrupted trial again, and no finished one.

    When keras-tuner reloads a search it queues the trials `oracle.json`
    records as running for a retry. Each trial's `trial.json` is written when
    the trial starts and when it ends, and `oracle.json` right after, so a
    process killed between the two writes leaves them disagreeing:

    - killed just after a trial ended, `oracle.json` still lists it as
      running: its `trial.json` says it finished, so it is not run again;
    - killed just after a trial started, `oracle.json` does not know it yet,
      though the trial counts towards `max_trials`: its `trial.json` says it
      is running, so it is queued and runs again.
    """
    status = keras_tuner.engine.trial.TrialStatus
    oracle._retry_queue = [
        trial_id
        for trial_id in oracle._retry_queue
        if oracle.trials[trial_id].status not in (status.COMPLETED, status.FAILED)
    ]
    for trial_id, trial in oracle.trials.items():
        if trial.status == status.RUNNING and trial_id not in oracle._retry_queue:
            oracle._retry_queue.append(trial_id)
            if trial_id not in oracle.start_order:
                oracle.start_order.append(trial_id)


def _launch(config):
    project_dir = config.project_dir
    if config.overwrite and project_dir.exists():
        shutil.rmtree(project_dir)
    project_dir.mkdir(parents=True, exist_ok=True)
    child = dataclasses.replace(config, workers=0, overwrite=False, timeout=None)
    config_path = project_dir / LAUNCH_CONFIG
    config_path.write_text(child.to_json())
    command = [sys.executable, "-m", "seqapps.tuning", str(config_path)]
    launcher.run_chief_and_workers(command, config.workers, timeout=config.timeout)
    result = load_result(project_dir)
    return result if config.retrain else dataclasses.replace(result, final=None)


def _finish(config, tuner, hypermodel):
    project_dir = Path(tuner.project_dir)
    objective = hypermodel.objective
    # keras-tuner saves the oracle before it drops the last trial from its running trials; on the chief
    # nothing saves it again, and a rerun would run that trial once more. Save the final state.
    tuner.save()
    names = hypermodel.space.first_values()
    columns, rows = results.trial_rows(tuner.oracle.trials.values(), objective, names)
    results.write_csv(project_dir / RESULTS_CSV, columns, rows)
    table = results.markdown_table(columns, rows)
    (project_dir / RESULTS_MARKDOWN).write_text(table + "\n")
    logger.info(f"\nResults of {len(rows)} trial(s), objective {objective.name} ({objective.direction}):")
    logger.info(table)
    finished = (keras_tuner.engine.trial.TrialStatus.COMPLETED, keras_tuner.engine.trial.TrialStatus.FAILED)
    unfinished = [trial.trial_id for trial in tuner.oracle.trials.values() if trial.status not in finished]
    if unfinished:
        logger.info(
            f"Trial(s) {', '.join(unfinished)} did not finish (no worker was left to run them): run the "
            "same command again to run them."
        )
    results.write_hparams_experiment(project_dir / LOG_DIR, tuner.oracle.get_space(), hypermodel.metric_directions)

    best_trials = tuner.oracle.get_best_trials(1)
    if not best_trials or best_trials[0].status != keras_tuner.engine.trial.TrialStatus.COMPLETED:
        raise TuningError(f"No trial completed; the errors are in the trials' trial.json files under {project_dir}.")
    best = best_trials[0]
    epochs = best.metrics.get_last_value("epochs") if best.metrics.exists("epochs") else None
    epochs = int(epochs or epochs_per_trial(config, hypermodel))
    best_info = {
        "recipe": config.recipe,
        "trial": best.trial_id,
        "objective": {"name": objective.name, "direction": objective.direction, "value": float(best.score)},
        "epochs": epochs,
        "hyperparameters": dict(best.hyperparameters.values),
    }
    (project_dir / BEST_HYPERPARAMETERS).write_text(json.dumps(best_info, indent=1) + "\n")
    logger.info(f"Best: trial {best.trial_id}, {objective.name} {best.score:.4f} after {epochs} epoch(s)")
    logger.info(
        f"Wrote {project_dir / RESULTS_CSV}, {project_dir / RESULTS_MARKDOWN}, "
        f"{project_dir / BEST_HYPERPARAMETERS} and TensorBoard logs in {project_dir / LOG_DIR}"
    )

    final = None
    if config.retrain:
        final = {"trial": best.trial_id, "epochs": epochs}
        final.update(hypermodel.retrain(best.hyperparameters.values, epochs, project_dir / BEST_MODEL_DIR))
        (project_dir / BEST_MODEL).write_text(json.dumps(final, indent=1) + "\n")
    return TuningResult(project_dir, table, best_info, final)


def load_result(project_dir):
    """The `TuningResult` of a finished search, read from its folder."""
    project_dir = Path(project_dir)
    best_path, final_path = project_dir / BEST_HYPERPARAMETERS, project_dir / BEST_MODEL
    if not best_path.exists():
        raise TuningError(f"The search wrote no {BEST_HYPERPARAMETERS} in {project_dir}.")
    return TuningResult(
        project_dir=project_dir,
        table=(project_dir / RESULTS_MARKDOWN).read_text().strip(),
        best=json.loads(best_path.read_text()),
        final=json.loads(final_path.read_text()) if final_path.exists() else None,
    )
