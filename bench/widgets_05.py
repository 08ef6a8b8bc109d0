"""Widget updates of notebook 05, each measured twice: the pure compute a slider calls, and the whole slider
move as the student waits for it (compute, the in-place redraw of the changed artists and the PNG encoding).

The explorer takes the student's ``softmax``; here it gets a column-wise stable softmax written below (course/
holds no solution). The boundary viewer's setting is trained once before timing: its iteration slider only
picks a stored snapshot. Changing the data, the class count or the hidden layer trains that setting once
(the last case, which is over the slider goal by design: those controls do not update continuously).
"""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np

matplotlib.use("Agg")

from course.widgets.decision_boundaries import cached_snapshots, show_boundary_viewer  # noqa: E402
from course.widgets.softmax_explorer import compute_softmax_view, show_softmax_explorer  # noqa: E402


def _column_softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


_explorer = show_softmax_explorer(_column_softmax)
_scores = itertools.cycle(np.arange(-6.0, 6.5, 0.5))
_viewer = show_boundary_viewer()
_viewer.children[1].value = 6  # six classes: the largest setting
_viewer.children[2].value = True  # with the hidden layer
_steps = itertools.cycle(_viewer.children[3].options)


def _move_score() -> None:
    _explorer.children[0].value = float(next(_scores))


def _move_iteration() -> None:
    _viewer.children[3].value = next(_steps)


def _train_a_setting() -> None:
    cached_snapshots.cache_clear()
    cached_snapshots("XOR-like", 6, True)


CASES = {
    "compute_softmax_view (4 scores, T = 0.5, stable softmax)": lambda: compute_softmax_view(
        [5.0, 2.0, -1.0, 3.0], 0.5, softmax=_column_softmax
    ),
    "softmax explorer: one score slider move, redraw and PNG included": _move_score,
    "boundary viewer: one iteration slider move, redraw and PNG included": _move_iteration,
    "boundary viewer: first visit to a setting (trains 1500 steps, 11 snapshots; later visits are a look-up)": (
        _train_a_setting
    ),
}
