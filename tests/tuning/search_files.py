"""Reads a search's folder the way a person would: its trial files, results and TensorBoard logs."""

import json
from pathlib import Path

import tensorflow as tf


def trials(project_dir):
    """`{trial_id: trial.json content}` of every trial folder."""
    return {
        path.parent.name.removeprefix("trial_"): json.loads(path.read_text())
        for path in Path(project_dir).glob("trial_*/trial.json")
    }


def statuses(project_dir):
    return {trial_id: trial["status"] for trial_id, trial in trials(project_dir).items()}


def training_runs(project_dir, trial_id):
    """How many times the trial was trained: each `fit` writes one TensorBoard training events file."""
    return len(list((Path(project_dir) / "logs" / trial_id / "execution0" / "train").glob("events.out.tfevents.*")))


def run_times(project_dir):
    """How many times the oracle ended each trial (keras-tuner's own count, in oracle.json)."""
    return json.loads((Path(project_dir) / "oracle.json").read_text())["run_times"]


def summary_tags(directory):
    """The summary tags of the events files directly in `directory`."""
    tags = set()
    for path in Path(directory).glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            tags.update(value.tag for value in event.summary.value)
    return tags
