"""Code flags come from the syntax tree (calls, attribute access, names read, imports), never from comments,
docstrings, strings or messages (issue 22, item 1)."""

import pytest

from autograder import nbcells
from tests.test_autograder import course_flags, honest
from tests.test_autograder.notebooks import RELEASE, cell, notebook

CHECKS = {"check_close", "check_equal", "check_type", "passed"}


def kinds(flags):
    return sorted(f.flag for f in flags)


@pytest.mark.parametrize(
    "text, was",
    [
        ("# np.arange is half-open (it leaves out high)\nx = 1", "file_access"),
        ("# each column is an independent signal.\nx = 1", "process_control"),
        ("# an early exit (one round) still returns\nx = 1", "process_control"),
        ('note = "the first version I submitted"', "file_access"),
        ("def f(curves):\n    raise ValueError(f'not a {curves.__class__.__name__}')", "monkeypatch"),
        ('"""Reads NBGRADER_EXECUTION? never."""', "grading_env"),
        ("print('open(..) and os.listdir are not used; sys.exit() neither')", "file_access"),
        ("# socket, requests and urllib are for another course\nx = 1", "network"),
        ("# get_ipython().events.register is how hooks work; In[3] was scratch\nx = 1", "kernel_tampering"),
        ("msg = 'builtins, setattr(, __eq__, importlib, sys.modules'", "monkeypatch"),
        ("signal = np.ones(3)\nsignal.sum()", "process_control"),
        ("import os\nos.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')", "grading_env"),
    ],
)
def test_text_is_never_code(text, was):
    """Each was a false flag when the flags were regexes over the whole source."""
    assert was not in kinds(course_flags.code_flags(text, CHECKS))


def test_the_issues_honest_answers_get_no_flag():
    assert course_flags.static_flags(honest.honest_commented(RELEASE_TOY()), RELEASE_TOY(), CHECKS) == []


def RELEASE_TOY():
    from tests.test_autograder.conftest import FIXTURES

    return nbcells.read(FIXTURES / "course" / "source" / "toy" / "toy.ipynb")


@pytest.mark.parametrize(
    "code, flag",
    [
        ("import os\nleak = os.environ['NBGRADER_EXECUTION']", "grading_env"),
        ("import os\nkey = 'NBGRADER' + '_EXECUTION'\nleak = os.environ.get(key)", "grading_env"),
        ("from os import environ\nleak = dict(environ)", "grading_env"),
        ("import os\nleak = os.getenv('NBGRADER_EXECUTION')", "grading_env"),
        ("with open('x') as f:\n    pass", "file_access"),
        ("import io\nio.open('x')", "file_access"),
        ("from pathlib import Path\nPath('../x').read_text()", "file_access"),
        ("import os as o\no.listdir('..')", "file_access"),
        ("data = np.loadtxt('../../gradebook.csv')", "file_access"),
        ("from urllib.request import urlopen", "network"),
        ("import http.client", "network"),
        ("from sys import exit as leave\nleave()", "process_control"),
        ("from os import _exit\n_exit(0)", "process_control"),
        ("raise SystemExit(3)", "process_control"),
        ("exit()", "process_control"),
        ("import subprocess", "process_control"),
        ("import signal\nsignal.alarm(1)", "process_control"),
        ("import os\nos.system('ls')", "process_control"),
        ("print(_ih[-1])", "kernel_tampering"),
        ("import sys\nsys.displayhook = print", "kernel_tampering"),
        ("shell.history_manager.reset()", "kernel_tampering"),
        ("import importlib\ng = importlib.import_module('_autograder_guard')", "kernel_tampering"),
        ("import builtins\nbuiltins.len = lambda x: 0", "monkeypatch"),
        ("__builtins__.len = lambda x: 0", "monkeypatch"),
        ("setattr(np, 'allclose', lambda *a, **k: True)", "monkeypatch"),
        ("x.__class__ = Always", "monkeypatch"),
        ("type(get_ipython()).run_cell = fake", "monkeypatch"),
        ("class A:\n    def __array_function__(self, *a):\n        return True", "monkeypatch"),
    ],
)
def test_code_still_is_flagged(code, flag):
    """Hostile code keeps its flag, however its names are imported or spelt."""
    assert flag in kinds(course_flags.code_flags(code, CHECKS))


def test_an_import_in_the_release_resolves_the_students_names():
    """``os`` imported by the release's setup cell: ``os.kill`` in a student cell is still os.kill."""
    release = notebook(cell("code", None, "import os as system_tools"), cell("code", "f", "stub", solution=True))
    submitted = notebook(
        cell("code", None, "import os as system_tools"), cell("code", "f", "system_tools.kill(1, 9)", solution=True)
    )
    assert kinds(course_flags.static_flags(submitted, release, CHECKS)) == ["process_control"]


def test_setattr_on_a_plain_object_is_honest():
    assert course_flags.code_flags("class C:\n    pass\nc = C()\nsetattr(c, 'lr', 0.1)", CHECKS) == []


def test_a_honest_answer_in_the_course_notebook_release_is_unflagged():
    """The unit toy release of notebooks.py, with an answer that only talks about suspicious things."""
    nb = nbcells.build_submission(
        RELEASE, {"double": "def double(x):\n    # open(), exit(), __eq__\n    return 2 * x"}
    )
    assert course_flags.static_flags(nb, RELEASE, CHECKS) == []
