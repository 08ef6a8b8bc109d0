"""The hostile and broken submissions of the toy assignment, each with the exact score and flags it must get.

The toy assignment (``fixtures/course/source/toy``) has 7 autograded points (``double`` 2 + hidden 1,
``mean_of`` 2, ``count_positive`` 2) and 1 manual point, so a correct submission scores 7 of 8.
Each case is the released notebook with some cells replaced (``build``) or a raw file (``raw``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import nbcells

WRONG_DOUBLE = "def double(x):\n    return np.asarray(x, dtype=float)"
WRONG_MEAN = "def mean_of(values):\n    return 0.0"
WRONG_COUNT = "def count_positive(values):\n    return len(values)"


@dataclass
class Case:
    name: str
    score: float
    flags: set[str]
    replace: dict[str, str] = field(default_factory=dict)
    edit: Callable[[nbformat.NotebookNode], None] | None = None
    raw: str | None = None  # file content instead of a notebook (None: build a notebook)
    files: dict[str, str] = field(default_factory=dict)  # extra files in the submission folder
    status: str = "graded"
    max_score: float = 8.0


def _delete_tests(nb):
    nb.cells = [c for c in nb.cells if nbcells.grade_id(c) not in ("test_double", "test_mean_of")]


def _edit_test(nb):
    for grade_id in ("test_double", "test_double_hidden"):
        nbcells.cells_by_grade_id(nb)[grade_id].source = "print('all good')"


def _edit_points(nb):
    nbcells.meta(nbcells.cells_by_grade_id(nb)["test_double"])["points"] = 100


def _metadata_tricks(nb):
    """An answer made a 1000-point grade cell, a test marked as a solution, a duplicated test, a bonus grade cell."""
    import copy

    cells = nbcells.cells_by_grade_id(nb)
    nbcells.meta(cells["double"]).update(grade=True, points=1000)
    nbcells.meta(cells["test_mean_of"])["solution"] = True
    duplicate = copy.deepcopy(cells["test_count_positive"])
    duplicate.id = "duplicate-test"
    bonus = nbformat.v4.new_code_cell(
        "print('free points')",
        metadata={
            "nbgrader": {
                "grade_id": "bonus",
                "grade": True,
                "solution": False,
                "locked": False,
                "points": 50,
                "schema_version": 3,
            }
        },
    )
    nb.cells += [duplicate, bonus]


HISTORY_LEAK = "print(chr(10).join(In)[::-1])"  # every executed cell, hidden tests included, reversed


def _print_history(nb):
    nb.cells.append(nbformat.v4.new_code_cell(HISTORY_LEAK))


def _written_script(nb):
    nbcells.cells_by_grade_id(nb)["explain"].source = "<script>alert('written')</script><img src=x onerror=alert(1)>"


WRAP_EVERY_CELL = (  # an input transformer that wraps every later cell, tests included, in try/except
    "from IPython.core.interactiveshell import InteractiveShell\n"
    "def _wrap(lines):\n"
    "    body = ['    ' + (l if l.endswith(chr(10)) else l + chr(10)) for l in lines] or ['    pass' + chr(10)]\n"
    "    return ['try:' + chr(10)] + body + ['except Exception:' + chr(10), '    pass' + chr(10)]\n"
    "InteractiveShell.instance().input_transformers_cleanup.append(_wrap)\n"
)
FAKE_RESULT_HOOK = (  # a result before every cell: nbgrader's partial credit reads the first one
    "get_ipython().events.register('pre_run_cell', lambda info: get_ipython().displayhook('full marks'))\n"
)
UNHOOK = (  # every callback of the guard's events unregistered
    "for _ev in ('post_execute', 'pre_run_cell'):\n"
    "    for _cb in list(get_ipython().events.callbacks[_ev]):\n"
    "        get_ipython().events.unregister(_ev, _cb)\n"
)
UNHOOK_GUARD = (  # the guard's callbacks removed, then a check replaced through the module's __dict__
    "import course.checks as _c\n" + UNHOOK + "_c.__dict__['check_close'] = lambda *a, **k: None\n"
)

REPLACE_GUARD = (  # the guard swapped for one that restores nothing, its callbacks gone, every cell wrapped
    "import sys, types\n"
    "sys.modules['_autograder_guard'] = types.SimpleNamespace(arm=lambda *a: 'armed', reset=lambda *a: '[]')\n"
    + UNHOOK
    + WRAP_EVERY_CELL
)
CODE_SWAP = (  # mid-test: the answer, called by the test, gives the check it is an argument of a new body
    "import course.checks as _c\n"
    "def double(x):\n"
    "    _c.check_close.__code__ = (lambda *a, **k: None).__code__\n"
    "    return np.asarray(x, dtype=float)\n"
)
LIBRARIES = (  # honest: the inline backend's hooks, a figure, a progress bar, a widget (none is tampering)
    "%matplotlib inline\n"
    "import matplotlib.pyplot as plt\n"
    "import ipywidgets\n"
    "from tqdm.auto import tqdm\n"
    "_total = sum(i for i in tqdm(range(50)))\n"
    "plt.plot([1, 2, 3])\n"
    "plt.show()\n"
    "display(ipywidgets.IntSlider(value=_total))\n"
    "def double(x):\n"
    "    plt.figure()\n"
    "    return 2 * np.asarray(x, dtype=float)\n"
)
QUIET_GUARD = "def sorted(items):\n    return []\n"  # the guard once looked its builtins up in the user namespace
SILENCE_SHELL = (  # the shell's cell runner (on its class) reports success, its error reporter (instance) is mute
    "import types\n"
    "_ip = get_ipython()\n"
    "_run = _ip.run_cell_async\n"
    "async def _quiet(self, *a, **k):\n"
    "    result = await _run(*a, **k)\n"
    "    result.error_in_exec = None\n"
    "    return result\n"
    "type(_ip).run_cell_async = _quiet\n"
    "_ip._showtraceback = lambda *a, **k: None\n"
)

THREAD_BOMB = (  # as many sleeping threads as the kernel may start: once every other kernel could start none
    "import threading, time\n"
    "threading.stack_size(64 * 1024)\n"
    "_threads = []\n"
    "try:\n"
    "    for _ in range(3000):\n"
    "        _threads.append(threading.Thread(target=time.sleep, args=(20,), daemon=True))\n"
    "        _threads[-1].start()\n"
    "except (RuntimeError, MemoryError):\n"
    "    pass\n"
)

SHM_LITTER = "/dev/shm/autograder-corpus-litter"
TMP_LITTER = "/tmp/autograder-corpus-litter"

HTML_ATTACK = (
    "from IPython.display import HTML, display\n"
    "display(HTML(\"<script>alert('output')</script><b onmouseover=alert(2)>hover</b>\"))\n"
)


def snoop_code(paths: list[str], targets: list[str] | None = None) -> str:
    """An answer that counts every secret it can read or reach (and every file of ``targets`` it can write
    outside its folder); it is correct only if it reaches none."""
    writes = (
        ""
        if not targets
        else f"""for _p in {targets!r}:
    try:
        open(_p, "w").write("student was here")
        _stolen += 1
        print("WROTE", _p)
    except OSError:
        pass
