"""A small numpy network used as a *real* objective by the tuning notebooks (01, 02).

One or more hidden tanh layers (one by default), a sigmoid output, binary cross-entropy, mini-batch gradient descent
with momentum and learning-rate decay: enough for hyperparameters to matter, small enough that a whole
random search trains in seconds. Columns are examples: ``X`` is ``(n_x, m)``, ``Y`` is ``(1, m)``.

This is course machinery, not a graded answer: students tune it, they do not write it here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["TinyMLP", "TrainResult", "train_mlp", "sweep_one_at_a_time"]

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
    model: TinyMLP = field(repr=False)

    @property
    def final_dev_loss(self) -> float:
        return float(self.dev_losses[-1])


class TinyMLP:
    """``n_x -> hidden_units (tanh), num_layers times -> 1 (sigmoid)``, trained in place by :meth:`train_epoch`.

    Stateful on purpose: the "panda" strategy of notebook 01 changes the learning rate between
    epochs of one model, which needs a model that lives across calls.
    """

    def __init__(self, n_x: int, hidden_units: int, seed: int = 0, num_layers: int = 1):
        if isinstance(hidden_units, bool) or int(hidden_units) != hidden_units or hidden_units < 1:
            raise ValueError(f"hidden_units must be a positive integer, got {hidden_units!r}.")
        if isinstance(num_layers, bool) or int(num_layers) != num_layers or num_layers < 1:
            raise ValueError(f"num_layers must be a positive integer, got {num_layers!r}.")
        rng = np.random.default_rng(seed)
        hidden_units, self.num_layers = int(hidden_units), int(num_layers)
        # Layers 1..L are tanh layers of the same width, layer L + 1 the sigmoid output.
        sizes = [n_x] + [hidden_units] * self.num_layers + [1]
        self.params = {}
        for l in range(1, len(sizes)):
            self.params[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1])) * np.sqrt(1.0 / sizes[l - 1])
            self.params[f"b{l}"] = np.zeros((sizes[l], 1))
        self._velocity = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._rng = rng

    def _forward(self, X: np.ndarray) -> list[np.ndarray]:
        """Activations ``[X, A1, ..., A_L, output]`` (each ``(n_l, m)``)."""
        p, activations = self.params, [X]
        with np.errstate(over="ignore", invalid="ignore"):
            for l in range(1, self.num_layers + 1):
                activations.append(np.tanh(p[f"W{l}"] @ activations[-1] + p[f"b{l}"]))
            out = self.num_layers + 1
            activations.append(1.0 / (1.0 + np.exp(-(p[f"W{out}"] @ activations[-1] + p[f"b{out}"]))))
        return activations

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """``(1, m)`` probabilities of class 1."""
        return self._forward(X)[-1]

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
        activations = self._forward(X)
        grads = {}
        with np.errstate(over="ignore", invalid="ignore"):
            dZ = (activations[-1] - Y) / m  # sigmoid + cross-entropy
            for l in range(self.num_layers + 1, 0, -1):
                grads[f"W{l}"] = dZ @ activations[l - 1].T
                grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True)
                if l > 1:
                    dZ = (p[f"W{l}"].T @ dZ) * (1.0 - activations[l - 1] ** 2)
        return grads

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
    num_layers: int = 1,
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
    model = TinyMLP(X_train.shape[0], hidden_units, seed=seed, num_layers=num_layers)
    train_costs = np.empty(num_epochs)
    dev_losses = np.empty(num_epochs)
    for epoch in range(num_epochs):
        rate = learning_rate / (1.0 + decay * epoch)
        train_costs[epoch] = model.train_epoch(X_train, Y_train, rate, momentum, mini_batch_size)
        dev_losses[epoch] = model.loss(X_dev, Y_dev)
    return TrainResult(train_costs, dev_losses, model.accuracy(X_dev, Y_dev), model)


def sweep_one_at_a_time(split, default: dict, sweeps: dict) -> dict[str, np.ndarray]:
    """Final dev loss of ``train_mlp`` when one knob at a time leaves ``default`` (notebook 01, section 1).

    ``split`` has ``X_train, Y_train, X_dev, Y_dev``; ``default`` holds ``train_mlp``'s keyword arguments;
    ``sweeps`` maps a keyword to the values it takes while every other keyword stays at its default.
    Returns name -> ``(len(values),)`` array of final dev losses (``nan`` for a run that diverged).
    """
    data = (split.X_train, split.Y_train, split.X_dev, split.Y_dev)
    return {
        name: np.array([train_mlp(*data, **{**default, name: value}).final_dev_loss for value in values])
        for name, values in sweeps.items()
    }
