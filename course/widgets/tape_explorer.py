"""Notebook 06's tape explorer: a function, a point, and the derivatives the student's tapes compute there.

``compute_tape_view`` evaluates one of a few scalar functions on a grid (NumPy, for the curve) and asks the
student's ``gradient_of`` and ``second_derivative`` (passed in, run through ``call_student``) for
``f'(x0)`` and ``f''(x0)``. With them it draws the tangent line ``f(x0) + f'(x0)(x - x0)`` and the
osculating parabola ``f(x0) + f'(x0)(x - x0) + f''(x0)(x - x0)**2 / 2``; the exact derivatives come along
so the picture can say whether the student's numbers agree. ``show_tape_explorer`` wires a function menu
and a point slider to it and redraws the artists in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from course.plots import PALETTE
from course.widgets.live_widget import Picture, live_widget
from course.widgets.student_code import call_student

__all__ = ["FUNCTIONS", "TapeView", "compute_tape_view", "show_tape_explorer"]


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# name -> (f written with TensorFlow ops, f in NumPy, f', f''), the last three for the picture and the check.
FUNCTIONS: dict[str, tuple[Callable, Callable, Callable, Callable]] = {
    "x**3 - 2x": (
        lambda x: x**3 - 2.0 * x,
        lambda x: x**3 - 2.0 * x,
        lambda x: 3.0 * x**2 - 2.0,
        lambda x: 6.0 * x,
    ),
    "sin(x)": (
        lambda x: _tf().sin(x),
        np.sin,
        np.cos,
        lambda x: -np.sin(x),
    ),
    "x * exp(-x**2 / 2)": (
        lambda x: x * _tf().exp(-(x**2) / 2.0),
        lambda x: x * np.exp(-(x**2) / 2.0),
        lambda x: (1.0 - x**2) * np.exp(-(x**2) / 2.0),
        lambda x: (x**3 - 3.0 * x) * np.exp(-(x**2) / 2.0),
    ),
    "softplus: log(1 + exp(x))": (
        lambda x: _tf().math.softplus(x),
        lambda x: np.logaddexp(0.0, x),
        _sigmoid,
        lambda x: _sigmoid(x) * (1.0 - _sigmoid(x)),
    ),
}
X_RANGE = (-3.0, 3.0)


def _tf():
    import tensorflow as tf  # imported on first use: the module itself stays cheap to import

    return tf


@dataclass(frozen=True)
class TapeView:
    """Everything the explorer draws for one function and one point.

    ``xs``: ``(n,)`` grid over ``X_RANGE``; ``ys``: ``f(xs)``.
    ``x0``, ``f0``: the point and ``f(x0)``. ``exact_first`` / ``exact_second``: the true ``f'(x0)``, ``f''(x0)``.
    ``first`` / ``second``: the student's values, or ``None`` when their function is missing or failed.
    ``tangent`` / ``parabola``: ``(n,)`` the lines built from the student's values (``None`` without them).
    ``note``: what went wrong with the student's functions (empty when both worked).
    """

    name: str
    xs: np.ndarray
    ys: np.ndarray
    x0: float
    f0: float
    exact_first: float
    exact_second: float
    first: float | None
    second: float | None
    tangent: np.ndarray | None
    parabola: np.ndarray | None
    note: str


def _student_scalar(name: str, call: Callable[[], object]) -> tuple[float | None, str]:
    """The student's derivative as a float, or ``None`` with a note saying why not."""
    value, note = call_student(name, call)
    if note:
        return None, note
    if value is None:
        return None, f"Your {name} returned None: did the tape watch x?"
    array = np.asarray(value, dtype=float)
    if array.size != 1 or not np.isfinite(array).all():
        return None, f"Your {name} returned {array.size} values (or a non-finite one); expected one number."
    return float(array.reshape(())), ""


