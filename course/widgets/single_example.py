"""Notebook 04's test-time pictures: one example at a time, with batch or with running statistics.

Everything here runs notebook 03's network (``course.bn_network``) in its two normalisation modes:

- ``companion_probabilities``: one example's predicted probability when it shares a batch-statistics
  forward pass with random other examples (the "mixed requests" failure); ``plot_companion_spread`` draws it.
- ``accuracy_one_at_a_time``: accuracy when every example is predicted alone by a given function;
  ``plot_accuracy_bars`` compares several of them.
- ``compute_single_example`` / ``show_single_example``: the inspector: a test digit, its first hidden
  layer's normalised values under batch and under running statistics, and the two predictions.
- ``plot_batch_size_comparison``: batch norm against layer norm at several mini-batch sizes
  (``course.bn_network.compare_batch_sizes``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from course.arguments import require_int
from course.bn_network import TrainedNetwork, forward_network
from course.plots import PALETTE, axes_or_new
from course.widgets.live_widget import Picture, live_widget

__all__ = [
    "SingleExample",
    "accuracy_one_at_a_time",
    "companion_probabilities",
    "compute_single_example",
    "plot_accuracy_bars",
    "plot_batch_size_comparison",
    "plot_companion_spread",
    "rescued_examples",
    "show_single_example",
]


def companion_probabilities(
    net: TrainedNetwork, X: np.ndarray, examples, *, batch_size: int = 8, draws: int = 30, seed: int = 0
) -> np.ndarray:
    """``(len(examples), draws)``: the probability the network gives each example in ``draws`` batches of
    ``batch_size`` normalised with their own statistics, each time with ``batch_size - 1`` other columns of
    ``X`` drawn at random as companions (the example sits in column 0)."""
    X = np.asarray(X, dtype=float)
    require_int("batch_size", batch_size, 2, X.shape[1])
    require_int("draws", draws, 1)
    rng = np.random.default_rng(seed)
    examples = [int(j) for j in examples]
    out = np.empty((len(examples), draws))
    for row, j in enumerate(examples):
        others = np.delete(np.arange(X.shape[1]), j)
        for k in range(draws):
            batch = np.concatenate([[j], rng.choice(others, batch_size - 1, replace=False)])
            out[row, k] = forward_network(net, X[:, batch], statistics="batch")[0][0, 0]
    return out


def plot_companion_spread(probabilities: np.ndarray, labels, *, ax=None):
    """One column of dots per example: its probability in each batch; colour = true class; 0.5 dashed."""
    ax = axes_or_new(ax, figsize=(8, 3))
    probabilities = np.asarray(probabilities, dtype=float)
    labels = np.asarray(labels).ravel()
    k, draws = probabilities.shape
    jitter = np.random.default_rng(0).uniform(-0.18, 0.18, draws)
    for i in range(k):
        colour = PALETTE[2] if labels[i] > 0.5 else PALETTE[4]
        ax.scatter(i + jitter, probabilities[i], s=9, color=colour, alpha=0.7)
        flips = probabilities[i].min() < 0.5 < probabilities[i].max()
        ax.plot(
            [i, i],
            [probabilities[i].min(), probabilities[i].max()],
            color=colour,
            lw=1,
            alpha=0.6,
            ls="-" if flips else ":",
        )
    ax.axhline(0.5, color="black", lw=1, ls="--")
    ax.scatter([], [], color=PALETTE[2], label="true class: 5 or more")
    ax.scatter([], [], color=PALETTE[4], label="true class: below 5")
    ax.set(
        xlim=(-0.6, k - 0.4),
        ylim=(-0.03, 1.03),
        xticks=range(k),
        xlabel="test example",
        ylabel="P(digit is 5 or more)",
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return ax


def accuracy_one_at_a_time(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """Accuracy of ``predict`` when it sees one example at a time: ``predict(X[:, [j]])`` must give ``(1, 1)``
    0/1 (or a probability, thresholded at 0.5)."""
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float).reshape(1, -1)
    guesses = np.array([float(np.asarray(predict(X[:, [j]]), dtype=float).reshape(-1)[0]) for j in range(X.shape[1])])
    return float(np.mean((guesses > 0.5) == (Y[0] > 0.5)))


def plot_accuracy_bars(accuracies: Mapping[str, float], *, chance: float | None = None, ax=None):
    """Horizontal bars, one per method, labelled with the accuracy; ``chance`` draws the majority-class rate."""
    ax = axes_or_new(ax, figsize=(7, 0.6 + 0.55 * len(accuracies)))
    names = list(accuracies)
    values = [100 * accuracies[n] for n in names]
    colours = [PALETTE[3] if v < 80 else PALETTE[0] for v in values]
    bars = ax.barh(range(len(names)), values, color=colours, height=0.6)
    ax.bar_label(bars, labels=[f"{v:.1f}%" for v in values], padding=3, fontsize=9)
    if chance is not None:
        ax.axvline(
            100 * chance, color="black", lw=1, ls="--", label=f"always the majority class ({100 * chance:.0f}%)"
        )
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set(
        yticks=range(len(names)), yticklabels=names, xlim=(0, 109), xlabel="test accuracy, one example at a time (%)"
    )
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    return ax


@dataclass(frozen=True)
class SingleExample:
    """What the inspector shows for test example ``index``.

    ``image``: ``(8, 8)`` pixels; ``label``: its 0/1 class. ``z``: ``(n_1,)`` first hidden layer before
    normalisation. ``z_hat_batch`` / ``z_hat_running``: ``(n_1,)`` normalised with the example's own statistics
    (mean = itself, variance 0: all zeros) and with the running ones: z-hat, before ``gamma``, ``beta`` and
    the ReLU (with batch statistics the layer then passes on ``ReLU(beta)`` whatever the digit). ``p_batch`` /
    ``p_running``: the network's probability that the digit is 5 or more, each way.
    """

    index: int
    image: np.ndarray
    label: int
    z: np.ndarray
    z_hat_batch: np.ndarray
    z_hat_running: np.ndarray
    p_batch: float
    p_running: float


def compute_single_example(net: TrainedNetwork, X: np.ndarray, Y: np.ndarray, index: int) -> SingleExample:
    """The inspector's numbers for column ``index`` of ``X`` (an 8x8 digit), predicted alone."""
    X = np.asarray(X, dtype=float)
    require_int("index", index, 0, X.shape[1] - 1)
    if not net.batchnorm or 1 not in net.states:
        raise ValueError("the inspector needs a network trained with batch norm (it reads net.states[1]).")
    x = X[:, [index]]
    p_batch, (z_batch, *_) = forward_network(net, x, statistics="batch")
    p_running, _ = forward_network(net, x, statistics="running")
    z = z_batch[:, 0]
    state = net.states[1]
    z_hat_running = (z - state["running_mean"][:, 0]) / np.sqrt(state["running_var"][:, 0] + net.eps)
    z_hat_batch = (z - z) / np.sqrt(0.0 + net.eps)  # one example: its mean is itself, its variance 0
    return SingleExample(
        int(index),
        X[:, index].reshape(8, 8),
        int(np.asarray(Y).reshape(-1)[index] > 0.5),
        z,
        z_hat_batch,
        z_hat_running,
        float(p_batch[0, 0]),
        float(p_running[0, 0]),
    )


