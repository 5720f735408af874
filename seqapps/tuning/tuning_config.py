"""What a hyperparameter search runs: `TuningConfig` (no TensorFlow import of its own)."""

import dataclasses
import json
from pathlib import Path

from seqapps.tuning import RECIPES

TUNERS = ("random", "bayesian", "hyperband")
# Seconds between a worker's heartbeats (seqapps.tuning.liveness, which imports keras-tuner, uses it).
HEARTBEAT_SECONDS = 10.0
SPACE_FIELDS = ("cells", "units", "layers", "dropout", "learning_rate", "batch_sizes", "choices")


class TuningError(RuntimeError):
    """A search could not finish: a worker or the chief failed, or no trial completed."""


@dataclasses.dataclass
class TuningConfig:
    """Settings of one hyperparameter search.

    Args:
        recipe: the recipe to tune, a name from `seqapps.tuning.RECIPES`.
        tuner: `random` (random search), `bayesian` (Gaussian-process
            Bayesian optimization) or
            `hyperband`.
        max_trials: trials to run (random and bayesian; hyperband derives its
            trials from `max_epochs` and its reduction factor of 3).
        max_epochs: epochs per trial (for hyperband: the most a trial trains).
            `None`: the recipe's `epochs`.
        directory: folder of the searches; this one lives in
            `directory/project_name/`.
        project_name: `None`: the recipe name.
        overwrite: delete an existing search of that name and start over.
            Without it an existing search is continued: completed trials are
            kept, an interrupted trial is run again, and only the remaining
            trials run.
        objective: metric to optimize, one the recipe's fit logs
            (e.g. `val_loss`); `None`: the recipe's validation metric.
        space: overrides of the recipe's search space, a dict of
            `SearchSpace` fields (`cells`, `units`, `layers`, `dropout`,
            `learning_rate`, `batch_sizes`, and `choices`: recipe-specific
            name -> values, merged into the recipe's).
        recipe_options: fields of the recipe's config dataclass, e.g.
            `{"limit": 2000, "data": "aclImdb"}`; strings are converted to
            the field's type. Fields the search space sets are rejected.
        retrain: at the end, retrain the best hyperparameters on
            train+validation for the best trial's number of epochs, evaluate
            on test and export (recipes that export).
        workers: run the search as a chief and this many worker processes on
            127.0.0.1 (0: one process). Ignored in a process started as chief
            or worker by keras-tuner's environment variables.
        timeout: seconds a `workers` run may take in all; `None`: no limit.
        trial_minutes: the time budget of each trial, in minutes: a trial
            stops after the epoch that leaves too little of it for another (or,
            for a recipe whose learning rate follows a planned decay, the decay
            is planned to end with it, mid-epoch if need be) and is marked
            `cut_short` in the results; the retraining of recipes with a time
            budget of their own gets it too. `None`: no limit.
        worker_timeout: in a distributed search, seconds the chief waits
            without hearing from a worker running a trial (workers send a
            heartbeat every 10 s) before it gives that trial to the next
            worker asking for one.
        verbose: keras-tuner's trial display (0: silent, 1: on).
    """

    recipe: str
    tuner: str = "random"
    max_trials: int = 10
    max_epochs: int = None
    directory: str = "runs/tuning"
    project_name: str = None
    overwrite: bool = False
    objective: str = None
    space: dict = dataclasses.field(default_factory=dict)
    recipe_options: dict = dataclasses.field(default_factory=dict)
    retrain: bool = True
    workers: int = 0
    timeout: float = None
    trial_minutes: float = None
    worker_timeout: float = 120.0
    verbose: int = 1

    def __post_init__(self):
        if self.recipe not in RECIPES:
            raise ValueError(f"Unknown recipe {self.recipe!r}: tunable recipes are {', '.join(RECIPES)}.")
        if self.tuner not in TUNERS:
            raise ValueError(f"Unknown tuner {self.tuner!r}: choose from {', '.join(TUNERS)}.")
        for name, minimum in (("max_trials", 1), ("max_epochs", 1), ("workers", 0)):
            value = getattr(self, name)
            if value is None and name == "max_epochs":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(f"`{name}` must be an integer of at least {minimum}, got {value!r}.")
        if self.timeout is not None and not self.timeout > 0:
            raise ValueError(f"`timeout` must be a positive number of seconds or None, got {self.timeout!r}.")
        if self.trial_minutes is not None and (
            isinstance(self.trial_minutes, bool)
            or not isinstance(self.trial_minutes, (int, float))
            or not self.trial_minutes > 0
        ):
            raise ValueError(
                f"`trial_minutes` (--trial-minutes) must be a positive number of minutes or None, "
                f"got {self.trial_minutes!r}."
            )
        if (
            isinstance(self.worker_timeout, bool)
            or not isinstance(self.worker_timeout, (int, float))
            or not (self.worker_timeout >= 3 * HEARTBEAT_SECONDS)
        ):
            raise ValueError(
                f"`worker_timeout` (--worker-timeout) must be at least {3 * HEARTBEAT_SECONDS:g} seconds (three "
                f"worker heartbeats), got {self.worker_timeout!r}."
            )
        unknown = sorted(set(self.space) - set(SPACE_FIELDS))
        if unknown:
            raise ValueError(f"Unknown search space fields {unknown}: choose from {', '.join(SPACE_FIELDS)}.")
        self.project_name = self.project_name or self.recipe
        if Path(self.project_name).name != self.project_name or self.project_name in (".", ".."):
            raise ValueError(
                f"`project_name` (--project-name) must be a plain folder name, got {self.project_name!r}: the "
                f"search lives in DIRECTORY/PROJECT_NAME, so give the folder with --directory."
            )

    @property
    def project_dir(self):
        """`directory/project_name`: keras-tuner's trials, the results, the logs and the best model."""
        return Path(self.directory) / self.project_name

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text):
        return cls(**json.loads(text))