def compute_tape_view(
    name: str,
    x0: float,
    *,
    gradient_of: Callable | None = None,
    second_derivative: Callable | None = None,
    points: int = 200,
) -> TapeView:
    """The curve of ``FUNCTIONS[name]`` and the student's first and second derivative at ``x0``."""
    if name not in FUNCTIONS:
        raise ValueError(f"unknown function {name!r}; choose one of {sorted(FUNCTIONS)}.")
    x0 = float(x0)
    if not X_RANGE[0] <= x0 <= X_RANGE[1]:
        raise ValueError(f"x0 must lie in {list(X_RANGE)}, got {x0}.")
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
        raise ValueError(f"points must be an int of at least 2, got {points!r}.")
    f_tf, f_np, d1, d2 = FUNCTIONS[name]
    xs = np.linspace(*X_RANGE, points)
    notes = []
    first = second = None
    if gradient_of is None:
        notes.append("Pass your gradient_of to draw the tangent.")
    else:
        first, note = _student_scalar("gradient_of", lambda: gradient_of(f_tf, x0))
        notes.append(note)
    if second_derivative is None:
        notes.append("Pass your second_derivative to draw the parabola.")
    else:
        second, note = _student_scalar("second_derivative", lambda: second_derivative(f_tf, x0))
        notes.append(note)
    f0 = float(f_np(x0))
    tangent = None if first is None else f0 + first * (xs - x0)
    parabola = None if first is None or second is None else f0 + first * (xs - x0) + 0.5 * second * (xs - x0) ** 2
    return TapeView(
        name,
        xs,
        f_np(xs),
        x0,
        f0,
        float(d1(x0)),
        float(d2(x0)),
        first,
        second,
        tangent,
        parabola,
        "\n".join(n for n in notes if n),
    )


def _readout(view: TapeView) -> str:
    def yours(value, exact):
        if value is None:
            return "-"
        verdict = "matches" if abs(value - exact) <= 1e-3 * max(1.0, abs(exact)) else "exact"
        return f"{value:+.4f} ({verdict} {exact:+.4f})"

    return (
        f"f(x) = {view.name}\nx0 = {view.x0:+.2f}    f(x0) = {view.f0:+.4f}\n"
        f"f'(x0)  yours {yours(view.first, view.exact_first)}\n"
        f"f''(x0) yours {yours(view.second, view.exact_second)}"
    )


class _TapePicture(Picture):
    """One panel: the curve, the tangent and parabola from the student's derivatives, the point, a readout.
    Updates move only these; axes, ticks and legend are a cached background, one per function's y range."""

    def __init__(self):
        super().__init__(figsize=(6.6, 3.3), dpi=72)
        ax = self.axes
        (self.curve,) = ax.plot([], [], color=PALETTE[0], lw=2, label="f(x)")
        (self.tangent,) = ax.plot([], [], color=PALETTE[1], lw=1.5, ls="--", label="tangent: slope f'(x0)")
        (self.parabola,) = ax.plot([], [], color=PALETTE[2], lw=1.5, ls=":", label="parabola: curvature f''(x0)")
        (self.dot,) = ax.plot([], [], "o", color=PALETTE[3], ms=8, zorder=4)
        self.text = ax.text(
            0.02,
            0.97,
            "",
            transform=ax.transAxes,
            va="top",
            family="monospace",
            fontsize=8,
            bbox={"boxstyle": "round", "fc": "white", "ec": "#cccccc", "alpha": 0.9},
        )
        ax.set_xlim(*X_RANGE)
        ax.set_title("the tangent and the parabola your tapes give at x0")
        ax.set_xlabel("x")
        ax.legend(loc="lower right", fontsize=8)
        self.finish([self.curve, self.tangent, self.parabola, self.dot, self.text])

    def draw(self, view: TapeView) -> None:
        self.curve.set_data(view.xs, view.ys)
        empty = np.full_like(view.xs, np.nan)
        self.tangent.set_data(view.xs, view.tangent if view.tangent is not None else empty)
        self.parabola.set_data(view.xs, view.parabola if view.parabola is not None else empty)
        self.dot.set_data([view.x0], [view.f0])
        spread = view.ys.max() - view.ys.min()
        self.axes.set_ylim(view.ys.min() - 0.35 * spread - 0.1, view.ys.max() + 0.35 * spread + 0.1)
        self.text.set_text(_readout(view) + (f"\n{view.note}" if view.note else ""))


def show_tape_explorer(gradient_of: Callable | None = None, second_derivative: Callable | None = None):
    """The interactive tape explorer: a function menu, a point slider and one panel.

    Returns the ``ipywidgets.VBox`` to display; its first two children are the menu and the slider.
    """
    controls = {
        "name": widgets.Dropdown(options=list(FUNCTIONS), value="x**3 - 2x", description="f(x)"),
        "x0": widgets.FloatSlider(
            value=1.0,
            min=X_RANGE[0],
            max=X_RANGE[1],
            step=0.1,
            description="x0",
            continuous_update=False,
            readout_format=".1f",
        ),
    }

    def compute(name, x0) -> TapeView:
        return compute_tape_view(name, x0, gradient_of=gradient_of, second_derivative=second_derivative)

    return live_widget(controls, compute, _TapePicture())
