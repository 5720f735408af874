"""`RecipeHyperModel`: what every recipe's hypermodel shares."""

import dataclasses
import time

import keras
import keras_tuner
import numpy as np

from seqapps import configs, training
from seqapps.tuning.search_space import FLAGS, SearchSpace

NONE_WORDS = ("none", "null")


class RecipeHyperModel(keras_tuner.HyperModel):
    """A recipe as a `keras_tuner.HyperModel`: its data loaded once, one model per trial.

    `build(hp)` declares the search space (`SearchSpace.declare`) and returns
    the recipe's compiled model, its weights seeded by the recipe's `seed` so
    that trials differ only by their hyperparameters. `fit(hp, model, ...)`
    trains it on the data `prepare()` loaded once and returns the metrics of
    its best epoch by the objective, plus `epochs` (epochs trained up to that
    epoch, counting those a hyperband trial inherits), `seconds` and
    `cut_short` (1 when the trial's time budget stopped it, else 0). With
    `trial_minutes`, each trial trains within that many minutes
    (`seqapps.training.TimeBudget`): a model whose optimizer follows a
    `PlannedCosineDecay` has its decay planned to end with the budget, others
    stop after the epoch that leaves too little time for another.
    `retrain(values, epochs, output_dir)` trains the chosen hyperparameters as
    the recipe does (on train+validation where the recipe has no use for the
    validation split after the search), evaluates on test and saves or
    exports the model; a recipe whose `retrain` runs the task's own `train`
    gets its config from `recipe_retraining_config`.

    A subclass sets the class attributes below and implements `prepare`,
    `trial_config`, `build_model`, `fit_model` and `retrain`; one whose
    default space depends on the recipe options overrides `space_for`. `tune` calls
    `prepare` before the search in every process that trains (not on a
    distributed search's chief, which only builds a model once to declare the
    space); a `build_model` that needs the data (say, normalization
    statistics) calls `self.prepare()` itself.

    Class attributes:
        recipe: the recipe name (`seqapps.tuning.RECIPES`).
        config_class: the recipe's config dataclass.
        default_space: the recipe's `SearchSpace`.
        metric_directions: `"min"` or `"max"` for each metric its fit logs;
            any of them can be named as the objective.
        default_objective: the recipe's validation metric.
        hyperparameter_fields: config fields the search space sets, which
            are therefore not recipe options.

    Args:
        recipe_options: fields of `config_class`, e.g. `{"limit": 2000}`;
            strings are converted to the field's type (`"none"` to `None`);
            `preset` names a preset of `config_class` (`"quick"`).
        space: overrides of `default_space` (see `SearchSpace.replace`).
        objective: a key of `metric_directions`; `None`: `default_objective`.
        trial_minutes: the time budget of each trial (and of the retraining,
            for recipes with a time budget of their own); `None`: no limit.

    Raises:
        ValueError: an unknown or bad recipe option, search-space value or
            objective.
    """

    recipe = None
    config_class = None
    default_space = SearchSpace()
    metric_directions = {}
    default_objective = None
    hyperparameter_fields = ()

    def __init__(self, recipe_options=None, space=None, objective=None, trial_minutes=None):
        super().__init__(name=self.recipe)
        self.config = self.make_config(recipe_options or {})
        self.trial_minutes = trial_minutes
        self.space = self.space_for(self.config).replace(**(space or {}))
        objective = objective or self.default_objective
        if objective not in self.metric_directions:
            raise ValueError(
                f"Unknown objective {objective!r} for {self.recipe}: choose a metric its training logs, "
                f"one of {', '.join(self.metric_directions)}."
            )
        self.objective = keras_tuner.Objective(objective, self.metric_directions[objective])
        self.check_space()

    def make_config(self, options):
        """The recipe config from `options` (field name -> value), each checked and converted.

        `options["preset"]` names a preset of the config class (`quick`): its
        settings come first, and the other options override them.
        """
        fields = {field.name: field for field in dataclasses.fields(self.config_class)}
        options = dict(options)
        preset = options.pop("preset", None)
        converted = configs.preset_settings(self.config_class, preset) if preset is not None else {}
        for name, value in options.items():
            if name in self.hyperparameter_fields:
                raise ValueError(
                    f"`{name}` is a hyperparameter of the search, not a recipe option: set the search space "
                    f"with {', '.join(FLAGS.values())} NAME=V1,V2 instead."
                )
            if name == "export_root" and name not in fields:
                raise ValueError(f"{self.recipe} has no servable export: --export-root does not apply to it.")
            if name not in fields:
                valid = ", ".join(
                    sorted(
                        set(fields) - set(self.hyperparameter_fields)
                        | ({"preset"} if configs.presets(self.config_class) else set())
                    )
                )
                raise ValueError(f"Unknown option {name!r} for {self.recipe}: its options are {valid}.")
            converted[name] = _convert_option(name, value, fields[name].type)
        return self.config_class(**converted)

    def space_for(self, config):
        """The default search space for the recipe config `config` (`default_space`)."""
        return self.default_space

    @classmethod
    def options_from_config(cls, config):
        """The recipe options that rebuild `config`: the fields that differ from the defaults, not hyperparameters."""
        defaults = cls.config_class()
        return {
            field.name: getattr(config, field.name)
            for field in dataclasses.fields(cls.config_class)
            if field.name not in cls.hyperparameter_fields
            and getattr(config, field.name) != getattr(defaults, field.name)
        }

    def check_space(self):
        """Builds a trial config for every range end and choice, so that bad values fail before the search."""
        first = self.space.first_values()
        candidates = [("cell", cell) for cell in self.space.cells]
        candidates += [("batch_size", size) for size in self.space.batch_sizes]
        for name in ("units", "layers", "dropout", "learning_rate"):
            candidates += [(name, value) for value in getattr(self.space, name)]
        for name, values in self.space.choices.items():
            candidates += [(name, value) for value in values]
        for name, value in candidates:
            try:
                self.trial_config({**first, name: value})
            except ValueError as error:
                raise ValueError(f"Search space value {name}={value!r} is invalid for {self.recipe}: {error}") from None

    def build(self, hp):
        return self.build_seeded(self.space.declare(hp))

    def build_seeded(self, values):
        """`build_model(values)` with the weights seeded by the recipe's `seed`."""
        keras.utils.set_random_seed(self.config.seed)
        return self.build_model(values)

    def fit(self, hp, model, *args, epochs=1, initial_epoch=0, callbacks=(), **kwargs):
        """Trains `model` for the trial `hp`; other arguments of `tuner.search` are ignored."""
        self.prepare()
        values = self.space.declare(hp)
        start = time.perf_counter()
        callbacks = [*callbacks, keras.callbacks.TerminateOnNaN()]
        budget = None
        if self.trial_minutes:
            epoch_seconds = []
            schedule = getattr(model.optimizer, "_learning_rate", None)
            planned = schedule if isinstance(schedule, training.PlannedCosineDecay) else None
            budget = training.TimeBudget(self.trial_minutes, epoch_seconds, schedule=planned)
            callbacks += [training.epoch_timer(epoch_seconds), budget]
        history = self.fit_model(values, model, epochs=epochs, initial_epoch=initial_epoch, callbacks=callbacks)
        metrics = self.best_epoch_metrics(history.history, initial_epoch, time.perf_counter() - start)
        metrics["cut_short"] = float(budget is not None and budget.ran_out)
        return metrics

    def best_epoch_metrics(self, history, initial_epoch, seconds):
        """The logged metrics at the best epoch by the objective, with `epochs` and `seconds`."""
        scores = np.asarray(history[self.objective.name], dtype=float)
        if np.all(np.isnan(scores)):
            best = len(scores) - 1
        elif self.objective.direction == "max":
            best = int(np.nanargmax(scores))
        else:
            best = int(np.nanargmin(scores))
        metrics = {name: float(series[best]) for name, series in history.items() if len(series) == len(scores)}
        metrics["epochs"] = initial_epoch + best + 1
        metrics["seconds"] = seconds
        return metrics

    def prepare(self):
        """Loads (once) the data every trial trains on."""
        raise NotImplementedError

    def trial_config(self, values):
        """The recipe config of one trial's hyperparameter values (a name -> value dict)."""
        raise NotImplementedError

    def build_model(self, values):
        """The compiled model of one trial's hyperparameter values."""
        raise NotImplementedError

    def fit_model(self, values, model, epochs, initial_epoch, callbacks):
        """Trains `model` on the training split, validating every epoch; returns the `History`."""
        raise NotImplementedError

    def recipe_retraining_config(self, values, epochs, output_dir, **changes):
        """The recipe config that retrains `values` as the recipe itself does, in `output_dir`, from scratch.

        For recipes whose `retrain` runs the task's own `train`: the trial
        config of `values` with `epochs`, `run_dir=output_dir`, `restart=True`
        (a finished run there is not resumed) and the time budget of a trial
        (`trial_minutes`), else the recipe's own `time_budget_minutes`.

        Args:
            values: the best trial's hyperparameter values.
            epochs: the most epochs to train.
            output_dir: the run folder of the retraining.
            **changes: other fields to set, e.g. `ensemble=self.config.ensemble`.
        """
        return dataclasses.replace(
            self.trial_config(values),
            **changes,
            epochs=epochs,
            run_dir=str(output_dir),
            restart=True,
            time_budget_minutes=self.trial_minutes or self.config.time_budget_minutes,
        )

    def retrain(self, values, epochs, output_dir):
        """Trains `values` on train+validation for `epochs`, evaluates on test, saves the model in `output_dir`.

        Returns:
            A JSON-serializable dict: `test_<metric>` values, `model_path`,
            and `export_path` for recipes that export.
        """
        raise NotImplementedError


def _convert_option(name, value, kind):
    """A recipe option as its field's type; strings (from the command line) are parsed."""
    if kind in (tuple, list) and isinstance(value, (tuple, list)):
        return kind(value)
    if not isinstance(value, str) or kind is str:
        return value
    text = value.strip()
    if text.lower() in NONE_WORDS:
        return None
    try:
        if kind is bool:
            if text.lower() not in ("true", "false", "yes", "no", "1", "0"):
                raise ValueError(text)
            return text.lower() in ("true", "yes", "1")
        if kind in (tuple, list):
            return kind(part.strip() for part in text.split(",") if part.strip())
        return kind(text)
    except ValueError:
        raise ValueError(f"Option {name!r}: {value!r} is not a valid {kind.__name__}.") from None
