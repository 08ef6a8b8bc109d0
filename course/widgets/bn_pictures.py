"""Notebook 03's still pictures: why normalising helps, why gamma and beta exist, and the learning-rate sweep.

Each ``plot_*`` draws on the axes it is given (or a new figure) and returns them, like ``course.plots``.
The pure part of each picture (``gradient_descent_path``) is a separate function the tests call directly.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from course.plots import PALETTE, axes_or_new

__all__ = [
    "gradient_descent_path",
    "steps_to_converge",
    "plot_input_normalisation",
    "plot_sigmoid_regime",
    "plot_learning_rate_sweep",
]


def gradient_descent_path(scales, steps: int = 20, start=(-1.6, 1.2)) -> tuple[np.ndarray, np.ndarray]:
    """Gradient descent on the quadratic cost ``J(w) = sum_j (s_j w_j)^2 / 2`` of features with spreads
    ``scales`` (minimum at 0), with the best constant learning rate for that valley, ``2 / (min + max)`` of
    the curvatures ``s_j^2``, as a well-tuned learning rate would be.

    Returns ``(path (steps + 1, 2), curvature (2,))``.
    """
    curvature = np.asarray(scales, dtype=float) ** 2
    rate = 2.0 / (curvature.min() + curvature.max())
    w = np.asarray(start, dtype=float)
    path = [w.copy()]
    for _ in range(steps):
        w = w - rate * curvature * w
        path.append(w.copy())
    return np.array(path), curvature


def steps_to_converge(path: np.ndarray, curvature: np.ndarray, fraction: float = 1e-3) -> int:
    """The first step whose cost is below ``fraction`` of the starting cost (``len(path)`` if none)."""
    cost = 0.5 * (path**2 * curvature).sum(axis=1)
    below = np.flatnonzero(cost <= fraction * cost[0])
    return int(below[0]) if below.size else len(path)


def plot_input_normalisation(axes=None):
    """Two panels: the cost contours of inputs on different scales (spreads 1 and 3: an elongated valley where
    gradient descent zig-zags across and crawls along) and of normalised inputs (round: straight to the
    minimum), each with its best constant learning rate."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8.5, 3.4))
    for ax, scales, title in [
        (axes[0], (1.0, 3.0), "inputs on different scales"),
        (axes[1], (1.0, 1.0), "normalised inputs"),
    ]:
        path, curvature = gradient_descent_path(scales)
        grid = np.linspace(-1.9, 1.9, 200)
        W1, W2 = np.meshgrid(grid, grid)
        J = 0.5 * (curvature[0] * W1**2 + curvature[1] * W2**2)
        start_cost = 0.5 * float((path[0] ** 2 * curvature).sum())
        ax.contour(
            W1, W2, J, levels=start_cost * np.array([0.02, 0.1, 0.3, 0.6, 1.0, 1.6]), colors="0.6", linewidths=0.8
        )
        ax.plot(path[:, 0], path[:, 1], "o-", ms=3, color=PALETTE[3], lw=1.2)
        ax.plot(0, 0, "*", ms=12, color=PALETTE[0])
        ax.set_aspect("equal")
        ax.set_xlabel("$w_1$")
        ax.set_ylabel("$w_2$")
        steps = steps_to_converge(path, curvature)
        ax.set_title(f"{title}\n{steps} step{'' if steps == 1 else 's'} to 0.1% of the starting cost")
    return axes


def plot_sigmoid_regime(ax=None, *, gamma: float = 3.0, beta: float = 2.0, seed: int = 0):
    """A sigmoid with two clouds of inputs: mean 0 and variance 1 (the linear middle of the curve only) and
    ``gamma * z_hat + beta`` (reaching the bends), which learnable ``gamma`` and ``beta`` make possible."""
    ax = axes_or_new(ax, (6.4, 3.2))
    z = np.linspace(-6, 8, 400)
    ax.plot(z, 1 / (1 + np.exp(-z)), color="0.2", lw=1.5, label="sigmoid(z)")
    ax.plot(z, 0.5 + z / 4, color="0.6", lw=1, ls="--", label="its tangent at 0")
    samples = np.random.default_rng(seed).standard_normal(300)
    clouds = [
        (gamma * samples + beta, PALETTE[1], rf"$\gamma$ = {gamma:g}, $\beta$ = {beta:g}", -0.08),
        (samples, PALETTE[0], "mean 0, variance 1", -0.02),
    ]
    for values, colour, label, rug in clouds:  # on the curve, and as a rug below it
        ax.plot(values, 1 / (1 + np.exp(-values)), "o", ms=3, color=colour, alpha=0.35, label=label)
        ax.plot(values, np.full(values.shape, rug), "|", ms=6, color=colour, alpha=0.35)
    ax.set_ylim(-0.15, 1.15)
    ax.set_xlabel("input of the activation")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("normalised inputs use only the nearly linear middle of a sigmoid")
    return ax


def plot_learning_rate_sweep(sweep, *, threshold: float = 0.9, curves_at=(0.01, 0.3, 3.0), axes=None):
    """Left: final dev accuracy against the learning rate (log axis), with and without batch norm, the band of
    rates reaching ``threshold`` shaded; crosses mark diverged runs. Right: dev accuracy per epoch at the rates
    of the sweep nearest to ``curves_at``. ``sweep``: a :class:`course.bn_network.LearningRateSweep`."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    left, right = axes
    rates = sweep.learning_rates
    colours = {False: PALETTE[3], True: PALETTE[0]}
    names = {False: "without batch norm", True: "with batch norm"}
    for flag in (False, True):
        accuracy = sweep.final_dev_accuracy(flag)
        left.plot(
            rates,
            accuracy,
            "o-",
            color=colours[flag],
            label=f"{names[flag]}: {sweep.good_decades(flag, threshold):.1f} decades good",
        )
        diverged = np.isnan(accuracy)
        left.plot(rates[diverged], np.full(diverged.sum(), 0.45), "x", color=colours[flag], ms=8, mew=2)
        good = sweep.good(flag, threshold)
        if good.any():
            left.axvspan(rates[good].min() / 1.15, rates[good].max() * 1.15, color=colours[flag], alpha=0.12)
    left.axhline(threshold, color="0.5", lw=0.8, ls=":")
    left.set_xscale("log")
    left.set_ylim(0.4, 1.0)
    left.set_xlabel("learning rate (log scale)")
    left.set_ylabel("dev accuracy after training")
    left.set_title(f"seed {sweep.seed}: rates reaching {threshold:.0%} shaded")
    left.legend(loc="upper left", fontsize=8)
    styles = ["-", "--", ":"]
    for style, wanted in zip(styles, curves_at):
        index = int(np.argmin(np.abs(np.log10(rates) - np.log10(wanted))))
        for flag in (False, True):
            history = sweep.runs[flag][index].history["dev_accuracy"]
            right.plot(
                np.arange(1, len(history) + 1),
                history,
                style,
                color=colours[flag],
                label=f"lr {rates[index]:.2g}, {'BN' if flag else 'no BN'}",
            )
    right.set_ylim(0.4, 1.0)
    right.set_xlabel("epoch")
    right.set_ylabel("dev accuracy")
    right.set_title("learning curves at three rates")
    right.legend(loc="lower right", fontsize=7, ncol=2)
    return axes
