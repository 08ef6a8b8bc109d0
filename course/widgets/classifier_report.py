"""Notebook 05's pictures of a trained classifier: where it errs, how sure it was, and whether to trust it.

Pure functions compute (``confusion_matrix``, ``confident_mistakes``, ``calibration``, ``cross_entropy``,
``best_temperature``); ``plot_*`` draw
them on an optional ``ax`` and return it. Probabilities follow the numpy notebooks' convention, **columns
are examples**: ``probs`` is ``(C, m)``, labels are ``(m,)`` ints.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from course.plots import axes_or_new

__all__ = [
    "confusion_matrix",
    "confident_mistakes",
    "Calibration",
    "calibration",
    "cross_entropy",
    "best_temperature",
    "plot_confusion",
    "plot_mistakes",
    "plot_reliability",
]


def _labels(values, name: str, num_classes: int | None = None) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise ValueError(f"{name} must be a 1-D array of int labels, got shape {array.shape} and dtype {array.dtype}.")
    if num_classes is not None and array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(f"{name} must lie in 0..{num_classes - 1}, got {array.min()}..{array.max()}.")
    return array


def _probs(probs, m: int) -> np.ndarray:
    array = np.asarray(probs, dtype=float)
    if array.ndim != 2 or array.shape[1] != m:
        raise ValueError(f"probs must be (C, m) with examples in columns and m = {m}, got shape {array.shape}.")
    return array


def confusion_matrix(true, predicted, num_classes: int) -> np.ndarray:
    """``(C, C)`` int counts: row = true class, column = predicted class."""
    true = _labels(true, "true", num_classes)
    predicted = _labels(predicted, "predicted", num_classes)
    if true.shape != predicted.shape:
        raise ValueError(f"true and predicted differ in length: {true.size} and {predicted.size}.")
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (true, predicted), 1)
    return counts


def confident_mistakes(probs, true, k: int = 8) -> np.ndarray:
    """Indices of the (at most) ``k`` wrong predictions made with the highest probability, surest first."""
    true = _labels(true, "true")
    probs = _probs(probs, true.size)
    predicted = np.argmax(probs, axis=0)
    wrong = np.flatnonzero(predicted != true)
    confidence = probs[predicted[wrong], wrong]
    return wrong[np.argsort(-confidence, kind="stable")[:k]]


@dataclass(frozen=True)
class Calibration:
    """Per confidence bin (``edges`` has ``bins + 1`` entries): ``count``, mean ``confidence`` and ``accuracy``
    (NaN where a bin is empty); ``mean_confidence`` and ``accuracy_overall`` over all examples; ``gap``: the
    count-weighted mean of ``|confidence - accuracy|`` (the expected calibration error)."""

    edges: np.ndarray
    count: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    mean_confidence: float
    accuracy_overall: float
    gap: float


def calibration(probs, true, bins: int = 10) -> Calibration:
    """How often the classifier is right when it says it is ``p`` sure, binned by its top probability."""
    true = _labels(true, "true")
    probs = _probs(probs, true.size)
    top = probs.max(axis=0)
    right = (np.argmax(probs, axis=0) == true).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(top, edges[1:-1]), 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.bincount(which, weights=top, minlength=bins) / count
        accuracy = np.bincount(which, weights=right, minlength=bins) / count
    filled = count > 0
    gap = float(np.sum(count[filled] * np.abs(confidence[filled] - accuracy[filled])) / max(1, true.size))
    return Calibration(edges, count, confidence, accuracy, float(top.mean()), float(right.mean()), gap)


def cross_entropy(logits, true) -> float:
    """Mean of ``-log softmax(logits)[true]`` over the examples, from ``(C, m)`` logits (log-sum-exp: no overflow)."""
    true = _labels(true, "true")
    logits = _probs(logits, true.size)
    top = logits.max(axis=0)
    log_sum = top + np.log(np.exp(logits - top).sum(axis=0))
    return float(np.mean(log_sum - logits[true, np.arange(true.size)]))


def best_temperature(logits, true, temperatures) -> float:
    """The temperature ``T`` among ``temperatures`` whose ``softmax(logits / T)`` gives the labels ``true`` the
    lowest cross-entropy: temperature scaling's choice (Guo et al., 2017). Fit it on data that you do not then
    use to judge the result."""
    temperatures = np.asarray(temperatures, dtype=float).ravel()
    if temperatures.size == 0 or np.any(~np.isfinite(temperatures)) or np.any(temperatures <= 0):
        raise ValueError(f"temperatures must be a non-empty list of positive numbers, got {temperatures}.")
    logits = np.asarray(logits, dtype=float)
    losses = [cross_entropy(logits / T, true) for T in temperatures]
    return float(temperatures[int(np.argmin(losses))])


def plot_confusion(counts: np.ndarray, *, ax=None):
    """The confusion matrix as a heat map with the counts written in, diagonal = correct."""
    ax = axes_or_new(ax, figsize=(4.2, 3.8))
    counts = np.asarray(counts)
    C = counts.shape[0]
    ax.imshow(np.log1p(counts), cmap="Blues")
    for i, j in zip(*np.nonzero(counts)):
        ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=7, color="white" if i == j else "black")
    ax.set(xticks=range(C), yticks=range(C), xlabel="predicted digit", ylabel="true digit")
    ax.grid(False)
    return ax


def plot_mistakes(images: np.ndarray, true, predicted, confidence, *, axes=None):
    """One 8x8 image per mistake (``images`` is ``(64, k)``, columns are examples), titled with what happened."""
    images = np.asarray(images)
    k = images.shape[1]
    if axes is None:
        _, axes = plt.subplots(1, max(k, 1), figsize=(1.2 * max(k, 1), 1.6), squeeze=False)
        axes = axes[0]
    for ax, i in zip(axes, range(k)):
        ax.imshow(images[:, i].reshape(8, 8), cmap="gray_r")
        ax.set_title(f"{true[i]} read as {predicted[i]}\n{confidence[i]:.0%} sure", fontsize=8)
        ax.set(xticks=[], yticks=[])
        ax.grid(False)
    return axes


def plot_reliability(results: dict, *, ax=None):
    """Accuracy against confidence per bin, one line per entry of ``results`` (label -> :class:`Calibration`)."""
    ax = axes_or_new(ax, figsize=(4.2, 3.6))
    ax.plot([0, 1], [0, 1], color="gray", lw=1, ls="--", label="perfectly calibrated")
    for label, result in results.items():
        filled = result.count > 0
        ax.plot(
            result.confidence[filled],
            result.accuracy[filled],
            marker="o",
            ms=4,
            label=f"{label} (gap {result.gap:.3f})",
        )
    ax.set(xlabel="confidence (top probability)", ylabel="accuracy in that bin", xlim=(0, 1.02), ylim=(0, 1.02))
    ax.legend(fontsize=8, loc="lower right")
    return ax
