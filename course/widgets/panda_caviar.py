"""Panda versus caviar: babysit one model, or train many in parallel (notebook 01).

Both strategies are trained for real on the two-moons data with ``course.models``:

- **caviar**: ``n_models`` small networks, each with its own learning rate and hidden-layer size fixed in
  advance, trained side by side without anyone looking at them;
- **panda**: one network trained day by day; after each day its keeper looks at the dev loss and nudges the
  learning rate up when the day went well, down when it did not, and goes back to yesterday's weights after a
  bad day.

Two sliders select what the picture shows from what was trained once: how many machines the caviar
strategy had (how many of its models ran) and how many days have passed.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, LogNorm

from course.arguments import require_int
from course.data import make_moons_2d, train_dev_split
from course.models import TinyMLP, train_mlp
from course.plots import PALETTE
from course.widgets.live_widget import Picture, live_widget
from course.widgets.student_code import call_student

__all__ = ["PandaCaviar", "PandaCaviarView", "compute_panda_caviar", "show_panda_caviar", "view_panda_caviar"]

_MINI_BATCH = 32
_HIDDEN_CHOICES = (2, 3, 4, 6, 8, 12, 16, 24, 32)


@dataclass(frozen=True)
class PandaCaviar:
    """Everything that was trained.

    ``caviar_curves``: ``(n_models, days * epochs_per_day)`` dev losses; ``caviar_rates`` and
    ``caviar_hidden``: ``(n_models,)`` settings. ``panda_curve``: ``(days * epochs_per_day,)`` dev losses of
    the babysat model as they happened (a day that went badly is shown, then undone); ``panda_rates``:
    ``(days,)`` the learning rate used on each day; ``panda_rollbacks``: ``(days,)`` True where the keeper
    threw that day away.
    """

    caviar_curves: np.ndarray
    caviar_rates: np.ndarray
    caviar_hidden: np.ndarray
    panda_curve: np.ndarray
    panda_rates: np.ndarray
    panda_rollbacks: np.ndarray
    epochs_per_day: int

    @property
    def days(self) -> int:
        return int(self.panda_rates.size)


@dataclass(frozen=True)
class PandaCaviarView:
    """What the picture shows after ``days`` days with ``machines`` machines for the caviar strategy.

    ``caviar_curves``: ``(machines, days * epochs_per_day)``; ``caviar_best``: the lowest current dev loss
    among them; ``panda_curve``: ``(days * epochs_per_day,)``; ``panda_now``: the dev loss of the model the
    keeper holds at the end of the last day shown (after any roll-back).
    """

    machines: int
    days: int
    caviar_curves: np.ndarray
    caviar_best: float
    panda_curve: np.ndarray
    panda_now: float


CAVIAR_RANGES = [(-2.5, 1.5), (1.0, 5.0)]  # log10 learning rate (0.003 to 30), log2 hidden units (2 to 32)


def compute_panda_caviar(
    n_models: int = 16,
    days: int = 8,
    epochs_per_day: int = 5,
    start_rate: float = 0.1,
    seed: int = 1,
    settings: np.ndarray | None = None,
) -> PandaCaviar:
    """Train the caviar models and the panda model on the same data (about 0.3 s with the defaults).

    ``settings``, when given, is an ``(n_models, 2)`` array of (log10 learning rate, log2 hidden units) points
    in ``CAVIAR_RANGES`` (for example from the student's ``random_search``); otherwise the learning rates are
    spread evenly over the same four decades.
    """
    n_models = require_int("n_models", n_models, 1, 64)
    days = require_int("days", days, 1, 50)
    epochs_per_day = require_int("epochs_per_day", epochs_per_day, 1, 50)
    if not start_rate > 0:
        raise ValueError(f"start_rate must be positive, got {start_rate!r}.")
    X, Y = make_moons_2d(400, noise=0.25, seed=seed)
    split = train_dev_split(X, Y)
    data = (split.X_train, split.Y_train, split.X_dev, split.Y_dev)
    epochs = days * epochs_per_day

    # Caviar: settings fixed before training, spread over four decades of learning rate, shuffled so the
    # first few machines do not all get the small ones.
    if settings is None:
        order = np.random.default_rng(seed).permutation(n_models)
        rates = np.geomspace(0.003, 30.0, n_models)[order]
        hidden = np.array([_HIDDEN_CHOICES[(4 * i + seed) % len(_HIDDEN_CHOICES)] for i in range(n_models)])
    else:
        settings = np.asarray(settings, dtype=float)
        if settings.shape != (n_models, 2) or not np.all(np.isfinite(settings)):
            raise ValueError(f"settings must be a finite ({n_models}, 2) array, got shape {settings.shape}.")
        rates = 10.0 ** settings[:, 0]
        hidden = np.maximum(1, np.round(2.0 ** settings[:, 1])).astype(int)
    curves = np.vstack(
        [
            train_mlp(
                *data,
                learning_rate=float(rate),
                hidden_units=int(units),
                num_epochs=epochs,
                mini_batch_size=_MINI_BATCH,
                seed=seed + i,
            ).dev_losses
            for i, (rate, units) in enumerate(zip(rates, hidden))
        ]
    )

    # Panda: one model, one keeper, one decision per day.
    model = TinyMLP(2, 8, seed=seed)
    rate = float(start_rate)
    last = model.loss(split.X_dev, split.Y_dev)
    panda_curve, panda_rates, rollbacks = [], [], []
    for _ in range(days):
        yesterday = copy.deepcopy(model)
        panda_rates.append(rate)
        for _ in range(epochs_per_day):
            model.train_epoch(split.X_train, split.Y_train, rate, 0.0, _MINI_BATCH)
            panda_curve.append(model.loss(split.X_dev, split.Y_dev))
        today = panda_curve[-1]
        if np.isfinite(today) and today < 1.03 * last:  # a good (or flat) day: keep it
            rollbacks.append(False)
            if today < 0.99 * last:  # clearly better: try twice as fast tomorrow
                rate *= 2.0
            last = today
        else:  # a bad day: back to yesterday's weights, half the step
            rollbacks.append(True)
            model, rate = yesterday, rate * 0.5
    return PandaCaviar(
        caviar_curves=curves,
        caviar_rates=rates,
        caviar_hidden=hidden,
        panda_curve=np.asarray(panda_curve),
        panda_rates=np.asarray(panda_rates),
        panda_rollbacks=np.asarray(rollbacks, dtype=bool),
        epochs_per_day=epochs_per_day,
    )


def view_panda_caviar(trained: PandaCaviar, machines: int, days: int) -> PandaCaviarView:
    """Select the first ``machines`` caviar models and the first ``days`` days (no training here)."""
    machines = require_int("machines", machines, 1, trained.caviar_curves.shape[0])
    days = require_int("days", days, 1, trained.days)
    stop = days * trained.epochs_per_day
    caviar = trained.caviar_curves[:machines, :stop]
    current = caviar[:, -1]
    finite = current[np.isfinite(current)]
    # The keeper holds yesterday's model after a roll-back: its loss is the end of the last kept day.
    kept = [d for d in range(days) if not trained.panda_rollbacks[d]]
    panda_now = float(trained.panda_curve[(kept[-1] + 1) * trained.epochs_per_day - 1]) if kept else float("nan")
    return PandaCaviarView(
        machines=machines,
        days=days,
        caviar_curves=caviar,
        caviar_best=float(finite.min()) if finite.size else float("nan"),
        panda_curve=trained.panda_curve[:stop],
        panda_now=panda_now,
    )


def _caviar_settings(random_search: Callable | None, n_models: int, seed: int):
    """``(settings, note)``: the caviar's settings drawn by the student's ``random_search``
    (``None``: spread evenly), and a sentence saying which."""
    if random_search is None:
        return (
            None,
            "The caviar's settings are spread evenly: pass your random_search to draw them.",
        )
    drawn, note = call_student(
        "random_search",
        lambda: np.asarray(random_search(CAVIAR_RANGES, n_models, np.random.default_rng(seed)), dtype=float),
    )
    if drawn is None:
        return None, note
    lows, highs = np.array(CAVIAR_RANGES).T
    if drawn.shape != (n_models, 2) or not np.all((drawn >= lows) & (drawn <= highs)):
        return (
            None,
            f"Your random_search returned shape {drawn.shape} or points outside the ranges.",
        )
    return drawn, "Your random_search drew the caviar's settings."


def _picked_run(pick_best_run: Callable | None, curves: np.ndarray, drawn_note: str):
    """``(index or None, note)``: the run the student's ``pick_best_run`` picks among ``curves``."""
    if pick_best_run is None:
        return None, f"<i>{html.escape(drawn_note)}</i>"
    index, problem = call_student("pick_best_run", lambda: int(pick_best_run(curves.copy())))
    if problem:
        return None, f"<i>{html.escape(problem)}</i>"
    note = f"<i>Your <code>pick_best_run</code> picks run {index} (bold, black). {html.escape(drawn_note)}</i>"
    return (index if 0 <= index < curves.shape[0] else None), note


class _PandaCaviarPicture(Picture):
    """Caviar curves coloured by learning rate (left), the babysat panda with its daily rates
    (right)."""

    def __init__(self, trained: PandaCaviar):
        super().__init__(figsize=(10.0, 4.2), ncols=2, sharey=True)
        ax_cav, ax_pan = self.axes
        self.trained, per_day = trained, trained.epochs_per_day
        n_models, days = trained.caviar_curves.shape[0], trained.panda_rates.size
        self.epochs = np.arange(1, days * per_day + 1)
        shade = ListedColormap(plt.get_cmap("plasma")(np.linspace(0.0, 0.9, 256)))  # no pale yellow
        norm = LogNorm(10.0 ** CAVIAR_RANGES[0][0], 10.0 ** CAVIAR_RANGES[0][1])
        self.rate_colours = [shade(norm(rate)) for rate in trained.caviar_rates]
        self.caviar_lines = [
            ax_cav.plot([], [], lw=1.0, color=self.rate_colours[i], alpha=0.8)[0] for i in range(n_models)
        ]
        self.crosses = ax_cav.scatter([], [], marker="x", s=50, color="black", zorder=4)
        self.panda_line = ax_pan.plot([], [], lw=2.2, color=PALETTE[2])[0]
        for ax in (ax_cav, ax_pan):
            ax.set_yscale("log")
            ax.set_ylim(0.05, 30)
            ax.set_xlim(0, days * per_day + 0.5)
            ax.set_xlabel(f"epoch ({per_day} per day)")
            for d in range(1, days):
                ax.axvline(d * per_day + 0.5, color="grey", lw=0.5, alpha=0.4)
        ax_cav.set_ylabel("dev loss")
        self.cav_title = ax_cav.set_title("caviar")  # placeholders: tight_layout leaves room for them
        self.pan_title = ax_pan.set_title("panda")
        self.rate_text = [
            ax_pan.text((d + 0.5) * per_day + 0.5, 14, "", ha="center", fontsize=7, color=PALETTE[3])
            for d in range(days)
        ]
        self.fig.tight_layout()
        legend_bar = ax_cav.inset_axes([0.52, 0.93, 0.45, 0.03])  # inside: the shared y axis keeps room
        self.fig.colorbar(ScalarMappable(norm, shade), cax=legend_bar, orientation="horizontal")
        legend_bar.tick_params(labelsize=7, length=2, pad=1)
        legend_bar.set_title("learning rate", fontsize=7, pad=2)
        self.note = widgets.HTML("")
        self.finish(
            (
                *self.caviar_lines,
                self.crosses,
                self.panda_line,
                *self.rate_text,
                self.cav_title,
                self.pan_title,
            ),
            tight=False,
        )

    def draw(self, shown: tuple[PandaCaviarView, int | None, str]) -> None:
        view, best, self.note.value = shown
        trained, epochs = self.trained, self.epochs
        stop = view.days * trained.epochs_per_day
        ends = []
        for i, line in enumerate(self.caviar_lines):
            visible = i < view.machines
            line.set_visible(visible)
            if visible:
                curve = view.caviar_curves[i]
                line.set_data(epochs[:stop], curve)
                line.set_color("black" if i == best else self.rate_colours[i])
                line.set_linewidth(2.6 if i == best else 1.0)
                line.set_alpha(1.0 if i == best else 0.8)
                finite = np.isfinite(curve)
                if not finite.all():  # diverged: a cross where the curve stops, never a silent gap
                    last = int(np.flatnonzero(finite)[-1]) if finite.any() else 0
                    ends.append((epochs[last], float(curve[last]) if finite.any() else 20.0))
        self.crosses.set_offsets(np.array(ends).reshape(-1, 2))
        self.panda_line.set_data(epochs[:stop], view.panda_curve)
        for d, text in enumerate(self.rate_text):
            mark = " (undo)" if trained.panda_rollbacks[d] else ""
            text.set_text(f"lr {trained.panda_rates[d]:.2g}{mark}" if d < view.days else "")
        self.cav_title.set_text(f"caviar: {view.machines} machine(s), best dev loss {view.caviar_best:.3f}")
        self.pan_title.set_text(f"panda: 1 machine, babysat, dev loss {view.panda_now:.3f}")


def show_panda_caviar(
    pick_best_run: Callable | None = None,
    random_search: Callable | None = None,
    *,
    n_models: int = 16,
    days: int = 8,
    seed: int = 1,
):
    """Caviar curves (left) beside the babysat panda (right); sliders for machines and days.

    Pass your ``pick_best_run`` to have the caviar run it picks drawn in bold, and your
    ``random_search`` to have it choose the caviar's settings (log10 learning rate and log2 hidden
    units in ``CAVIAR_RANGES``). Caviar curves are coloured by learning rate; a cross marks where a
    run diverged. Returns the widget.
    """
    settings, drawn_note = _caviar_settings(random_search, n_models, seed)
    trained = compute_panda_caviar(n_models=n_models, days=days, seed=seed, settings=settings)

    def compute(machines: int, day: int):
        view = view_panda_caviar(trained, machines, day)
        return (view, *_picked_run(pick_best_run, view.caviar_curves, drawn_note))

    machines = widgets.IntSlider(value=n_models, min=1, max=n_models, description="machines")
    day = widgets.IntSlider(value=days, min=1, max=days, description="day")
    picture = _PandaCaviarPicture(trained)
    return live_widget(
        {"machines": machines, "day": day},
        compute,
        picture,
        [widgets.HBox([machines, day]), picture.note, picture.widget],
    )
