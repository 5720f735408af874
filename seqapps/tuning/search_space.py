"""The hyperparameters a recipe search draws from."""

import dataclasses

from seqapps import layers

# The command-line flag of each field, named in error messages.
FLAGS = {
    "cells": "--cells",
    "units": "--units-range",
    "layers": "--layers-range",
    "dropout": "--dropout-range",
    "learning_rate": "--learning-rate-range",
    "batch_sizes": "--batch-sizes",
    "choices": "--choice",
}
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")


@dataclasses.dataclass(frozen=True)
class SearchSpace:
    """A search space: the recurrent cell, its size and training settings, plus recipe-specific choices.

    Ranges are `(min, max)`, both included; a single value fixes the
    hyperparameter.

    Args:
        cells: recurrent layer kinds to choose from, names from
            `seqapps.layers.KINDS`: seqapps cells and Keras built-ins alike.
        units: hidden units per layer (and direction), sampled from
            `min, 2*min, 4*min, ...` up to `max`.
        layers: number of stacked recurrent layers.
        dropout: dropout rate, in `[0, 1)`.
        learning_rate: Adam learning rate, sampled on a log scale.
        batch_sizes: training batch sizes to choose from.
        choices: recipe-specific hyperparameters, name -> values to choose
            from, e.g. `{"bidirectional": (True, False)}`.

    Example:

    >>> space = SearchSpace(cells=("lstm", "keras_lstm"), units=(8, 32))
    >>> space.replace(units=[16]).units
    (16, 16)
    """

    cells: tuple = layers.KINDS
    units: tuple = (16, 64)
    layers: tuple = (1, 2)
    dropout: tuple = (0.0, 0.5)
    learning_rate: tuple = (1e-4, 1e-2)
    batch_sizes: tuple = (32, 64)
    choices: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        cells = _values("cells", self.cells)
        unknown = [cell for cell in cells if cell not in layers.KINDS]
        if unknown:
            raise ValueError(f"Unknown cells {unknown} ({FLAGS['cells']}): choose from {', '.join(layers.KINDS)}.")
        object.__setattr__(self, "cells", cells)
        object.__setattr__(self, "units", _range("units", self.units, int, minimum=1))
        object.__setattr__(self, "layers", _range("layers", self.layers, int, minimum=1))
        object.__setattr__(self, "dropout", _range("dropout", self.dropout, float, minimum=0.0, below=1.0))
        object.__setattr__(
            self, "learning_rate", _range("learning_rate", self.learning_rate, float, minimum=0.0, positive=True)
        )
        batch_sizes = _values("batch_sizes", self.batch_sizes)
        for size in batch_sizes:
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise ValueError(
                    f"`batch_sizes` ({FLAGS['batch_sizes']}) must be positive integers, got {list(batch_sizes)}."
                )
        object.__setattr__(self, "batch_sizes", batch_sizes)
        object.__setattr__(self, "choices", {name: _values(name, values) for name, values in self.choices.items()})
        for name, values in self.choices.items():
            if name in FLAGS or name in ("cell", "batch_size"):
                raise ValueError(f"Recipe-specific choice {name!r} clashes with a common hyperparameter.")
            if len({type(value) for value in values}) > 1:
                raise ValueError(f"The values of choice {name!r} must all have one type, got {list(values)}.")

    def replace(self, **overrides):
        """A copy with some fields replaced; `choices` are merged by name.

        Values may come from the command line: lists instead of tuples, and
        choice values as strings, converted to the type of the recipe's
        default values for that name.

        Raises:
            ValueError: an unknown field or choice name, or a bad value.
        """
        unknown = sorted(set(overrides) - set(FLAGS))
        if unknown:
            raise ValueError(f"Unknown search space fields {unknown}: choose from {', '.join(FLAGS)}.")
        choices = dict(self.choices)
        for name, values in overrides.pop("choices", {}).items():
            if name not in self.choices:
                valid = ", ".join(self.choices) or "none"
                raise ValueError(f"Unknown choice {name!r} ({FLAGS['choices']}): this recipe's choices are {valid}.")
            choices[name] = tuple(_convert(name, value, type(self.choices[name][0])) for value in _values(name, values))
        return dataclasses.replace(self, **overrides, choices=choices)

    def declare(self, hp):
        """Declares the space in the `keras_tuner.HyperParameters` `hp`; returns this trial's values by name."""
        values = {
            "cell": hp.Choice("cell", list(self.cells)),
            "units": hp.Int("units", *self.units, step=2, sampling="log"),
            "layers": hp.Int("layers", *self.layers),
            "dropout": hp.Float("dropout", *self.dropout),
            "learning_rate": hp.Float("learning_rate", *self.learning_rate, sampling="log"),
            "batch_size": hp.Choice("batch_size", list(self.batch_sizes)),
        }
        for name, choices in self.choices.items():
            if isinstance(choices[0], bool):
                # keras-tuner's Choice would turn booleans into 0 and 1.
                values[name] = hp.Boolean(name, default=choices[0]) if len(choices) == 2 else hp.Fixed(name, choices[0])
            else:
                values[name] = hp.Choice(name, list(choices))
        return values

    def first_values(self):
        """The values `declare` gives a fresh `HyperParameters` (the first choice, the minimum)."""
        values = {
            "cell": self.cells[0],
            "units": self.units[0],
            "layers": self.layers[0],
            "dropout": self.dropout[0],
            "learning_rate": self.learning_rate[0],
            "batch_size": self.batch_sizes[0],
        }
        values.update({name: choices[0] for name, choices in self.choices.items()})
        return values


def _values(name, values):
    """A non-empty tuple without duplicates."""
    values = tuple(values) if isinstance(values, (list, tuple)) else (values,)
    if not values:
        raise ValueError(f"`{name}` ({FLAGS.get(name, FLAGS['choices'])}) needs at least one value.")
    if len(set(values)) != len(values):
        raise ValueError(f"`{name}` lists a value twice: {list(values)}.")
    return values


def _range(name, values, kind, minimum, below=None, positive=False):
    """`(min, max)` from one or two numbers, checked."""
    flag = FLAGS[name]
    values = tuple(values) if isinstance(values, (list, tuple)) else (values,)
    if len(values) not in (1, 2):
        raise ValueError(f"`{name}` ({flag}) takes MIN MAX or one fixed value, got {list(values)}.")
    converted = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)):
            raise ValueError(f"`{name}` ({flag}) must be {'integers' if kind is int else 'numbers'}, got {value!r}.")
        converted.append(kind(value))
    low, high = converted[0], converted[-1]
    if low > high:
        raise ValueError(f"`{name}` ({flag}): min {low} is greater than max {high}; pass MIN MAX with MIN <= MAX.")
    if low < minimum or (positive and low <= 0):
        bound = "positive" if positive else f"at least {minimum}"
        raise ValueError(f"`{name}` ({flag}) must be {bound}, got {low}.")
    if below is not None and high >= below:
        raise ValueError(f"`{name}` ({flag}) must be below {below}, got {high}.")
    return low, high


def _convert(name, value, kind):
    """A command-line string as `kind` (bool, int, float or str); other values are checked."""
    if isinstance(value, str) and kind is not str:
        text = value.strip().lower()
        try:
            if kind is bool:
                if text not in TRUE_WORDS + FALSE_WORDS:
                    raise ValueError(value)
                return text in TRUE_WORDS
            return kind(text)
        except ValueError:
            raise ValueError(f"Choice {name!r}: {value!r} is not a valid {kind.__name__}.") from None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"Choice {name!r}: {value!r} is not a valid {kind.__name__}.")
    return value
