"""Notebook 05's softmax explorer: four logits in, four probabilities out, next to the hardmax.

``compute_softmax_view`` takes the four scores ``z``, a temperature ``T`` and an offset added to every score
(1000 shows the overflow), and returns what the picture needs: the scaled scores ``z / T``, their column
maximum, ``exp(z / T - max)``, the log-sum-exp, the hardmax (1 for the largest score, 0 elsewhere) and the
probabilities from the student's ``softmax``, passed in as a function so the bars check their code. The
naive ``exp(z) / sum(exp(z))`` is computed too, so an offset of 1000 shows it turning into NaN while the
shifted form does not move. ``show_softmax_explorer`` wires four score sliders, a temperature slider and the
offset to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course.plots import PALETTE
from course.widgets.live_widget import Picture, live_widget, note_text
from course.widgets.student_code import call_student

__all__ = ["SoftmaxView", "compute_softmax_view", "show_softmax_explorer", "plot_output_layers"]

CLASS_NAMES = ("class 0", "class 1", "class 2", "class 3")


@dataclass(frozen=True)
class SoftmaxView:
    """What the explorer draws for one setting of the sliders; every array is ``(4,)`` (one entry per class).

    ``scores``: ``z / T + offset``. ``column_max``: their maximum. ``exp_shifted``: ``exp(scores - max)``,
    each in ``(0, 1]``. ``log_sum_exp``: ``max + log(sum(exp_shifted))``. ``hardmax``: one-hot of the
    largest score. ``naive``: ``exp(scores) / sum(exp(scores))`` without the shift (NaN once it overflows).
    ``probabilities``: from the student's ``softmax`` (``None`` until it works); ``total``: their sum.
    ``note``: what is missing or wrong (empty when all is well).
    """

    scores: np.ndarray
    column_max: float
    exp_shifted: np.ndarray
    log_sum_exp: float
    hardmax: np.ndarray
    naive: np.ndarray
    probabilities: np.ndarray | None
    total: float
    note: str


def compute_softmax_view(
    logits, temperature: float = 1.0, offset: float = 0.0, *, softmax: Callable | None = None
) -> SoftmaxView:
    """The explorer's numbers for scores ``logits`` (four of them), temperature ``T`` and ``offset``.

    ``softmax`` is the student's function; it is called on the scores as one ``(4, 1)`` column.
    """
    z = np.asarray(logits, dtype=float)
    if z.shape != (4,) or not np.all(np.isfinite(z)):
        raise ValueError(f"logits must be four finite numbers, got {logits!r}.")
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}.")
    scores = z / temperature + offset
    top = float(scores.max())
    shifted = np.exp(scores - top)
    hardmax = (np.arange(4) == int(np.argmax(scores))).astype(float)
    with np.errstate(over="ignore", invalid="ignore"):
        raw = np.exp(scores)
        naive = raw / raw.sum()

    probabilities, total, note = None, float("nan"), ""
    if softmax is None:
        note = "Pass your softmax to see its probabilities."
    else:
        result, note = call_student("softmax", lambda: np.asarray(softmax(scores[:, None]), dtype=float))
        if result is not None:
            if result.shape != (4, 1):
                note = f"Your softmax turned a (4, 1) column into shape {result.shape}."
            else:
                probabilities = result[:, 0]
                total = float(probabilities.sum())
                if not np.all(np.isfinite(probabilities)):
                    note = "Your softmax returned NaN or inf here: subtract the column's maximum before exp."
                elif abs(total - 1.0) > 1e-6:
                    note = f"Your softmax's probabilities sum to {total:.4g}, not 1."
    return SoftmaxView(
        scores, top, shifted, top + float(np.log(shifted.sum())), hardmax, naive, probabilities, total, note
    )


class _SoftmaxPicture(Picture):
    """The student's probabilities beside the hardmax (left), the shifted scores ``z/T - max`` (right)."""

    def __init__(self):
        super().__init__(figsize=(7.6, 2.9), ncols=2, dpi=72, width_ratios=(1.3, 1))
        ax_p, ax_z = self.axes
        x = np.arange(4)
        self.soft = ax_p.bar(x - 0.2, np.zeros(4), width=0.4, color=PALETTE[0], label="softmax (yours)")
        self.hard = ax_p.bar(
            x + 0.2, np.zeros(4), width=0.4, color="none", edgecolor=PALETTE[1], lw=2, label="hardmax"
        )
        self.labels = [ax_p.text(i - 0.2, 0, "", ha="center", va="bottom", fontsize=8) for i in x]
        ax_p.set(
            xticks=x, xticklabels=CLASS_NAMES, ylim=(0, 1.45), yticks=[0, 0.25, 0.5, 0.75, 1], ylabel="probability"
        )
        ax_p.legend(loc="upper right", fontsize=8)
        self.summary = ax_p.text(0.02, 0.97, "", transform=ax_p.transAxes, va="top", fontsize=8)
        self.note = note_text(ax_p, fontsize=8)
        self.shifted = ax_z.bar(x, np.zeros(4), width=0.6, color=PALETTE[2])
        ax_z.axhline(0, color="black", lw=0.8)
        ax_z.set(xticks=x, xticklabels=[f"z{i}" for i in x], ylim=(-13, 1.5), ylabel="z/T - max(z/T)")
        self.shift_text = ax_z.text(0.03, 0.06, "", transform=ax_z.transAxes, fontsize=8)
        self.finish([*self.soft, *self.hard, *self.labels, self.summary, self.note, *self.shifted, self.shift_text])

    def draw(self, view: SoftmaxView) -> None:
        shown = view.probabilities is not None
        probs = np.nan_to_num(view.probabilities if shown else np.zeros(4), nan=0.0, posinf=0.0, neginf=0.0)
        for i, (bar, text, p) in enumerate(zip(self.soft, self.labels, probs)):
            bar.set_height(p)
            text.set_position((i - 0.2, p + 0.02))
            text.set_text(f"{p:.3f}" if shown else "")
        for bar, h in zip(self.hard, view.hardmax):
            bar.set_height(h)
        naive = "NaN (overflow)" if not np.all(np.isfinite(view.naive)) else "fine"
        self.summary.set_text(f"sum of your softmax = {view.total:.4f}\nnaive exp(z)/sum: {naive}")
        self.note.set_text(view.note)
        self.note.set_visible(bool(view.note))
        for bar, h in zip(self.shifted, view.scores - view.column_max):
            bar.set_height(max(h, -13.0))
        self.shift_text.set_text(f"max = {view.column_max:.5g}, log-sum-exp = {view.log_sum_exp:.5g}")


