"""Source notebooks run top to bottom with their solutions; released ones fail every test, as blank work should."""

import pytest

from tests import nbtools

pytestmark = pytest.mark.slow


def test_source_runs_and_passes(assignment):
    path = nbtools.notebook_path("source", assignment)
    nb = nbtools.execute(nbtools.read(path), cwd=path.parent, allow_errors=True)
    failures = {
        nbtools.nbgrader_meta(c).get("grade_id", f"cell {i}"): nbtools.error_text(c)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)
    }
    assert not failures, f"source/{assignment} failed in: {failures}"
    for cell in nb.cells:
        if nbtools.is_test_cell(cell):
            stderr = nbtools.error_text(cell)
            assert not stderr, f"{nbtools.nbgrader_meta(cell)['grade_id']} wrote to stderr: {stderr[:300]}"


def test_release_fails_every_test_as_released(assignment):
    path = nbtools.notebook_path("release", assignment)
    nb = nbtools.execute(nbtools.read(path), cwd=path.parent, allow_errors=True)
    passing = [
        nbtools.nbgrader_meta(c)["grade_id"]
        for c in nb.cells
        if nbtools.is_test_cell(c) and not any(o.output_type == "error" for o in c.outputs)
    ]
    assert not passing, f"these tests pass on the blank release/{assignment}: {passing}"
