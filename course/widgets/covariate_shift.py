"""Notebook 03's covariate-shift viewer: how the values each hidden layer computes drift while a network trains.

Two networks train once, beforehand, from the same initial weights and on the same mini-batches, one with batch
norm and one without (``course.bn_network.train_network(..., snapshot_every=k)`` records the hidden layers on a
fixed probe batch every ``k`` steps). ``compute_covariate_shift`` turns those snapshots into the distribution of
one unit per layer at every snapshot and three measures per layer. The slider of ``show_covariate_shift`` only
picks a snapshot: nothing trains while it moves.

What is by construction and what is measured. The snapshots are taken in training mode on the probe batch
itself, so with batch norm each unit's input to its ReLU has, over that batch, mean exactly ``beta`` and
standard deviation about ``gamma``: its drift (``mean_shift``, batch-norm row) only follows how ``beta`` moves,
and shows nothing about the network. Two measures are *not* guaranteed by the formula:

- ``raw_shift``: the drift of ``Z[l]`` before any normalisation, measured against fixed statistics (those of
  the first snapshot), i.e. how far the weights below move what this layer computes;
- ``active``: the fraction of ReLUs that fire on the probe batch (a unit that never fires is dead).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import PolyCollection

from course import bn_network
from course.arguments import require_int
from course.plots import PALETTE
from course.widgets.live_figure import nice_limit
from course.widgets.live_widget import SMALL_TEXT, Picture, live_widget

__all__ = ["CovariateShift", "compute_covariate_shift", "show_covariate_shift", "train_for_covariate_shift"]


@dataclass(frozen=True)
class CovariateShift:
    """What the viewer draws for one hidden unit per layer, at every snapshot of the two runs.

    ``iterations``: ``(s,)`` training steps at which the snapshots were taken (the two runs share them).
    ``grid``: ``(2, G)`` the values at which the densities are evaluated, the same for both rows (row 0: without
    batch norm), so that the two violin panels share one value axis.
    ``density``: ``(2, s, L - 1, G)`` the distribution of unit ``unit`` of each layer over the probe batch
    (a Gaussian kernel estimate), scaled so its largest value over the snapshots is 1 per row and layer.
    ``mean_shift``: ``(2, s, L - 1)`` how far the mean of what a unit shows (its ReLU's input, or its raw ``Z``
    with ``raw``) has moved since the first snapshot, in units of its first standard deviation, averaged over
    **all** units of the layer. For the batch-norm row without ``raw`` this is ``|beta_t - beta_0| / gamma_0``
    up to eps: true by construction, not a measurement.
    ``std_ratio``: ``(2, s, L - 1)`` a unit's standard deviation over its first one, averaged over units.
    ``raw_shift``: ``(2, s, L - 1)`` the same drift for ``Z`` before normalisation, whatever ``raw`` says (for
    the plain network, its ``Z`` is its ReLU's input): ``Z`` standardised with fixed statistics, those of the
    first snapshot. Nothing normalises this; it is measured.
    ``active``: ``(2, s, L - 1)`` the fraction of (unit, example) pairs of the probe batch where the ReLU fires.
    ``dead``: ``(2, s, L - 1)`` the fraction of units that fire for no example of the probe batch.
    """

    iterations: np.ndarray
    grid: np.ndarray
    density: np.ndarray
    mean_shift: np.ndarray
    std_ratio: np.ndarray
    raw_shift: np.ndarray
    active: np.ndarray
    dead: np.ndarray
    unit: int
    raw: bool


def _layers(snapshot, raw: bool, batchnorm: bool) -> list[np.ndarray]:
    """``(n_l, m_probe)`` per hidden layer: what the ReLU receives, or the raw Z of a batch-norm layer."""
    return snapshot.Z if (raw and batchnorm) else snapshot.Z_tilde


def _drift(stack: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``stack (s, n_l, m)`` -> ``(s,)`` mean drift and ``(s,)`` spread ratio, each unit measured in units of
    its first standard deviation (its values standardised with the first snapshot's fixed statistics)."""
    means, stds = stack.mean(axis=-1), stack.std(axis=-1)  # (s, n_l)
    start = np.maximum(stds[0], 1e-12)
    return (np.abs(means - means[0]) / start).mean(axis=-1), (stds / start).mean(axis=-1)


def _kernel_density(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """``(..., G)`` Gaussian kernel density of ``values (..., m)`` on ``grid (G,)`` (Scott's bandwidth)."""
    m = values.shape[-1]
    width = np.maximum(values.std(axis=-1, keepdims=True), 1e-6) * m ** (-1 / 5)
    gaps = (grid[None, :] - values[..., :, None]) / width[..., None]  # (..., m, G)
    return np.exp(-0.5 * gaps**2).sum(axis=-2) / (m * width * np.sqrt(2 * np.pi))


def compute_covariate_shift(
    plain, normalised, *, unit: int = 0, raw: bool = False, points: int = 48
) -> CovariateShift:
    """Densities of one unit per layer and the measured drift of all units (see :class:`CovariateShift`).

    ``plain`` / ``normalised``: :class:`course.bn_network.TrainedNetwork` without / with batch norm, trained
    with the same ``snapshot_every``; only the snapshots both have are used (a diverged run stops early).
    ``raw``: show the batch-norm network's ``Z`` before normalisation instead of what its ReLU receives.
    """
    require_int("points", points, 8)
    if plain.batchnorm or not normalised.batchnorm:
        raise ValueError("pass the network trained without batch norm first, then the one trained with it.")
    if plain.layer_dims != normalised.layer_dims:
        raise ValueError("the two networks must have the same layer_dims.")
    count = min(len(plain.snapshots), len(normalised.snapshots))
    if count == 0:
        raise ValueError("the networks have no snapshots: train them with snapshot_every=k.")
    require_int("unit", unit, 0, min(plain.layer_dims[1:-1]) - 1)
    # (2, s, L-1, n_l, m) would be ragged if layers differ in width, so stack per layer
    stacks = [
        [
            np.stack([_layers(snap, raw, net.batchnorm)[l] for snap in net.snapshots[:count]])
            for l in range(len(plain.layer_dims) - 2)
        ]
        for net in (plain, normalised)
    ]  # stacks[row][layer]: (s, n_l, m)
    layers = len(stacks[0])
    grid = np.empty((2, points))
    density = np.empty((2, count, layers, points))
    mean_shift = np.empty((2, count, layers))
    std_ratio = np.empty((2, count, layers))
    raw_shift = np.empty((2, count, layers))
    active = np.empty((2, count, layers))
    dead = np.empty((2, count, layers))
    chosen = [np.stack([stacks[row][l][:, unit, :] for l in range(layers)], axis=1) for row in range(2)]  # (s, L-1, m)
    low, high = np.percentile(np.concatenate([c.ravel() for c in chosen]), [0.5, 99.5])
    pad = 0.1 * max(high - low, 1e-3)
    grid[:] = np.linspace(low - pad, high + pad, points)  # one value axis for both rows: drifts compare by eye
    for row in range(2):
        dens = _kernel_density(chosen[row], grid[row])
        density[row] = dens / np.maximum(dens.max(axis=(0, 2), keepdims=True), 1e-12)
        net = (plain, normalised)[row]
        for l in range(layers):
            mean_shift[row, :, l], std_ratio[row, :, l] = _drift(stacks[row][l])
            raw_shift[row, :, l] = _drift(np.stack([snap.Z[l] for snap in net.snapshots[:count]]))[0]
            firing = np.stack([snap.Z_tilde[l] for snap in net.snapshots[:count]]) > 0  # (s, n_l, m)
            active[row, :, l] = firing.mean(axis=(1, 2))
            dead[row, :, l] = (~firing.any(axis=2)).mean(axis=1)
    iterations = np.array([snap.iteration for snap in plain.snapshots[:count]])
    return CovariateShift(
        iterations, grid, density, mean_shift, std_ratio, raw_shift, active, dead, int(unit), bool(raw)
    )


def train_for_covariate_shift(
    data,
    *,
    layer_dims=None,
    learning_rate: float = 0.1,
    num_epochs: int = 6,
    snapshot_every: int = 6,
    probe_size: int = 128,
    seed: int = 0,
):
    """The two runs the viewer shows: same start, same batches, with and without batch norm.

    Returns ``(plain, normalised)`` :class:`course.bn_network.TrainedNetwork`.
    """
    dims = list(layer_dims or bn_network.EXPERIMENT_LAYER_DIMS)
    return tuple(
        bn_network.train_network(
            data.X_train,
            data.Y_train,
            dims,
            batchnorm=flag,
            learning_rate=learning_rate,
            num_epochs=num_epochs,
            seed=seed,
            snapshot_every=snapshot_every,
            probe_size=probe_size,
        )
        for flag in (False, True)
    )


def _violin(layer: int, density: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The outline of one violin, centred on ``layer + 1``: ``(2 * len(grid), 2)`` vertices."""
    half = 0.42 * density
    return np.column_stack(
        [
            np.concatenate([layer + 1 - half, (layer + 1 + half)[::-1]]),
            np.concatenate([grid, grid[::-1]]),
        ]
    )


class _CovariateShiftPicture(Picture):
    """Violins per hidden layer for each network; the measured drift and ReLU panels with a
    cursor."""

    def __init__(self, first: CovariateShift):
        super().__init__(
            figsize=(12, 3.0),
            ncols=4,
            dpi=72,
            style=SMALL_TEXT,
            gridspec_kw={"width_ratios": [1, 1, 1.1, 1.1]},
        )
        axes = self.axes
        self.layers = layers = first.density.shape[2]
        colours = (PALETTE[3], PALETTE[0])
        axes[1].sharey(axes[0])  # one value axis for both networks
        self.before, self.now = [], []  # per row, one collection holding a violin per layer: fast
        for row in range(2):
            ax = axes[row]
            self.before.append(ax.add_collection(PolyCollection([], facecolor="none", edgecolor="0.35", lw=0.8)))
            self.now.append(ax.add_collection(PolyCollection([], facecolor=colours[row], alpha=0.6, lw=0)))
            ax.set_xlim(0.4, layers + 0.6)
            ax.set_xticks(range(1, layers + 1))
            ax.set_xlabel("hidden layer")
            ax.set_title(("without" if row == 0 else "with") + " batch norm")
        axes[0].set_ylabel("value of the unit (probe batch)")
        # The two measured panels do not depend on the unit or the view: drawn once, cursors move.
        for row, name in enumerate(("without BN: Z", "with BN: Z before normalising")):
            network = "without" if row == 0 else "with"
            axes[2].plot(first.iterations, first.raw_shift[row].mean(axis=1), color=colours[row], label=name)
            axes[3].plot(
                first.iterations,
                first.active[row].mean(axis=1),
                color=colours[row],
                label=f"{network} BN: firing",
            )
            axes[3].plot(
                first.iterations,
                first.dead[row].mean(axis=1),
                color=colours[row],
                ls=":",
                label=f"{network} BN: dead units",
            )
        built_in = first.mean_shift[1].mean(axis=1)  # first is the ReLU-input view
        axes[2].plot(
            first.iterations,
            built_in,
            color=colours[1],
            ls="--",
            lw=1,
            label="with BN: ReLU input (by construction)",
        )
        top = max(first.raw_shift.mean(axis=2).max(), built_in.max(), 0.1)
        axes[2].set(
            ylim=(0, nice_limit(1.1 * top)),
            xlabel="iteration",
            title="mean drift per unit (in starting stds)",
        )
        axes[3].set(ylim=(0, 1), xlabel="iteration", title="ReLUs, probe batch (fraction)")
        axes[2].legend(loc="upper left", fontsize=7)
        axes[3].legend(loc="center right", fontsize=6.5)
        self.cursors = [ax.axvline(first.iterations[-1], color="0.3", lw=0.8, ls="--") for ax in axes[2:]]
        self.finish([*self.before, *self.now, *self.cursors], pad=0.5)

    def draw(self, shown: tuple[CovariateShift, int]) -> None:
        data, index = shown
        # New limits only when the unit or the view changes (a full redraw then); the panels share
        # them.
        self.axes[0].set_ylim(data.grid[0, 0], data.grid[0, -1])
        for row in range(2):
            grid = data.grid[row]
            self.before[row].set_verts(
                [_violin(layer, data.density[row, 0, layer], grid) for layer in range(self.layers)]
            )
            self.now[row].set_verts(
                [_violin(layer, data.density[row, index, layer], grid) for layer in range(self.layers)]
            )
        for cursor in self.cursors:
            cursor.set_xdata([data.iterations[index]] * 2)


def show_covariate_shift(plain, normalised):
    """The viewer: an iteration slider, a unit chooser and a toggle for the raw ``Z`` of the batch-norm
    network. First two panels: one violin per hidden layer for each network, on one value axis (outline: before
    training, filled: at the chosen iteration). Third: the drift of every unit's ``Z`` before normalisation,
    measured (solid), and, dashed, the batch-norm ReLU input's, which is by construction. Fourth: the fraction
    of ReLUs that fire, and of units that never fire, on the probe batch (measured).
    Returns the ``ipywidgets.VBox``; its first child is the slider.
    """

    @functools.cache  # one compute per unit and view: the iteration slider only selects
    def view(unit: int, raw: bool) -> CovariateShift:
        return compute_covariate_shift(plain, normalised, unit=unit, raw=raw)

    first = view(0, False)
    slider = widgets.SelectionSlider(
        options=[(str(int(it)), i) for i, it in enumerate(first.iterations)],
        value=len(first.iterations) - 1,
        description="iteration",
        continuous_update=True,
        layout=widgets.Layout(width="520px"),
    )
    unit = widgets.Dropdown(
        options=list(range(min(plain.layer_dims[1:-1]))),
        value=0,
        description="unit",
        layout=widgets.Layout(width="160px"),
    )
    raw = widgets.Dropdown(
        options=[("input of its ReLU", False), ("Z before normalising", True)],
        value=False,
        description="batch-norm row shows",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="340px"),
    )
    picture = _CovariateShiftPicture(first)
    return live_widget(
        {"index": slider, "unit": unit, "raw": raw},
        lambda index, unit, raw: (view(unit, raw), index),
        picture,
        [slider, widgets.HBox([unit, raw]), picture.widget],
    )
