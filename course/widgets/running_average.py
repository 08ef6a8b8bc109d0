"""Notebook 04's running-average visualizer: a batch-norm running mean chasing noisy mini-batch means.

``compute_running_average`` draws mini-batches from the values one hidden unit takes over a training set
(its pre-activations ``z``), takes each batch's mean and biased variance, and feeds them step by step to the
student's ``update_running_average`` starting from the contract's zeros (mean) and ones (variance). It also
returns what bias correction would make of the same averages and how much weight each batch, and the
starting value, still holds at the last step. ``show_running_average`` wires a momentum slider and a
batch-size slider to it.

``values`` may be one row (the unit at fixed weights) or several rows, snapshots of the unit while the
network trained, spread evenly over the steps: then the population itself drifts, as it does in training.

The running variance averages *biased* batch variances, each on average ``(m - 1) / m`` of the population's
variance for batches of ``m``: no window removes that factor, so the widget also draws ``(m - 1) / m`` times
the population's variance, where the running variance settles (``biased_target``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from course.arguments import require_int
from course.plots import PALETTE
from course.widgets.live_widget import Picture, live_widget, note_text
from course.widgets.student_code import call_student

__all__ = [
    "BATCH_SIZES",
    "MOMENTUM_TICKS",
    "RunningAverage",
    "batch_statistics_stream",
    "caption_text",
    "compute_running_average",
    "show_running_average",
]

MOMENTUM_TICKS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)


@dataclass(frozen=True)
class RunningAverage:
    """What the running-average panels draw, for one momentum and one batch size.

    ``batch_means`` / ``batch_vars``: ``(steps,)`` statistics of each mini-batch (biased variance).
    ``population_mean`` / ``population_var``: ``(steps,)`` the same over the whole training set at each step
    (constant unless ``values`` held snapshots).
    ``running_mean`` / ``running_var``: ``(steps,)`` after each step, from the student's function starting at
    0 and 1, or ``None`` while it is missing or broken. ``corrected_mean`` / ``corrected_var``: the same with
    bias correction, ``(r_t - momentum**t * start) / (1 - momentum**t)``, or ``None``.
    ``batch_weights``: ``(steps,)`` the weight ``(1 - momentum) * momentum**(T - t)`` batch ``t`` holds in the
    last running value; ``start_weight``: ``momentum**T``, what the zeros / ones start still holds.
    ``window``: ``1 / (1 - momentum)`` batches (``inf`` for momentum 1). ``note``: what is missing and why.
    ``biased_target``: ``(steps,)`` ``(m - 1) / m * population_var``, what a biased batch variance is on
    average (batches drawn independently), so where the running variance settles, however long the window.
    """

    momentum: float
    batch_size: int
    window: float
    batch_means: np.ndarray
    batch_vars: np.ndarray
    population_mean: np.ndarray
    population_var: np.ndarray
    running_mean: np.ndarray | None
    running_var: np.ndarray | None
    corrected_mean: np.ndarray | None
    corrected_var: np.ndarray | None
    batch_weights: np.ndarray
    start_weight: float
    note: str
    biased_target: np.ndarray


def _as_snapshots(values) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] < 1 or not np.all(np.isfinite(array)):
        raise ValueError(f"values must be a finite (m,) or (snapshots, m) array, got shape {array.shape}.")
    return array


def batch_statistics_stream(values, batch_size: int, steps: int, *, seed: int = 0):
    """Mean and biased variance of ``steps`` shuffled mini-batches of ``values``, and of the population.

    The examples are reshuffled every epoch and cut into batches of ``batch_size`` (a last, smaller batch
    is dropped), as training does. With snapshot rows, step ``t`` draws from row ``t * rows // steps``.
    Returns four ``(steps,)`` arrays: batch means, batch variances, population means, population variances.
    """
    snapshots = _as_snapshots(values)
    rows, m = snapshots.shape
    require_int("batch_size", batch_size, 1, m)
    require_int("steps", steps, 1)
    rng = np.random.default_rng(seed)
    per_epoch = m // batch_size
    epochs = -(-steps // per_epoch)
    order = np.concatenate([rng.permutation(m)[: per_epoch * batch_size] for _ in range(epochs)])
    batches = order[: steps * batch_size].reshape(steps, batch_size)
    row = np.arange(steps) * rows // steps
    drawn = snapshots[row[:, None], batches]
    return drawn.mean(axis=1), drawn.var(axis=1), snapshots.mean(axis=1)[row], snapshots.var(axis=1)[row]


def compute_running_average(
    values,
    momentum: float,
    batch_size: int,
    *,
    steps: int = 200,
    seed: int = 0,
    update: Callable | None = None,
) -> RunningAverage:
    """Run the student's ``update(running, batch_value, momentum)`` over ``steps`` mini-batches of ``values``.

    The mean and the variance are averaged together, as one ``(2,)`` array starting at ``[0, 1]``.
    """
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum must be between 0 and 1, got {momentum!r}.")
    means, variances, pop_mean, pop_var = batch_statistics_stream(values, batch_size, steps, seed=seed)
    t = np.arange(1, steps + 1)
    decay = momentum**t  # what the start still holds after t steps
    window = np.inf if momentum == 1.0 else 1.0 / (1.0 - momentum)

    running = corrected = None
    if update is None:
        note = "Pass your update_running_average to see the running mean."
    else:
        history, note = call_student("update_running_average", lambda: _run(update, means, variances, momentum))
        if history is not None:
            running = history
            with np.errstate(divide="ignore", invalid="ignore"):
                corrected = (history - decay[:, None] * np.array([0.0, 1.0])) / (1.0 - decay[:, None])
            if momentum == 1.0:
                corrected = None  # nothing was ever learned: there is nothing to correct
    return RunningAverage(
        float(momentum),
        int(batch_size),
        float(window),
        means,
        variances,
        pop_mean,
        pop_var,
        None if running is None else running[:, 0],
        None if running is None else running[:, 1],
        None if corrected is None else corrected[:, 0],
        None if corrected is None else corrected[:, 1],
        (1.0 - momentum) * momentum ** (steps - t),
        float(decay[-1]),
        note,
        (batch_size - 1) / batch_size * pop_var,
    )


def _run(update: Callable, means: np.ndarray, variances: np.ndarray, momentum: float) -> np.ndarray:
    running = np.array([0.0, 1.0])
    history = np.empty((means.size, 2))
    for step, batch in enumerate(np.column_stack([means, variances])):
        running = np.asarray(update(running, batch, momentum), dtype=float)
        if running.shape != (2,):
            raise ValueError(f"it returned shape {running.shape} for a running value of shape (2,)")
        history[step] = running
    return history


def caption_text(data: RunningAverage) -> str:
    """The line above the panels: the averaging window and what the start still weighs."""
    window = "infinite: the average never moves" if np.isinf(data.window) else f"about {data.window:.3g} batches"
    return (
        f"momentum {data.momentum:g}: window 1 / (1 - momentum) = <b>{window}</b>; batches of "
        f"{data.batch_size}; after {data.batch_means.size} steps the zeros / ones start still holds "
        f"<b>{100 * data.start_weight:.2g}%</b> of the running values; a biased batch variance is on average "
        f"(m - 1) / m = <b>{(data.batch_size - 1) / data.batch_size:.3g}</b> of the population's"
    )


def _limits(values, steps: int, seed: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Fixed y limits for the mean and variance panels (fixed, so that only the data needs redrawing).

    The mean panel spans the values themselves (a batch of one is a single value) and 0, where the running
    mean starts; the variance panel spans 0 to what small batches reach, and 1, where the variance starts.
    """
    snapshots = _as_snapshots(values)
    low, high = np.percentile(snapshots, [1, 99])
    low, high = min(low, 0.0), max(high, 0.0)
    _, small_batch_vars, _, pop_var = batch_statistics_stream(values, min(4, snapshots.shape[1]), steps, seed=seed)
    top = max(1.0, float(np.percentile(small_batch_vars, 98)), 1.2 * float(pop_var.max()))
    pad = 0.05 * (high - low)
    return (float(low - pad), float(high + pad)), (-0.03 * top, 1.05 * top)


