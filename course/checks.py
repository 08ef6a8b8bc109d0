"""Assertions for notebook test cells: one sentence on failure, one short line on success.

Every test cell in the course calls these instead of bare ``assert``s, so that a student reads *what* is
wrong and the likely fix ("`softmax(Z)` has columns summing to 2.7, expected 1: did you normalise over
axis 0?"), and so that a hostile answer cannot slip through with an object whose ``__eq__`` is always true:
values are converted with ``numpy.asarray`` and compared by tolerance, types are checked first.

Order of checks inside one test: type, then shape, then value. Each helper raises ``AssertionError`` with a
single sentence; ``hint`` (when given) is appended after a colon, so callers can name the common mistake.

Success lines go to stdout (nbgrader scores a test cell with any stderr output as zero).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "CheckError",
    "passed",
    "check_type",
    "check_shape",
    "check_dtype_kind",
    "check_close",
    "check_equal",
    "check_in_range",
    "check_probability_columns",
    "check_monotone",
    "check_finite",
    "check_raises",
    "outcome",
    "check_raised",
    "kind",
    "check_kind",
    "values_of",
    "tensor_facts",
    "check_uniform",
    "check_decade_balance",
    "check_true",
    "check_same_rows",
    "check_close_or_mistake",
    "check_frequencies",
]


class CheckError(AssertionError):
    """An ``AssertionError`` whose message is the sentence a student reads."""


def _fail(message: str, hint: str | None = None) -> None:
    text = message.rstrip(".")
    if hint:
        text += ": " + hint.rstrip(".")
    raise CheckError(text + ".")


def _short(value: Any, limit: int = 60) -> str:
    """A compact repr for messages: arrays summarised, long text cut."""
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            text = np.array2string(value, precision=4, separator=", ").replace("\n", "")
        else:
            text = f"array of shape {value.shape}"
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def passed(what: str) -> None:
    """Print the one short line a passing test shows."""
    print(f"\u2713 {what}")


def check_true(condition: bool, message: str, hint: str | None = None) -> None:
    """Fail with ``message`` unless ``condition`` is exactly a true bool (numpy bools allowed)."""
    if not isinstance(condition, (bool, np.bool_)) or not bool(condition):
        _fail(message, hint)


def check_type(value: Any, expected: type | tuple[type, ...], name: str, hint: str | None = None) -> None:
    """``value`` must be an instance of ``expected``; bools never count as numbers."""
    expected_tuple = expected if isinstance(expected, tuple) else (expected,)
    is_bool = isinstance(value, (bool, np.bool_))
    bool_wanted = any(t in (bool, np.bool_) for t in expected_tuple)
    if not isinstance(value, expected_tuple) or (is_bool and not bool_wanted):
        names = " or ".join(getattr(t, "__name__", str(t)) for t in expected_tuple)
        _fail(f"`{name}` should be a {names}, but it is a {type(value).__name__}", hint)


def _as_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        # a subclass becomes a plain view of its data: its overrides (a lying __array_function__) never run
        return value if type(value) is np.ndarray else np.ndarray.view(value, np.ndarray)
    # Only plain numbers, sequences and objects exposing __array__ (e.g. tf.Tensor) become arrays; anything
    # else (None, a dict, a custom object) is reported rather than silently wrapped as an object array.
    if value is None or isinstance(value, (str, bytes, dict, set)):
        _fail(f"`{name}` should be an array of numbers, but it is {type(value).__name__}")
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - any conversion failure is the student's, and is explained
        _fail(f"`{name}` cannot be turned into a numpy array (it is a {type(value).__name__})")
    if array.dtype == object:
        _fail(f"`{name}` should be an array of numbers, but it holds {type(value).__name__} objects")
    return array


def check_shape(value: Any, expected: tuple[int, ...], name: str, hint: str | None = None) -> np.ndarray:
    """``value`` must be array-like with exactly ``expected`` shape; returns it as an array."""
    array = _as_array(value, name)
    if array.shape != tuple(expected):
        if hint is None and array.shape == tuple(reversed(expected)) and len(expected) == 2:
            hint = "it looks transposed (columns are examples in this notebook)"
        _fail(f"`{name}` has shape {array.shape}, expected {tuple(expected)}", hint)
    return array


def check_dtype_kind(value: Any, kinds: str, name: str, hint: str | None = None) -> np.ndarray:
    """``value``'s dtype kind must be one of ``kinds`` ('i' int, 'u' unsigned, 'f' float, 'b' bool)."""
    array = _as_array(value, name)
    if array.dtype.kind not in kinds:
        wanted = {"i": "integer", "u": "unsigned integer", "f": "floating-point", "b": "boolean"}
        words = " or ".join(wanted.get(k, k) for k in kinds)
        _fail(f"`{name}` has dtype {array.dtype}, expected {words} numbers", hint)
    return array


