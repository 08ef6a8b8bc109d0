"""Attacks on notebooks 01, 03 and 06 that once earned full marks for wrong or blank work, because the hidden
tests ran in the kernel the student controls (issue 21). Each is graded through the real pipeline beside a correct
neighbour; the tests are judged outside the kernel (``autograder/judge.py``), so each loses what it did wrong.

``score_lost`` is what each case must lose against the correct submission's score, by test cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ASSIGNMENT = "01_tuning_process"
NAMES = (
    '["learning_rate", "momentum_beta", "mini_batch_size", "hidden_units", "num_layers", '
    '"learning_rate_decay", "adam_beta1", "adam_beta2", "adam_epsilon"]'
)

# Every failing test's error leaves the kernel no more, below everything the guard watches: ZMQ's own send drops
# error messages and rewrites an execute_reply with an error as a success (signed again with the kernel's key),
# so nbgrader sees no error in any test cell.
SILENCE_ERRORS = """
import json as _json
import zmq as _zmq
_session = get_ipython().kernel.session
_send_multipart = _zmq.Socket.send_multipart
def _quiet(self, parts, *args, **kwargs):
    parts = [bytes(p) if not isinstance(p, bytes) else p for p in parts]
    if b"<IDS|MSG>" in parts:
        i = parts.index(b"<IDS|MSG>")
        kind = _json.loads(parts[i + 2]).get("msg_type")
        if kind == "error":
            return None
        if kind == "execute_reply":
            content = _json.loads(parts[i + 5])
            if content.get("status") == "error":
                content = {"status": "ok", "execution_count": content.get("execution_count"), "payload": [],
                           "user_expressions": {}}
                parts[i + 5] = _json.dumps(content).encode()
                parts[i + 1] = _session.sign(parts[i + 2:i + 6])
    return _send_multipart(self, parts, *args, **kwargs)
_zmq.Socket.send_multipart = _quiet
"""
IOPUB_FILTER = SILENCE_ERRORS + "TUNING_PRIORITY = {name: None for name in " + NAMES + "}\n"

_VALIDATE = """
    bounds = np.asarray(ranges, dtype=float)
    if bounds.ndim != 2 or bounds.shape[1] != 2 or np.any(bounds[:, 0] >= bounds[:, 1]):
        raise ValueError("ranges must be (low, high) pairs with low < high")
    if points_per_axis < 1:
        raise ValueError("points_per_axis must be at least 1")
    shape = (points_per_axis ** len(bounds), len(bounds))
"""

# An all-zero grid in an ndarray subclass whose numpy functions say whatever the checks want to hear.
LYING_ARRAY = (
    """
class _Agreeable(np.ndarray):
    def __array_function__(self, func, types, args, kwargs):
        if func in (np.isclose, np.isnan, np.isfinite):
            shape = np.broadcast_shapes(*(np.shape(a) for a in args[:2] if not isinstance(a, bool)))
            return np.full(shape, func is not np.isnan)
        if func in (np.all, np.allclose):
            return True
        if func in (np.any,):
            return False
        return super().__array_function__(func, types, args, kwargs)

def grid_search(ranges, points_per_axis):"""
    + _VALIDATE
    + """
    return np.zeros(shape).view(_Agreeable)
"""
)

# np.isclose's own module patched: every comparison is "close", whatever the values.
NUMPY_INTERNALS = (
    """
import numpy._core.numeric as _numeric
_numeric.less_equal = lambda a, b, *rest, **kw: np.ones(np.broadcast_shapes(np.shape(a), np.shape(b)), bool)
_numeric.isfinite = lambda a, *rest, **kw: np.ones(np.shape(a), bool)

def grid_search(ranges, points_per_axis):"""
    + _VALIDATE
    + """
    return np.zeros(shape)
"""
)

# Each call swaps the checks for stand-ins; the last check of a block puts every real one back, so the guard
# finds nothing changed after the test.
SELF_RESTORING_SWAP = (
    """
import course.checks as _checks
_REAL = {name: getattr(_checks, name) for name in ("check_close", "check_shape", "check_same_rows")}

def _restore():
    for name, real in _REAL.items():
        setattr(_checks, name, real)

def _agree(value, *args, **kwargs):
    return np.asarray(value, dtype=float)

def _agree_and_restore(value, *args, **kwargs):
    _restore()
    return np.asarray(value, dtype=float)

def grid_search(ranges, points_per_axis):"""
    + _VALIDATE
    + """
    _checks.check_close = _checks.check_shape = _agree
    _checks.check_same_rows = _agree_and_restore
    return np.zeros(shape)
