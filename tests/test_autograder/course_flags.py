"""The code flags as the grader raises them for this course: with what its ``nbgrader_config.py`` describes
(``c.CourseDescription``: the helper package's names, the imports it allows)."""

from __future__ import annotations

from autograder import integrity
from autograder.description import describe
from autograder.paths import REPO

COURSE = describe(REPO).locate(REPO)


def code_flags(student_code, check_names: set[str], released_cells=()) -> list:
    return integrity.code_flags(
        student_code, check_names, released_cells, COURSE.module_names(), COURSE.allowed_imports()
    )


def static_flags(submitted, released, check_names: set[str]) -> list:
    return integrity.static_flags(submitted, released, check_names, COURSE.module_names(), COURSE.allowed_imports())