class _RunningAveragePicture(Picture):
    """Three small panels: batch means and variances with the running averages over them, and the
    weight each batch keeps in the last value; a caption under the sliders says what they show."""

    def __init__(self, values, steps: int, seed: int):
        super().__init__(
            figsize=(11, 3.0),
            ncols=3,
            dpi=72,
            style={"font.size": 8, "axes.titlesize": 8.5, "axes.labelsize": 8},
        )
        ax_mean, ax_var, ax_weight = self.axes
        mean_limits, var_limits = _limits(values, steps, seed)
        self.x = x = np.arange(1, steps + 1)
        zeros = np.zeros(steps)
        self.panels, animated = [], []
        for ax, what, limits in ((ax_mean, "mean", mean_limits), (ax_var, "variance", var_limits)):
            dots = ax.scatter(x, zeros, s=5, color=PALETTE[5], alpha=0.7, label=f"batch {what}")
            (population,) = ax.plot(x, zeros, color="black", lw=1, ls=":", label="all examples")
            (running,) = ax.plot(x, zeros, color=PALETTE[0], lw=1.8, label="running average (yours)")
            (corrected,) = ax.plot(x, zeros, color=PALETTE[3], lw=1.1, ls="--", label="bias-corrected")
            span = ax.axvspan(0, 10, color=PALETTE[1], alpha=0.15, lw=0, label="first window")
            ax.set(xlim=(0, steps), ylim=limits, xlabel="training step")
            self.panels.append((dots, population, running, corrected, span))
            animated += [dots, population, running, corrected, span]
        (self.biased,) = ax_var.plot(x, zeros, color=PALETTE[2], lw=1.1, ls="-.", label="(m - 1) / m of all examples")
        ax_mean.set_title("mean of one hidden unit")
        ax_var.set_title("its variance (biased)")
        ax_var.legend(loc="upper right", fontsize=7, ncol=2)
        (self.weights,) = ax_weight.plot(x, zeros + 1e-3, color=PALETTE[0], lw=1.8)
        self.fill = ax_weight.fill_between(x, 1e-6, zeros + 1e-3, color=PALETTE[0], alpha=0.2)
        (self.start,) = ax_weight.plot([0], [1e-3], "s", color=PALETTE[3], ms=6)
        ax_weight.set(
            xlim=(-6, steps),
            ylim=(1e-5, 1.5),
            yscale="log",
            xlabel="training step",
            title="weight of each batch in the last value",
        )
        ax_weight.text(
            0.03,
            0.95,
            "\u25a0 weight left on the zeros / ones start",
            transform=ax_weight.transAxes,
            va="top",
            fontsize=8,
            color=PALETTE[3],
        )
        self.note = note_text(ax_mean, fontsize=8)
        self.caption = widgets.HTML()
        self.finish(animated + [self.biased, self.weights, self.fill, self.start, self.note])

    def draw(self, data: RunningAverage) -> None:
        x, steps = self.x, self.x.size
        series = (
            (data.batch_means, data.population_mean, data.running_mean, data.corrected_mean),
            (data.batch_vars, data.population_var, data.running_var, data.corrected_var),
        )
        for (dots, population, running, corrected, span), (batch, pop, run, corr) in zip(self.panels, series):
            dots.set_offsets(np.column_stack([x, batch]))
            population.set_ydata(pop)
            for line, y in ((running, run), (corrected, corr)):
                line.set_visible(y is not None)
                if y is not None:
                    line.set_ydata(y)
            span.set_x(0)
            span.set_width(min(data.window, steps))
        self.biased.set_ydata(data.biased_target)
        self.caption.value = caption_text(data)
        self.weights.set_ydata(np.maximum(data.batch_weights, 1e-6))
        self.fill.set_data(x, 1e-6, np.maximum(data.batch_weights, 1e-6))
        self.start.set_ydata([max(data.start_weight, 1e-6)])
        self.note.set_text(data.note)
        self.note.set_visible(bool(data.note))


def show_running_average(values, update: Callable | None = None, *, steps: int = 200, seed: int = 0):
    """The interactive running average: momentum and batch-size sliders over three small panels.

    ``values``: one hidden unit's pre-activations over the training set (``(m,)``, or snapshot
    rows).
    ``update``: the student's ``update_running_average``. Returns the ``ipywidgets.VBox`` to
    display; its first two children are the sliders.
    """
    m = _as_snapshots(values).shape[1]
    momentum = widgets.SelectionSlider(
        options=list(MOMENTUM_TICKS),
        value=0.9,
        description="momentum",
        continuous_update=False,
        layout=widgets.Layout(width="420px"),
    )
    batch = widgets.SelectionSlider(
        options=[b for b in BATCH_SIZES if b <= m],
        value=min(32, m),
        description="batch size",
        continuous_update=False,
        layout=widgets.Layout(width="420px"),
    )

    def compute(momentum, batch) -> RunningAverage:
        return compute_running_average(values, momentum, batch, steps=steps, seed=seed, update=update)

    picture = _RunningAveragePicture(values, steps, seed)
    controls = {"momentum": momentum, "batch": batch}
    return live_widget(controls, compute, picture, [momentum, batch, picture.caption, picture.widget])
