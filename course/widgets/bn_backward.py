"""Notebook 03's backward-pass explorer: where the gradient of one example goes inside batch norm.

One unit, a batch of ``m`` values ``z_1..z_m``. Give the output of a single example ``k`` an upstream gradient
of 1 (every other output 0) and follow it back through the computation graph (:func:`draw_bn_graph`):

- the **direct path** ``z_k -> z_hat_k -> out_k`` returns ``gamma / sigma`` to example k alone;
- the path **through the mean** returns ``-gamma / (m sigma)`` to every example (each one moved the mean);
- the path **through the variance** returns ``-gamma z_hat_i z_hat_k / (m sigma)`` to example i.

Their sum is the compact formula; a backward pass that treats the mean and the variance as constants keeps
only the first and misses the two paths that spread the gradient over the whole batch. The explorer draws
the three contributions per example, the central-difference gradient (``course.gradcheck``) as dots, and the
student's ``batchnorm_backward`` as crosses, with its relative error.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import PolyCollection

from course.arguments import require_int
from course.gradcheck import numeric_gradient_of_output, relative_error
from course.widgets.live_widget import SMALL_TEXT, Picture, live_widget
from course.widgets.student_code import call_student

__all__ = ["PATH_COLOURS", "BackwardPaths", "compute_backward_paths", "draw_bn_graph", "show_backward_explorer"]

GAMMA, BETA, EPS = 1.5, 0.5, 1e-5
MAX_BATCH = 16
#: direct, through the mean, through the variance
PATH_COLOURS = ("#E69F00", "#009E73", "#CC79A7")


@dataclass(frozen=True)
class BackwardPaths:
    """The gradient ``dL/dz_i`` for every example ``i`` of one unit, split by path.

    ``z``: ``(m,)`` the batch; ``paths``: ``(3, m)`` direct, through the mean, through the variance;
    ``total``: ``(m,)`` their sum; ``numeric``: ``(m,)`` central differences; ``student``: ``(m,)`` from the
    student's backward pass or ``None``; ``error``: its relative error to ``numeric`` (``nan`` without one);
    ``note``: why ``student`` is missing.
    """

    example: int
    z: np.ndarray
    paths: np.ndarray
    total: np.ndarray
    numeric: np.ndarray
    student: np.ndarray | None
    error: float
    note: str


def _forward(z: np.ndarray) -> np.ndarray:
    mean, var = z.mean(axis=1, keepdims=True), z.var(axis=1, keepdims=True)
    return GAMMA * (z - mean) / np.sqrt(var + EPS) + BETA


def compute_backward_paths(
    m: int, example: int, *, seed: int = 0, forward: Callable | None = None, backward: Callable | None = None
) -> BackwardPaths:
    """Split the gradient of a batch of ``m`` values, upstream gradient 1 on ``example``, by path.

    ``forward`` / ``backward``: the student's ``batchnorm_forward`` and ``batchnorm_backward``; both are
    needed for the crosses (their cache passes from one to the other).
    """
    require_int("m", m, 2, MAX_BATCH)
    require_int("example", example, 0, m - 1)
    z = np.random.default_rng(seed).normal(1.0, 2.0, size=(1, MAX_BATCH))[:, :m]
    upstream = np.zeros((1, m))
    upstream[0, example] = 1.0
    var = z.var()
    z_hat = ((z - z.mean()) / np.sqrt(var + EPS))[0]
    scale = GAMMA / np.sqrt(var + EPS)
    paths = np.stack(
        [
            scale * upstream[0],
            np.full(m, -scale / m),
            -scale * z_hat * z_hat[example] / m,
        ]
    )
    numeric = numeric_gradient_of_output(_forward, z.copy(), upstream)[0]
    student, error, note = None, float("nan"), ""
    if forward is None or backward is None:
        note = "Pass your batchnorm_forward and batchnorm_backward to see your gradient as crosses."
    else:

        def run():
            gamma, beta = np.full((1, 1), GAMMA), np.full((1, 1), BETA)
            _, cache = forward(z.copy(), gamma, beta, EPS)
            return np.asarray(backward(upstream.copy(), cache)[0], dtype=float)

        result, note = call_student("batchnorm_backward", run)
        if result is not None:
            if result.shape != (1, m):
                note = f"Your batchnorm_backward returned dZ of shape {result.shape}, expected (1, {m})."
            else:
                student = result[0]
                error = relative_error(student, numeric)
    return BackwardPaths(example, z[0], paths, paths.sum(axis=0), numeric, student, error, note)


# Node positions of the batch-norm graph for one unit, left to right.
_NODES = {
    "z": (0.0, 0.5),
    "mu": (1.0, 0.85),
    "z - mu": (2.0, 0.5),
    "var": (3.0, 0.85),
    "1/sqrt(var+eps)": (4.0, 0.85),
    "z_hat": (5.0, 0.5),
    "gamma": (5.6, 0.95),
    "beta": (6.3, 0.95),
    "out": (6.6, 0.5),
}
_LABELS = {
    "z": r"$z_i$",
    "mu": r"$\mu$",
    "z - mu": r"$z_i-\mu$",
    "var": r"$\sigma^2$",
    "1/sqrt(var+eps)": r"$\frac{1}{\sqrt{\sigma^2+\varepsilon}}$",
    "z_hat": r"$\hat z_i$",
    "gamma": r"$\gamma$",
    "beta": r"$\beta$",
    "out": r"$\tilde z_i$",
}
# (from, to, path): path 0 direct, 1 through the mean, 2 through the variance, None for parameters
_EDGES = [
    ("z", "z - mu", 0),
    ("z - mu", "z_hat", 0),
    ("z_hat", "out", 0),
    ("z", "mu", 1),
    ("mu", "z - mu", 1),
    ("z - mu", "var", 2),
    ("var", "1/sqrt(var+eps)", 2),
    ("1/sqrt(var+eps)", "z_hat", 2),
    ("gamma", "out", None),
    ("beta", "out", None),
]


def draw_bn_graph(ax, *, highlight: int | None = None):
    """Draw the computation graph of batch norm for one unit on ``ax``; edges coloured by the path the
    gradient takes back (:data:`PATH_COLOURS`), ``highlight`` one path in bold. Returns ``ax``."""
    for start, end, path in _EDGES:
        (x0, y0), (x1, y1) = _NODES[start], _NODES[end]
        colour = "0.6" if path is None else PATH_COLOURS[path]
        width = 3.0 if highlight is not None and path == highlight else 1.6
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={"arrowstyle": "-|>", "color": colour, "lw": width, "shrinkA": 13, "shrinkB": 13},
        )
    for name, (x, y) in _NODES.items():
        ax.text(
            x,
            y,
            _LABELS[name],
            ha="center",
            va="center",
            fontsize=10 if name != "1/sqrt(var+eps)" else 9,
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.3"},
        )
    for path, label in enumerate(["direct path", "through the mean", "through the variance"]):
        ax.plot([], [], color=PATH_COLOURS[path], lw=2, label=label)
    ax.legend(loc="lower center", fontsize=8, ncol=3, bbox_to_anchor=(0.5, -0.05))
    ax.set_xlim(-0.4, 7.0)
    ax.set_ylim(0.0, 1.1)
    ax.axis("off")
    return ax


class _BackwardPicture(Picture):
    """Top: the graph. Bottom: ``dL/dz_i`` per example split by path (bars), central differences
    (dots), the student's (crosses); the caption, outside the figure, gives the relative error."""

    WIDTH = 0.26

    def __init__(self):
        super().__init__(
            figsize=(8.0, 4.2),
            nrows=2,
            dpi=72,
            style=SMALL_TEXT,
            gridspec_kw={"height_ratios": [1, 1.25]},
        )
        ax_graph, ax_bars = self.axes
        draw_bn_graph(ax_graph)
        self.bars = PolyCollection([], linewidths=0)  # all 3 x m bars in one artist: one draw per frame
        ax_bars.add_collection(self.bars)
        (self.numeric,) = ax_bars.plot([], [], "o", color="black", ms=5, label="central differences")
        (self.student,) = ax_bars.plot([], [], "x", color="#0072B2", ms=8, mew=2, label="your batchnorm_backward")
        ax_bars.axhline(0, color="0.3", lw=0.8)
        ax_bars.set_xlabel("example i of the batch")
        ax_bars.set_ylabel(r"$\partial L / \partial z_i$")
        ax_bars.legend(loc="upper right", fontsize=8)
        self.caption = widgets.HTML()  # outside the figure: re-rendering glyphs costs more than the bars
        self.finish([self.bars, self.numeric, self.student], pad=0.5)

    def draw(self, data: BackwardPaths) -> None:
        ax_bars = self.axes[1]
        m = data.z.size
        if ax_bars.get_xlim()[1] != m - 0.4:  # a new batch size: new limits and ticks (a full redraw)
            ax_bars.set_xlim(-0.6, m - 0.4)
            ax_bars.set_xticks(range(m))
            top = GAMMA / np.sqrt(data.z.var() + EPS)
            ax_bars.set_ylim(-0.75 * top, 1.15 * top)
        left = np.arange(m)[None, :] + (np.arange(3)[:, None] - 1.5) * self.WIDTH  # (3, m): bar per path
        heights, right, zeros = data.paths, left + self.WIDTH, np.zeros_like(left)
        corners = np.stack(
            [
                np.stack([left, zeros], -1),
                np.stack([left, heights], -1),
                np.stack([right, heights], -1),
                np.stack([right, zeros], -1),
            ],
            axis=2,
        )  # (3, m, 4, 2)
        self.bars.set_verts(list(corners.reshape(3 * m, 4, 2)))
        self.bars.set_facecolor(np.repeat(PATH_COLOURS, m))
        self.numeric.set_data(np.arange(m), data.numeric)
        z_hat_k = (data.z[data.example] - data.z.mean()) / np.sqrt(data.z.var() + EPS)
        side = (
            f"Example {data.example} has z_hat = {z_hat_k:+.2f}: the variance path's bar of "
            f"example i has the sign of {'-' if z_hat_k > 0 else '+'}z_hat_i. "
        )
        if data.student is None:
            self.student.set_data([], [])
            self.caption.value = side + f"<i>{html.escape(data.note)}</i>"
        else:
            self.student.set_data(np.arange(m), data.student)
            verdict = "agrees" if data.error <= 1e-7 else "<b>disagrees</b>"
            self.caption.value = side + (
                f"Your dZ {verdict} with central differences: relative error {data.error:.1e} "
                "(a correct backward pass stays below 1e-7)."
            )


def show_backward_explorer(
    batchnorm_forward: Callable | None = None,
    batchnorm_backward: Callable | None = None,
    *,
    seed: int = 0,
):
    """The explorer: which example gets the upstream gradient, and the batch size (see
    :class:`_BackwardPicture`). Returns the ``ipywidgets.VBox``: the two sliders, the picture and a
    caption with the relative error."""
    example = widgets.IntSlider(
        value=0,
        min=0,
        max=7,
        description="gradient on example",
        continuous_update=True,
        style={"description_width": "initial"},
    )
    batch = widgets.IntSlider(
        value=8,
        min=2,
        max=MAX_BATCH,
        description="batch size m",
        continuous_update=True,
        style={"description_width": "initial"},
    )

    def compute(index: int, m: int) -> BackwardPaths:
        example.max = m - 1
        return compute_backward_paths(
            m, min(index, m - 1), seed=seed, forward=batchnorm_forward, backward=batchnorm_backward
        )

    picture = _BackwardPicture()
    return live_widget(
        {"index": example, "m": batch},
        compute,
        picture,
        [example, batch, picture.widget, picture.caption],
    )
