"""Argument checks shared by the helpers: one sentence that says what was expected (COURSE_SPEC §2)."""

from __future__ import annotations

import numpy as np

__all__ = ["require_int"]


def require_int(name: str, value, minimum: int, maximum: int | None = None) -> int:
    """``value`` as an ``int`` in ``[minimum, maximum]``; ``TypeError`` for a non-integer, ``ValueError`` out of
    range."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}.")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ValueError(f"{name} must be at least {minimum}{upper}, got {value}.")
    return int(value)
