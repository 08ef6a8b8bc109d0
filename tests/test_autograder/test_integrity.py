"""autograder.integrity: tampering with locked cells, suspicious code, and what happened at run time."""

import copy

import pytest

from autograder import integrity, nbcells
from tests.test_autograder import course_flags
from tests.test_autograder.notebooks import RELEASE, answer, cell, error, notebook, stream

CHECKS = {"check_close", "passed"}


def kinds(flags):
    return sorted(f.flag for f in flags)


def submission(**answers):
    return nbcells.build_submission(RELEASE, answers)


def test_an_honest_submission_has_no_flags():
    assert course_flags.static_flags(submission(double="def double(x):\n    return 2 * x"), RELEASE, CHECKS) == []


def test_locked_cell_changes_are_flagged():
    nb = submission()
    cells = nbcells.cells_by_grade_id(nb)
    cells["test_double"].source = "print('fine')"
    nbcells.meta(cells["test_double"])["points"] = 99
    cells["intro"].cell_type = "code"
    nb.cells.remove(cells["test_double_all_lists"])
    flags = integrity.locked_cell_flags(nb, RELEASE)
    assert kinds(flags) == ["changed_cell_type", "deleted_cell", "edited_locked_cell", "edited_points"]
    assert any("test_double points changed from 2 to 99" in f.detail for f in flags)


def test_whitespace_around_a_locked_cell_is_not_an_edit():
    nb = submission()
    nbcells.cells_by_grade_id(nb)["test_double"].source += "\n\n"
    assert integrity.locked_cell_flags(nb, RELEASE) == []


def test_an_unlocked_ungraded_cell_may_go():
    release = notebook(answer("f", "stub"), cell("markdown", "notes", "free text", locked=False, grade=False))
    assert integrity.locked_cell_flags(notebook(answer("f", "stub")), release) == []


@pytest.mark.parametrize(
    "code, flag",
    [
        ("import os\nif os.environ.get('NBGRADER_EXECUTION'): pass", "grading_env"),
        ("text = open('../../source/x.ipynb').read()", "file_access"),
        ("import socket", "network"),
        ("import sys\nsys.exit()", "process_control"),
        ("class Yes:\n    def __eq__(self, other):\n        return True", "monkeypatch"),
        ("np.allclose = lambda *a, **k: True", "monkeypatch"),
        ("def check_close(*a, **k):\n    pass", "shadows_checks"),
        # the kernel attacks: an input transformer, a pre_run_cell hook, the guard's callbacks, the history
        (
            "from IPython.core.interactiveshell import InteractiveShell\n"
            "InteractiveShell.instance().input_transformers_post.append(wrap)",
            "kernel_tampering",
        ),
        ("ip.events.register('pre_run_cell', fake_result)", "kernel_tampering"),
        (
            "for cb in list(ip.events.callbacks['post_execute']): ip.events.unregister('post_execute', cb)",
            "kernel_tampering",
        ),
        ("import base64\nprint(base64.b64encode('\\n'.join(In).encode()))", "kernel_tampering"),
    ],
)
def test_suspicious_code(code, flag):
    assert flag in kinds(course_flags.code_flags(code, CHECKS))


def test_magics_do_not_break_the_code_checks():
    assert kinds(course_flags.code_flags("%matplotlib inline\nnp.isclose = None", CHECKS)) == ["magic", "monkeypatch"]


def test_only_the_students_cells_are_read():
    nb = submission(double="def double(x):\n    return 2 * x")
    nbcells.cells_by_grade_id(nb)["test_double"].source = "import socket"  # a locked cell: restored, not code
    assert "network" not in kinds(course_flags.static_flags(nb, RELEASE, CHECKS))


def test_one_flag_per_kind_and_detail():
    nb = submission(double="import socket\nimport socket")
    assert kinds(course_flags.static_flags(nb, RELEASE, CHECKS)) == ["network", "unusual_import"]


