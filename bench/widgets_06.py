"""Notebook 06's tape explorer: what one update computes, and slider to picture.

The explorer gets the instructor's ``gradient_of`` and ``second_derivative`` (read from the source notebook), as a
student's finished work; each update runs one eager tape and two nested ones.
"""

import matplotlib

matplotlib.use("Agg")

import tensorflow as tf  # noqa: E402

from bench.widgets import notebook_solutions, slider_moves  # noqa: E402
from course.widgets.tape_explorer import FUNCTIONS, compute_tape_view, show_tape_explorer  # noqa: E402

_S = notebook_solutions("06_tensorflow_intro")
_S["tf"] = tf  # the answers use tf at call time; their globals are this namespace
_EXPLORER = show_tape_explorer(_S["gradient_of"], _S["second_derivative"])

CASES = {
    "tape_explorer: compute_tape_view (x**3 - 2x, 200 points, solution tapes)": lambda: compute_tape_view(
        "x**3 - 2x", 1.3, gradient_of=_S["gradient_of"], second_derivative=_S["second_derivative"]
    ),
    "tape_explorer: slider to picture (x0 slider, -3 to 3)": slider_moves(
        _EXPLORER.children[1], [-3.0, -1.5, 0.0, 1.5, 3.0]
    ),
    "tape_explorer: slider to picture (function menu, 4 functions)": slider_moves(
        _EXPLORER.children[0], list(FUNCTIONS)
    ),
}