"""
    )
    return f"""import os, socket
_stolen = 0
for _p in {paths!r}:
    try:
        if os.path.isdir(_p):
            os.listdir(_p)
        else:
            open(_p, "rb").read(10)
        _stolen += 1
        print("READ", _p)
    except OSError:
        pass
for _addr in [("127.0.0.1", 22), ("1.1.1.1", 53)]:
    try:
        socket.create_connection(_addr, timeout=2).close()
        _stolen += 1
        print("CONNECTED", _addr)
    except OSError:
        pass
{writes}
def count_positive(values):
    return int(sum(1 for v in values if v > 0)) + _stolen
"""


def cases(secret_paths: list[str]) -> list[Case]:
    return [
        Case("correct", 7, set()),
        Case("blank", 0, set(), replace={"__blank__": ""}),
        Case(
            "late",
            7,
            set(),
            files={"timestamp.txt": "2030-01-01 00:00:00.000000 UTC", "submission_secret.txt": "late-secret"},
        ),
        Case(
            "noisy_logs",
            7,
            {"unusual_import"},
            replace={
                "double": (
                    "import sys, warnings\n"
                    "def double(x):\n"
                    "    sys.stderr.write('2024-05-01 10:00:00.123456: I tensorflow/core/platform/cpu_feature_guard.cc:210] "
                    "This TensorFlow binary is optimized\\n')\n"
                    "    warnings.warn('this is only a warning', UserWarning)\n"
                    "    return 2 * np.asarray(x, dtype=float)"
                )
            },
        ),
        Case("wrong_double", 4, set(), replace={"double": WRONG_DOUBLE}),
        Case(
            "infinite_loop", 5, {"timeout"}, replace={"mean_of": "def mean_of(values):\n    while True:\n        pass"}
        ),
        Case(
            "sys_exit",
            5,
            {"system_exit", "process_control", "unusual_import"},
            replace={"count_positive": "import sys\nsys.exit()\n" + "def count_positive(values):\n    return 2"},
        ),
        Case(
            "os_exit",
            3,
            {"kernel_died", "process_control", "unusual_import"},
            replace={"mean_of": "import os\nos._exit(1)"},
        ),
        Case(
            "memory_hog",
            5,
            {"memory_limit"},
            replace={"mean_of": "hog = bytearray(3 * 1024**3)\ndef mean_of(values):\n    return 2.0"},
        ),
        Case(
            "killed_kernel",
            5,
            {"kernel_died", "process_control", "unusual_import"},
            replace={"count_positive": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"},
        ),
        Case(
            "output_flood",
            7,
            {"output_flood"},
            replace={
                "double": (
                    "for _i in range(20000):\n    print('flood line', _i)\nprint('x' * 3_000_000)\n"
                    "def double(x):\n    return 2 * np.asarray(x, dtype=float)"
                )
            },
        ),
        Case("deleted_tests", 7, {"deleted_cell"}, edit=_delete_tests),
        Case("edited_tests", 4, {"edited_locked_cell"}, replace={"double": WRONG_DOUBLE}, edit=_edit_test),
        Case("edited_points", 7, {"edited_points"}, edit=_edit_points),
        Case("metadata_tricks", 7, {"edited_metadata"}, edit=_metadata_tricks),
        Case("bad_timestamp", 7, {"bad_timestamp"}, files={"timestamp.txt": "next tuesday, honestly"}),
        Case(
            "honest_shared_line",
            7,
            set(),
            replace={
                "double": (  # hidden lines, written by the student too
                    "def double(x):\n    secret_probe_values = np.array([-3.5, 0.25])\n"
                    "    return 2 * np.asarray(x, dtype=float)\n"
                )
            },
        ),
        Case("history_leak", 7, {"kernel_tampering"}, edit=_print_history),
        Case("libraries", 7, {"magic"}, replace={"double": LIBRARIES}),
        Case(
            "html_attack",
            7,
            set(),
            edit=_written_script,
            replace={"double": (HTML_ATTACK + "def double(x):\n    return 2 * np.asarray(x, dtype=float)\n")},
        ),
        Case(
            "wrap_every_cell",
            4,
            {"kernel_tampering", "tampered_checks", "unusual_import"},
            replace={"double": WRAP_EVERY_CELL + WRONG_DOUBLE},
        ),
        Case(
            "fake_result_hook",
            4,
            {"kernel_tampering", "monkeypatch", "tampered_checks"},
            replace={"double": FAKE_RESULT_HOOK + WRONG_DOUBLE},
        ),
        Case(
            "unhook_guard",
            4,
            {"kernel_tampering", "monkeypatch", "tampered_checks", "introspection"},
            replace={"double": UNHOOK_GUARD + WRONG_DOUBLE},
        ),
        # the guard replaced: no answer verifies, so no test can be trusted (the correct ones included)
        Case(
            "replace_guard",
            0,
            {"kernel_tampering", "monkeypatch", "unusual_import"},
            replace={"double": REPLACE_GUARD + WRONG_DOUBLE},
        ),
        # tampering during a test: restored right after it, and that test does not count
        Case(
            "code_swap", 4, {"tampered_checks", "tampered_during_test", "introspection"}, replace={"double": CODE_SWAP}
        ),
        Case(
            "code_swap_quiet",
            4,
            {"tampered_checks", "tampered_during_test", "introspection"},
            replace={"double": QUIET_GUARD + CODE_SWAP},
        ),
        Case(
            "silence_shell",
            4,
            {"monkeypatch", "tampered_checks", "unusual_import"},
            replace={"double": SILENCE_SHELL + WRONG_DOUBLE},
        ),
        Case(
            "thread_bomb",
            7,
            {"unusual_import"},
            replace={"mean_of": THREAD_BOMB + "def mean_of(values):\n    return float(np.mean(values))\n"},
        ),
        Case(
            "shm_litter",
            7,
            {"file_access"},
            replace={
                "mean_of": (
                    f"open({SHM_LITTER!r}, 'w').write('left behind')\n"
                    f"open({TMP_LITTER!r}, 'w').write('left behind')\n"
                    "def mean_of(values):\n    return float(np.mean(values))\n"
                )
            },
        ),
        Case(
            "formula_message",
            5,
            set(),
            replace={
                "count_positive": (
                    'def count_positive(values):\n    raise AssertionError(\'=HYPERLINK("http://x.example","open")\')'
                )
            },
        ),
        Case("invalid_json", 0, {"invalid_notebook"}, raw="{ this is not json", status="invalid"),
        Case(
            "missing_notebook", 0, {"missing_notebook"}, raw=None, files={"notes.txt": "forgot it"}, status="missing"
        ),
        Case(
            "always_equal",
            5,
            {"monkeypatch"},
            replace={
                "count_positive": (
                    "class _Yes(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
                    "def count_positive(values):\n    return _Yes(0)"
                )
            },
        ),
        Case(
            "patch_numpy",
            5,
            {"monkeypatch", "tampered_checks"},
            replace={
                "mean_of": (
                    "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: np.array(True)\n"
                    "np.testing.assert_allclose = lambda *a, **k: None\n" + WRONG_MEAN
                )
            },
        ),
        Case(
            "patch_checks",
            4,
            {"monkeypatch", "tampered_checks"},
            replace={
                "double": ("import course.checks\ncourse.checks.check_close = lambda *a, **k: None\n" + WRONG_DOUBLE)
            },
        ),
        Case(
            "patch_builtins",
            5,
            {"monkeypatch", "tampered_checks", "unusual_import"},
            replace={"count_positive": ("import builtins\nbuiltins.isinstance = lambda *a: True\n" + WRONG_COUNT)},
        ),
        Case(
            "grading_env",
            7,
            {"grading_env", "unusual_import"},
            replace={
                "double": (
                    "import os\nprint('NBGRADER_EXECUTION =', os.environ.get('NBGRADER_EXECUTION'))\n"
                    "def double(x):\n    if os.environ.get('NBGRADER_EXECUTION'):\n        return 0 * np.asarray(x)\n"
                    "    return 2 * np.asarray(x, dtype=float)"
                )
            },
        ),
        Case(
            "snoop",
            7,
            {"file_access", "network", "unusual_import"},
            replace={"count_positive": snoop_code(secret_paths)},
        ),
    ]


def write(case: Case, released: Path, source: Path, folder: Path) -> None:
    """Write ``case`` as ``folder/toy.ipynb`` (plus its extra files)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in case.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    if case.status == "missing":
        return
    if case.raw is not None:
        (folder / "toy.ipynb").write_text(case.raw, encoding="utf-8")
        return
    blank = "__blank__" in case.replace
    answers = (
        {}
        if blank
        else {
            nbcells.grade_id(c): nbcells.solution_code(c.source)  # code answers only
            for c in nbcells.read(source).cells
            if nbcells.is_answer_cell(c)
        }
    )
    answers.update({g: code for g, code in case.replace.items() if g != "__blank__"})
    nb = nbcells.build_submission(nbcells.read(released), answers)
    if case.edit:
        case.edit(nb)
    nbformat.write(nb, str(folder / "toy.ipynb"))


BESIDE = "~beside"  # a correct submission graded next to each hostile one (the student id sorts right after it)
HOSTILE = (
    "infinite_loop",
    "sys_exit",
    "os_exit",
    "memory_hog",
    "killed_kernel",
    "output_flood",
    "always_equal",
    "patch_numpy",
    "patch_checks",
    "patch_builtins",
    "snoop",
    "metadata_tricks",
    "history_leak",
    "html_attack",
    "invalid_json",
    "wrap_every_cell",
    "fake_result_hook",
    "unhook_guard",
    "thread_bomb",
    "replace_guard",
    "code_swap",
    "code_swap_quiet",
    "silence_shell",
)