@pytest.mark.parametrize(
    "code, flag",
    [
        ("x = eval('1 + 1')", "dynamic_code"),
        ("exec(text)", "dynamic_code"),
        ("run = compile(src, 'x', 'exec')", "dynamic_code"),
        ("np = __import__('numpy')", "dynamic_code"),
        ("f = getattr(checks, 'check_' + 'close')", "dynamic_code"),
        ("setattr(module, name, None)", "dynamic_code"),
        ("globals()['check_close'] = fake", "dynamic_code"),
        ("vars(course.checks).update(check_close=fake)", "dynamic_code"),
        ("here = locals()", "dynamic_code"),
        ("import pickle", "dynamic_code"),
        ("from marshal import loads", "dynamic_code"),
        ("data = np.load('x.npy', allow_pickle=True)", "dynamic_code"),
        ("import sys\ncaller = sys._getframe(1)", "introspection"),
        ("import inspect", "introspection"),
        ("outer = frame.f_back.f_globals", "introspection"),
        ("ns = fn.__globals__", "introspection"),
        ("key = reset.__closure__[0].cell_contents", "introspection"),
        ("check_close.__code__ = (lambda *a: None).__code__", "introspection"),
        ("code = getattr(check_close, '__code__')", "introspection"),
        ("checks.__dict__['check_close'] = None", "introspection"),
        ("classes = object.__subclasses__()", "introspection"),
        ("base = type(x).__mro__[1].__bases__", "introspection"),
        ("import gc\ngc.get_referrers(x)", "introspection"),
        ("import ctypes", "introspection"),
        ("import sys\nsys.modules['_autograder_guard'].reset = lambda n: ''", "kernel_tampering"),
        ("%load_ext autoreload", "magic"),
        ("!cat ../../source/*.ipynb", "magic"),
        ("files = !ls", "magic"),
        ("%%capture\nprint(1)", "magic"),
        ("import os", "unusual_import"),
        ("from IPython.core.interactiveshell import InteractiveShell", "unusual_import"),
        ("from . import neighbour", "unusual_import"),
    ],
)
def test_the_ast_net(code, flag):
    """What reaching past the tests needs: running built code, frames and closures, magics, odd modules."""
    assert flag in kinds(course_flags.code_flags(code, CHECKS))


WRAP_RESET = """_real = GUARD.reset
def _reset(nonce):
    undo_my_patches()
    answer = _real(nonce)
    redo_my_patches()
    return answer
GUARD.reset = _reset
"""


@pytest.mark.parametrize(
    "reach",
    [
        "import sys\nGUARD = sys.modules['_autograder_guard']",
        "import sys\nGUARD = sys.modules['_autograder' + '_guard']",
        "GUARD = __import__('sys').modules['_autograder' + '_guard']",
        "import importlib\nGUARD = importlib.import_module('_autograder' + '_guard')",
        "import gc\nGUARD = [o for o in gc.get_objects() if hasattr(o, 'reset')][0]",
        "GUARD = type(get_ipython())\nGUARD.reset = GUARD.user_expressions",  # the shell's call around it
    ],
)
def test_what_the_guard_cannot_stop_is_flagged(reach):
    """Wrapping the real reset to undo and redo tampering around it (guard.py's docstring): every way to
    reach the guard is flagged by name, however the module's name is spelt."""
    flags = set(kinds(course_flags.code_flags(reach + "\n" + WRAP_RESET, CHECKS)))
    assert flags & {"kernel_tampering", "monkeypatch", "dynamic_code", "introspection"}, flags


@pytest.mark.parametrize(
    "code",
    [
        "import numpy as np\nimport math, random, itertools, functools, collections, statistics, typing, copy, time",
        "from dataclasses import dataclass\nimport operator, heapq, bisect\nfrom collections import Counter",
        "import tensorflow as tf\nfrom tensorflow import keras\nimport keras\nimport matplotlib.pyplot as plt",
        "from sklearn.datasets import load_digits\nfrom tqdm.auto import tqdm\nfrom course.checks import check_close",
        "from IPython.display import display, Markdown",
        "shape = getattr(x, 'shape', None)\nsetattr(config, 'lr', 0.1)",
        "name = type(x).__name__\nevaluate = lambda m: m.evaluate(X)\nglobal_step = 0",
        "z = a % b\ns = 'not %magic'\nt = x != y",
    ],
)
def test_the_ast_net_leaves_honest_code_alone(code):
    flags = course_flags.code_flags(code, CHECKS)
    assert not {"dynamic_code", "introspection", "magic", "unusual_import"} & set(kinds(flags)), flags


def test_what_the_release_itself_does_is_not_the_students_flag():
    """Notebook 06's unlocked setup cell imports os: a student keeping it is not flagged, a new import is."""
    setup = cell("code", None, "import os\nos.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')\n%matplotlib inline")
    release = notebook(setup, answer("f", "stub"))
    kept = notebook(setup, answer("f", "def f():\n    return 1"))
    assert course_flags.static_flags(kept, release, CHECKS) == []
    added = notebook(setup, answer("f", "import shutil\ndef f():\n    return 1"))
    assert kinds(course_flags.static_flags(added, release, CHECKS)) == ["file_access", "unusual_import"]


def test_a_cell_that_does_not_parse_leaves_the_other_cells_checked():
    flags = course_flags.code_flags(["def broken(:\n", "import inspect", "[" * 100_000], CHECKS)
    assert kinds(flags) == ["introspection"]


def _assignments():
    from autograder.api import REPO

    return sorted(p.name for p in (REPO / "source").iterdir() if (p / f"{p.name}.ipynb").exists())


