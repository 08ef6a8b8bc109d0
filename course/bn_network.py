"""A deep numpy network, with or without batch norm, for the real experiments of notebooks 03 and 04.

Course machinery, not a graded answer: the students write their own batch norm in notebook 03; this module
trains the networks their plots and widgets show. Columns are examples: ``X`` is ``(n_x, m)``, ``Y`` is
``(1, m)`` of 0/1 labels, ``Z[l]`` is ``(n_l, m)``.

The network of ``layer_dims = [n_x, n_1, ..., n_{L-1}, 1]``:

- hidden layer ``l``: ``Z = W A_prev`` (``+ b`` only without normalisation) -> batch norm -> ReLU;
  with ``layernorm=True``, layer norm instead: each example normalised over the layer's units, so no example
  depends on the others and nothing needs remembering for test time (notebook 04's comparison);
- output layer ``L``: ``Z = W A + b`` -> sigmoid; cost: mean binary cross-entropy.

Batch norm follows the course conventions (COURSE_SPEC §2): biased batch variance, ``eps = 1e-5``,
``running = momentum * running + (1 - momentum) * batch`` (Keras' meaning of ``momentum``), running means
start at zeros and running variances at ones.

Layers come as cs231n-style pairs, ``*_forward(...) -> (out, cache)`` and ``*_backward(dout, cache)``. They
reduce over the last axis (the examples) and multiply with ``@``, so the same code trains a stack of networks
that differ only in their learning rate (:func:`train_networks`, leading axis = run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "DIVERGED_COST",
    "Snapshot",
    "TrainedNetwork",
    "init_network_params",
    "affine_forward",
    "affine_backward",
    "bn_layer_forward",
    "bn_layer_backward",
    "ln_layer_forward",
    "relu_forward",
    "relu_backward",
    "network_cost_and_gradients",
    "train_network",
    "train_networks",
    "forward_network",
    "population_statistics",
    "accuracy",
    "EXPERIMENT_LAYER_DIMS",
    "LearningRateSweep",
    "sweep_learning_rates",
    "BatchSizeComparison",
    "compare_batch_sizes",
]


# --------------------------------------------------------------------------- layers


def affine_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray | None = None):
    """``Z = W A_prev (+ b)``.

    Inputs: ``A_prev (n_prev, m)``, ``W (n, n_prev)``, ``b (n, 1)`` or ``None`` (a batch-norm layer has none).
    Returns: ``Z (n, m)`` and the cache ``(A_prev, W, has_bias)``.
    """
    Z = W @ A_prev
    if b is not None:
        Z = Z + b
    return Z, (A_prev, W, b is not None)


def affine_backward(dZ: np.ndarray, cache):
    """Returns ``(dA_prev (n_prev, m), dW (n, n_prev), db (n, 1) or None)``."""
    A_prev, W, has_bias = cache
    db = dZ.sum(axis=-1, keepdims=True) if has_bias else None
    return np.swapaxes(W, -1, -2) @ dZ, dZ @ np.swapaxes(A_prev, -1, -2), db


def bn_layer_forward(
    Z: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    eps: float = 1e-5,
    mean: np.ndarray | None = None,
    var: np.ndarray | None = None,
):
    """Normalise each row of ``Z`` (one unit over the examples), then scale by ``gamma`` and shift by ``beta``.

    Inputs:
        Z: ``(n, m)``; gamma, beta: ``(n, 1)``.
        mean, var: ``(n, 1)`` fixed statistics (test mode); both ``None`` means the batch's own (train mode).
    Returns:
        ``Z_tilde (n, m)`` and a cache for :func:`bn_layer_backward`. The batch statistics are in
        ``cache["mean"]`` and ``cache["var"]`` (the biased variance, divided by m).
    """
    batch = mean is None
    if batch:
        mean = Z.mean(axis=-1, keepdims=True)
        var = Z.var(axis=-1, keepdims=True)
    return _normalise(Z, gamma, beta, eps, mean, var, batch, -1)


def _normalise(Z, gamma, beta, eps, mean, var, batch: bool, axis: int):
    """``gamma * (Z - mean) / sqrt(var + eps) + beta`` and the cache :func:`bn_layer_backward` reads; ``batch``:
    the statistics came from ``Z`` along ``axis`` (so the gradient flows through them too)."""
    inv_std = 1.0 / np.sqrt(var + eps)
    Z_hat = (Z - mean) * inv_std
    cache = {
        "Z_hat": Z_hat,
        "inv_std": inv_std,
        "gamma": gamma,
        "mean": mean,
        "var": var,
        "batch": batch,
        "axis": axis,
    }
    return gamma * Z_hat + beta, cache


def ln_layer_forward(Z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5):
    """Layer norm: normalise each column of ``Z`` (one example over the layer's ``n`` units), then scale by
    ``gamma`` and shift by ``beta`` (per unit, ``(n, 1)``, as in batch norm). No column depends on another, so
    training and test time compute the same thing and there are no running statistics.
    Returns ``Z_tilde (n, m)`` and a cache for :func:`bn_layer_backward`.
    """
    return _normalise(Z, gamma, beta, eps, Z.mean(axis=-2, keepdims=True), Z.var(axis=-2, keepdims=True), True, -2)


def bn_layer_backward(dZ_tilde: np.ndarray, cache: dict):
    """Returns ``(dZ (n, m), dgamma (n, 1), dbeta (n, 1))``, for batch norm and for layer norm.

    When the statistics were computed from ``Z`` they depend on every value they averaged over (the batch for
    batch norm, the layer's units for layer norm), which gives the compact form ``dZ = inv_std / k * (k dZ_hat
    - sum(dZ_hat) - Z_hat * sum(dZ_hat * Z_hat))``, the sums and ``k`` along the normalised axis.
    """
    Z_hat, inv_std, gamma = cache["Z_hat"], cache["inv_std"], cache["gamma"]
    dbeta = dZ_tilde.sum(axis=-1, keepdims=True)
    dgamma = (dZ_tilde * Z_hat).sum(axis=-1, keepdims=True)
    dZ_hat = dZ_tilde * gamma
    if not cache["batch"]:
        return dZ_hat * inv_std, dgamma, dbeta
    axis = cache["axis"]
    k = dZ_tilde.shape[axis]
    dZ = (
        inv_std
        / k
        * (k * dZ_hat - dZ_hat.sum(axis=axis, keepdims=True) - Z_hat * (dZ_hat * Z_hat).sum(axis=axis, keepdims=True))
    )
    return dZ, dgamma, dbeta


def relu_forward(Z: np.ndarray):
    """Returns ``max(Z, 0)`` and ``Z`` as the cache."""
    return np.maximum(Z, 0.0), Z


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    return dA * (Z > 0)


def _sigmoid(Z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * Z))  # stable for any Z, no overflow warning


def _bce_from_logits(ZL: np.ndarray, Y: np.ndarray) -> float:
    """Mean binary cross-entropy of ``sigmoid(ZL)`` against ``Y``, computed without overflow."""
    return float(np.mean(np.maximum(ZL, 0.0) - ZL * Y + np.log1p(np.exp(-np.abs(ZL)))))


# --------------------------------------------------------------------------- network

#: A mean cross-entropy above this puts a probability below e**-100 on the true labels: the weights have blown
#: up, and the run is recorded as diverged (``nan`` from then on) even while its numbers are still finite.
DIVERGED_COST = 100.0


@dataclass
class Snapshot:
    """Hidden-layer values on a fixed probe batch at one training iteration (the covariate-shift widget).

    ``Z[l - 1]`` is layer l's ``Z`` before normalisation and ``Z_tilde[l - 1]`` what its ReLU receives
    (the same array without batch norm), each ``(n_l, m_probe)``, computed in train mode on the probe batch.
    """

    iteration: int
    Z: list[np.ndarray]
    Z_tilde: list[np.ndarray]


@dataclass
class TrainedNetwork:
    """A trained network and its record.

    ``params``: ``W1..WL``; for hidden layers ``gamma{l}``, ``beta{l}`` with batch norm or layer norm (no
    ``b{l}``), else ``b{l}``; ``b{L}`` always. ``layernorm``: the hidden layers use layer norm (then
    ``batchnorm`` is False and ``states`` empty: layer norm remembers nothing). ``states[l]``: ``{"running_mean",
    "running_var"}`` ``(n_l, 1)`` per hidden layer (empty without batch norm). ``history``, one value per epoch,
    ``nan`` from the epoch a run diverged: ``"cost"`` and ``"train_accuracy"`` over the epoch's mini-batches as
    training saw them (train mode, as Keras reports them), and with dev data ``"dev_accuracy"`` after the epoch (test
    mode, running statistics). ``snapshots``: see :class:`Snapshot`, filled when ``train_network(snapshot_every=k)``.
    """

    layer_dims: list[int]
    batchnorm: bool
    params: dict[str, np.ndarray]
    states: dict[int, dict]
    history: dict[str, list[float]]
    eps: float = 1e-5
    snapshots: list[Snapshot] = field(default_factory=list)
    layernorm: bool = False

    @property
    def norm(self) -> str | None:
        """``"batch"``, ``"layer"`` or ``None``: what the hidden layers normalise with."""
        return _norm(self.batchnorm, self.layernorm)

    @property
    def num_layers(self) -> int:
        """``L``, the number of weight layers."""
        return len(self.layer_dims) - 1

    @property
    def diverged(self) -> bool:
        return bool(np.isnan(self.history["cost"]).any())


def _norm(batchnorm: bool, layernorm: bool = False) -> str | None:
    return "layer" if layernorm else "batch" if batchnorm else None


def _check_layer_dims(layer_dims) -> list[int]:
    dims = list(layer_dims)
    if len(dims) < 2 or any(isinstance(d, bool) or int(d) != d or d < 1 for d in dims):
        raise ValueError(f"layer_dims must be at least two positive integers [n_x, ..., 1], got {layer_dims!r}.")
    if dims[-1] != 1:
        raise ValueError(f"the output layer has one sigmoid unit, so layer_dims must end in 1, got {dims[-1]}.")
    return [int(d) for d in dims]


def init_network_params(layer_dims, batchnorm: bool = True, rng: np.random.Generator | int = 0) -> dict:
    """He-initialised weights ``W{l} ~ N(0, 2 / n_{l-1})``; ``gamma`` ones and ``beta`` zeros with batch norm,
    zero biases otherwise; the output layer always has ``b{L}``."""
    dims = _check_layer_dims(layer_dims)
    rng = np.random.default_rng(rng)
    L = len(dims) - 1
    params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * np.sqrt(2.0 / dims[l - 1])
        if batchnorm and l < L:
            params[f"gamma{l}"] = np.ones((dims[l], 1))
            params[f"beta{l}"] = np.zeros((dims[l], 1))
        else:
            params[f"b{l}"] = np.zeros((dims[l], 1))
    return params


def _forward(params: dict, X: np.ndarray, L: int, norm: str | None, eps: float, statistics_for):
    """Shared forward pass. ``norm``: ``"batch"``, ``"layer"`` or ``None``. ``statistics_for(l, Z)`` returns
    batch norm's ``(mean, var)`` for layer l or ``(None, None)`` for the batch's own. Returns
    ``(ZL, caches, Zs, Z_tildes)``."""
    A = X
    caches, Zs, Z_tildes = [], [], []
    for l in range(1, L):
        Z, affine_cache = affine_forward(A, params[f"W{l}"], None if norm else params[f"b{l}"])
        Zs.append(Z)
        if norm == "layer":
            Z_tilde, bn_cache = ln_layer_forward(Z, params[f"gamma{l}"], params[f"beta{l}"], eps)
        elif norm == "batch":
            mean, var = statistics_for(l, Z)
            Z_tilde, bn_cache = bn_layer_forward(Z, params[f"gamma{l}"], params[f"beta{l}"], eps, mean, var)
        else:
            Z_tilde, bn_cache = Z, None
        Z_tildes.append(Z_tilde)
        A, relu_cache = relu_forward(Z_tilde)
        caches.append((affine_cache, bn_cache, relu_cache))
    ZL, affine_cache = affine_forward(A, params[f"W{L}"], params[f"b{L}"])
    caches.append((affine_cache, None, None))
    return ZL, caches, Zs, Z_tildes


def _backward(ZL: np.ndarray, Y: np.ndarray, caches: list, L: int) -> dict:
    m = Y.shape[-1]
    grads = {}
    dZ = (_sigmoid(ZL) - Y) / m
    dA, grads[f"dW{L}"], grads[f"db{L}"] = affine_backward(dZ, caches[-1][0])
    for l in range(L - 1, 0, -1):
        affine_cache, bn_cache, relu_cache = caches[l - 1]
        dZ_tilde = relu_backward(dA, relu_cache)
        if bn_cache is not None:
            dZ, grads[f"dgamma{l}"], grads[f"dbeta{l}"] = bn_layer_backward(dZ_tilde, bn_cache)
        else:
            dZ = dZ_tilde
        dA, grads[f"dW{l}"], db = affine_backward(dZ, affine_cache)
        if db is not None:
            grads[f"db{l}"] = db
    return grads


def _batch_statistics(l, Z):
    return None, None


def network_cost_and_gradients(
    params: dict, X: np.ndarray, Y: np.ndarray, *, batchnorm: bool, eps: float = 1e-5, layernorm: bool = False
):
    """Train-mode cost (batch statistics) and the gradient of every parameter, keyed ``d<name>``.

    What one training step computes; the tests gradient-check it with :mod:`course.gradcheck`.
    """
    L = sum(1 for k in params if k.startswith("W"))
    ZL, caches, _, _ = _forward(params, X, L, _norm(batchnorm, layernorm), eps, _batch_statistics)
    return _bce_from_logits(ZL, Y), _backward(ZL, Y, caches, L)


def _check_data(X, Y, n_x: int, name: str):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != n_x:
        raise ValueError(f"{name} must be ({n_x}, m) with examples in columns, got shape {X.shape}.")
    if Y is None:
        return X, None
    Y = np.asarray(Y, dtype=np.float64)
    if Y.shape != (1, X.shape[1]):
        raise ValueError(f"the labels for {name} must be (1, {X.shape[1]}), got shape {Y.shape}.")
    if not np.isin(Y, (0.0, 1.0)).all():
        raise ValueError(f"the labels for {name} must be 0 or 1.")
    return X, Y


def train_network(
    X,
    Y,
    layer_dims,
    *,
    batchnorm: bool = True,
    learning_rate: float = 0.01,
    num_epochs: int = 20,
    mini_batch_size: int = 64,
    momentum: float = 0.9,
    eps: float = 1e-5,
    seed: int = 0,
    X_dev=None,
    Y_dev=None,
    snapshot_every: int | None = None,
    probe_size: int = 256,
    progress: bool = False,
    layernorm: bool = False,
) -> TrainedNetwork:
    """Mini-batch gradient descent on a fresh He-initialised network; returns a :class:`TrainedNetwork`.

    ``seed`` fixes the initialisation and the shuffles. ``momentum`` is batch norm's running-average weight
    (not an optimiser's): the update is plain gradient descent. A run whose mini-batch cost exceeds
    :data:`DIVERGED_COST` or whose weights stop being finite stops there: its history holds ``nan`` from that
    epoch on and its parameters are left as they blew up. It never raises.

    ``snapshot_every=k`` records a :class:`Snapshot` of every hidden layer on a fixed probe batch (the first
    ``probe_size`` training examples) before training and after every k-th step, while the run is finite.

    ``layernorm=True`` puts layer norm in the hidden layers instead of batch norm (``batchnorm`` is then
    ignored): same parameters, no running statistics.
    """
    return train_networks(
        X,
        Y,
        layer_dims,
        [learning_rate],
        batchnorm=batchnorm,
        num_epochs=num_epochs,
        mini_batch_size=mini_batch_size,
        momentum=momentum,
        eps=eps,
        seed=seed,
        X_dev=X_dev,
        Y_dev=Y_dev,
        snapshot_every=snapshot_every,
        probe_size=probe_size,
        progress=progress,
        layernorm=layernorm,
    )[0]


def train_networks(
    X,
    Y,
    layer_dims,
    learning_rates,
    *,
    batchnorm: bool = True,
    num_epochs: int = 20,
    mini_batch_size: int = 64,
    momentum: float = 0.9,
    eps: float = 1e-5,
    seed: int = 0,
    X_dev=None,
    Y_dev=None,
    snapshot_every: int | None = None,
    probe_size: int = 256,
    progress: bool = False,
    layernorm: bool = False,
) -> list[TrainedNetwork]:
    """:func:`train_network` for several learning rates at once, one :class:`TrainedNetwork` per rate.

    Every run starts from the same initialisation and sees the same mini-batches (both from ``seed``), so the
    learning rate is the only difference: a controlled experiment. The runs are stacked along a leading axis
    and trained together, which is what makes a learning-rate sweep fast enough for a notebook; each result is
    exactly what ``train_network(..., learning_rate=rate, seed=seed)`` returns alone.
    """
    dims = _check_layer_dims(layer_dims)
    X, Y = _check_data(X, Y, dims[0], "X")
    if (X_dev is None) != (Y_dev is None):
        raise ValueError("give both X_dev and Y_dev, or neither.")
    if X_dev is not None:
        X_dev, Y_dev = _check_data(X_dev, Y_dev, dims[0], "X_dev")
    rates = np.asarray(learning_rates, dtype=np.float64).reshape(-1)
    if rates.size == 0 or not (np.isfinite(rates).all() and (rates > 0).all()):
        raise ValueError(f"learning rates must be positive numbers, got {learning_rates!r}.")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}.")
    for name, value in (("num_epochs", num_epochs), ("mini_batch_size", mini_batch_size)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if snapshot_every is not None and (int(snapshot_every) != snapshot_every or snapshot_every < 1):
        raise ValueError(f"snapshot_every must be a positive integer or None, got {snapshot_every!r}.")
    with _one_blas_thread(), np.errstate(all="ignore"):
        return _train_stack(
            X,
            Y,
            dims,
            rates,
            _norm(bool(batchnorm), bool(layernorm)),
            int(num_epochs),
            min(int(mini_batch_size), X.shape[1]),
            float(momentum),
            float(eps),
            seed,
            X_dev,
            Y_dev,
            snapshot_every,
            int(probe_size),
            progress,
        )


def _one_blas_thread():
    """Tiny matrices run faster on one BLAS thread than on several fighting over two cores."""
    try:
        from threadpoolctl import threadpool_limits  # ships with scikit-learn
    except ImportError:  # pragma: no cover - scikit-learn is a course dependency
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _train_stack(
    X, Y, dims, rates, norm, num_epochs, size, momentum, eps, seed, X_dev, Y_dev, snapshot_every, probe_size, progress
) -> list[TrainedNetwork]:
    R, L, m = len(rates), len(dims) - 1, X.shape[1]
    rng = np.random.default_rng(seed)
    batchnorm = norm == "batch"
    first = init_network_params(dims, norm is not None, rng)
    params = {k: np.repeat(v[None], R, axis=0) for k, v in first.items()}  # (R, ...) : run r in params[k][r]
    states = (
        {l: {"running_mean": np.zeros((R, dims[l], 1)), "running_var": np.ones((R, dims[l], 1))} for l in range(1, L)}
        if batchnorm
        else {}
    )
    step = rates[:, None, None]
    alive = np.ones(R, dtype=bool)
    history = {"cost": np.full((R, num_epochs), np.nan), "train_accuracy": np.full((R, num_epochs), np.nan)}
    if X_dev is not None:
        history["dev_accuracy"] = np.full((R, num_epochs), np.nan)
    probe = X[:, : min(probe_size, m)]
    snapshots: list[list[Snapshot]] = [[] for _ in range(R)]
    running = lambda l, Z: (states[l]["running_mean"], states[l]["running_var"])  # noqa: E731

    def snap(iteration):
        _, _, Zs, Z_tildes = _forward(params, probe, L, norm, eps, _batch_statistics)
        for r in np.flatnonzero(alive):
            snapshots[r].append(Snapshot(iteration, [z[r].copy() for z in Zs], [z[r].copy() for z in Z_tildes]))

    def accuracies(Xs, Ys):
        ZL = _forward(params, Xs, L, norm, eps, running)[0]
        return np.mean((ZL > 0) == (Ys > 0.5), axis=(-2, -1))

    epochs = range(num_epochs)
    if progress:
        from tqdm.auto import tqdm

        label = {"batch": "with batch norm", "layer": "with layer norm", None: "without batch norm"}[norm]
        epochs = tqdm(epochs, desc=label if R > 1 else f"{label}, lr {rates[0]:.3g}", unit="epoch", leave=False)
    iteration = 0
    if snapshot_every:
        snap(0)
    for epoch in epochs:
        order = rng.permutation(m)
        costs = np.zeros(R)
        right = np.zeros(R)
        batches = 0
        for start in range(0, m, size):
            idx = order[start : start + size]
            Yb = Y[:, idx]
            ZL, caches, _, _ = _forward(params, X[:, idx], L, norm, eps, _batch_statistics)
            batch_costs = np.mean(np.maximum(ZL, 0.0) - ZL * Yb + np.log1p(np.exp(-np.abs(ZL))), axis=(-2, -1))
            costs += batch_costs
            right += np.sum((ZL > 0) == (Yb > 0.5), axis=(-2, -1))
            batches += 1
            grads = _backward(ZL, Yb, caches, L)
            for key in params:
                params[key] -= step * grads["d" + key]
            for l, state in states.items():
                bn_cache = caches[l - 1][1]
                state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * bn_cache["mean"]
                state["running_var"] = momentum * state["running_var"] + (1 - momentum) * bn_cache["var"]
            iteration += 1
            finite = batch_costs < DIVERGED_COST  # False for nan and inf too
            for value in params.values():
                finite &= np.isfinite(value).all(axis=(-2, -1))
            newly_dead = alive & ~finite
            if newly_dead.any():
                alive &= finite
                step = step * alive[:, None, None]  # a diverged run stops moving and keeps its NaN
            if not alive.any():
                break
            if snapshot_every and iteration % snapshot_every == 0:
                snap(iteration)
        if not alive.any():
            break
        history["cost"][alive, epoch] = (costs / batches)[alive]
        history["train_accuracy"][alive, epoch] = (right / m)[alive]
        if X_dev is not None:
            history["dev_accuracy"][alive, epoch] = accuracies(X_dev, Y_dev)[alive]
    if progress and hasattr(epochs, "close"):
        epochs.close()
    return [
        TrainedNetwork(
            list(dims),
            batchnorm,
            {k: v[r].copy() for k, v in params.items()},
            {l: {k: v[r].copy() for k, v in state.items()} for l, state in states.items()},
            {k: [float(x) for x in v[r]] for k, v in history.items()},
            eps,
            snapshots[r],
            norm == "layer",
        )
        for r in range(R)
    ]


def _statistics_lookup(net: TrainedNetwork, statistics: Any):
    if isinstance(statistics, str) and statistics == "batch":
        return _batch_statistics
    if isinstance(statistics, str) and statistics == "running":
        return lambda l, Z: (net.states[l]["running_mean"], net.states[l]["running_var"])
    if isinstance(statistics, dict):
        missing = [l for l in range(1, net.num_layers) if l not in statistics]
        if missing:
            raise ValueError(f"statistics has no entry for hidden layers {missing}.")
        return lambda l, Z: (statistics[l]["mean"], statistics[l]["var"])
    raise ValueError(f'statistics must be "batch", "running" or a dict l -> {{"mean", "var"}}, got {statistics!r}.')


def forward_network(net: TrainedNetwork, X, *, statistics="running") -> tuple[np.ndarray, list[np.ndarray]]:
    """Predicted probabilities ``AL (1, m)`` and the hidden pre-activations ``[Z1, ..., Z_{L-1}]`` (before
    normalisation). ``statistics``: ``"batch"`` (X's own), ``"running"`` (``net.states``) or a dict
    ``l -> {"mean", "var"}``; ignored without batch norm (layer norm has no statistics to choose)."""
    X, _ = _check_data(X, None, net.layer_dims[0], "X")
    lookup = _statistics_lookup(net, statistics) if net.batchnorm else _batch_statistics
    with np.errstate(all="ignore"):
        ZL, _, Zs, _ = _forward(net.params, X, net.num_layers, net.norm, net.eps, lookup)
        return _sigmoid(ZL), Zs


def population_statistics(net: TrainedNetwork, X) -> dict[int, dict[str, np.ndarray]]:
    """Exact mean and (biased) variance of each hidden ``Z[l]`` over all of ``X``, layer by layer in test mode:
    layer l's statistics are measured on inputs normalised with the exact statistics of the layers below."""
    X, _ = _check_data(X, None, net.layer_dims[0], "X")
    found: dict[int, dict[str, np.ndarray]] = {}

    def measure(l, Z):
        found[l] = {"mean": Z.mean(axis=1, keepdims=True), "var": Z.var(axis=1, keepdims=True)}
        return found[l]["mean"], found[l]["var"]

    with np.errstate(all="ignore"):
        _, _, Zs, _ = _forward(net.params, X, net.num_layers, net.norm, net.eps, measure)
    if not net.batchnorm:  # nothing normalised: the statistics of the plain forward pass
        for l, Z in enumerate(Zs, start=1):
            measure(l, Z)
    return found


def accuracy(net: TrainedNetwork, X, Y, *, statistics="running") -> float:
    """Fraction of examples where ``AL > 0.5`` matches the 0/1 label (``nan`` for a diverged network)."""
    AL, _ = forward_network(net, X, statistics=statistics)
    if not np.isfinite(AL).all():
        return float("nan")
    return float(np.mean((AL > 0.5) == (np.asarray(Y) > 0.5)))


# --------------------------------------------------------------------------- the learning-rate experiment

#: The deep network of notebook 03's experiment: 64 pixels, five hidden ReLU layers of 32 units, one output.
EXPERIMENT_LAYER_DIMS = (64, 32, 32, 32, 32, 32, 1)


@dataclass
class LearningRateSweep:
    """Final and per-epoch results of :func:`sweep_learning_rates`: ``runs[True]`` with batch norm,
    ``runs[False]`` without, one :class:`TrainedNetwork` per entry of ``learning_rates``."""

    learning_rates: np.ndarray
    runs: dict[bool, list[TrainedNetwork]]
    seed: int

    def final_dev_accuracy(self, batchnorm: bool) -> np.ndarray:
        """``(k,)`` dev accuracy after the last epoch, ``nan`` for a diverged run."""
        return np.array([net.history["dev_accuracy"][-1] for net in self.runs[batchnorm]])

    def good(self, batchnorm: bool, threshold: float = 0.9) -> np.ndarray:
        """``(k,)`` booleans: which learning rates reached ``threshold`` dev accuracy."""
        with np.errstate(invalid="ignore"):
            return self.final_dev_accuracy(batchnorm) >= threshold

    def good_decades(self, batchnorm: bool, threshold: float = 0.9) -> float:
        """How many decades of learning rate worked: the good count times the grid's spacing in decades."""
        spacing = np.log10(self.learning_rates[-1] / self.learning_rates[0]) / (len(self.learning_rates) - 1)
        return float(self.good(batchnorm, threshold).sum() * spacing)


def sweep_learning_rates(
    data,
    *,
    learning_rates=None,
    layer_dims=EXPERIMENT_LAYER_DIMS,
    num_epochs: int = 10,
    mini_batch_size: int = 64,
    seed: int = 0,
    progress: bool = False,
) -> LearningRateSweep:
    """Train the same deep network with and without batch norm at every learning rate (defaults: 13 rates
    spaced evenly in ``log10`` from 1e-3 to 10, notebook 02's lesson), on ``data`` (a
    :class:`course.data.DigitsBinary`); each rate starts from the same weights and sees the same batches."""
    rates = np.logspace(-3, 1, 13) if learning_rates is None else np.asarray(learning_rates, dtype=np.float64)
    if rates.ndim != 1 or len(rates) < 2 or np.any(np.diff(rates) <= 0):
        raise ValueError("learning_rates must be at least two increasing numbers.")
    runs = {
        flag: train_networks(
            data.X_train,
            data.Y_train,
            list(layer_dims),
            rates,
            batchnorm=flag,
            num_epochs=num_epochs,
            mini_batch_size=mini_batch_size,
            seed=seed,
            X_dev=data.X_dev,
            Y_dev=data.Y_dev,
            progress=progress,
        )
        for flag in (False, True)
    }
    return LearningRateSweep(rates, runs, int(seed))


# --------------------------------------------------------------------------- batch size: batch norm vs layer norm


@dataclass
class BatchSizeComparison:
    """Results of :func:`compare_batch_sizes`, one entry per batch size, for ``"batch"`` and ``"layer"`` norm.

    ``test_accuracy[norm]``: ``(k,)`` accuracy on the test set, each example predicted alone (batch norm with
    its running statistics). ``train_accuracy[norm]``: ``(k,)`` over the last epoch's mini-batches as training
    saw them (batch norm in train mode, normalised with each mini-batch's own statistics).
    """

    batch_sizes: np.ndarray
    test_accuracy: dict[str, np.ndarray]
    train_accuracy: dict[str, np.ndarray]


def compare_batch_sizes(
    data,
    *,
    batch_sizes=(2, 4, 32),
    layer_dims=(64, 32, 16, 1),
    learning_rate: float = 0.1,
    num_epochs: int = 3,
    seed: int = 0,
) -> BatchSizeComparison:
    """Train the same network with batch norm and with layer norm at each mini-batch size, from the same
    weights (``seed``), on ``data`` (a :class:`course.data.DigitsBinary`); cs231n's batch-size experiment."""
    sizes = np.asarray(batch_sizes, dtype=int)
    test = {norm: np.empty(len(sizes)) for norm in ("batch", "layer")}
    train = {norm: np.empty(len(sizes)) for norm in ("batch", "layer")}
    for i, size in enumerate(sizes):
        for norm in ("batch", "layer"):
            net = train_network(
                data.X_train,
                data.Y_train,
                list(layer_dims),
                learning_rate=learning_rate,
                num_epochs=num_epochs,
                mini_batch_size=int(size),
                seed=seed,
                layernorm=norm == "layer",
            )
            test[norm][i] = accuracy(net, data.X_test, data.Y_test)
            train[norm][i] = net.history["train_accuracy"][-1]
    return BatchSizeComparison(sizes, test, train)
