"""Calling a student's function from a visualizer: unfinished or broken work becomes a note, never a traceback."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["call_student"]


def call_student(name: str, thunk: Callable[[], object]) -> tuple[object | None, str]:
    """Run ``thunk`` (which calls the student's ``name``); return ``(result, "")`` or ``(None, note)``.

    ``NotImplementedError`` (the released stub) becomes an invitation to write the function; any other
    error becomes a note that names it, so the picture still draws.
    """
    try:
        return thunk(), ""
    except NotImplementedError:
        return None, f"Write {name} above and run its cell: this panel uses your function."
    except Exception as error:  # noqa: BLE001 - any failure of student code is shown, not raised
        return None, f"Your {name} raised {type(error).__name__}: {error}"[:200]