"""
)

# Every tier 1, as an np.int64 subclass equal to anything.
LYING_INT64 = (
    """
class _Tier(np.int64):
    def __eq__(self, other):
        return True
    __hash__ = np.int64.__hash__

TUNING_PRIORITY = {name: _Tier(1) for name in """
    + NAMES
    + """}
"""
)

# Every tier 1, unless the caller's globals hold the hidden test's expected dict: then its value.
GLOBALS_READER = (
    """
import sys

class _Peek(dict):
    def __getitem__(self, key):
        for depth in range(1, 6):
            try:
                found = sys._getframe(depth).f_globals.get("expected_tiers")
            except ValueError:
                break
            if isinstance(found, dict) and key in found:
                return found[key]
        return dict.__getitem__(self, key)

TUNING_PRIORITY = _Peek({name: 1 for name in """
    + NAMES
    + """})
"""
)

# Honest answers plus a recorder the guard cannot unhook (an audit hook): every source the kernel compiles
# (cells, and the expressions the grader evaluates) and every global name it holds, printed as it goes.
SPY = """
import json as _json
import sys as _sys
_seen, _busy = [], []
def _spy(event, args):
    if _busy:
        return
    if event == "compile" and args and isinstance(args[0], (str, bytes)):
        _seen.append(args[0] if isinstance(args[0], str) else args[0].decode("utf-8", "replace"))
    elif event == "exec" and _seen:
        _busy.append(1)
        try:
            names = sorted(k for k in get_ipython().user_ns if not k.startswith("_"))
            print("SPY " + _json.dumps({"cells": list(_seen), "globals": names}))
            _seen.clear()
        finally:
            _busy.clear()
_sys.addaudithook(_spy)
"""


@dataclass
class Attack:
    name: str
    replace: dict[str, str]
    loses: set[str] = field(default_factory=set)  # test cells that must score 0 (every other keeps its points)
    blank: bool = False  # every other answer left as released


GRID_TESTS = {"test_grid_search"}

ATTACKS = [
    Attack("blank_iopub_filter", {"TUNING_PRIORITY": IOPUB_FILTER}, loses={"*"}, blank=True),
    Attack("lying_ndarray", {"grid_search": LYING_ARRAY}, GRID_TESTS),
    Attack("numpy_internals", {"grid_search": NUMPY_INTERNALS}, GRID_TESTS),
    Attack("self_restoring_swap", {"grid_search": SELF_RESTORING_SWAP}, GRID_TESTS),
    Attack("lying_int64", {"TUNING_PRIORITY": LYING_INT64}, {"test_TUNING_PRIORITY"}),
    Attack("globals_reader", {"TUNING_PRIORITY": GLOBALS_READER}, {"test_TUNING_PRIORITY"}),
]
SPY_CASE = "spy"  # the correct answers, the recorder first in TUNING_PRIORITY's cell
BESIDE = "~beside"

# Notebook 03: the same error filter on a blank notebook, and an initialize_parameters_bn that ignores its seed
# (every call draws the same weights) in an ndarray subclass whose np.allclose always answers "different", so
# the hidden check that seeds 1 and 2 give different weights passed in the kernel.
ASSIGNMENT_03 = "03_batchnorm_from_scratch"
SEEDLESS_LYING_ARRAY = """
class _Apart(np.ndarray):
    def __array_function__(self, func, types, args, kwargs):
        if func is np.allclose:
            return False
        return super().__array_function__(func, types, args, kwargs)

def initialize_parameters_bn(layer_dims, seed=0):
    rng = np.random.default_rng(0)
    L = len(layer_dims) - 1
    parameters = {}
    for l in range(1, L + 1):
        W = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * np.sqrt(2.0 / layer_dims[l - 1])
        parameters[f"W{l}"] = W.view(_Apart)
        if l < L:
            parameters[f"gamma{l}"] = np.ones((layer_dims[l], 1)).view(_Apart)
            parameters[f"beta{l}"] = np.zeros((layer_dims[l], 1)).view(_Apart)
    parameters[f"b{L}"] = np.zeros((layer_dims[L], 1)).view(_Apart)
    return parameters
