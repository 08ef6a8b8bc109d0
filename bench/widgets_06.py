"""Widget updates of notebook 06: the tape explorer asking the solution's tapes for f'(x0) and f''(x0).

The explorer takes the student's functions; here it gets the instructor's solutions, read from the source
notebook (course/ holds no solution). Each update runs two eager tapes and three nested ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from course.widgets.tape_explorer import compute_tape_view

SOURCE = Path(__file__).resolve().parents[1] / "source" / "06_tensorflow_intro" / "06_tensorflow_intro.ipynb"


def _solutions(names: tuple[str, ...]) -> dict:
    """Run the named answer cells of the source notebook (solution markers are comments)."""
    import tensorflow as tf

    namespace = {"np": np, "tf": tf}
    notebook = json.loads(SOURCE.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution") and meta.get("grade_id") in names:
            exec("".join(cell["source"]), namespace)  # noqa: S102 - our own committed notebook
    return namespace


_S = _solutions(("gradient_of", "second_derivative"))

CASES = {
    "compute_tape_view (x**3 - 2x, 200 points, solution gradient_of + second_derivative)":
        lambda: compute_tape_view("x**3 - 2x", 1.3, gradient_of=_S["gradient_of"],
                                  second_derivative=_S["second_derivative"]),
    "compute_tape_view (x * exp(-x**2 / 2), 200 points, solution tapes)":
        lambda: compute_tape_view("x * exp(-x**2 / 2)", -0.7, gradient_of=_S["gradient_of"],
                                  second_derivative=_S["second_derivative"]),
}