@pytest.mark.parametrize("assignment", _assignments())
def test_no_solution_or_variant_is_flagged(assignment):
    """Every correct answer (the solution, every correct variant) and every honest mistake has no code flag."""
    from autograder.api import REPO
    from course import checks
    from tests.variants import variants_for

    release = nbcells.read(REPO / "release" / assignment / f"{assignment}.ipynb")
    answers = nbcells.solutions(nbcells.read(REPO / "source" / assignment / f"{assignment}.ipynb"))
    flagged = {}
    for name, code in [("solution", {}), *((v.name, v.code) for v in variants_for(assignment))]:
        nb = nbcells.build_submission(release, {**answers, **code})
        flags = course_flags.static_flags(nb, release, set(checks.__all__))
        if flags:
            flagged[name] = flags
    assert flagged == {}


def test_the_sample_class_honest_students_get_no_flag():
    from autograder.api import REPO
    from autograder.sample_class.build import STUDENTS
    from course import checks

    honest = [s for s, kind in STUDENTS.items() if kind in ("strong", "average", "weak", "late")]
    flagged = {}
    for student in honest:
        for path in sorted((REPO / "autograder" / "sample_class" / "submitted" / student).glob("*/*.ipynb")):
            release = nbcells.read(REPO / "release" / path.parent.name / path.name)
            flags = course_flags.static_flags(nbcells.read(path), release, set(checks.__all__))
            if flags:
                flagged[f"{student}/{path.parent.name}"] = flags
    assert flagged == {}


def graded_with(*outputs):
    nb = copy.deepcopy(RELEASE)
    nbcells.cells_by_grade_id(nb)["test_double"].outputs = list(outputs)
    return nb


@pytest.mark.parametrize(
    "output, flag",
    [
        (error("CellTimeoutError", "the cell ran longer than 4 s"), "timeout"),
        (error("DeadKernelError", "the kernel died while running this cell"), "kernel_died"),
        (error("MemoryError", ""), "memory_limit"),
        (error("SystemExit", ""), "system_exit"),
        (stream("line\n" + integrity.TRUNCATED + "\n"), "output_flood"),
    ],
)
def test_runtime_flags(output, flag):
    assert kinds(integrity.runtime_flags(graded_with(output), flood_lines=1000)) == [flag]


def test_cells_after_a_dead_kernel_are_not_flagged_again():
    dead = error("DeadKernelError", "not run: the kernel died in an earlier cell")
    assert integrity.runtime_flags(graded_with(dead), flood_lines=1000) == []


def test_the_guard_marker_names_what_was_restored():
    from nbformat.v4 import new_output

    marker = new_output(
        "display_data", data={integrity.GUARD_MIME: {"restored": ["numpy.allclose"]}, "text/plain": "restored"}
    )
    flags = integrity.runtime_flags(graded_with(marker), flood_lines=1000)
    assert kinds(flags) == ["tampered_checks"] and "numpy.allclose" in flags[0].detail


@pytest.mark.parametrize(
    "ename, flag", [("GuardUnverified", "kernel_tampering"), ("TamperedDuringTest", "tampered_during_test")]
)
def test_an_untrusted_test_is_flagged_with_its_reason(ename, flag):
    flags = integrity.runtime_flags(graded_with(error(ename, "the reason")), flood_lines=1000)
    assert kinds(flags) == [flag] and "test_double scored 0: the reason" in flags[0].detail


def test_flood_detail_quotes_the_configured_limit():
    flags = integrity.runtime_flags(graded_with(stream(integrity.TRUNCATED)), flood_lines=1234)
    assert "1234 lines" in flags[0].detail


def test_a_result_in_a_failing_test_cell_is_no_credit():
    """nbgrader reads a test's first execute_result as partial credit, before its error (a pre_run_cell hook)."""
    import copy

    from nbformat.v4 import new_output
    from nbgrader.utils import determine_grade

    from autograder.execute import ErrorsDecide
    from autograder.nbcells import cells_by_grade_id
    from tests.test_autograder.notebooks import SOURCE

    nb = copy.deepcopy(SOURCE)
    test = cells_by_grade_id(nb)["test_double"]
    test.outputs = [
        new_output("execute_result", data={"text/plain": "'all good'"}, execution_count=1),
        error("AssertionError", "double(1) is 3"),
    ]
    passing = cells_by_grade_id(nb)["test_double_all_lists"]
    passing.outputs = [new_output("execute_result", data={"text/plain": "0.5"}, execution_count=2)]
    assert determine_grade(test)[0] == 2  # what nbgrader alone gives: full marks for a failing test
    for i, graded_cell in enumerate(nb.cells):
        ErrorsDecide().preprocess_cell(graded_cell, {}, i)
    assert determine_grade(test)[0] == 0
    assert determine_grade(passing)[0] == 0.5  # a passing test's own partial credit stays
    assert kinds(integrity.runtime_flags(nb, flood_lines=1000)) == ["fake_result"]
