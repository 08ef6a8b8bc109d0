"""A small numpy network used as a *real* objective by the tuning notebooks (01, 02).

One hidden tanh layer, a sigmoid output, binary cross-entropy, mini-batch gradient descent with
momentum and learning-rate decay: enough for hyperparameters to matter, small enough that a whole
random search trains in seconds. Columns are examples: ``X`` is ``(n_x, m)``, ``Y`` is ``(1, m)``.

This is course machinery, not a graded answer: students tune it, they do not write it here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["TinyMLP", "TrainResult", "train_mlp"]

_EPS = 1e-12


@dataclass
class TrainResult:
    """What a training run returns.

    ``train_costs`` and ``dev_losses`` have one entry per epoch; a diverged run holds ``nan`` or ``inf``
    from the epoch it blew up.
    """

    train_costs: np.ndarray
    dev_losses: np.ndarray
    dev_accuracy: float
    model: "TinyMLP" = field(repr=False)

    @property
    def final_dev_loss(self) -> float:
        return float(self.dev_losses[-1])


class TinyMLP:
    """``n_x -> hidden_units (tanh) -> 1 (sigmoid)``, trained in place by :meth:`train_epoch`.

    Stateful on purpose: the "panda" strategy of notebook 01 changes the learning rate between
    epochs of one model, which needs a model that lives across calls.
    """

    def __init__(self, n_x: int, hidden_units: int, seed: int = 0):
        if isinstance(hidden_units, bool) or int(hidden_units) != hidden_units or hidden_units < 1:
            raise ValueError(f"hidden_units must be a positive integer, got {hidden_units!r}.")
        rng = np.random.default_rng(seed)
        hidden_units = int(hidden_units)
        self.params = {
            "W1": rng.standard_normal((hidden_units, n_x)) * np.sqrt(1.0 / n_x),
            "b1": np.zeros((hidden_units, 1)),
            "W2": rng.standard_normal((1, hidden_units)) * np.sqrt(1.0 / hidden_units),
            "b2": np.zeros((1, 1)),
        }
        self._velocity = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._rng = rng

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """``(1, m)`` probabilities of class 1."""
        p = self.params
        with np.errstate(over="ignore", invalid="ignore"):
            A1 = np.tanh(p["W1"] @ X + p["b1"])
            return 1.0 / (1.0 + np.exp(-(p["W2"] @ A1 + p["b2"])))

    def loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Mean binary cross-entropy; ``nan`` once the weights have blown up."""
        P = np.clip(self.predict_proba(X), _EPS, 1 - _EPS)
        with np.errstate(invalid="ignore"):
            return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))

    def accuracy(self, X: np.ndarray, Y: np.ndarray) -> float:
        return float(np.mean((self.predict_proba(X) > 0.5) == (Y > 0.5)))

    def _gradients(self, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        p = self.params
        m = X.shape[1]
        with np.errstate(over="ignore", invalid="ignore"):
            A1 = np.tanh(p["W1"] @ X + p["b1"])
            A2 = 1.0 / (1.0 + np.exp(-(p["W2"] @ A1 + p["b2"])))
            dZ2 = (A2 - Y) / m
            dZ1 = (p["W2"].T @ dZ2) * (1.0 - A1**2)
            return {
                "W2": dZ2 @ A1.T,
                "b2": dZ2.sum(axis=1, keepdims=True),
                "W1": dZ1 @ X.T,
                "b1": dZ1.sum(axis=1, keepdims=True),
            }

    def train_epoch(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        learning_rate: float,
        momentum: float = 0.0,
        mini_batch_size: int | None = None,
    ) -> float:
        """One pass over ``(X, Y)`` in shuffled mini-batches; returns the training cost afterwards."""
        m = X.shape[1]
        size = m if mini_batch_size is None else max(1, min(int(mini_batch_size), m))
        order = self._rng.permutation(m)
        for start in range(0, m, size):
            idx = order[start : start + size]
            grads = self._gradients(X[:, idx], Y[:, idx])
            with np.errstate(over="ignore", invalid="ignore"):
                for key, grad in grads.items():
                    self._velocity[key] = momentum * self._velocity[key] + (1 - momentum) * grad
                    self.params[key] = self.params[key] - learning_rate * self._velocity[key]
        return self.loss(X, Y)


def train_mlp(
    X_train: np.ndarray,
    Y_train: np.ndarray,
    X_dev: np.ndarray,
    Y_dev: np.ndarray,
    *,
    learning_rate: float,
    hidden_units: int = 8,
    num_epochs: int = 50,
    momentum: float = 0.0,
    mini_batch_size: int | None = None,
    decay: float = 0.0,
    seed: int = 0,
) -> TrainResult:
    """Train a fresh :class:`TinyMLP` and record both losses each epoch.

    The learning rate of epoch ``t`` is ``learning_rate / (1 + decay * t)``. A run that diverges keeps
    going with ``nan`` losses rather than raising, so a search can record it and move on.
    """
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}.")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}.")
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs!r}.")
    model = TinyMLP(X_train.shape[0], hidden_units, seed=seed)
    train_costs = np.empty(num_epochs)
    dev_losses = np.empty(num_epochs)
    for epoch in range(num_epochs):
        rate = learning_rate / (1.0 + decay * epoch)
        train_costs[epoch] = model.train_epoch(X_train, Y_train, rate, momentum, mini_batch_size)
        dev_losses[epoch] = model.loss(X_dev, Y_dev)
    return TrainResult(train_costs, dev_losses, model.accuracy(X_dev, Y_dev), model)