def check_finite(value: Any, name: str, hint: str | None = None) -> np.ndarray:
    """Every entry of ``value`` must be finite (no NaN, no inf)."""
    array = _as_array(value, name)
    if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        _fail(f"`{name}` has {bad} NaN or infinite entr{'y' if bad == 1 else 'ies'}", hint)
    return array


def check_close(
    value: Any,
    expected: Any,
    name: str,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    hint: str | None = None,
    shape_hint: str | None = None,
) -> np.ndarray:
    """``value`` must match ``expected`` in shape and, entry by entry, within the tolerances.

    ``shape_hint`` replaces the shape check's default hint (which reads a swapped 2-D shape as "transposed,
    columns are examples"): pass one wherever rows are not examples.
    """
    want = np.asarray(expected, dtype=float)
    got = check_shape(value, want.shape, name, shape_hint)
    if got.dtype.kind not in "iufb":
        _fail(f"`{name}` should hold numbers, but its dtype is {got.dtype}", hint)
    got = got.astype(float)
    if np.any(np.isnan(got)) and not np.any(np.isnan(want)):
        _fail(f"`{name}` contains NaN", hint)
    close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if not np.all(close):
        if want.ndim == 0:
            _fail(f"`{name}` is {_short(float(got))}, expected {_short(float(want))}", hint)
        index = tuple(int(i) for i in np.argwhere(~close)[0])
        worst = float(np.max(np.abs(got - want)[~close]))
        _fail(
            f"`{name}` differs from the expected values at {int(np.count_nonzero(~close))} of "
            f"{want.size} entries (first at index {index}: got {_short(float(got[index]))}, expected "
            f"{_short(float(want[index]))}; largest difference {worst:.3g})",
            hint,
        )
    return got


def check_equal(value: Any, expected: Any, name: str, hint: str | None = None) -> None:
    """Exact equality for plain values (ints, strings, tuples, dicts), with types compared first.

    The comparison is done from ``expected``'s side and the types must match, so an object whose
    ``__eq__`` always returns True cannot pass.
    """
    # Exact types only (a subclass could override __eq__); numpy's own integer types count as ints.
    plain_int = type(value) is int or (isinstance(value, np.integer) and type(value).__module__ == "numpy")
    if type(value) is not type(expected) and not (plain_int and type(expected) is int):
        _fail(
            f"`{name}` should be a {type(expected).__name__} equal to {_short(expected)}, "
            f"but it is a {type(value).__name__}",
            hint,
        )
    same = expected == value  # `expected` on the left: its own __eq__ decides, not the student's object
    if not (isinstance(same, (bool, np.bool_)) and bool(same)):
        _fail(f"`{name}` is {_short(value)}, expected {_short(expected)}", hint)


def check_in_range(
    value: Any,
    low: float,
    high: float,
    name: str,
    *,
    inclusive: bool = True,
    hint: str | None = None,
) -> np.ndarray:
    """Every entry of ``value`` lies in ``[low, high]`` (or ``[low, high)`` when ``inclusive`` is False)."""
    array = _as_array(value, name).astype(float)
    above = array > high if inclusive else array >= high
    outside = (array < low) | above | np.isnan(array)
    if np.any(outside):
        count = int(np.count_nonzero(outside))
        example = float(array[outside].flat[0])
        bracket = "]" if inclusive else ")"
        _fail(
            f"{count} of {array.size} values of `{name}` fall outside [{low:g}, {high:g}{bracket} "
            f"(for example {example:.6g})",
            hint,
        )
    return array