def show_softmax_explorer(softmax: Callable | None = None, *, start=(5.0, 2.0, -1.0, 3.0)):
    """The interactive explorer: four score sliders, a temperature, the +1000 offset and two panels.

    ``softmax`` is the student's function. Returns the ``ipywidgets.VBox``; its first four children are the
    score sliders, then the temperature slider, the offset checkbox and the picture.
    """
    controls = {
        f"z{i}": widgets.FloatSlider(
            value=v, min=-6.0, max=6.0, step=0.5, description=f"z{i}", continuous_update=True, readout_format=".1f"
        )
        for i, v in enumerate(start)
    }
    controls["temperature"] = widgets.FloatLogSlider(
        value=1.0, base=10, min=-1, max=1, step=0.05, description="T", readout_format=".2f"
    )
    controls["offset"] = widgets.Checkbox(value=False, description="add 1000 to every score")

    def compute(z0, z1, z2, z3, temperature, offset) -> SoftmaxView:
        return compute_softmax_view([z0, z1, z2, z3], temperature, 1000.0 if offset else 0.0, softmax=softmax)

    return live_widget(controls, compute, _SoftmaxPicture())


def plot_output_layers(n_inputs: int = 3, scores=(5.0, 2.0, -1.0, 3.0), *, axes=None):
    """Logistic regression's single output unit beside softmax regression's ``C = len(scores)`` units.

    Inputs on the left, every input wired to every output unit, the scores ``z_k`` in the units, and on the
    right the sigmoid's one probability and the softmax's ``C`` probabilities (which add up to 1).
    """
    z = np.asarray(scores, dtype=float)
    probabilities = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.4), width_ratios=(1, 1.3))

    def column(count, x, span=0.8):
        return [(x, 0.5 + span * (count / 2 - i - 0.5) / max(count, 2)) for i in range(count)]

    panels = [
        (axes[0], [2.0], "logistic regression: one output unit", "sigmoid"),
        (axes[1], list(z), f"softmax regression: C = {z.size} output units", "softmax"),
    ]
    for ax, units, title, activation in panels:
        inputs, outputs = column(n_inputs, 0.1), column(len(units), 0.5)
        for xi, yi in inputs:
            for xo, yo in outputs:
                ax.plot([xi, xo], [yi, yo], color="gray", lw=0.6, zorder=1)
        for i, (x, y) in enumerate(inputs):
            ax.scatter([x], [y], s=260, color=PALETTE[5], zorder=2)
            ax.text(x - 0.07, y, f"$x_{i + 1}$", ha="right", va="center")
        shown = [1 / (1 + np.exp(-units[0]))] if len(units) == 1 else probabilities
        for k, ((x, y), score, p) in enumerate(zip(outputs, units, shown)):
            ax.scatter([x], [y], s=420, color=PALETTE[0], zorder=2)
            label = "$z$" if len(units) == 1 else f"$z_{k}$"
            ax.text(x, y, label, ha="center", va="center", color="white", fontsize=8, zorder=3)
            ax.annotate("", (0.76, y), (x + 0.06, y), arrowprops={"arrowstyle": "->", "color": "gray"})
            what = "P(y = 1 | x)" if len(units) == 1 else f"P(class {k} | x)"
            ax.text(0.78, y, f"z = {score:+.0f}:  {what} = {p:.3f}", va="center", fontsize=8)
        ax.text(0.66, 0.95, activation, ha="center", fontsize=9, color=PALETTE[3])
        ax.set_title(title, fontsize=10)
        ax.set(xlim=(-0.05, 1.25), ylim=(0.0, 1.0))
        ax.axis("off")
    return axes
