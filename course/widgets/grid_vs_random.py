"""Grid versus random search on a 2-D problem where only one hyperparameter matters (notebook 01).

The picture: a budget of ``k * k`` training runs spread either as a ``k``-by-``k`` grid or as independent
random points over the same square. The loss depends (almost) only on the learning rate, so what counts
is how many *different* learning rates each layout tries: ``k`` for the grid, the whole budget for random.

This is a fixed two-hyperparameter illustration, written in a deliberately non-general form: the grid
puts one point in the middle of each of ``k`` equal cells per axis (the way people sketch a grid), and the
random layout draws in the unit square. The graded ``grid_search`` / ``random_search`` of notebook 01 work
for any number of ranges and are written by the student.

``compute_grid_vs_random`` is pure (numbers in, a frozen dataclass out); ``show_grid_vs_random`` only
wires a budget slider to it and moves the artists of one figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from course.plots import PALETTE, plot_heatmap
from course.widgets.live_widget import Picture, live_widget

__all__ = [
    "BUDGETS",
    "EPS_EXPONENT_RANGE",
    "LR_EXPONENT_RANGE",
    "BestByBudget",
    "GridVsRandom",
    "compute_best_by_budget",
    "compute_grid_vs_random",
    "loss_surface",
    "show_grid_vs_random",
    "toy_loss",
]

# The two axes of the picture: log10 of the learning rate (matters) and log10 of Adam's epsilon (does not).
LR_EXPONENT_RANGE = (-4.0, 0.0)
EPS_EXPONENT_RANGE = (-10.0, -6.0)
# Budgets the slider offers: perfect squares, so the grid and the random layout spend the same number of runs.
BUDGETS = tuple(k * k for k in range(2, 11))

_BEST_LR_EXPONENT = -1.55
_VALLEY_WIDTH = 0.22
_MAX_DRAWS = BUDGETS[-1]


def toy_loss(lr_exponent, eps_exponent, centre: float = _BEST_LR_EXPONENT):
    """A made-up dev loss: a narrow valley in the learning rate, a barely visible slope in epsilon.

    Inputs: arrays (or floats) of the same shape, ``log10(learning rate)`` and ``log10(epsilon)``; ``centre``
    is the exponent of the best learning rate (the picture's default, or another problem's).
    Returns: an array of that shape, values between about 0.1 and 1.0.
    """
    x = np.asarray(lr_exponent, dtype=float)
    y = np.asarray(eps_exponent, dtype=float)
    valley = 1.0 - np.exp(-(((x - centre) / _VALLEY_WIDTH) ** 2))
    return 0.1 + 0.85 * valley + 0.005 * (y - EPS_EXPONENT_RANGE[0]) / 4.0


def loss_surface(resolution: int = 200) -> np.ndarray:
    """``toy_loss`` sampled on a ``(resolution, resolution)`` raster (rows = epsilon, columns = learning rate)."""
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution must be an int of at least 2, got {resolution!r}.")
    x = np.linspace(*LR_EXPONENT_RANGE, resolution)
    y = np.linspace(*EPS_EXPONENT_RANGE, resolution)
    return toy_loss(x[None, :], y[:, None])


@dataclass(frozen=True)
class GridVsRandom:
    """What the picture shows for one budget.

    ``grid_points`` and ``random_points`` are ``(budget, 2)``: column 0 is log10 learning rate, column 1 is
    log10 epsilon. ``*_losses`` are ``(budget,)``; ``*_distinct`` count the different learning rates tried.
    """

    budget: int
    grid_points: np.ndarray
    random_points: np.ndarray
    grid_losses: np.ndarray
    random_losses: np.ndarray
    grid_distinct: int
    random_distinct: int
    grid_best: float
    random_best: float


def _to_axes(unit: np.ndarray) -> np.ndarray:
    """Map points of the unit square onto (learning-rate exponent, epsilon exponent)."""
    lows = np.array([LR_EXPONENT_RANGE[0], EPS_EXPONENT_RANGE[0]])
    widths = np.array([LR_EXPONENT_RANGE[1] - LR_EXPONENT_RANGE[0], EPS_EXPONENT_RANGE[1] - EPS_EXPONENT_RANGE[0]])
    return lows + unit * widths


def compute_grid_vs_random(budget: int = 25, seed: int = 1) -> GridVsRandom:
    """Spend ``budget`` runs (a perfect square from 4 to 100) as a grid and as random points.

    The random points for a smaller budget are the first ones of a larger budget (same seed), so moving
    the slider adds points instead of reshuffling them.
    """
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)):
        raise TypeError(f"budget must be an int, got {type(budget).__name__}.")
    side = math.isqrt(int(budget))
    if side * side != budget or not 4 <= budget <= _MAX_DRAWS:
        raise ValueError(f"budget must be a perfect square between 4 and {_MAX_DRAWS}, got {budget}.")
    centres = (np.arange(side) + 0.5) / side
    cell_x, cell_y = np.meshgrid(centres, centres, indexing="ij")
    grid = _to_axes(np.column_stack([cell_x.ravel(), cell_y.ravel()]))
    draws = np.random.default_rng(seed).random((_MAX_DRAWS, 2))[:budget]
    scattered = _to_axes(draws)
    grid_losses = toy_loss(grid[:, 0], grid[:, 1])
    random_losses = toy_loss(scattered[:, 0], scattered[:, 1])
    return GridVsRandom(
        budget=int(budget),
        grid_points=grid,
        random_points=scattered,
        grid_losses=grid_losses,
        random_losses=random_losses,
        grid_distinct=int(np.unique(np.round(grid[:, 0], 9)).size),
        random_distinct=int(np.unique(np.round(scattered[:, 0], 9)).size),
        grid_best=float(grid_losses.min()),
        random_best=float(random_losses.min()),
    )


@dataclass(frozen=True)
class BestByBudget:
    """The best loss each layout finds, for every budget the slider offers, averaged over many problems.

    Each seed is one problem: the valley sits at a random learning rate (you do not know where in advance)
    and random search draws its own points. ``budgets``: ``(k,)``; ``grid_mean`` / ``random_mean``: ``(k,)``
    the mean best loss over seeds; ``random_wins``: ``(k,)`` the share of seeds in which random search found
    a lower loss than the grid (it wins on average, not every time); ``seeds``: how many seeds.
    """

    budgets: np.ndarray
    grid_mean: np.ndarray
    random_mean: np.ndarray
    random_wins: np.ndarray
    seeds: int


def compute_best_by_budget(seeds: int = 200, first_seed: int = 1) -> BestByBudget:
    """Best loss of the grid and of random search, averaged over ``seeds`` problems, for every budget."""
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer)) or seeds < 1:
        raise ValueError(f"seeds must be a positive int, got {seeds!r}.")
    grid, random = np.empty((seeds, len(BUDGETS))), np.empty((seeds, len(BUDGETS)))
    for s in range(seeds):
        centre = np.random.default_rng([first_seed + s, 1]).uniform(
            LR_EXPONENT_RANGE[0] + 0.5, LR_EXPONENT_RANGE[1] - 0.5
        )
        for j, budget in enumerate(BUDGETS):
            view = compute_grid_vs_random(budget, first_seed + s)
            grid[s, j] = toy_loss(view.grid_points[:, 0], view.grid_points[:, 1], centre).min()
            random[s, j] = toy_loss(view.random_points[:, 0], view.random_points[:, 1], centre).min()
    return BestByBudget(
        np.array(BUDGETS), grid.mean(axis=0), random.mean(axis=0), (random < grid).mean(axis=0), int(seeds)
    )


def _grid_layout(fig) -> tuple:
    """Two heat maps side by side (one value axis), the loss profile and the budget curve below."""
    layout = fig.add_gridspec(
        2,
        2,
        height_ratios=[1.5, 1.0],
        width_ratios=[1.0, 1.2],
        hspace=0.45,
        wspace=0.3,
        left=0.08,
        right=0.97,
        top=0.94,
        bottom=0.09,
    )
    ax_grid = fig.add_subplot(layout[0, 0])
    return (
        ax_grid,
        fig.add_subplot(layout[0, 1], sharey=ax_grid),
        fig.add_subplot(layout[1, 0]),
        fig.add_subplot(layout[1, 1]),
    )


class _GridVsRandomPicture(Picture):
    """Where grid and random search try (heat maps), which learning rates they cover (the profile),
    and the best loss each finds by budget, averaged over many problems."""

    def __init__(self, budget: int, averaged: BestByBudget):
        super().__init__(figsize=(9.6, 6.2), make_axes=_grid_layout)
        ax_grid, ax_rand, ax_prof, ax_curve = self.axes
        self.averaged = averaged
        self.scatters, self.titles = {}, {}
        # High contrast on the heat map: filled markers with a thick outline of the opposite
        # brightness.
        markers = {"grid": ("s", PALETTE[3], "white"), "random": ("o", "white", "black")}
        surface = loss_surface(160)
        for ax, key in ((ax_grid, "grid"), (ax_rand, "random")):
            plot_heatmap(
                surface,
                LR_EXPONENT_RANGE,
                EPS_EXPONENT_RANGE,
                xlabel="log10 learning rate",
                ax=ax,
                colorbar_label="dev loss (bright = low)" if key == "random" else None,
            )
            shape, face, edge = markers[key]
            self.scatters[key] = ax.scatter(
                [], [], s=34, marker=shape, color=face, edgecolor=edge, linewidth=1.2, zorder=3
            )
            ax.set_xlim(*LR_EXPONENT_RANGE)
            ax.set_ylim(*EPS_EXPONENT_RANGE)
            self.titles[key] = ax.set_title(" ", fontsize=10)
        ax_grid.set_ylabel("log10 Adam epsilon")
        profile_x = np.linspace(*LR_EXPONENT_RANGE, 400)
        profile_y = toy_loss(profile_x, np.full_like(profile_x, EPS_EXPONENT_RANGE[0]))
        ax_prof.plot(profile_x, profile_y, color="black", lw=1.5)
        ax_prof.set_xlim(*LR_EXPONENT_RANGE)
        ax_prof.set_ylim(-0.3, 1.1)
        ax_prof.set_xlabel("log10 learning rate (the only axis that matters)")
        ax_prof.set_ylabel("dev loss")
        self.grid_ticks = ax_prof.scatter([], [], marker="|", s=220, color=PALETTE[3], label="grid tried")
        self.rand_ticks = ax_prof.scatter([], [], marker="|", s=220, color=PALETTE[0], label="random tried")
        ax_prof.legend(loc="center left", fontsize=8)
        ax_prof.set_yticks([0.0, 0.5, 1.0])
        for name, mean, style, colour in (
            ("grid", averaged.grid_mean, "s-", PALETTE[3]),
            ("random", averaged.random_mean, "o-", PALETTE[0]),
        ):
            ax_curve.plot(
                averaged.budgets, mean, style, color=colour, ms=4, label=f"{name}, mean of {averaged.seeds} problems"
            )
        ax_curve.set_xlabel("budget (runs)")
        ax_curve.set_ylabel("best dev loss found")
        ax_curve.set_xticks(averaged.budgets[::2])
        ax_curve.legend(loc="upper right", fontsize=8)
        self.now = ax_curve.axvline(budget, color="grey", lw=1.0, ls="--")
        self.wins = ax_curve.text(0.97, 0.7, "", transform=ax_curve.transAxes, fontsize=8, ha="right", va="top")
        self.finish(
            (
                *self.scatters.values(),
                *self.titles.values(),
                self.grid_ticks,
                self.rand_ticks,
                self.now,
                self.wins,
            ),
            tight=False,
        )

    def draw(self, view: GridVsRandom) -> None:
        self.scatters["grid"].set_offsets(view.grid_points)
        self.scatters["random"].set_offsets(view.random_points)
        self.titles["grid"].set_text(f"grid: {view.grid_distinct} learning rates, best {view.grid_best:.2f}")
        self.titles["random"].set_text(f"random: {view.random_distinct} learning rates, best {view.random_best:.2f}")
        self.grid_ticks.set_offsets(np.column_stack([view.grid_points[:, 0], np.full(view.budget, -0.08)]))
        self.rand_ticks.set_offsets(np.column_stack([view.random_points[:, 0], np.full(view.budget, -0.22)]))
        self.now.set_xdata([view.budget, view.budget])
        share = float(self.averaged.random_wins[list(self.averaged.budgets).index(view.budget)])
        self.wins.set_text(f"{view.budget} runs: random finds the lower loss\nin {100 * share:.0f}% of the problems")


def show_grid_vs_random(budget: int = 25, seed: int = 1):
    """Two heat maps (grid, random) over one loss profile along the learning rate; a slider sets the
    budget.

    Returns the widget (a ``VBox`` of the slider and the figure), so a notebook cell that ends with this
    call displays it.
    """
    # Everything the slider can ask for, computed once: the slider only selects.
    views = {b: compute_grid_vs_random(b, seed) for b in BUDGETS}
    slider = widgets.SelectionSlider(
        options=[(f"{b} runs", b) for b in BUDGETS],
        value=budget if budget in views else 25,
        description="budget",
        continuous_update=True,
        layout=widgets.Layout(width="420px"),
    )
    picture = _GridVsRandomPicture(budget, compute_best_by_budget(200))
    return live_widget({"budget": slider}, lambda budget: views[budget], picture)
