"""A search's results: the trial table (CSV, Markdown) and the TensorBoard HParams experiment."""

import csv
import math

import keras_tuner

FIXED_COLUMNS = ("trial", "status")
RESULT_COLUMNS = ("epochs", "seconds", "cut_short")


def trial_rows(trials, objective, names=()):
    """One dict per trial, in trial order: trial, status, each hyperparameter, the objective, epochs, seconds,
    and `cut_short` ("yes" for a trial its time budget stopped, `--trial-minutes`).

    Args:
        trials: `keras_tuner` `Trial`s (e.g. `tuner.oracle.trials.values()`).
        objective: the search's `keras_tuner.Objective`.
        names: hyperparameter names in the order of their columns; others
            the trials have (e.g. hyperband's `tuner/epochs`) follow.

    Returns:
        `(columns, rows)`: the column names and the rows (dicts keyed by them;
        `None` where a trial has no value).
    """
    trials = sorted(
        trials,
        key=lambda trial: (
            (int(trial.trial_id), trial.trial_id) if trial.trial_id.isdigit() else (float("inf"), trial.trial_id)
        ),
    )
    names = list(names)
    for trial in trials:
        names += [name for name in trial.hyperparameters.values if name not in names]
    columns = [*FIXED_COLUMNS, *names, objective.name, *RESULT_COLUMNS]
    rows = []
    for trial in trials:
        row = {"trial": trial.trial_id, "status": trial.status}
        row.update({name: trial.hyperparameters.values.get(name) for name in names})
        row[objective.name] = trial.score if trial.status == keras_tuner.engine.trial.TrialStatus.COMPLETED else None
        for name in RESULT_COLUMNS:
            row[name] = trial.metrics.get_last_value(name) if trial.metrics.exists(name) else None
        if row["epochs"] is not None:
            row["epochs"] = int(row["epochs"])
        row["cut_short"] = "yes" if row["cut_short"] else None
        rows.append(row)
    return columns, rows


def write_csv(path, columns, rows):
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def markdown_table(columns, rows):
    """The rows as a Markdown table, numbers right-aligned, floats with 4 significant digits."""
    numeric = {
        column
        for column in columns
        if any(isinstance(row[column], (int, float)) and not isinstance(row[column], bool) for row in rows)
    }
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---:" if column in numeric else "---" for column in columns) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_format(row[column]) for column in columns) + " |")
    return "\n".join(lines)


def _format(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def write_hparams_experiment(log_dir, space, metric_directions):
    """Writes the HParams experiment (domains of the hyperparameters, metrics) into `log_dir`.

    keras-tuner writes each trial's hyperparameter values as an HParams
    session into `log_dir/<trial>/execution0`; this summary at the root tells
    TensorBoard's HParams dashboard the domains and which metrics to show:
    Keras' TensorBoard callback logs `val_accuracy` as `epoch_accuracy` in
    the `validation` run, `accuracy` as `epoch_accuracy` in `train`.

    Args:
        log_dir: the search's TensorBoard folder.
        space: the `keras_tuner.HyperParameters` search space.
        metric_directions: the metrics logged by fit (names as in `History`).
    """
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hparams_api

    hparams = [hparams_api.HParam(hp.name, _domain(hp, hparams_api)) for hp in space.space]
    metrics = []
    for name in metric_directions:
        group = "validation" if name.startswith("val_") else "train"
        metrics.append(hparams_api.Metric(f"epoch_{name.removeprefix('val_')}", group=group, display_name=name))
    with tf.summary.create_file_writer(str(log_dir)).as_default():
        hparams_api.hparams_config(hparams=hparams, metrics=metrics)


def _domain(hp, hparams_api):
    hp_types = keras_tuner.engine.hyperparameters
    if isinstance(hp, hp_types.Choice):
        return hparams_api.Discrete(list(hp.values))
    if isinstance(hp, hp_types.Boolean):
        return hparams_api.Discrete([True, False])
    if isinstance(hp, hp_types.Fixed):
        return hparams_api.Discrete([hp.value])
    if isinstance(hp, hp_types.Int):
        if hp.sampling == "linear" and hp.step == 1:
            return hparams_api.IntInterval(hp.min_value, hp.max_value)
        return hparams_api.Discrete(sorted({int(value) for value in hp.values}))
    return hparams_api.RealInterval(float(hp.min_value), float(hp.max_value))
