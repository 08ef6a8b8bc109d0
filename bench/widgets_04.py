"""Notebook 04's widget updates, each measured whole: what one slider move computes **and** the redraw (the
figure's moving artists drawn over the kept background and encoded as the PNG the browser receives).

The network is the notebook's own (same data, layer sizes and seed). The running average gets the
instructor's ``update_running_average``, read from the source notebook: course/ holds no solution.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np

from course.bn_network import train_network
from course.data import load_digits_binary
from course.widgets.running_average import compute_running_average, show_running_average
from course.widgets.single_example import compute_single_example, show_single_example

matplotlib.use("Agg")

SOURCE = Path(__file__).resolve().parents[1] / "source" / "04_batchnorm_test_time" / "04_batchnorm_test_time.ipynb"


def _solution(name: str):
    """The answer cell ``name`` of the source notebook, run (its solution markers are comments)."""
    namespace = {"np": np}
    for cell in json.loads(SOURCE.read_text(encoding="utf-8"))["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name:
            exec("".join(cell["source"]), namespace)  # noqa: S102 - our own committed notebook
    return namespace[name]


_DIGITS = load_digits_binary(seed=0)
_NET = train_network(
    _DIGITS.X_train,
    _DIGITS.Y_train,
    [64, 32, 16, 1],
    learning_rate=0.3,
    num_epochs=10,
    mini_batch_size=32,
    seed=4,
    snapshot_every=5,
)
_RECORDED = np.stack([s.Z[0] for s in _NET.snapshots if s.iteration < 300])
_VALUES = _RECORDED[:, int(np.argmax(np.abs(_RECORDED[-1].mean(axis=1)))), :]
_UPDATE = _solution("update_running_average")

_AVERAGE = show_running_average(_VALUES, _UPDATE, steps=300, seed=4)
_INSPECTOR = show_single_example(_NET, _DIGITS.X_test, _DIGITS.Y_test)


def _toggle(slider, a, b):
    """A slider move: the observer computes and redraws, as in the browser."""
    return lambda: setattr(slider, "value", b if slider.value == a else a)


CASES = {
    "running_average: compute_running_average (300 steps, batches of 32, solution update)": lambda: (
        compute_running_average(_VALUES, 0.9, 32, steps=300, update=_UPDATE)
    ),
    "running_average: momentum slider move, compute + redraw + PNG (300 steps)": _toggle(
        _AVERAGE.children[0], 0.9, 0.99
    ),
    "running_average: batch-size slider move, compute + redraw + PNG (300 steps)": _toggle(
        _AVERAGE.children[1], 8, 128
    ),
    "single_example: compute_single_example (32 + 16 hidden units)": lambda: compute_single_example(
        _NET, _DIGITS.X_test, _DIGITS.Y_test, 7
    ),
    "single_example: digit slider move, compute + redraw + PNG": _toggle(_INSPECTOR.children[0], 3, 4),
}
