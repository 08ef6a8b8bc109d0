"""The committed notebooks: clean, shaped by the contract, and release/ exactly what nbgrader makes."""

import re

import pytest

from course.authoring import generate_release, normalised
from tests import nbtools
from tests.spec import GRADED


def test_every_source_assignment_is_in_the_contract(assignment):
    assert assignment in GRADED, f"source/{assignment} is not an assignment of COURSE_SPEC §1"


@pytest.mark.parametrize("kind", ["source", "release"])
def test_committed_without_outputs(assignment, kind):
    nb = nbtools.read(nbtools.notebook_path(kind, assignment))
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{kind}/{assignment} has outputs or execution counts in cells {dirty}: clear them"


def test_answer_cells_are_the_contract(assignment):
    nb = nbtools.read(nbtools.notebook_path("source", assignment))
    graded = [g for g in nbtools.answer_ids(nb) if not g.startswith(nbtools.CONCEPT)]
    assert graded == GRADED[assignment]


def test_every_exercise_has_locked_visible_and_hidden_tests(assignment):
    nb = nbtools.read(nbtools.notebook_path("source", assignment))
    cells = nbtools.cells_by_grade_id(nb)
    ids = nbtools.grade_test_ids(nb)
    for name in nbtools.exercises(assignment):
        tests = nbtools.tests_of(name, ids)
        assert tests, f"{name} has no test cell named test_{name}[_...]"
        sources = [cells[t].source for t in tests]
        assert all(nbtools.nbgrader_meta(cells[t]).get("locked") for t in tests), f"tests of {name} are not locked"
        assert all(nbtools.nbgrader_meta(cells[t]).get("points", 0) > 0 for t in tests), (
            f"a test of {name} has no points"
        )
        assert any("### BEGIN HIDDEN TESTS" in s for s in sources), f"{name} has no hidden test"
        for source in sources:
            visible = source.split("### BEGIN HIDDEN TESTS")[0]
            assert re.search(r"^\s*(check|assert|course|\w+\(|\w+\.check_)", visible, re.MULTILINE), (
                f"a test cell of {name} shows no visible check before its hidden tests"
            )


def test_release_holds_no_solution_and_no_hidden_test(assignment):
    source = nbtools.cells_by_grade_id(nbtools.read(nbtools.notebook_path("source", assignment)))
    release = nbtools.read(nbtools.notebook_path("release", assignment))
    text = "\n".join(c.source for c in release.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    for grade_id, cell in nbtools.cells_by_grade_id(release).items():
        if nbtools.is_answer_cell(cell):
            assert "raise NotImplementedError" in cell.source, f"{grade_id} has no stub in release"
            solution = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source[grade_id].source, re.S)
            lines = [ln.strip() for ln in solution.group(1).splitlines() if len(ln.strip()) > 12]
            leaked = [ln for ln in lines if ln in cell.source and not ln.startswith("#")]
            assert not leaked, f"release answer cell {grade_id} contains solution lines: {leaked[:3]}"


def test_release_is_what_nbgrader_generates(assignment, tmp_path):
    generate_release(tmp_path, names=[assignment])
    fresh = normalised(tmp_path / assignment / f"{assignment}.ipynb")
    committed = normalised(nbtools.notebook_path("release", assignment))
    assert fresh == committed, f"release/{assignment} is out of date with source/: run `make release`"