def check_probability_columns(value: Any, name: str, *, axis: int = 0, atol: float = 1e-6) -> np.ndarray:
    """Entries in [0, 1] and each slice along ``axis`` summing to 1 (columns, by the numpy convention)."""
    array = _as_array(value, name).astype(float)
    check_finite(array, name, hint="look for an overflow in exp(): subtract the column maximum first")
    if np.any(array < -atol) or np.any(array > 1 + atol):
        _fail(f"`{name}` has entries outside [0, 1] (from {array.min():.3g} to {array.max():.3g})")
    sums = array.sum(axis=axis)
    if not np.allclose(sums, 1.0, atol=atol):
        worst = float(sums.flat[int(np.argmax(np.abs(sums - 1.0)))])
        where = "columns" if axis == 0 else "rows"
        other = 1 - axis if array.ndim == 2 else "the other axis"
        _fail(
            f"the {where} of `{name}` must each sum to 1, but one sums to {worst:.4g}",
            f"did you normalise over axis {axis} (not axis {other})?",
        )
    return array


def check_monotone(
    value: Any, name: str, *, increasing: bool = True, strict: bool = False, hint: str | None = None
) -> np.ndarray:
    """A 1-D sequence that never goes down (or never up, with ``increasing=False``)."""
    array = _as_array(value, name).astype(float).ravel()
    steps = np.diff(array) if increasing else -np.diff(array)
    bad = steps <= 0 if strict else steps < 0
    if np.any(bad):
        i = int(np.argmax(bad))
        word = "increase" if increasing else "decrease"
        _fail(
            f"`{name}` should {'strictly ' if strict else ''}{word}, but goes from "
            f"{array[i]:.6g} to {array[i + 1]:.6g} at position {i}",
            hint,
        )
    return array


def check_raises(
    call: Callable[[], Any],
    exception: type[BaseException] | tuple[type[BaseException], ...],
    what: str,
    hint: str | None = None,
) -> BaseException:
    """``call()`` must raise ``exception``; ``what`` describes the bad input ("a range with low > high")."""
    expected = exception if isinstance(exception, tuple) else (exception,)
    try:
        call()
    except expected as error:  # the behaviour we want
        return error
    except Exception as error:  # noqa: BLE001 - a different error is the mistake we explain
        check_raised(_outcome_of(error), exception, what, hint)
    check_raised(_outcome_of(None), exception, what, hint)
    raise AssertionError("unreachable")  # pragma: no cover


def outcome(call: Callable[[], Any]) -> dict:
    """What ``call()`` did, as plain data a test's judge can read: the exception it raised (its class and the
    names of every class it derives from, and its message), or ``{"raised": None}`` when it returned."""
    try:
        call()
    except Exception as error:  # noqa: BLE001 - recorded, then judged by check_raised
        return _outcome_of(error)
    return _outcome_of(None)


def _outcome_of(error: BaseException | None) -> dict:
    if error is None:
        return {"raised": None, "kinds": [], "message": ""}
    return {"raised": type(error).__name__, "kinds": [c.__name__ for c in type(error).__mro__], "message": str(error)}


def check_raised(
    result: Any,
    exception: type[BaseException] | tuple[type[BaseException], ...],
    what: str,
    hint: str | None = None,
) -> None:
    """:func:`outcome`'s record must show ``exception`` (or a subclass) raised, with check_raises' sentences."""
    expected = exception if isinstance(exception, tuple) else (exception,)
    names = " or ".join(e.__name__ for e in expected)
    if not isinstance(result, dict) or not isinstance(result.get("kinds"), (list, tuple)):
        _fail(f"{what}: the test could not tell whether it raised {names}")
    if any(e.__name__ in result["kinds"] for e in expected):
        return
    if result.get("raised"):
        _fail(f"{what} should raise {names}, but it raised {result['raised']}: {result.get('message', '')}", hint)
    _fail(f"{what} should raise {names}, but nothing was raised", hint)


