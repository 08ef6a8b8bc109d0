"""Notebook 05's boundary viewer: the regions a softmax classifier carves out of the plane, as it trains.

``train_snapshots`` trains a small classifier on 2-D data, full-batch gradient descent on the mean
cross-entropy, either softmax regression alone (``hidden_units = 0``: the scores are linear in ``x``, so
every border between two regions is a straight line) or with one hidden tanh layer in front (the borders
bend). It records, at a few chosen iterations, the predicted class at every point of a grid: a slider
move then only picks one stored snapshot. ``show_boundary_viewer`` wires a data set toggle, a class count,
a hidden-layer switch and an iteration slider to it, training each setting once and caching it.

This network is course machinery for the pictures, not a graded answer: the notebook's exercises build
softmax regression themselves, and the hidden layer is only shown, never asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import ListedColormap

from course.arguments import require_int
from course.data import make_blobs_2d, make_xor_2d
from course.plots import PALETTE, axes_or_new
from course.widgets.live_widget import Picture, live_widget

__all__ = [
    "SNAPSHOT_ITERATIONS",
    "BoundarySnapshots",
    "train_snapshots",
    "dataset_2d",
    "cached_snapshots",
    "region_grid",
    "regions_of",
    "plot_regions",
    "show_boundary_viewer",
]

SNAPSHOT_ITERATIONS = (0, 5, 10, 20, 50, 100, 200, 400, 700, 1000, 1500)
GRID = 70  # grid points per axis: regions look smooth, a snapshot costs 4,900 forward passes
HIDDEN_UNITS = 16
DATASETS = ("blobs", "XOR-like")


@dataclass(frozen=True)
class BoundarySnapshots:
    """A classifier trained on ``X``, recorded at ``iterations``.

    ``X``: ``(2, m)`` points; ``labels``: ``(m,)`` ints. ``extent``: ``(x0, x1, y0, y1)`` of the grid.
    ``regions``: ``(k, GRID, GRID)`` int8, the predicted class at every grid point (rows are y) after each of
    the ``k`` recorded ``iterations``. ``accuracy`` and ``cost``: ``(k,)`` training accuracy and mean
    cross-entropy at those iterations.
    """

    X: np.ndarray
    labels: np.ndarray
    num_classes: int
    hidden_units: int
    iterations: tuple[int, ...]
    extent: tuple[float, float, float, float]
    regions: np.ndarray
    accuracy: np.ndarray
    cost: np.ndarray

    def index_of(self, iteration: int) -> int:
        """The snapshot recorded at ``iteration`` (the last one at or before it)."""
        return max(0, int(np.searchsorted(self.iterations, iteration, side="right")) - 1)


def _probabilities(Z: np.ndarray) -> np.ndarray:
    shifted = np.exp(Z - Z.max(axis=0, keepdims=True))
    return shifted / shifted.sum(axis=0, keepdims=True)


def region_grid(X: np.ndarray, margin: float = 0.6, size: int = GRID) -> tuple[np.ndarray, tuple]:
    """``(2, size**2)`` grid points covering ``X`` plus ``margin``, and the ``extent`` for ``imshow``."""
    x0, y0 = X.min(axis=1) - margin
    x1, y1 = X.max(axis=1) + margin
    xs, ys = np.linspace(x0, x1, size), np.linspace(y0, y1, size)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()]), (float(x0), float(x1), float(y0), float(y1))


def regions_of(predict, X: np.ndarray, size: int = GRID) -> tuple[np.ndarray, tuple]:
    """The class ``predict`` gives every point of a grid over ``X``: ``((size, size) labels, extent)``.

    ``predict`` maps ``(2, k)`` points (columns are examples) to ``(k,)`` labels, e.g. a student's classifier.
    """
    grid, extent = region_grid(X, size=size)
    labels = np.asarray(predict(grid))
    if labels.shape != (grid.shape[1],):
        raise ValueError(
            f"predict returned shape {labels.shape} for {grid.shape[1]} points, expected ({grid.shape[1]},)."
        )
    return labels.reshape(size, size), extent


def _scores(params: dict, X: np.ndarray) -> np.ndarray:
    if "W1" in params:
        X = np.tanh(params["W1"] @ X + params["b1"])
    return params["W"] @ X + params["b"]


def train_snapshots(
    X: np.ndarray,
    labels: np.ndarray,
    num_classes: int,
    *,
    hidden_units: int = 0,
    iterations: tuple[int, ...] = SNAPSHOT_ITERATIONS,
    learning_rate: float = 0.04,
    seed: int = 0,
) -> BoundarySnapshots:
    """Train on ``X`` (``(2, m)``, columns are examples) and record the regions at ``iterations``.

    ``hidden_units = 0`` is softmax regression; otherwise one tanh layer of that width comes first.
    Gradient descent with momentum 0.9 (so the hidden layer untangles XOR within a couple of thousand steps).
    """
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"X must have shape (2, m) with examples in columns, got {X.shape}.")
    require_int("num_classes", num_classes, 2)
    require_int("hidden_units", hidden_units, 0)
    if labels.shape != (X.shape[1],) or labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must be ({X.shape[1]},) ints in 0..{num_classes - 1}.")
    steps = sorted({int(i) for i in iterations})
    if not steps or steps[0] < 0:
        raise ValueError(f"iterations must be non-negative integers, got {iterations!r}.")
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    Y = np.zeros((num_classes, m))
    Y[labels, np.arange(m)] = 1.0
    width = hidden_units or 2
    params = {"W": rng.standard_normal((num_classes, width)) / np.sqrt(width), "b": np.zeros((num_classes, 1))}
    if hidden_units:
        params["W1"] = rng.standard_normal((hidden_units, 2)) * 1.0
        params["b1"] = rng.standard_normal((hidden_units, 1)) * 0.5
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    grid, extent = region_grid(X)
    regions, accuracy, cost = [], [], []
    for step in range(steps[-1] + 1):
        A = np.tanh(params["W1"] @ X + params["b1"]) if hidden_units else X
        P = _probabilities(params["W"] @ A + params["b"])
        if step in steps:
            regions.append(np.argmax(_scores(params, grid), axis=0).reshape(GRID, GRID).astype(np.int8))
            accuracy.append(float(np.mean(np.argmax(P, axis=0) == labels)))
            cost.append(float(-np.mean(np.log(np.maximum(P[labels, np.arange(m)], 1e-300)))))
        if step == steps[-1]:
            break
        dZ = (P - Y) / m
        grads = {"W": dZ @ A.T, "b": dZ.sum(axis=1, keepdims=True)}
        if hidden_units:
            dH = (params["W"].T @ dZ) * (1.0 - A**2)
            grads["W1"], grads["b1"] = dH @ X.T, dH.sum(axis=1, keepdims=True)
        for key, grad in grads.items():
            velocity[key] = 0.9 * velocity[key] + grad
            params[key] = params[key] - learning_rate * velocity[key]
    return BoundarySnapshots(
        X,
        labels,
        int(num_classes),
        int(hidden_units),
        tuple(steps),
        extent,
        np.stack(regions),
        np.array(accuracy),
        np.array(cost),
    )


def dataset_2d(name: str, num_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The viewer's data: ``"blobs"`` (one Gaussian blob per class) or ``"XOR-like"`` (two opposite blobs each)."""
    if name == "blobs":
        return make_blobs_2d(60 * num_classes, num_classes=num_classes, spread=0.55, seed=seed)
    if name == "XOR-like":
        return make_xor_2d(60 * num_classes, num_classes=num_classes, spread=0.3, seed=seed)
    raise ValueError(f"unknown data set {name!r}: use one of {', '.join(DATASETS)}.")


