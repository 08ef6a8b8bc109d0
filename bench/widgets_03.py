"""Widget updates of notebook 03, **redraw included**: each case moves a slider of a built widget, which runs
the update and renders the figure to the PNG the browser receives (``LiveFigure.refresh``).

The covariate-shift viewer gets the notebook's own two training runs (5 hidden layers, precomputed
snapshots: the slider only picks one); the backward explorer gets the instructor's ``batchnorm_forward`` and
``batchnorm_backward``, read from the source notebook (course/ holds no solution).
"""

from __future__ import annotations

import itertools

import numpy as np

from autograder import nbcells
from autograder.paths import REPO, notebook_path
from course.data import load_digits_binary
from course.widgets.bn_backward import MAX_BATCH, show_backward_explorer
from course.widgets.covariate_shift import show_covariate_shift, train_for_covariate_shift


def _solution() -> dict:
    namespace = {"np": np}
    answers = nbcells.solutions(nbcells.read(notebook_path(REPO, "source", "03_batchnorm_from_scratch")))
    for name in ("batchnorm_forward", "batchnorm_backward"):
        exec(answers[name], namespace)  # noqa: S102 - our own committed notebook
    return namespace


def _mover(slider, values):
    """A call that sets the next of ``values`` on ``slider`` (a change every call, so every call redraws)."""
    cycle = itertools.cycle(values)
    return lambda: setattr(slider, "value", next(cycle))


_viewer = show_covariate_shift(*train_for_covariate_shift(load_digits_binary(), learning_rate=0.3))
_S = _solution()
_explorer = show_backward_explorer(_S["batchnorm_forward"], _S["batchnorm_backward"])
_explorer.children[1].value = MAX_BATCH

CASES = {
    "covariate_shift: iteration slider (2 runs x 5 layers, 18 snapshots), redraw included": _mover(
        _viewer.children[0], list(range(len(_viewer.children[0].options)))
    ),
    "bn_backward: upstream example slider (batch of 16, solution backward + gradient check), redraw included": _mover(
        _explorer.children[0], list(range(MAX_BATCH))
    ),
}
