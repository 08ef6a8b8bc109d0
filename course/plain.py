"""Plain data across a process boundary: what a test's kernel part hands to its judge.

The grader runs a test's probe in the student's kernel and its checks in a process of its own
(``autograder/judge.py``). Between the two travels only data: ``None``, booleans, numbers, strings, and
lists, tuples, sets and dicts of them, written as JSON; numpy arrays and numpy scalars as ``.npy`` bytes,
read back with ``allow_pickle=False``. Whatever the kernel sends, :func:`loads` builds nothing but those
types, of numpy's and Python's own classes: a subclass of ``ndarray``, ``np.int64`` or ``int`` arrives as
its base class, with the values it holds and none of its methods. A value of any other kind arrives as an
:class:`Opaque` stand-in that keeps only its type's name (so a check can still say "it is a generator").

:func:`export` runs in the kernel (``course`` is the one package a grading kernel can import); a student
can replace it, which changes nothing: the judge trusts no more than the data it is given.
"""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["Opaque", "TooLarge", "encode", "decode", "dumps", "loads", "export", "MAX_BYTES"]

MAX_BYTES = 32 * 1024 * 1024  # one export, as JSON text: a flood of data is refused, never parsed
MAX_DEPTH = 32
_TAGS = ("npy", "tuple", "set", "dict", "float", "opaque")


class TooLarge(ValueError):
    """An export over its cap: refused where it is written (the kernel) and again where it is read."""


class Opaque:
    """A value that is not plain data, known only by its type's name (subclasses are named after it)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} that is not plain data>"


def _opaque(type_name: str) -> Opaque:
    name = type_name if type_name.isidentifier() else "object"
    return type(name, (Opaque,), {})()


def _npy(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-ready plain data (tagged where JSON has no word for it)."""
    if depth > MAX_DEPTH:
        return {"opaque": "nested too deep"}
    if value is None or isinstance(value, bool):
        return None if value is None else value is True
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.hasobject:
            return {"opaque": type(value).__name__}
        return {"npy": _npy(array), "scalar": isinstance(value, np.generic)}
    if isinstance(value, int):
        return int.__index__(value)
    if isinstance(value, float):
        number = float.__float__(value)
        return number if math.isfinite(number) else {"float": repr(number)}
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [
            encode(v, depth + 1) for v in (sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value)
        ]
        return items if isinstance(value, list) else {"tuple" if isinstance(value, tuple) else "set": items}
    if isinstance(value, dict):
        return {"dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    return {"opaque": type(value).__name__}


def decode(data: Any, depth: int = 0) -> Any:
    """The value :func:`encode` wrote, built only from Python's and numpy's own types."""
    if depth > MAX_DEPTH:
        raise ValueError("plain data nested too deep")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v, depth + 1) for v in data]
    if type(data) is not dict or len(data) not in (1, 2) or not any(tag in data for tag in _TAGS):
        raise ValueError(f"not plain data: {type(data).__name__}")
    if "npy" in data:
        array = np.load(io.BytesIO(base64.b64decode(str(data["npy"]), validate=True)), allow_pickle=False)
        return array[()] if data.get("scalar") is True else array
    if "tuple" in data:
        return tuple(decode(v, depth + 1) for v in _list(data["tuple"]))
    if "set" in data:
        return {_hashable(decode(v, depth + 1)) for v in _list(data["set"])}
    if "dict" in data:
        return {
            _hashable(decode(k, depth + 1)): decode(v, depth + 1) for k, v in (_pair(p) for p in _list(data["dict"]))
        }
    if "float" in data:
        return float({"nan": "nan", "inf": "inf", "-inf": "-inf"}[str(data["float"])])
    return _opaque(str(data["opaque"])[:80])


def _list(value: Any) -> list:
    if type(value) is not list:
        raise ValueError("not plain data: a tagged value without its list")
    return value


def _pair(value: Any) -> tuple:
    if type(value) is not list or len(value) != 2:
        raise ValueError("not plain data: a dict entry that is not a (key, value) pair")
    return value[0], value[1]


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        raise ValueError(f"not plain data: an unhashable {type(value).__name__} as a dict key") from None
    return value


def dumps(values: Mapping[str, Any]) -> str:
    """``name -> value`` as one JSON text."""
    return json.dumps({str(k): encode(v) for k, v in values.items()}, allow_nan=False)


def loads(text: str, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """:func:`dumps`' text back as ``name -> value``; :class:`TooLarge` past ``max_bytes`` characters (before
    anything is parsed), ``ValueError`` for anything else that is not plain data."""
    if not isinstance(text, str):
        raise ValueError("plain data must be text")
    if len(text) > max_bytes:
        raise TooLarge(f"plain data of {len(text)} characters, over the cap of {max_bytes}")
    raw = json.loads(text)
    if type(raw) is not dict:
        raise ValueError("plain data must be a JSON object of names")
    return {str(name): decode(value) for name, value in raw.items()}


def export(names: Iterable[str], namespace: Mapping[str, Any], max_bytes: int = MAX_BYTES) -> str:
    """In the kernel: the values bound to ``names`` in ``namespace`` (the missing ones left out), as JSON;
    :class:`TooLarge` past ``max_bytes`` characters, so a huge value never leaves the kernel."""
    text = dumps({name: namespace[name] for name in names if name in namespace})
    if len(text) > max_bytes:
        raise TooLarge(f"plain data of {len(text)} characters, over the cap of {max_bytes}")
    return text
