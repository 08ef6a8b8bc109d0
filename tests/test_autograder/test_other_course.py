"""The grader is a tool for any nbgrader course: a second, tiny course, described only by its own
``nbgrader_config.py`` (its helper package, its checks module), graded end to end with
``python -m autograder grade --course DIR`` in the same sandbox and under the same guard."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import nbcells
from autograder.nbgrader_ops import generate_assignment
from tests.test_autograder.notebooks import answer, cell, locked_test, notebook

pytestmark = pytest.mark.slow

CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "tiny-arithmetic"
c.CourseDescription.helper_packages = ["tinyhelp"]
c.CourseDescription.checks_module = "tinyhelp.asserts"
"""
HELPER = {
    "__init__.py": '"""The tiny course\'s helpers."""\n',
    "asserts.py": '''"""The tiny course's test helpers: a failed check says what was wrong in one sentence."""

__all__ = ["Mismatch", "same"]


class Mismatch(Exception):
    """A check that failed: its message is the whole sentence a student reads."""


def same(got, expected, what):
    if got != expected:
        raise Mismatch(f"{what} gave {got!r}, expected {expected!r}")
''',
}
SOURCE = notebook(
    cell("code", None, "from tinyhelp import asserts"),
    answer("add", "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION\n"),
    locked_test(
        "test_add",
        'asserts.same(add(1, 2), 3, "add(1, 2)")\n### BEGIN HIDDEN TESTS\n'
        'asserts.same(add(-1, 1), 0, "add(-1, 1)")\n### END HIDDEN TESTS\n',
        2,
    ),
    answer("halve", "def halve(x):\n    ### BEGIN SOLUTION\n    return x / 2\n    ### END SOLUTION\n"),
    locked_test("test_halve", 'asserts.same(halve(3), 1.5, "halve(3)")\n', 1),
)
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
ANSWERS = {
    # right everywhere
    "bright": {"add": "def add(a, b):\n    return b + a\n", "halve": "def halve(x):\n    return 0.5 * x\n"},
    # passes the visible test of add, not the hidden one; halve floors
    "careless": {"add": "def add(a, b):\n    return abs(a) + b\n", "halve": "def halve(x):\n    return x // 2\n"},
    # halve floors, and the answer cell silences the course's checks: the guard puts them back
    "sly": {
        "add": "def add(a, b):\n    return a + b\n",
        "halve": "import tinyhelp.asserts as a\na.same = lambda *args: None\n\ndef halve(x):\n    return x // 2\n",
    },
}


@pytest.fixture(scope="module")
def tiny_course(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("tiny")
    course = base / "course"
    (course / "source" / "hw1").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    (course / "tinyhelp").mkdir()
    for name, text in HELPER.items():
        (course / "tinyhelp" / name).write_text(text, encoding="utf-8")
    source = nbformat.from_dict(SOURCE)
    source.metadata.kernelspec = KERNELSPEC
    nbformat.write(source, course / "source" / "hw1" / "hw1.ipynb")
    scratch = base / "scratch"  # the release the students got, generated away from the course root
    shutil.copytree(course, scratch)
    release = nbcells.read(generate_assignment(scratch, "hw1"))
    subs = base / "submitted"
    for student, answers in ANSWERS.items():
        (subs / student / "hw1").mkdir(parents=True)
        nbformat.write(nbcells.build_submission(release, answers), subs / student / "hw1" / "hw1.ipynb")
    out = base / "graded"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            "--course",
            str(course),
            "--submissions",
            str(subs),
            "--out",
            str(out),
            "--workers",
            "1",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=base,
        timeout=900,
        env={**os.environ, "AUTOGRADER_CACHE": str(base / "cache")},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {"course": course, "out": out}


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_its_configuration_names_none_of_this_course():
    for name in ("course", "checks", "plain", "concepts", "gradcheck", "tensorflow"):
        assert not re.search(rf"\b{name}\b", CONFIG), name


def test_the_tiny_course_is_graded_with_the_right_scores(tiny_course):
    grades = {
        r["student_id"]: (float(r["score"]), float(r["max_score"])) for r in rows(tiny_course["out"] / "grades.csv")
    }
    assert grades == {"bright": (3.0, 3.0), "careless": (0.0, 3.0), "sly": (2.0, 3.0)}


def test_its_checks_module_speaks_to_the_student(tiny_course):
    """A failed check of the course's own module reads as its sentence alone, hidden tests included."""
    cells = {(r["student_id"], r["grade_id"]): r for r in rows(tiny_course["out"] / "cells.csv")}
    assert cells["careless", "test_add"]["message"] == "add(-1, 1) gave 2, expected 0"
    assert cells["careless", "test_halve"]["message"] == "halve(3) gave 1, expected 1.5"
    assert cells["bright", "test_halve"]["message"] == ""


def test_the_guard_protects_its_checks_module(tiny_course):
    """Silencing ``tinyhelp.asserts.same`` in an answer cell changes nothing: the guard put it back."""
    cells = {(r["student_id"], r["grade_id"]): r for r in rows(tiny_course["out"] / "cells.csv")}
    assert (float(cells["sly", "test_halve"]["score"]), cells["sly", "test_halve"]["message"]) == (
        0.0,
        "halve(3) gave 1, expected 1.5",
    )
    flags = {(r["student_id"], r["flag"]) for r in rows(tiny_course["out"] / "integrity.csv")}
    assert ("sly", "tampered_checks") in flags
    assert not any(student == "bright" for student, _ in flags)
