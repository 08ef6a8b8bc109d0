"""Central-difference gradient checks: the numbers a backward pass must agree with.

Used by notebook 03 (batch norm backward), 05 (softmax gradients) and their tests. Work in float64: with
``h = 1e-5`` the central difference ``(f(x + h) - f(x - h)) / 2h`` is accurate to about ``h**2`` relative to
the curvature, so a correct analytic gradient agrees to a relative error around 1e-9 to 1e-7, and a wrong
one (a missing term, a transposed factor) is off by 1e-2 or more.

``numeric_gradient`` perturbs its argument in place and restores it, entry by entry, so ``f`` may close over
the very array it is given (the usual ``lambda: cost(W)`` style).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["numeric_gradient", "numeric_gradient_of_output", "relative_error", "check_gradient"]


def numeric_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of the scalar ``f`` at ``x``.

    Inputs:
        f: takes an array shaped like ``x`` and returns a number.
        x: float array (any shape); changed during the call and restored before it returns.
        h: step size.

    Returns:
        An array shaped like ``x``: entry ``i`` is ``(f(x + h e_i) - f(x - h e_i)) / (2 h)``.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(
            f"x must be a float numpy array, got {type(x).__name__} {getattr(x, 'dtype', '')}".strip() + "."
        )
    if not h > 0:
        raise ValueError(f"h must be positive, got {h!r}.")
    grad = np.zeros_like(x, dtype=np.float64)
    with np.nditer(x, flags=["multi_index"], op_flags=["readwrite"]) as it:
        for entry in it:
            index = it.multi_index
            original = float(entry)
            x[index] = original + h
            plus = float(f(x))
            x[index] = original - h
            minus = float(f(x))
            x[index] = original
            grad[index] = (plus - minus) / (2.0 * h)
    return grad


def numeric_gradient_of_output(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, upstream: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Gradient of ``sum(f(x) * upstream)`` at ``x``: how to check a backward pass that takes ``dout``.

    ``f`` returns an array shaped like ``upstream`` (a layer's output); the result is what the layer's
    backward pass must return for ``x`` when it is handed ``upstream`` as the output's gradient.
    """
    upstream = np.asarray(upstream, dtype=np.float64)
    return numeric_gradient(lambda value: float(np.sum(np.asarray(f(value), dtype=np.float64) * upstream)), x, h)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``||a - b|| / (||a|| + ||b||)`` (Euclidean norms), 0 when both are zero.

    Symmetric in ``a`` and ``b`` and scale-free, so one threshold (1e-7 in float64) serves every gradient;
    norms rather than entry by entry, so an entry that is zero up to rounding cannot blow the ratio up.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare arrays of shapes {a.shape} and {b.shape}.")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def check_gradient(
    analytic: np.ndarray, numeric: np.ndarray, name: str, *, tolerance: float = 1e-7, hint: str | None = None
) -> float:
    """Fail with one sentence unless ``analytic`` matches ``numeric`` to ``tolerance``; returns the error.

    Shape first (a gradient has its parameter's shape), then the relative error.
    """
    from course import checks

    numeric = np.asarray(numeric, dtype=np.float64)
    got = checks.check_shape(analytic, numeric.shape, name, hint="a gradient has the shape of what it differentiates")
    checks.check_finite(got, name, hint)
    error = relative_error(got, numeric)
    if not error <= tolerance:
        checks._fail(
            f"`{name}` disagrees with the numerical gradient: relative error {error:.2e}, expected at most "
            f"{tolerance:.0e}",
            hint,
        )
    return error