@lru_cache(maxsize=32)
def cached_snapshots(name: str, num_classes: int, hidden: bool, seed: int = 0) -> BoundarySnapshots:
    """Train one setting of the viewer once; every later visit to it is a dictionary look-up."""
    X, labels = dataset_2d(name, num_classes, seed)
    return train_snapshots(X, labels, num_classes, hidden_units=HIDDEN_UNITS if hidden else 0, seed=seed)


def _colours(num_classes: int):
    return ListedColormap(PALETTE[:num_classes])


def plot_regions(
    regions: np.ndarray,
    extent,
    X: np.ndarray,
    labels: np.ndarray,
    num_classes: int,
    *,
    title: str | None = None,
    ax=None,
):
    """Decision regions (``(GRID, GRID)`` class per grid point) under the points coloured by label."""
    ax = axes_or_new(ax)
    cmap = _colours(max(num_classes, 2))
    ax.imshow(
        regions,
        origin="lower",
        extent=extent,
        cmap=cmap,
        vmin=-0.5,
        vmax=cmap.N - 0.5,
        alpha=0.3,
        interpolation="nearest",
        aspect="auto",
    )
    ax.scatter(X[0], X[1], c=labels, cmap=cmap, vmin=-0.5, vmax=cmap.N - 0.5, s=9, edgecolors="white", linewidths=0.3)
    ax.set(xlim=extent[:2], ylim=extent[2:], xticks=[], yticks=[])
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


