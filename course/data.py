"""Data sets for the notebooks: generated 2-D sets and scikit-learn's bundled digits.

Nothing here downloads: every set is generated from a seed or ships inside an installed package.
Arrays follow the numpy notebooks' convention, **columns are examples**: ``X`` is ``(n_x, m)`` and binary
labels ``Y`` are ``(1, m)``. ``load_digits_split`` is the exception and says so (notebook 06 is batch-first).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course.arguments import require_int

__all__ = ["Split", "make_moons_2d", "make_blobs_2d", "train_dev_split", "load_digits_split"]


@dataclass(frozen=True)
class Split:
    """A train / dev split; shapes follow the loader that made it."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_dev: np.ndarray
    Y_dev: np.ndarray


def make_moons_2d(m: int = 400, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, a set no straight line separates.

    Returns:
        X: ``(2, m)`` float array, roughly centred on the origin.
        Y: ``(1, m)`` float array of 0/1 labels, half of each.
    """
    require_int("m", m, 2)
    if noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise}.")
    rng = np.random.default_rng(seed)
    m_top = m // 2
    m_bottom = m - m_top
    t_top = rng.uniform(0.0, np.pi, m_top)
    t_bottom = rng.uniform(0.0, np.pi, m_bottom)
    top = np.stack([np.cos(t_top), np.sin(t_top)])
    bottom = np.stack([1.0 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)])
    X = np.concatenate([top, bottom], axis=1) - np.array([[0.5], [0.25]])
    X = X + noise * rng.standard_normal(X.shape)
    Y = np.concatenate([np.zeros(m_top), np.ones(m_bottom)])[None, :]
    order = rng.permutation(m)
    return X[:, order], Y[:, order]


def make_blobs_2d(
    m: int = 300, num_classes: int = 3, spread: float = 0.6, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``num_classes`` Gaussian blobs on a circle of radius 2.

    Returns:
        X: ``(2, m)`` float array.
        labels: ``(m,)`` int array in ``0 .. num_classes - 1``.
    """
    require_int("m", m, num_classes)
    require_int("num_classes", num_classes, 2)
    if spread <= 0:
        raise ValueError(f"spread must be positive, got {spread}.")
    rng = np.random.default_rng(seed)
    labels = np.arange(m) % num_classes
    angles = 2 * np.pi * labels / num_classes
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)])
    X = centres + spread * rng.standard_normal((2, m))
    order = rng.permutation(m)
    return X[:, order], labels[order].astype(np.int64)


def train_dev_split(X: np.ndarray, Y: np.ndarray, dev_fraction: float = 0.25) -> Split:
    """Split column-wise (examples are columns): the last ``dev_fraction`` of the columns is the dev set."""
    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D (n_x, m) array, got shape {X.shape}.")
    if Y.shape[-1] != X.shape[1]:
        raise ValueError(f"X has {X.shape[1]} examples (columns) but Y has {Y.shape[-1]}.")
    if not 0.0 < dev_fraction < 1.0:
        raise ValueError(f"dev_fraction must be strictly between 0 and 1, got {dev_fraction}.")
    m_dev = max(1, int(round(X.shape[1] * dev_fraction)))
    cut = X.shape[1] - m_dev
    return Split(X[:, :cut], Y[..., :cut], X[:, cut:], Y[..., cut:])


