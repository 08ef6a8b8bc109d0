"""Notebook 02's beta sampler: where momentum samples land once read as averaging windows.

``compute_beta_samples`` draws ``beta`` uniformly between ``low`` and ``high`` (the tempting way) and asks
the student's ``sample_beta`` for a second sample (the way the notebook teaches); the student's
``effective_window`` turns every sample into the number of values an exponentially weighted average
roughly covers, ``1 / (1 - beta)``, and their ``decade_counts`` counts the windows per decade (exercises
2 to 4 in one picture). Histograms of ``beta`` and of the window (log axis), and the windows per decade, show
that uniform ``beta`` crowds the short windows.
``show_beta_sampler`` wires a range slider over typical ``beta`` values to it.
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
from course.widgets.log_sampler import paired_stairs
from course.widgets.student_code import call_student

__all__ = ["BETA_TICKS", "BetaSamples", "compute_beta_samples", "show_beta_sampler"]

# The values a person actually types for momentum / EWA beta, as slider stops.
BETA_TICKS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999)
SAMPLE_COUNTS = (100, 300, 1_000, 3_000, 10_000)


@dataclass(frozen=True)
class BetaSamples:
    """Everything the beta sampler draws, for one range and one sample size.

    ``uniform`` / ``student``: ``(n,)`` samples of beta, the second from the student's ``sample_beta``
    (``None`` until it works). ``windows``: ``(2, n)`` averaging windows of both (row 1 NaN when missing),
    or ``None`` until ``effective_window`` works. ``beta_edges`` / ``window_edges``: ``(bins + 1,)`` edges,
    linear in beta, log-spaced in window. ``beta_hist`` / ``window_hist``: ``(2, bins)`` counts (row 0
    uniform, row 1 student).
    ``in_top_tenth``: ``(2,)`` share of each sample in the ten-times-longest windows ``[w_high / 10, w_high]``.
    ``decade_edges``: ``(k + 1,)`` powers of ten bounding the decades of windows ``[w_low, w_high]`` touches;
    ``window_decades``: ``(2, k)`` the student's ``decade_counts`` of each sample's windows (row 1 zeros when
    ``sample_beta`` is missing), or ``None`` until ``decade_counts`` and ``effective_window`` work.
    ``note``: what is missing and why (empty when everything is drawn).
    """

    low: float
    high: float
    uniform: np.ndarray
    student: np.ndarray | None
    windows: np.ndarray | None
    beta_edges: np.ndarray
    beta_hist: np.ndarray
    window_edges: np.ndarray
    window_hist: np.ndarray
    in_top_tenth: np.ndarray
    note: str
    decade_edges: np.ndarray | None = None
    window_decades: np.ndarray | None = None


def _validate(low: float, high: float, n: int, bins: int) -> None:
    if not (np.isfinite(low) and np.isfinite(high)) or not 0 <= low < high < 1:
        raise ValueError(f"beta's range must satisfy 0 <= low < high < 1, got low={low!r}, high={high!r}.")
    require_int("n", n, 1)
    require_int("bins", bins, 1)


def compute_beta_samples(
    low: float,
    high: float,
    n: int,
    *,
    seed: int = 0,
    sampler: Callable | None = None,
    window: Callable | None = None,
    counter: Callable | None = None,
    bins: int = 40,
) -> BetaSamples:
    """Sample ``beta`` in ``[low, high]`` uniformly and with ``sampler``, and measure both with ``window``.

    ``sampler(low, high, n, rng)`` is the student's ``sample_beta`` and ``window(beta)`` their
    ``effective_window``; ``counter(samples, low, high)`` is their ``decade_counts``, applied to the windows
    over ``[1 / (1 - low), 1 / (1 - high)]``. Each may be missing, unfinished or wrong, which ``note`` explains.
    """
    _validate(low, high, n, bins)
    rng = np.random.default_rng(seed)
    uniform = rng.uniform(low, high, n)
    notes = []

    student = None
    if sampler is None:
        notes.append("Pass your sample_beta to compare it with uniform beta.")
    else:
        drawn, note = call_student("sample_beta", lambda: np.asarray(sampler(low, high, n, rng), dtype=float))
        if drawn is not None and drawn.shape != (n,):
            note = f"Your sample_beta returned shape {drawn.shape}, expected ({n},)."
        elif drawn is not None:
            student = drawn
        notes.append(note)

    windows = None
    if window is None:
        notes.append("Pass your effective_window to see the averaging windows.")
    else:
        both = uniform if student is None else np.concatenate([uniform, student])
        values, note = call_student("effective_window", lambda: np.asarray(window(both), dtype=float))
        if values is not None and values.shape != both.shape:
            values, note = None, f"Your effective_window turned {both.shape} betas into shape {values.shape}."
        if values is not None:
            windows = np.full((2, n), np.nan)
            windows[0] = values[:n]
            if student is not None:
                windows[1] = values[n:]
        notes.append(note)

    beta_edges = np.linspace(low, high, bins + 1)
    w_low, w_high = 1.0 / (1.0 - low), 1.0 / (1.0 - high)  # the axis of the true window, for reference
    window_edges = np.geomspace(w_low, w_high, bins + 1)
    beta_hist = np.zeros((2, bins), dtype=int)
    window_hist = np.zeros((2, bins), dtype=int)
    in_top = np.full(2, np.nan)
    for row, betas in enumerate((uniform, student)):
        if betas is None:
            continue
        beta_hist[row] = np.histogram(betas[np.isfinite(betas)], bins=beta_edges)[0]
        if windows is not None:
            finite = windows[row][np.isfinite(windows[row])]
            window_hist[row] = np.histogram(finite, bins=window_edges)[0]
            in_top[row] = np.mean(windows[row] >= w_high / 10)
    first, last = int(np.floor(np.log10(w_low))), int(np.ceil(np.log10(w_high)))
    decade_edges = 10.0 ** np.arange(first, max(last, first + 1) + 1)
    window_decades = None
    if counter is not None and windows is not None:
        rows = [windows[row] for row in range(2) if np.isfinite(windows[row]).all()]
        counted, note = call_student(
            "decade_counts", lambda: [np.asarray(counter(np.clip(w, w_low, w_high), w_low, w_high)) for w in rows]
        )
        k = decade_edges.size - 1
        if counted is not None and any(c.shape != (k,) for c in counted):
            note = f"Your decade_counts returned shape {counted[0].shape} for {k} decades of windows."
        elif counted is not None:
            window_decades = np.zeros((2, k))
            window_decades[: len(counted)] = np.stack(counted)
        notes.append(note)
    return BetaSamples(
        float(low),
        float(high),
        uniform,
        student,
        windows,
        beta_edges,
        beta_hist,
        window_edges,
        window_hist,
        in_top,
        " ".join(n for n in notes if n),
        decade_edges,
        window_decades,
    )


class _BetaSamplerPicture(Picture):
    """Three panels: beta on a linear axis, its averaging window on a log axis, windows per decade.

    Shares, not counts, on the y axes: their limits stay put when the sample size changes, so a move
    of the samples slider redraws only the bars and texts."""

    def __init__(self, seed: int):
        super().__init__(figsize=(12, 3.6), ncols=3)
        ax_beta, ax_win, ax_draws = self.axes
        labels = ("beta uniform in [low, high]", "your sample_beta")
        colours = (PALETTE[1], PALETTE[0])
        start = compute_beta_samples(0.9, 0.999, 10, seed=seed)  # placeholder data until the first draw
        self.beta_bars = paired_stairs(ax_beta, start.beta_hist, start.beta_edges, colours, labels)
        self.win_bars = paired_stairs(ax_win, start.window_hist, start.window_edges, colours)
        edges = [1.0, 10.0, 100.0]
        self.dec_bars = paired_stairs(ax_draws, np.zeros((2, 2)), edges, colours, outline_first=True)
        ax_beta.set(title="beta, linear axis", xlabel="beta", ylabel="share of the samples per bin")
        ax_win.set(title="averaging window 1/(1-beta), log axis", xlabel="window (values averaged)")
        ax_draws.set(
            title="windows per decade (your decade_counts)",
            xlabel="window (values averaged)",
            ylabel="share of the samples",
        )
        ax_win.set_xscale("log")
        ax_draws.set_xscale("log")
        ax_beta.legend(loc="upper left", fontsize=8)
        self.note = note_text(ax_draws)
        self.share = ax_win.text(0.03, 0.97, "", transform=ax_win.transAxes, va="top", fontsize=9)
        self.finish([*self.beta_bars, *self.win_bars, *self.dec_bars, self.note, self.share])

    def draw(self, data: BetaSamples) -> None:
        ax_beta, ax_win, ax_draws = self.axes
        n = data.uniform.size
        for i in range(2):
            self.beta_bars[i].set_data(data.beta_hist[i] / n, data.beta_edges)
            self.win_bars[i].set_data(data.window_hist[i] / n, data.window_edges)
        ax_beta.set_xlim(data.low, data.high)
        ax_beta.set_ylim(0, nice_limit(1.1 * max(1, data.beta_hist.max()) / n))
        ax_win.set_xlim(data.window_edges[0], data.window_edges[-1])
        ax_win.set_ylim(0, nice_limit(1.3 * max(1, data.window_hist.max()) / n))  # room for the text
        heights = data.window_decades if data.window_decades is not None else np.zeros((2, data.decade_edges.size - 1))
        for i in range(2):
            self.dec_bars[i].set_data(heights[i] / n, data.decade_edges)
        ax_draws.set_xlim(data.decade_edges[0], data.decade_edges[-1])
        ax_draws.set_ylim(0, nice_limit(1.1 * max(1, heights.max()) / n))
        self.note.set_text(data.note)
        self.note.set_visible(bool(data.note))
        if np.isfinite(data.in_top_tenth).any():
            parts = [
                f"{name} {100 * v:.0f}%" for name, v in zip(("uniform", "yours"), data.in_top_tenth) if np.isfinite(v)
            ]
            longest = 1 / (1 - data.high) / 10
            self.share.set_text(f"windows of {longest:.3g} values or more:\n  " + ", ".join(parts))
        else:
            self.share.set_text("")


def show_beta_sampler(
    sample_beta: Callable | None = None,
    effective_window: Callable | None = None,
    decade_counts: Callable | None = None,
    *,
    seed: int = 0,
):
    """The interactive beta sampler: a beta-range slider, a sample-count slider and three panels.

    Takes the student's ``sample_beta``, ``effective_window`` and ``decade_counts`` (the third panel
    counts the windows per decade); what they cannot draw yet is left empty with a note. Returns the
    ``ipywidgets.VBox`` to display; its first two children are the sliders.
    """
    beta_range = widgets.SelectionRangeSlider(
        options=[(f"{b:g}", b) for b in BETA_TICKS],
        index=(3, 8),
        description="beta range",
        continuous_update=False,
        layout=widgets.Layout(width="480px"),
    )
    count = widgets.SelectionSlider(
        options=list(SAMPLE_COUNTS),
        value=1_000,
        description="samples",
        continuous_update=False,
    )

    def compute(beta_range, count) -> BetaSamples:
        return compute_beta_samples(
            *beta_range,
            count,
            seed=seed,
            sampler=sample_beta,
            window=effective_window,
            counter=decade_counts,
        )

    controls = {"beta_range": beta_range, "count": count}
    return live_widget(controls, compute, _BetaSamplerPicture(seed))