def kind(value: Any, expected: type | tuple[type, ...]) -> dict:
    """In a probe: whether ``value`` is an instance of ``expected`` (a class only the kernel has, such as
    ``tf.Variable``), as plain data a test's judge can read: its type's name, the expected names, the answer."""
    expected_tuple = expected if isinstance(expected, tuple) else (expected,)
    return {
        "type": type(value).__name__,
        "expected": [getattr(t, "__name__", str(t)) for t in expected_tuple],
        "instance": isinstance(value, expected_tuple),
    }


def check_kind(record: Any, name: str, hint: str | None = None) -> None:
    """:func:`kind`'s record must show an instance of the expected class, with :func:`check_type`'s sentence."""
    if not isinstance(record, dict) or not isinstance(record.get("expected"), (list, tuple)):
        _fail(f"`{name}`: the test could not tell what type it is")
    if record.get("instance") is not True:
        names = " or ".join(str(n) for n in record["expected"])
        _fail(f"`{name}` should be a {names}, but it is a {record.get('type')}", hint)


def values_of(value: Any) -> Any:
    """In a probe: a tensor's (or a Variable's) values as a numpy array, inside lists, tuples and dicts too, and
    anything else unchanged, so that only plain data leaves the kernel and the judge's checks describe a wrong
    kind of value as they would in the lab."""
    if isinstance(value, list):
        return [values_of(v) for v in value]
    if isinstance(value, tuple):
        return tuple(values_of(v) for v in value)
    if isinstance(value, dict):
        return {k: values_of(v) for k, v in value.items()}
    if value is None or isinstance(value, (np.ndarray, np.generic, bool, int, float, str, bytes, set)):
        return value
    if hasattr(value, "__array__"):
        try:
            return np.asarray(value)
        except Exception:  # noqa: BLE001 - left as it is: the check names its type
            return value
    return value


def tensor_facts(value: Any, expected: type | tuple[type, ...]) -> dict:
    """In a probe: what a check needs to know of a tensor: :func:`kind` (``value`` against ``expected``), the
    name of its dtype (None when it has none) and :func:`values_of` it."""
    dtype = getattr(value, "dtype", None)
    return {
        "kind": kind(value, expected),
        "dtype": None if dtype is None else str(getattr(dtype, "name", dtype)),
        "values": values_of(value),
    }


def check_uniform(
    samples: Any,
    low: float,
    high: float,
    name: str,
    *,
    bins: int = 10,
    hint: str | None = None,
) -> None:
    """``samples`` look uniform on ``[low, high]``: every one of ``bins`` equal bins holds its share.

    The tolerance is six standard deviations of a binomial count, so a correct sampler fails with
    probability far below one in a million while the usual mistakes (a skewed or a wrong range) fail.
    """
    array = check_in_range(samples, low, high, name)
    n = array.size
    if n < 20 * bins:
        raise ValueError(f"check_uniform needs at least {20 * bins} samples, got {n}.")
    counts, _ = np.histogram(array, bins=bins, range=(low, high))
    p = 1.0 / bins
    tolerance = 6.0 * math.sqrt(n * p * (1 - p))
    worst = int(np.argmax(np.abs(counts - n * p)))
    if abs(counts[worst] - n * p) > tolerance:
        left = low + worst * (high - low) / bins
        _fail(
            f"`{name}` is not uniform on [{low:g}, {high:g}]: the bin starting at {left:.4g} holds "
            f"{counts[worst]} of {n} samples, expected about {n * p:.0f}",
            hint,
        )


def check_decade_balance(
    counts: Sequence[int] | np.ndarray,
    name: str,
    *,
    hint: str | None = None,
) -> None:
    """Per-decade counts of a log-uniform sample must be about equal (six binomial sigmas)."""
    array = _as_array(counts, name).astype(float).ravel()
    n = array.sum()
    k = array.size
    p = 1.0 / k
    tolerance = 6.0 * math.sqrt(n * p * (1 - p))
    worst = int(np.argmax(np.abs(array - n * p)))
    if abs(array[worst] - n * p) > tolerance:
        share = array[worst] / n if n else 0.0
        _fail(
            f"each of the {k} decades should hold about {100 * p:.0f}% of `{name}`, but decade {worst} "
            f"holds {100 * share:.0f}%",
            hint,
        )