def rescued_examples(net: TrainedNetwork, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Indices of the columns of ``X`` that batch statistics get wrong when each is predicted alone, and
    running statistics get right: the digits worth showing in the inspector."""
    X = np.asarray(X, dtype=float)
    labels = np.asarray(Y).reshape(-1) > 0.5
    alone = np.array([forward_network(net, X[:, [j]], statistics="batch")[0][0, 0] for j in range(X.shape[1])])
    running = forward_network(net, X, statistics="running")[0][0]
    return np.flatnonzero(((alone > 0.5) != labels) & ((running > 0.5) == labels))


def _caption(data: SingleExample) -> str:
    truth = "5 or more" if data.label else "below 5"

    def verdict(p: float) -> str:
        guess = p > 0.5
        mark = "\u2713" if guess == bool(data.label) else "\u2717"
        return f"P = {p:.2f}, predicts <b>{'5 or more' if guess else 'below 5'}</b> {mark}"

    return (
        f"test digit #{data.index}, truly <b>{truth}</b>. Alone with batch statistics: {verdict(data.p_batch)}"
        f"; with running statistics: {verdict(data.p_running)}"
    )


class _SingleExamplePicture(Picture):
    """The digit, its first-layer z-hat normalised both ways, and the two probabilities."""

    def __init__(self, first: SingleExample):
        super().__init__(
            figsize=(10.5, 2.8),
            ncols=3,
            dpi=72,
            style={"font.size": 8, "axes.titlesize": 8.5, "axes.labelsize": 8},
            gridspec_kw={"width_ratios": [1, 3.2, 1.3]},
        )
        ax_img, ax_z, ax_p = self.axes
        n = first.z.size
        self.image = ax_img.imshow(first.image, cmap="gray_r", vmin=0, vmax=1)
        ax_img.set(xticks=[], yticks=[], title="the digit")
        ax_img.grid(False)
        units = np.arange(n)
        width = 0.4
        self.batch_bars = ax_z.bar(
            units - width / 2,
            first.z_hat_batch,
            width,
            color=PALETTE[3],
            label="batch statistics (alone): all 0",
        )
        self.running_bars = ax_z.bar(
            units + width / 2,
            first.z_hat_running,
            width,
            color=PALETTE[0],
            label="running statistics",
        )
        ax_z.axhline(0, color="black", lw=0.8)
        ax_z.set(
            xlim=(-0.7, n - 0.3),
            ylim=(-4, 4),
            xlabel="unit of the first hidden layer",
            title="first hidden layer: z-hat, before gamma, beta and the ReLU",
        )
        ax_z.legend(loc="upper right", fontsize=7, ncol=2)
        self.p_bars = ax_p.bar([0, 1], [first.p_batch, first.p_running], color=[PALETTE[3], PALETTE[0]], width=0.6)
        ax_p.axhline(0.5, color="black", lw=1, ls="--")
        ax_p.set(xticks=[0, 1], xticklabels=["batch", "running"], ylim=(0, 1), title="P(5 or more)")
        self.caption = widgets.HTML()
        self.finish([self.image, *self.batch_bars, *self.running_bars, *self.p_bars])

    def draw(self, data: SingleExample) -> None:
        self.image.set_data(data.image)
        for bar, value in zip(self.batch_bars, np.clip(data.z_hat_batch, -4, 4)):
            bar.set_height(value)
        for bar, value in zip(self.running_bars, np.clip(data.z_hat_running, -4, 4)):
            bar.set_height(value)
        for bar, value in zip(self.p_bars, (data.p_batch, data.p_running)):
            bar.set_height(value)
        self.caption.value = _caption(data)


def show_single_example(net: TrainedNetwork, X: np.ndarray, Y: np.ndarray, *, index: int = 0):
    """The single-example inspector: a slider over the columns of ``X``; the digit, its normalised
    first-layer values both ways, and the two probabilities. Returns the ``ipywidgets.VBox``; its
    first child is the slider."""
    X = np.asarray(X, dtype=float)
    slider = widgets.IntSlider(
        value=index,
        min=0,
        max=X.shape[1] - 1,
        description="test digit",
        continuous_update=False,
        layout=widgets.Layout(width="420px"),
    )

    def compute(index: int) -> SingleExample:
        return compute_single_example(net, X, Y, index)

    picture = _SingleExamplePicture(compute(index))
    return live_widget({"index": slider}, compute, picture, [slider, picture.caption, picture.widget])


def plot_batch_size_comparison(result, *, ax=None):
    """Grouped bars per mini-batch size: test accuracy (one example at a time) with batch norm and with layer
    norm; a black tick on each bar marks the accuracy training saw on its own mini-batches."""
    ax = axes_or_new(ax, figsize=(7, 2.8))
    k = len(result.batch_sizes)
    width = 0.38
    for offset, norm, colour, label in (
        (-width / 2, "batch", PALETTE[0], "batch norm (running statistics)"),
        (width / 2, "layer", PALETTE[2], "layer norm"),
    ):
        x = np.arange(k) + offset
        bars = ax.bar(x, 100 * result.test_accuracy[norm], width, color=colour, label=label)
        ax.bar_label(
            bars,
            labels=[f"{100 * v:.0f}%" for v in result.test_accuracy[norm]],
            padding=2,
            fontsize=8,
        )
        ax.plot(x, 100 * result.train_accuracy[norm], "_", color="black", ms=14, mew=2)
    ax.plot([], [], "_", color="black", ms=10, mew=2, label="accuracy on its training mini-batches")
    ax.set(
        xticks=range(k),
        xticklabels=[f"m = {m}" for m in result.batch_sizes],
        ylim=(0, 110),
        ylabel="test accuracy (%)",
        xlabel="mini-batch size while training",
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)
    ax.grid(axis="x", visible=False)
    return ax