def digits_pixels_and_labels() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as ``(1797, 64)`` float64 pixels in ``[0, 16]`` and ``(1797,)`` int labels.

    Read straight from the file scikit-learn ships (``sklearn/datasets/data/digits.csv.gz``, the file its
    ``load_digits`` reads): importing ``sklearn.datasets`` costs 1-4 s in every kernel that loads the digits,
    and every graded submission of notebooks 03-06 paid it.
    """
    import importlib.util

    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    folders = list(spec.submodule_search_locations or []) if spec else []
    files = [Path(f) / "datasets" / "data" / "digits.csv.gz" for f in folders]
    path = next((f for f in files if f.is_file()), None)
    if path is None:
        raise RuntimeError(
            "scikit-learn's digits file (sklearn/datasets/data/digits.csv.gz) was not found: "
            "install scikit-learn (make lab builds the environment with it)."
        )
    table = np.loadtxt(path, delimiter=",")
    pixels, labels = table[:, :-1], table[:, -1].astype(int)
    if pixels.shape != (1797, 64) or labels.min() != 0 or labels.max() != 9 or pixels.max() > 16:
        raise RuntimeError(
            f"scikit-learn's digits data looks wrong (X {pixels.shape}, labels "
            f"{labels.min()}..{labels.max()}): reinstall scikit-learn."
        )
    return pixels, labels


def load_digits_split(test_fraction: float = 0.2, seed: int = 0) -> Split:
    """scikit-learn's 8x8 digits (1797 images shipped with the package), shuffled and split.

    Batch-first, as notebook 06 uses it: ``X_*`` is ``(m, 64)`` float32 pixel values in ``[0, 16]``,
    ``Y_*`` is ``(m,)`` int64 labels in ``0..9``. Notebook 05 transposes ``X`` to put examples in columns.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction}.")
    pixels, labels = digits_pixels_and_labels()
    X, y = pixels.astype(np.float32), labels.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    X, y = X[order], y[order]
    cut = len(y) - int(round(len(y) * test_fraction))
    return Split(X[:cut], y[:cut], X[cut:], y[cut:])


@dataclass(frozen=True)
class DigitsBinary:
    """Train / dev / test sets of the binary digits task, examples in columns."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_dev: np.ndarray
    Y_dev: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    task: str = "digit >= 5"


def load_digits_binary(dev_fraction: float = 0.2, test_fraction: float = 0.2, seed: int = 0) -> DigitsBinary:
    """scikit-learn's 8x8 digits as a binary task, **is the digit 5 or more?** (about half of each class).

    Used by notebooks 03 and 04 (``course.bn_network``). Columns are examples: ``X_*`` is ``(64, m)`` float64
    pixels scaled from ``[0, 16]`` to ``[0, 1]``, ``Y_*`` is ``(1, m)`` float64 of 0/1. The 1797 images are
    shuffled with ``seed`` and cut into train / dev / test; the split is the same for every call with that seed.
    """
    if not (0.0 < dev_fraction < 1.0 and 0.0 < test_fraction < 1.0 and dev_fraction + test_fraction < 1.0):
        raise ValueError(
            f"dev_fraction and test_fraction must be in (0, 1) with a sum below 1, got {dev_fraction} and "
            f"{test_fraction}."
        )
    pixels, labels = digits_pixels_and_labels()
    order = np.random.default_rng(seed).permutation(len(labels))
    X = (pixels[order] / 16.0).T
    Y = (labels[order] >= 5).astype(np.float64)[None, :]
    m = len(labels)
    m_test = int(round(m * test_fraction))
    m_dev = int(round(m * dev_fraction))
    cut_dev, cut_test = m - m_dev - m_test, m - m_test
    return DigitsBinary(
        X[:, :cut_dev],
        Y[:, :cut_dev],
        X[:, cut_dev:cut_test],
        Y[:, cut_dev:cut_test],
        X[:, cut_test:],
        Y[:, cut_test:],
    )


__all__ += ["DigitsBinary", "load_digits_binary"]


def make_xor_2d(
    m: int = 400, num_classes: int = 2, spread: float = 0.35, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """An XOR-like set: ``2 * num_classes`` blobs on a circle of radius 2, opposite blobs sharing a class.

    Every class owns two blobs on opposite sides of the origin, so the straight line between them crosses the
    other classes: no linear classifier (softmax regression included) can carve a class's region, which is
    convex, around both. With ``num_classes = 2`` this is XOR turned by 45 degrees. Used by notebook 05.

    Returns:
        X: ``(2, m)`` float array.
        labels: ``(m,)`` int array in ``0 .. num_classes - 1``, as balanced as ``m`` allows.
    """
    require_int("num_classes", num_classes, 2)
    require_int("m", m, 2 * num_classes)
    if spread <= 0:
        raise ValueError(f"spread must be positive, got {spread}.")
    rng = np.random.default_rng(seed)
    blob = np.arange(m) % (2 * num_classes)
    angles = np.pi * blob / num_classes
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)])
    X = centres + spread * rng.standard_normal((2, m))
    labels = blob % num_classes  # blob k and blob k + C sit at angles differing by pi
    order = rng.permutation(m)
    return X[:, order], labels[order].astype(np.int64)


__all__ += ["make_xor_2d"]