def check_same_rows(
    value: Any,
    expected: Any,
    name: str,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    hint: str | None = None,
) -> np.ndarray:
    """``value`` holds the same rows as ``expected`` in any order (for sets of points such as a grid).

    Shapes must match; then every expected row must appear in ``value`` and every row of ``value`` must be
    expected, within the tolerances. Meant for rows that are distinct, as grid points are.
    """
    want = np.asarray(expected, dtype=float)
    if want.ndim != 2:
        raise ValueError(f"check_same_rows compares 2-D arrays, got expected of shape {want.shape}.")
    got = check_shape(value, want.shape, name, hint)
    if got.dtype.kind not in "iuf":
        _fail(f"`{name}` should hold numbers, but its dtype is {got.dtype}", hint)
    got = got.astype(float)
    close = np.all(np.isclose(got[:, None, :], want[None, :, :], rtol=rtol, atol=atol), axis=2)
    missing = ~close.any(axis=0)
    if np.any(missing):
        example = want[int(np.argmax(missing))]
        _fail(
            f"`{name}` is missing {int(missing.sum())} of the {want.shape[0]} expected rows "
            f"(for example {_short(example)})",
            hint,
        )
    stray = ~close.any(axis=1)
    if np.any(stray):
        example = got[int(np.argmax(stray))]
        _fail(f"`{name}` has {int(stray.sum())} unexpected rows (for example {_short(example)})", hint)
    return got


def check_close_or_mistake(
    value: Any,
    expected: Any,
    name: str,
    *,
    mistakes: Sequence[tuple[Any, str]] = (),
    rtol: float = 1e-6,
    atol: float = 1e-8,
    hint: str | None = None,
) -> np.ndarray:
    """Like :func:`check_close`, but a wrong value that matches a known mistake gets that mistake's hint.

    ``mistakes`` pairs the value a common mistake produces with the sentence that explains it, e.g.
    ``[(box_of_highest_scores, "keep the lowest scores: they are losses")]``. When ``value`` is not close to
    ``expected`` but is close to one of them, the failure names that mistake; otherwise ``hint`` is used.
    """
    want = np.asarray(expected, dtype=float)
    got = check_shape(value, want.shape, name, hint)
    if got.dtype.kind in "iufb":
        as_float = got.astype(float)
        if not np.allclose(as_float, want, rtol=rtol, atol=atol, equal_nan=True):
            for wrong, explanation in mistakes:
                wrong = np.asarray(wrong, dtype=float)
                if wrong.shape == want.shape and np.allclose(as_float, wrong, rtol=rtol, atol=atol, equal_nan=True):
                    hint = explanation
                    break
    return check_close(got, want, name, rtol=rtol, atol=atol, hint=hint)


def check_frequencies(
    values: Sequence[Any],
    options: Sequence[Any],
    name: str,
    *,
    hint: str | None = None,
) -> None:
    """Each of ``options`` is drawn about equally often in ``values`` (six binomial standard deviations).

    For discrete draws (a whole number from a range, one of several choices). Options are compared with
    ``==`` from the option's side, so ``None`` and strings work. A correct uniform draw fails with
    probability below one in a million per option; drawing the two end values half as often as the others
    (rounding a uniform float) fails with a few hundred draws.
    """
    options = list(options)
    draws = list(values)
    n, k = len(draws), len(options)
    if k < 2 or n < 20 * k:
        raise ValueError(f"check_frequencies needs at least two options and {20 * k} draws, got {k} and {n}.")
    counts = [sum(1 for v in draws if (v is None if o is None else bool(o == v))) for o in options]
    p = 1.0 / k
    tolerance = 6.0 * math.sqrt(n * p * (1 - p))
    worst = int(np.argmax([abs(c - n * p) for c in counts]))
    if abs(counts[worst] - n * p) > tolerance:
        _fail(
            f"`{name}` took the value {options[worst]!r} in {counts[worst]} of {n} draws, expected about "
            f"{n * p:.0f} (each of the {k} values equally likely)",
            hint,
        )