class _BoundaryPicture(Picture):
    """The regions and the points (left), the training cost with the shown iteration marked (right).

    The iteration slider moves only the regions, the left title and the marker (animated); the points, the
    cost curve and the right title belong to the setting (data, classes, hidden layer), so they are set and
    the background redrawn once when the setting changes, not on every slider move."""

    def __init__(self):
        super().__init__(figsize=(7.2, 3.2), ncols=2, dpi=72, width_ratios=(1.25, 1))
        ax, ax_cost = self.axes
        self.cmap = _colours(6)  # the class slider's largest count: a class keeps its colour
        self.image = ax.imshow(
            np.zeros((GRID, GRID)),
            origin="lower",
            cmap=self.cmap,
            vmin=-0.5,
            vmax=5.5,
            alpha=0.3,
            interpolation="nearest",
            aspect="auto",
        )
        self.dots = ax.scatter(np.zeros(1), np.zeros(1), s=9, edgecolors="white", linewidths=0.3)
        ax.set(xticks=[], yticks=[])
        ax.set_title("after 1500 iterations: training accuracy 100%", fontsize=9)  # sized for the layout
        ax.grid(False)
        (self.curve,) = ax_cost.plot([], [], color=PALETTE[0], marker="o", ms=3)
        (self.marker,) = ax_cost.plot([], [], "o", color=PALETTE[3], ms=8)
        ax_cost.set(
            xscale="symlog", xlabel="iteration", ylabel="training cost", xlim=(0, SNAPSHOT_ITERATIONS[-1] * 1.2)
        )
        ax_cost.set_xticks([0, 10, 100, 1000], ["0", "10", "100", "1000"])
        ax_cost.set_title("softmax regression (linear)", fontsize=9)
        self.setting = None  # the snapshots the background was drawn for
        self.finish([self.image, ax.title, self.marker])

    def draw(self, shown: tuple[BoundarySnapshots, int]) -> None:
        snaps, k = shown
        ax, ax_cost = self.axes
        if snaps is not self.setting:
            self.setting = snaps
            self.image.set_extent(snaps.extent)
            ax.set(xlim=snaps.extent[:2], ylim=snaps.extent[2:])
            self.dots.set_offsets(snaps.X.T)
            self.dots.set_facecolors(self.cmap(snaps.labels))
            self.curve.set_data(snaps.iterations, snaps.cost)
            ax_cost.set_ylim(0, 1.1 * snaps.cost.max())
            ax_cost.set_title(
                "softmax + hidden layer" if snaps.hidden_units else "softmax regression (linear)", fontsize=9
            )
            self.live.invalidate()
        self.image.set_data(snaps.regions[k])
        ax.set_title(f"after {snaps.iterations[k]} iterations: training accuracy {snaps.accuracy[k]:.0%}", fontsize=9)
        self.marker.set_data([snaps.iterations[k]], [snaps.cost[k]])


def show_boundary_viewer(*, seed: int = 0):
    """The interactive boundary viewer (see the module docstring). Returns the ``ipywidgets.VBox``.

    Its children: the data set toggle, the class slider, the hidden-layer checkbox, the iteration slider and
    the picture. Changing the first three trains that setting once (a fraction of a second, then
    :func:`cached_snapshots` keeps it); moving the iteration slider only picks a stored snapshot.
    """
    controls = {
        "data_set": widgets.ToggleButtons(options=list(DATASETS), value="blobs", description="data"),
        "classes": widgets.IntSlider(value=3, min=2, max=6, description="classes C", continuous_update=False),
        "hidden": widgets.Checkbox(value=False, description=f"hidden layer ({HIDDEN_UNITS} tanh units)"),
        "iteration": widgets.SelectionSlider(
            options=list(SNAPSHOT_ITERATIONS),
            value=SNAPSHOT_ITERATIONS[-1],
            description="iteration",
            continuous_update=True,
        ),
    }

    def compute(data_set, classes, hidden, iteration) -> tuple[BoundarySnapshots, int]:
        snaps = cached_snapshots(data_set, classes, hidden, seed)
        return snaps, snaps.index_of(iteration)

    return live_widget(controls, compute, _BoundaryPicture())
