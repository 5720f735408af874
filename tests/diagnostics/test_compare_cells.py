import csv

import matplotlib.image
import numpy as np
import pytest

from seqapps.diagnostics import (
    compare_cells,
    compare_cells_table,
    gradient_vs_distance,
    plot_compare_cells,
    write_compare_cells_csv,
)


@pytest.fixture(scope="module")
def results():
    return compare_cells(("elman", "lstm"), (100,), batch_size=16, repeats=2)


def test_elman_gradient_at_distance_100_is_100x_smaller_than_lstm(results):
    elman, lstm = results["elman"][100], results["lstm"][100]
    assert elman.shape == lstm.shape == (101,)
    # The loss is a unit projection of h_T: the gradient starts at exactly 1.
    np.testing.assert_allclose([elman[0], lstm[0]], 1.0, rtol=1e-9)
    assert 0 < elman[100] <= lstm[100] / 100


def test_gradient_decays_with_distance(results):
    for norms in (results["elman"][100], results["lstm"][100]):
        assert norms[10] > norms[50] > norms[100]


def test_reproducible_with_a_seed():
    first = gradient_vs_distance("gru", 8, units=4, batch_size=2, repeats=1, seed=3)
    second = gradient_vs_distance("gru", 8, units=4, batch_size=2, repeats=1, seed=3)
    other = gradient_vs_distance("gru", 8, units=4, batch_size=2, repeats=1, seed=4)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)


def test_outputs(results, tmp_path):
    rows = list(csv.DictReader(open(write_compare_cells_csv(results, tmp_path / "cells.csv"), encoding="utf-8")))
    assert len(rows) == 2 * 101
    last = [row for row in rows if row["cell"] == "elman" and row["distance"] == "100"]
    assert float(last[0]["gradient_norm"]) == pytest.approx(results["elman"][100][100], rel=1e-5)

    table = compare_cells_table(results).splitlines()
    assert table[0].split() == ["cell", "d=100"]
    assert table[1].split()[0] == "elman"
    assert float(table[2].split()[1]) == pytest.approx(results["lstm"][100][100], rel=1e-3)

    image = matplotlib.image.imread(plot_compare_cells(results, tmp_path / "cells.png"))
    assert image.ndim == 3 and image.std() > 0


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"kind": "transformer", "length": 5}, "'transformer'"),
        ({"kind": "lstm", "length": 0}, "length"),
        ({"kind": "lstm", "length": 5, "units": 2.5}, "units"),
    ],
)
def test_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        gradient_vs_distance(**arguments)
