"""Notebook 02's log sampler: the same random draws spread linearly and log-uniformly over a range.

``compute_log_samples`` turns one set of uniform draws ``u`` in ``[0, 1)`` into two samples of
``[low, high]``: ``low + (high - low) * u`` (the number line) and ``low * (high / low) ** u`` (equal room
for every power of ten). Histograms on a linear and on a log axis show where each lands; the per-decade
bars come from the student's ``decade_counts``, passed in as ``counter``, so the picture checks their code.
``show_log_sampler`` wires an exponent-range slider and a sample-count slider to it.

The mapping of ``u`` here serves the picture only: it takes fixed draws, not a range and a generator, and
is no substitute for the notebook's ``sample_log_uniform`` exercise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from course.arguments import require_int
from course.plots import PALETTE
from course.widgets.live_figure import nice_limit
from course.widgets.live_widget import Picture, live_widget, note_text
from course.widgets.student_code import call_student

__all__ = ["LogSamples", "compute_log_samples", "paired_stairs", "show_log_sampler"]

SAMPLE_COUNTS = (100, 300, 1_000, 3_000, 10_000)


@dataclass(frozen=True)
class LogSamples:
    """Everything the log sampler draws, for one range and one sample size.

    ``linear`` / ``logarithmic``: ``(n,)`` samples; entry i of both comes from the same uniform draw.
    ``lin_edges`` / ``log_edges``: ``(bins + 1,)`` bin edges, equal widths on a linear / a log axis.
    ``lin_hist`` / ``log_hist``: ``(2, bins)`` counts, row 0 the linear samples, row 1 the log-uniform ones.
    ``decade_edges``: ``(k + 1,)`` powers of ten bounding the ``k`` decades the range touches.
    ``decades``: ``(2, k)`` int counts from the student's ``decade_counts`` (same rows), or ``None``.
    ``top_share``: ``(2,)`` share of each sample in the top decade ``[high / 10, high]``.
    ``bottom_share``: ``(2,)`` share of each sample in the bottom decade ``[low, 10 * low]``.
    ``note``: why ``decades`` is missing (empty when it is there).
    """

    low: float
    high: float
    linear: np.ndarray
    logarithmic: np.ndarray
    lin_edges: np.ndarray
    lin_hist: np.ndarray
    log_edges: np.ndarray
    log_hist: np.ndarray
    decade_edges: np.ndarray
    decades: np.ndarray | None
    top_share: np.ndarray
    note: str
    bottom_share: np.ndarray


def _validate(low: float, high: float, n: int, bins: int) -> None:
    if not (np.isfinite(low) and np.isfinite(high)) or not 0 < low < high:
        raise ValueError(f"the range must satisfy 0 < low < high, got low={low!r}, high={high!r}.")
    require_int("n", n, 1)
    require_int("bins", bins, 1)


def compute_log_samples(
    low: float,
    high: float,
    n: int,
    *,
    seed: int = 0,
    counter: Callable | None = None,
    bins: int = 40,
) -> LogSamples:
    """Draw ``n`` uniforms once and spread them over ``[low, high]`` both ways (see the module docstring).

    ``counter(samples, low, high)`` is the student's ``decade_counts``; when it is missing, not written yet
    or fails, ``decades`` is ``None`` and ``note`` says what to do.
    """
    _validate(low, high, n, bins)
    u = np.random.default_rng(seed).random(n)
    linear = low + (high - low) * u
    logarithmic = np.clip(low * (high / low) ** u, low, high)  # clip: rounding must not leave the range

    lin_edges = np.linspace(low, high, bins + 1)
    log_edges = np.geomspace(low, high, bins + 1)
    lin_hist = np.stack([np.histogram(s, bins=lin_edges)[0] for s in (linear, logarithmic)])
    log_hist = np.stack([np.histogram(s, bins=log_edges)[0] for s in (linear, logarithmic)])

    first, last = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))
    decade_edges = 10.0 ** np.arange(first, max(last, first + 1) + 1)
    top = np.array([np.mean(s >= high / 10) for s in (linear, logarithmic)])
    bottom = np.array([np.mean(s <= low * 10) for s in (linear, logarithmic)])

    decades, note = None, ""
    if counter is None:
        note = "Pass your decade_counts to see how many samples land in each decade."
    else:
        results, note = call_student(
            "decade_counts",
            lambda: [np.asarray(counter(s, low, high)) for s in (linear, logarithmic)],
        )
        if results is not None:
            k = decade_edges.size - 1
            if any(r.shape != (k,) for r in results):
                note = (
                    f"Your decade_counts returned shape {results[0].shape} for [{low:.3g}, {high:.3g}], "
                    f"which touches {k} decades: expected ({k},)."
                )
            else:
                decades = np.stack(results)
    return LogSamples(
        float(low),
        float(high),
        linear,
        logarithmic,
        lin_edges,
        lin_hist,
        log_edges,
        log_hist,
        decade_edges,
        decades,
        top,
        note,
        bottom,
    )


def paired_stairs(ax, heights, edges, colours, labels=(None, None), *, outline_first=False) -> list:
    """Two step histograms on ``ax`` from ``heights`` ``(2, k)`` over ``edges`` ``(k + 1,)``, half
    transparent (the first one a bold outline with ``outline_first``), to move with ``set_data``."""
    return [
        ax.stairs(
            heights[i],
            edges,
            fill=not (outline_first and i == 0),
            alpha=1.0 if outline_first and i == 0 else 0.55,
            lw=2 if outline_first else None,
            color=colours[i],
            label=labels[i],
        )
        for i in range(2)
    ]


class _LogSamplerPicture(Picture):
    """Three panels: histograms on a linear and on a log axis, and the student's per-decade bars.

    Bars show shares of the sample (not counts), so the y limits do not move with the sample size
    and only the bars and texts are redrawn when the sample-count slider moves."""

    def __init__(self, seed: int):
        super().__init__(figsize=(12, 3.6), ncols=3)
        ax_lin, ax_log, ax_dec = self.axes
        labels = ("uniform on the number line", "log-uniform (uniform exponent)")
        colours = (PALETTE[1], PALETTE[0])
        start = compute_log_samples(1e-4, 1.0, 10, seed=seed)  # placeholder data until the first draw
        self.lin_bars = paired_stairs(ax_lin, start.lin_hist, start.lin_edges, colours, labels)
        self.log_bars = paired_stairs(ax_log, start.log_hist, start.log_edges, colours)
        empty = np.zeros((2, start.decade_edges.size - 1))
        self.dec_bars = paired_stairs(ax_dec, empty, start.decade_edges, colours, outline_first=True)
        ax_lin.set_title("histogram, linear axis")
        ax_log.set_title("histogram, log axis")
        ax_dec.set_title("per decade (your decade_counts)")
        for ax in (ax_log, ax_dec):
            ax.set_xscale("log")
        for ax in (ax_lin, ax_log, ax_dec):
            ax.set_xlabel("sampled value")
        ax_lin.set_ylabel("share of the samples per bin")
        ax_dec.set_ylabel("share of the samples")
        ax_lin.legend(loc="upper right", fontsize=8)
        self.note = note_text(ax_dec)
        self.share = ax_log.text(0.03, 0.97, "", transform=ax_log.transAxes, va="top", fontsize=8)
        self.finish([*self.lin_bars, *self.log_bars, *self.dec_bars, self.note, self.share])

    def draw(self, data: LogSamples) -> None:
        ax_lin, ax_log, ax_dec = self.axes
        low, high, n = data.low, data.high, data.linear.size
        for i in range(2):
            self.lin_bars[i].set_data(data.lin_hist[i] / n, data.lin_edges)
            self.log_bars[i].set_data(data.log_hist[i] / n, data.log_edges)
        ax_lin.set_xlim(low, high)
        ax_lin.set_ylim(0, nice_limit(1.1 * data.lin_hist.max() / n))
        ax_log.set_xlim(low, high)
        ax_log.set_ylim(0, nice_limit(1.25 * data.log_hist.max() / n))  # room for the text at the top
        ax_dec.set_xlim(data.decade_edges[0], data.decade_edges[-1])
        heights = data.decades if data.decades is not None else np.zeros((2, data.decade_edges.size - 1))
        for i in range(2):
            self.dec_bars[i].set_data(heights[i] / n, data.decade_edges)
        ax_dec.set_ylim(0, nice_limit(1.1 * max(1, heights.max()) / n))
        self.note.set_text(data.note)
        self.note.set_visible(bool(data.note))
        self.share.set_text(
            f"top decade [{high / 10:.2g}, {high:.2g}]: uniform {100 * data.top_share[0]:.0f}%, "
            f"log {100 * data.top_share[1]:.0f}%\n"
            f"bottom decade [{low:.2g}, {10 * low:.2g}]: uniform {100 * data.bottom_share[0]:.1f}%, "
            f"log {100 * data.bottom_share[1]:.0f}%"
        )


def show_log_sampler(decade_counts: Callable | None = None, *, seed: int = 0):
    """The interactive log sampler: an exponent-range slider, a sample-count slider and three panels.

    ``decade_counts`` is the student's function (the bars stay empty, with a note, until it works).
    Returns the ``ipywidgets.VBox`` to display; its first two children are the two sliders.
    """
    exponents = widgets.FloatRangeSlider(
        value=(-4.0, 0.0),
        min=-6.0,
        max=2.0,
        step=1.0,
        description="log10 range",
        continuous_update=False,
        readout_format=".1f",
        layout=widgets.Layout(width="420px"),
        style={"description_width": "initial"},
    )
    count = widgets.SelectionSlider(
        options=list(SAMPLE_COUNTS),
        value=1_000,
        description="samples",
        continuous_update=False,
    )

    def compute(exponents, count) -> LogSamples:
        low, high = 10.0 ** exponents[0], 10.0 ** exponents[1]
        if high <= low:  # both handles on the same tick: widen to one decade
            high = low * 10.0
        return compute_log_samples(low, high, count, seed=seed, counter=decade_counts)

    controls = {"exponents": exponents, "count": count}
    return live_widget(controls, compute, _LogSamplerPicture(seed))
