"""Search spaces: normalization, overrides and the errors for bad ranges."""

import keras_tuner
import pytest

from seqapps import layers
from seqapps.tuning.search_space import SearchSpace


def test_defaults_cover_every_cell_and_single_values_fix_a_range():
    space = SearchSpace()
    assert space.cells == layers.KINDS
    fixed = space.replace(units=[16], dropout=0.1, learning_rate=[1e-3, 1e-2])
    assert (fixed.units, fixed.dropout, fixed.learning_rate) == ((16, 16), (0.1, 0.1), (1e-3, 1e-2))


def test_declare_registers_every_hyperparameter_and_returns_this_trials_values():
    space = SearchSpace(
        cells=("lstm", "keras_gru"),
        units=(8, 32),
        choices={"bidirectional": (True, False), "pooling": ("max", "average")},
    )
    hp = keras_tuner.HyperParameters()
    values = space.declare(hp)
    assert values == space.first_values()
    assert {"cell", "units", "layers", "dropout", "learning_rate", "batch_size", "bidirectional", "pooling"} == set(
        hp.values
    )
    units = next(hyperparameter for hyperparameter in hp.space if hyperparameter.name == "units")
    assert sorted(units.values) == [8, 16, 32]  # MIN, 2*MIN, ... up to MAX
    assert values["bidirectional"] is True  # a boolean, not keras-tuner's Choice 1


def test_choice_values_from_the_command_line_take_the_type_of_the_defaults():
    space = SearchSpace(choices={"bidirectional": (True, False), "embedding_dim": (32, 64), "pooling": ("max",)})
    replaced = space.replace(choices={"bidirectional": ["false"], "embedding_dim": ["8", "16"]})
    assert replaced.choices == {"bidirectional": (False,), "embedding_dim": (8, 16), "pooling": ("max",)}


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"units": [0]}, r"`units` \(--units-range\) must be at least 1, got 0"),
        ({"units": [32, 8]}, r"min 32 is greater than max 8"),
        ({"units": [8, 16, 32]}, r"takes MIN MAX or one fixed value"),
        ({"units": [8.5]}, r"must be integers"),
        ({"layers": [0, 2]}, r"`layers` \(--layers-range\) must be at least 1"),
        ({"dropout": [0.2, 1.0]}, r"`dropout` \(--dropout-range\) must be below 1.0"),
        ({"dropout": [-0.1, 0.2]}, r"`dropout` \(--dropout-range\) must be at least 0.0"),
        ({"learning_rate": [0.0, 0.1]}, r"`learning_rate` \(--learning-rate-range\) must be positive"),
        ({"cells": ["lstm", "transformer"]}, r"Unknown cells \['transformer'\] \(--cells\): choose from elman"),
        ({"cells": []}, r"`cells` \(--cells\) needs at least one value"),
        ({"cells": ["gru", "gru"]}, r"lists a value twice"),
        ({"batch_sizes": [0]}, r"`batch_sizes` \(--batch-sizes\) must be positive integers"),
        (
            {"choices": {"attention": ["dot"]}},
            r"Unknown choice 'attention' \(--choice\): this recipe's choices are "
            r"bidirectional",
        ),
        ({"choices": {"bidirectional": ["maybe"]}}, r"Choice 'bidirectional': 'maybe' is not a valid bool"),
        ({"heads": [2]}, r"Unknown search space fields \['heads'\]"),
    ],
)
def test_bad_ranges_name_the_flag_and_the_fix(overrides, fragment):
    space = SearchSpace(choices={"bidirectional": (False, True)})
    with pytest.raises(ValueError, match=fragment):
        space.replace(**overrides)
