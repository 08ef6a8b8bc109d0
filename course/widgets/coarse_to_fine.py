"""Coarse-to-fine search, one round at a time (notebook 01).

The search itself is the student's: ``show_coarse_to_fine(coarse_to_fine)`` takes the function written
in the notebook, runs it once on a 2-D objective while recording every point it evaluates, and lets a
slider step through the rounds: the points of each round, the best ``top_k`` the next box is drawn around,
and the box each round searched, shrinking toward the best region. Two more sliders re-run the search: the
``margin`` its ``zoom_in`` widens boxes by, and where the demo loss has its minimum (near an edge, boxes that
nest can cut the minimum off for good). Nothing here performs a search; this module only records and draws one.

``compute_search_rounds`` is pure apart from calling the functions it is given; ``show_coarse_to_fine``
wires an ``IntSlider`` to what it computed once.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from course.plots import PALETTE, plot_heatmap
from course.widgets.live_widget import Picture, live_widget, note
from course.widgets.student_code import call_student

__all__ = [
    "DEMO_LABELS",
    "DEMO_MINIMUM",
    "DEMO_RANGES",
    "SearchRounds",
    "compute_search_rounds",
    "demo_loss",
    "demo_surface",
    "show_coarse_to_fine",
    "top_points",
]

# The demo objective's axes, each on its right scale (notebook 02): log10 of the learning rate and
# log10(1 - beta) of the momentum term (-3 is beta = 0.999, -1 is beta = 0.9, 0 is no momentum).
DEMO_RANGES = ((-4.0, 0.0), (-3.0, 0.0))
DEMO_LABELS = ("log10 learning rate", "log10(1 - momentum beta)")
DEMO_MINIMUM = (-1.8, -1.0)  # learning rate about 0.016, beta = 0.9


def _demo_formula(x, y, minimum=DEMO_MINIMUM):
    """The demo loss on arrays: a narrow valley running diagonally, lowest (0.02) at ``minimum``."""
    along = (x - minimum[0]) - 1.2 * (y - minimum[1])
    across = y - minimum[1]
    return 0.02 + along**2 + 6.0 * across**2


def demo_loss(point, minimum=DEMO_MINIMUM) -> float:
    """A made-up dev loss over (log10 learning rate, log10(1 - beta)); ``point`` is a ``(2,)`` array."""
    x, y = (float(v) for v in np.asarray(point, dtype=float).ravel()[:2])
    return float(_demo_formula(x, y, minimum))


def demo_surface(resolution: int = 160, minimum=DEMO_MINIMUM) -> np.ndarray:
    """``demo_loss`` on a raster over ``DEMO_RANGES`` (rows = momentum, columns = learning rate)."""
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution must be an int of at least 2, got {resolution!r}.")
    x = np.linspace(*DEMO_RANGES[0], resolution)[None, :]
    y = np.linspace(*DEMO_RANGES[1], resolution)[:, None]
    return _demo_formula(x, y, minimum)


@dataclass(frozen=True)
class SearchRounds:
    """One recorded run of a coarse-to-fine search.

    ``boxes``: ``(n_rounds, d, 2)``, the ranges searched in each round. ``points``: ``(n_calls, d)``, every
    point the objective was asked about, in order; ``scores``: ``(n_calls,)``; ``rounds``: ``(n_calls,)``,
    the round each call belongs to (calls counted in blocks of ``n_per_round``). ``best_point`` / ``best_score``
    are what the search returned; ``best_so_far``: ``(n_rounds,)``, the lowest score seen by the end of each round.
    """

    boxes: np.ndarray
    points: np.ndarray
    scores: np.ndarray
    rounds: np.ndarray
    best_point: np.ndarray
    best_score: float
    best_so_far: np.ndarray


def compute_search_rounds(
    search: Callable,
    objective: Callable | None = None,
    ranges: Sequence[tuple[float, float]] | None = None,
    *,
    n_per_round: int = 20,
    n_rounds: int = 4,
    top_k: int = 4,
    seed: int = 0,
    margin: float | None = None,
) -> SearchRounds:
    """Run ``search(objective, ranges, n_per_round, n_rounds, top_k, rng)`` once and record what it did.

    ``objective`` and ``ranges`` default to ``demo_loss`` over ``DEMO_RANGES``. With ``margin``, the
    ``zoom_in`` that ``search`` calls (found by name among its globals, the notebook's) runs with that margin
    for the duration of the call. Errors raised by ``search`` (``NotImplementedError`` included) propagate; a
    result that breaks the contract of notebook 01 raises ``ValueError`` saying what is missing.
    """
    if not callable(search):
        raise TypeError(f"search must be a function, got {type(search).__name__}.")
    for name, value, minimum in (("n_per_round", n_per_round, 1), ("n_rounds", n_rounds, 1), ("top_k", top_k, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f"{name} must be an int of at least {minimum}, got {value!r}.")
    objective = demo_loss if objective is None else objective
    ranges = [tuple(map(float, r)) for r in (DEMO_RANGES if ranges is None else ranges)]
    seen_points: list[np.ndarray] = []
    seen_scores: list[float] = []

    def recorded(point):
        score = float(objective(point))
        seen_points.append(np.array(point, dtype=float).ravel())
        seen_scores.append(score)
        return score

    with _zoom_margin(search, margin):
        result = search(recorded, ranges, n_per_round, n_rounds, top_k, np.random.default_rng(seed))
    if not isinstance(result, dict) or not {"best_point", "best_score", "ranges_history"} <= set(result):
        raise ValueError("coarse_to_fine should return a dict with best_point, best_score and ranges_history.")
    boxes = np.asarray(result["ranges_history"], dtype=float)
    if boxes.shape != (n_rounds, len(ranges), 2):
        raise ValueError(
            f"ranges_history should hold {n_rounds} range lists of {len(ranges)} (low, high) pairs, "
            f"got an array of shape {boxes.shape}."
        )
    if not seen_points:
        raise ValueError("coarse_to_fine never called the objective.")
    points = np.vstack(seen_points)
    scores = np.asarray(seen_scores)
    rounds = np.minimum(np.arange(len(scores)) // n_per_round, n_rounds - 1)
    best_so_far = np.array([np.min(scores[rounds <= r]) if np.any(rounds <= r) else np.inf for r in range(n_rounds)])
    return SearchRounds(
        boxes=boxes,
        points=points,
        scores=scores,
        rounds=rounds,
        best_point=np.asarray(result["best_point"], dtype=float).ravel(),
        best_score=float(result["best_score"]),
        best_so_far=best_so_far,
    )


@contextmanager
def _zoom_margin(search: Callable, margin: float | None):
    """While inside, the ``zoom_in`` that ``search`` looks up by name uses ``margin`` (no-op when None)."""
    names = getattr(search, "__globals__", {})
    zoom = names.get("zoom_in")
    if margin is None or not callable(zoom):
        yield
        return

    def zoom_with_margin(points, scores, ranges, top_k, margin_=None, **kwargs):
        kwargs.pop("margin", None)
        return zoom(points, scores, ranges, top_k, margin=margin)

    names["zoom_in"] = zoom_with_margin
    try:
        yield
    finally:
        names["zoom_in"] = zoom


def top_points(found: SearchRounds, round_index: int, top_k: int) -> np.ndarray:
    """The ``top_k`` lowest-score points of one round, ``(top_k, d)``: what its next box is drawn around."""
    mask = found.rounds == round_index
    points, scores = found.points[mask], found.scores[mask]
    order = np.argsort(np.where(np.isfinite(scores), scores, np.inf), kind="stable")
    return points[order[:top_k]]


class _SearchPicture(Picture):
    """Left: the points of the rounds so far over the objective (its heat map for the demo, else the
    points coloured by score), every box searched, the best ``top_k`` and the box around them.
    Right: the best loss so far per round."""

    def __init__(self, found: SearchRounds, demo: bool, labels: tuple[str, str], top_k: int):
        super().__init__(figsize=(9.6, 4.2), ncols=2, gridspec_kw={"width_ratios": [1.6, 1.0]})
        ax_map, ax_best = self.axes
        self.demo, self.labels, self.top_k, self.minimum = demo, labels, top_k, DEMO_MINIMUM
        n_rounds, first = found.boxes.shape[0], found.boxes[0]
        animated = []
        if demo:
            # log10 of the loss, so the valley floor is not lost in one colour; bright is low
            plot_heatmap(
                np.log10(demo_surface()),
                tuple(first[0]),
                tuple(first[1]),
                colorbar_label="log10 dev loss",
                ax=ax_map,
            )
            self.surface = ax_map.images[0]
            self.dots = ax_map.scatter([], [], s=26, edgecolor="black", linewidth=0.6, zorder=3)
            self.floor = ax_map.scatter([], [], marker="+", s=120, color="black", zorder=5)
            animated += [self.surface, self.floor]
        else:
            finite = found.scores[np.isfinite(found.scores)]
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            self.dots = ax_map.scatter(
                [],
                [],
                c=np.empty(0),
                s=30,
                edgecolor="black",
                linewidth=0.4,
                zorder=3,
                cmap=plt.get_cmap("viridis_r"),
            )
            self.dots.set_clim(low, high if high > low else low + 1.0)
            self.fig.colorbar(self.dots, ax=ax_map, label="dev loss")
            ax_map.grid(False)
        ax_map.set(xlim=first[0], ylim=first[1], xlabel=labels[0], ylabel=labels[1])
        self.boxes = [
            ax_map.add_patch(Rectangle((0, 0), 0, 0, fill=False, zorder=4, color=PALETTE[r % len(PALETTE)]))
            for r in range(n_rounds)
        ]
        self.tight = ax_map.add_patch(Rectangle((0, 0), 0, 0, fill=False, color="black", ls="--", lw=1.2, zorder=4))
        self.rings = ax_map.scatter([], [], s=110, facecolors="none", edgecolors=PALETTE[3], linewidths=1.6, zorder=4)
        self.star = ax_map.scatter([], [], marker="*", s=220, color=PALETTE[3], edgecolor="white", zorder=5)
        self.title = ax_map.set_title("round\nbox", fontsize=10)  # two lines kept by tight_layout
        rounds_axis = np.arange(1, n_rounds + 1)
        (self.progress,) = ax_best.plot(rounds_axis, found.best_so_far, marker="o", color=PALETTE[0])
        self.now = ax_best.scatter([], [], s=120, color=PALETTE[3], zorder=3)
        ax_best.set(xticks=rounds_axis, xlabel="round", ylabel="best loss so far", yscale="log")
        finite = found.best_so_far[np.isfinite(found.best_so_far)]
        if demo:
            ax_best.set_ylim(0.01, 10.0)  # fixed, so re-running the search redraws only the data
        elif finite.size:
            ax_best.set_ylim(finite.min() / 2, finite.max() * 2)
        ax_best.set_title("each round searches a smaller box", fontsize=10)
        self.note = widgets.HTML("")
        self.finish(
            [
                *animated,
                self.dots,
                *self.boxes,
                self.tight,
                self.rings,
                self.star,
                self.title,
                self.progress,
                self.now,
            ]
        )

    def draw(self, shown: tuple[SearchRounds, int, tuple[float, float], str]) -> None:
        found, r, minimum, self.note.value = shown
        n_rounds, labels = found.boxes.shape[0], self.labels
        shown_calls = found.rounds <= r
        current = found.rounds[shown_calls] == r
        self.dots.set_offsets(found.points[shown_calls])
        if self.demo:
            self.dots.set_facecolors(["white" if c else "#9a9a9a" for c in current])
        else:
            self.dots.set_array(found.scores[shown_calls])
        self.dots.set_sizes(np.where(current, 34, 12))
        for i, patch in enumerate(self.boxes):
            (x0, x1), (y0, y1) = found.boxes[i]
            patch.set_bounds(x0, y0, x1 - x0, y1 - y0)
            patch.set_visible(i <= min(r + 1, n_rounds - 1))
            patch.set_linewidth(2.6 if i == r else 1.0)
        best_k = top_points(found, r, self.top_k)
        self.rings.set_offsets(best_k)
        (x0, y0), (x1, y1) = best_k.min(axis=0), best_k.max(axis=0)
        self.tight.set_bounds(x0, y0, x1 - x0, y1 - y0)
        self.tight.set_visible(r < n_rounds - 1)
        seen = found.scores[shown_calls]
        best = int(np.argmin(np.where(np.isfinite(seen), seen, np.inf)))
        self.star.set_offsets(found.points[shown_calls][best : best + 1])
        self.progress.set_ydata(found.best_so_far)
        self.now.set_offsets([[r + 1, found.best_so_far[r]]])
        (x0, x1), (y0, y1) = found.boxes[r]
        self.title.set_text(
            f"round {r + 1}: {labels[0]} in [{x0:.3g}, {x1:.3g}],\n{labels[1]} in [{y0:.3g}, {y1:.3g}]"
        )
        if self.demo:
            if minimum != self.minimum:
                self.surface.set_data(np.log10(demo_surface(minimum=minimum)))
                self.minimum = minimum
            self.floor.set_offsets([minimum])


class _Reruns:
    """The compute step's state: the search shown, re-run when the margin or the demo minimum moves.

    ``problem`` says why the first run cannot be drawn (``found`` is then ``None``)."""

    START = (0.1, DEMO_MINIMUM[0])  # the margin and minimum sliders' starting values

    def __init__(self, search: Callable, objective: Callable | None, ranges, settings: dict):
        self.search, self.objective, self.ranges = search, objective, ranges
        self.settings = settings  # n_per_round, n_rounds, top_k, seed
        self.key, self.minimum, self.note = self.START, DEMO_MINIMUM, ""
        self.found, problem = self.run()
        if problem:
            self.problem = html.escape(problem) + " Run its tests above to find out more."
        elif self.found.boxes.shape[1] != 2:
            self.problem = "This picture draws two hyperparameters; pass a 2-D objective and two ranges."
        else:
            self.problem = ""

    def run(self, margin: float | None = None, minimum=DEMO_MINIMUM):
        """The student's search, recorded: ``(SearchRounds or None, problem)``."""

        def demo(point):
            return demo_loss(point, minimum)

        goal = demo if self.objective is None else self.objective
        return call_student(
            "coarse_to_fine",
            lambda: compute_search_rounds(self.search, goal, self.ranges, margin=margin, **self.settings),
        )

    def __call__(self, number: int, margin: float = START[0], where: float = START[1]) -> tuple:
        if (margin, where) != self.key:  # a margin or minimum slider moved: search again
            self.key, minimum = (margin, where), (float(where), DEMO_MINIMUM[1])
            again, problem = self.run(margin, minimum)
            if problem:
                self.note = f"<i>{html.escape(problem)}</i>"
            else:
                self.found, self.minimum = again, minimum
                self.note = self._rerun_note(again, minimum)
        return self.found, number - 1, self.minimum, self.note

    def _rerun_note(self, found: SearchRounds, minimum: tuple[float, float]) -> str:
        changed = ""
        if "zoom_in" not in getattr(self.search, "__globals__", {}):
            changed = (
                " Your coarse_to_fine does not call a function named zoom_in, so the margin slider cannot change it."
            )
        return (
            f"<i>Re-ran your coarse_to_fine: the true minimum (+) is at {minimum[0]:.2g}; best "
            f"found {found.best_score:.3g} at {found.best_point[0]:.2g}.{changed}</i>"
        )


def show_coarse_to_fine(
    search: Callable,
    objective: Callable | None = None,
    ranges: Sequence[tuple[float, float]] | None = None,
    *,
    labels: tuple[str, str] = DEMO_LABELS,
    n_per_round: int = 20,
    n_rounds: int = 4,
    top_k: int = 4,
    seed: int = 3,
):
    """Step through the rounds of ``search`` (the student's ``coarse_to_fine``) with a slider.

    With the default objective the background is its heat map, and two more sliders re-run the
    search with another ``margin`` (for the notebook's ``zoom_in``) or with the minimum moved along
    the learning-rate axis. With your own ``objective`` the points are coloured by the loss they
    scored. Returns the widget (its first child is the round slider); shows a note instead when
    ``search`` is not implemented or fails.
    """
    settings = {"n_per_round": n_per_round, "n_rounds": n_rounds, "top_k": top_k, "seed": seed}
    searches = _Reruns(search, objective, ranges, settings)
    if searches.problem:
        return note(searches.problem)
    picture = _SearchPicture(searches.found, objective is None, labels, top_k)
    slider = widgets.IntSlider(value=1, min=1, max=n_rounds, description="round")
    if objective is not None:
        return live_widget({"number": slider}, searches, picture)
    margin = widgets.FloatSlider(
        value=_Reruns.START[0], min=0.0, max=0.5, step=0.05, description="margin", continuous_update=False
    )
    where = widgets.FloatSlider(
        value=_Reruns.START[1],
        min=-3.9,
        max=-1.0,
        step=0.1,
        description="minimum",
        continuous_update=False,
        style={"description_width": "initial"},
    )
    controls = {"number": slider, "margin": margin, "where": where}
    layout = [slider, widgets.HBox([margin, where]), picture.note, picture.widget]
    return live_widget(controls, searches, picture, layout)
