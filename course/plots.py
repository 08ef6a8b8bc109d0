"""The course's figure style and the plotting helpers several notebooks share.

Every function takes an optional ``ax`` and returns the ``Axes`` it drew on, so notebooks can compose
figures and tests can inspect what was drawn without a display. Notebook-specific pictures live next to
the visualizer that needs them in ``course.widgets``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import matplotlib.ticker
import numpy as np

__all__ = [
    "PALETTE",
    "course_style",
    "apply_style",
    "axes_or_new",
    "plot_learning_curves",
    "plot_points_2d",
    "plot_heatmap",
    "plot_scores_by_hyperparameter",
    "plot_sweep_spans",
]

# Colour-blind-safe (Okabe-Ito), in the order series are drawn.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def course_style() -> dict:
    """Matplotlib rc settings shared by every figure in the course."""
    return {
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 100,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "legend.frameon": False,
        "font.size": 10,
    }


def apply_style() -> None:
    """Use the course style for the rest of the session (called by each notebook's setup cell)."""
    matplotlib.rcParams.update(course_style())


def axes_or_new(ax=None, figsize: tuple[float, float] | None = None):
    """``ax`` itself, or the axes of a new figure drawn in the course style."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(course_style()):
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_learning_curves(
    curves: np.ndarray | Sequence[Sequence[float]],
    *,
    labels: Sequence[str] | None = None,
    highlight: int | None = None,
    ylabel: str = "dev loss",
    log_y: bool = False,
    ax=None,
):
    """One line per run (rows of ``curves``, epochs along the x axis); ``highlight`` draws one run bold.

    Runs that diverged (non-finite values) are drawn up to their last finite epoch and marked with a cross.
    """
    ax = axes_or_new(ax)
    curves = np.atleast_2d(np.asarray(curves, dtype=float))
    epochs = np.arange(1, curves.shape[1] + 1)
    for i, curve in enumerate(curves):
        finite = np.isfinite(curve)
        emphasised = highlight is not None and i == highlight
        kwargs = {
            "lw": 2.6 if emphasised else 1.0,
            "alpha": 1.0 if emphasised or highlight is None else 0.45,
            "color": PALETTE[3] if emphasised else PALETTE[i % len(PALETTE)] if labels else PALETTE[0],
            "label": labels[i] if labels else None,
            "zorder": 3 if emphasised else 2,
        }
        ax.plot(epochs[finite], curve[finite], **kwargs)
        if not finite.all() and finite.any():
            last = int(np.flatnonzero(finite)[-1])
            ax.plot(epochs[last], curve[last], marker="x", color="black", ms=6, zorder=4)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    if log_y:
        ax.set_yscale("log")
    if labels:
        ax.legend(fontsize=8)
    return ax


def plot_points_2d(X: np.ndarray, labels: np.ndarray, *, title: str | None = None, ax=None):
    """Scatter a 2-D data set with examples in columns (``X`` is ``(2, m)``), one colour per label."""
    ax = axes_or_new(ax)
    X = np.asarray(X)
    labels = np.asarray(labels).ravel()
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"X must have shape (2, m) with examples in columns, got {X.shape}.")
    if labels.size != X.shape[1]:
        raise ValueError(f"labels has {labels.size} entries but X has {X.shape[1]} examples.")
    for k, value in enumerate(np.unique(labels)):
        mask = labels == value
        ax.scatter(X[0, mask], X[1, mask], s=12, color=PALETTE[k % len(PALETTE)], label=f"class {value:g}")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(fontsize=8, loc="best")
    if title:
        ax.set_title(title)
    return ax


def plot_heatmap(
    values: np.ndarray,
    x_edges: tuple[float, float],
    y_edges: tuple[float, float],
    *,
    xlabel: str = "",
    ylabel: str = "",
    cmap: str = "viridis_r",
    colorbar_label: str | None = None,
    ax=None,
):
    """Show ``values`` (rows = y, columns = x) over the rectangle ``x_edges`` × ``y_edges``."""
    ax = axes_or_new(ax)
    image = ax.imshow(
        np.asarray(values),
        origin="lower",
        extent=(x_edges[0], x_edges[1], y_edges[0], y_edges[1]),
        aspect="auto",
        cmap=cmap,
    )
    if colorbar_label is not None:
        ax.figure.colorbar(image, ax=ax, label=colorbar_label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(False)
    return ax


def plot_scores_by_hyperparameter(
    configs: Sequence[dict],
    scores: Sequence[float],
    scales: dict[str, str],
    *,
    ylabel: str = "dev loss",
    log_y: bool = False,
    axes=None,
):
    """One panel per hyperparameter: each run's score against the value it was given (notebook 02).

    ``configs`` are the sampled settings (dicts), ``scores`` one number per run (non-finite scores, diverged
    runs, are drawn as crosses at the top), ``scales`` maps each name to the scale it was sampled on:
    ``"log"`` (log axis), ``"beta"`` (logit axis, so 0.9, 0.99 and 0.999 are evenly spaced), ``"uniform"`` or
    ``"int"`` (linear axis) or ``"choice"`` (one column per option). The best run is ringed. Returns the axes.
    """
    import matplotlib.pyplot as plt

    scores = np.asarray(scores, dtype=float)
    names = list(scales)
    if len(configs) != scores.size or scores.size == 0:
        raise ValueError(
            f"need one score per configuration, got {len(configs)} configurations and {scores.size} scores."
        )
    unknown = {v for v in scales.values()} - {"log", "beta", "uniform", "int", "choice"}
    if unknown:
        raise ValueError(f"unknown scale {sorted(unknown)[0]!r}: use log, beta, uniform, int or choice.")
    if axes is None:
        with matplotlib.rc_context(course_style()):
            _, axes = plt.subplots(
                1, len(names), figsize=(3.2 * len(names), 3.0), sharey=True, squeeze=False, layout="constrained"
            )
        axes = axes[0]
    finite = np.isfinite(scores)
    top = np.max(scores[finite]) * 1.15 if finite.any() else 1.0
    shown = np.where(finite, scores, top)
    best = int(np.argmin(np.where(finite, scores, np.inf))) if finite.any() else None
    for ax, name in zip(axes, names):
        values = [config[name] for config in configs]
        if scales[name] == "choice":
            labels = sorted({repr(v) for v in values})
            x = np.array([labels.index(repr(v)) for v in values], dtype=float)
            ax.set_xticks(range(len(labels)), labels)
        else:
            x = np.asarray(values, dtype=float)
            if scales[name] == "log":
                ax.set_xscale("log")
            elif scales[name] == "beta":
                # logit spaces 0.9, 0.99, 0.999 evenly; label them plainly rather than as 1 - 10^-k
                ax.set_xscale("logit")
                ticks = [t for t in (0.5, 0.9, 0.99, 0.999, 0.9999) if x.min() / 2 <= t <= 1 - (1 - x.max()) / 2]
                ax.set_xticks(ticks or [float(np.median(x))])
                ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:g}"))
                ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.scatter(x[finite], shown[finite], s=22, color=PALETTE[0], alpha=0.8)
        ax.scatter(x[~finite], shown[~finite], s=30, marker="x", color=PALETTE[3], label="diverged")
        if best is not None:
            ax.scatter(x[best], shown[best], s=110, facecolors="none", edgecolors=PALETTE[3], lw=1.5)
        ax.set_xlabel(f"{name} ({scales[name]})")
    axes[0].set_ylabel(ylabel)
    if log_y:
        axes[0].set_yscale("log")
    return axes


def plot_sweep_spans(final_loss: dict, *, ax=None):
    """One row per hyperparameter: a grey bar from its lowest to its highest final dev loss, a dot per run.

    ``final_loss`` maps a name to the final dev losses of its one-knob sweep (notebook 01, section 1). A run
    that diverged (NaN or inf) is drawn as a red cross at the right edge, never dropped. Log x axis.
    """
    ax = axes_or_new(ax, figsize=(7.5, 3.4))
    everything = np.concatenate([np.asarray(v, dtype=float) for v in final_loss.values()])
    finite_all = everything[np.isfinite(everything)]
    right = float(finite_all.max()) * 1.6 if finite_all.size else 1.0
    crossed = False
    for row, losses in enumerate(final_loss.values()):
        losses = np.asarray(losses, dtype=float)
        finite = np.isfinite(losses)
        if finite.any():
            ax.plot(
                [losses[finite].min(), losses[finite].max()],
                [row, row],
                color="grey",
                lw=8,
                alpha=0.25,
                solid_capstyle="round",
            )
            ax.scatter(losses[finite], [row] * int(finite.sum()), color=PALETTE[row % len(PALETTE)], zorder=3)
        if not finite.all():
            ax.scatter(
                [right] * int((~finite).sum()),
                [row] * int((~finite).sum()),
                marker="x",
                s=60,
                color=PALETTE[3],
                zorder=4,
                label=None if crossed else "diverged",
            )
            crossed = True
    ax.set_yticks(range(len(final_loss)), list(final_loss))
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("final dev loss (log scale), one dot per training run")
    if crossed:
        ax.legend(loc="lower right", fontsize=8)
    return ax