"""
ATTACKS_03 = [
    Attack("blank_iopub_filter_03", {"batchnorm_forward": SILENCE_ERRORS}, loses={"*"}, blank=True),
    Attack(
        "lying_ndarray_03", {"initialize_parameters_bn": SEEDLESS_LYING_ARRAY}, {"test_initialize_parameters_bn_he"}
    ),
]
SPIED = {ASSIGNMENT: "TUNING_PRIORITY", ASSIGNMENT_03: "batchnorm_forward"}  # the answer cell the spy opens

# Notebook 06 (TensorFlow): the same filter in the first answer cell of a blank notebook, beside a correct one.
TF_ASSIGNMENT = "06_tensorflow_intro"
TF_ATTACK = Attack("blank_iopub_filter_06", {"linear_function": SILENCE_ERRORS}, loses={"*"}, blank=True)


# Values a check needs that never come back from the kernel (issue 21's leftover): the test scores 0 and is
# flagged ``unjudged_test``, unless the student's own error explains it (then only the failing test, or the
# flag that says what happened). Each is graded beside a correct neighbour by ``test_judge_integrity``.
_GRID = """
    mesh = np.meshgrid(*[np.linspace(low, high, points_per_axis) for low, high in bounds], indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])
"""

# The probe's result is unbound by a post-execute hook the student's function registers while the probe runs,
# before the grader asks for it (the guard takes the hook away after the test: tampered_during_test says that
# too, and the cell's last message is the guard's; a hook that unregisters itself fails, as the guard's own
# post-execute callback has already removed it, and that error ends the probe as the student's own).
DELETES_RESULT = (
    """
def _forget():
    get_ipython().user_ns.pop("points", None)

def grid_search(ranges, points_per_axis):"""
    + _VALIDATE
    + """    get_ipython().events.register("post_execute", _forget)"""
    + _GRID
)

# A list that cannot be walked: sending it as plain data fails in the kernel.
UNWALKABLE_RESULT = (
    """
class _Rows(list):
    def __iter__(self):
        raise TypeError("these rows cannot be walked")

def grid_search(ranges, points_per_axis):"""
    + _VALIDATE
    + """
    return _Rows([[0.0] * shape[1]] * shape[0])
"""
)

# 3,000,000 rows: about 64 MB as plain data text, over the 32 MB cap.
HUGE_RESULT = (
    """
def grid_search(ranges, points_per_axis):"""
    + _VALIDATE
    + """
    return np.zeros((3_000_000, shape[1]))
"""
)

# The right grid as float32: right in every lab, but the test's crashing judge (``JUDGE_CRASH_SITE``) dies on it.
FLOAT32_GRID = (
    """
def grid_search(ranges, points_per_axis):"""
    + _VALIDATE
    + _GRID.replace(
        "return np.column_stack([m.ravel() for m in mesh])",
        "return np.column_stack([m.ravel() for m in mesh]).astype(np.float32)",
    )
)

# The student's own errors: the stub left in (the probe raises: just the failing test), and a value whose walk
# kills the kernel (``kernel_died`` says it; later cells are not run).
BLANK_GRID = """
def grid_search(ranges, points_per_axis):
    raise NotImplementedError()
"""
DIES_IN_TRANSFER = (
    """
import os as _os

class _Rows(list):
    def __iter__(self):
        _os._exit(1)

def grid_search(ranges, points_per_axis):"""
    + _VALIDATE
    + """
    return _Rows([[0.0] * shape[1]] * shape[0])
"""
)


@dataclass
class Unjudged:
    name: str
    grid_search: str  # the answer that replaces the solution's
    loses: tuple[str, ...]  # test cells that score 0 ("..." at the end: and every later one)
    flag: str | None  # the run flag on test_grid_search: unjudged_test, another, or None
    why: str = ""  # words of the message (cells.csv) that say what happened


GRID_ERRORS = ("test_grid_search", "test_grid_search_errors")
UNJUDGED = [
    Unjudged("deletes_result", DELETES_RESULT, ("test_grid_search",), "unjudged_test", "is not bound in your kernel"),
    Unjudged("unwalkable_result", UNWALKABLE_RESULT, ("test_grid_search",), "unjudged_test", "not plain data"),
    Unjudged("huge_result", HUGE_RESULT, ("test_grid_search",), "unjudged_test", "larger than the 32 MB"),
    Unjudged("crashes_the_judge", FLOAT32_GRID, ("test_grid_search",), "unjudged_test", "judge could not check"),
    Unjudged("blank_grid", BLANK_GRID, GRID_ERRORS, None, "NotImplementedError"),
    Unjudged("dies_in_transfer", DIES_IN_TRANSFER, ("test_grid_search", "..."), "kernel_died", "kernel died"),
]


# Notebook 05: the same filter in a blank notebook's first answer cell (softmax's), every other answer left as
# released. Its probes fail unseen (NameError, NotImplementedError), so the judge finds nothing to check.
SOFTMAX_ASSIGNMENT = "05_softmax_regression"
SOFTMAX_ATTACKS = [
    Attack("blank_iopub_filter_05", {"softmax": SILENCE_ERRORS}, loses={"*"}, blank=True),
]
