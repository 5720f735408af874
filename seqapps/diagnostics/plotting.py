"""Figures drawn with matplotlib's Agg canvas, without pyplot.

Using `matplotlib.figure.Figure` with `FigureCanvasAgg` directly leaves the
process-wide pyplot backend untouched (notebooks keep theirs) and needs no
display.
"""

import os

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(rows=1, columns=1, width=8.0, height_per_row=3.5, **subplot_arguments):
    """Returns `(figure, axes)` with `axes` a 2-D array of shape `(rows, columns)`."""
    figure = Figure(figsize=(width, height_per_row * rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, columns, squeeze=False, **subplot_arguments)
    return figure, axes


def save(figure, path):
    """Writes `figure` as a PNG at `path` (creating its folder) and returns the path."""
    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    figure.savefig(path, format="png", dpi=100)
    return path
