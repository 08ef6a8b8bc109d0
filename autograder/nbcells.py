"""What the course knows about nbgrader notebooks, in one place: cell kinds, solution markers, the exercise a
test cell belongs to, the hidden lines of a test, and "release + these answers = a submission".

The grader, the tests, the benchmarks and the sample-class builder all ask here. Cell kinds follow
``CONTRIBUTING.md``'s table: an autograded answer is a code cell with ``solution`` and no ``grade``; a test
is a code cell with ``grade`` and no ``solution``; a written answer is markdown with both. Test cells are
named ``test_<exercise>`` or ``test_<exercise>_<what>`` (``docs/COURSE_SPEC.md`` §3).
Pure functions over ``nbformat`` nodes (or plain dicts shaped like them); nothing here runs nbgrader.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Iterable, Mapping

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # the colour codes IPython writes into tracebacks and streams
MIN_HIDDEN_LINE = 12  # shorter hidden lines (``passed()``, ``x = 1``) reveal nothing when found elsewhere


def read(path: Path | str):
    """A notebook file as an ``nbformat`` v4 node."""
    import nbformat

    return nbformat.read(str(path), as_version=4)


def meta(cell) -> dict:
    """The cell's ``metadata.nbgrader`` (empty for a cell nbgrader does not know)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    return meta(cell).get("grade_id")


def is_answer_cell(cell) -> bool:
    """An autograded answer cell: code, ``solution`` true, ``grade`` false."""
    m = meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("solution")) and not m.get("grade")


def is_written_answer_cell(cell) -> bool:
    """A manually graded written answer: markdown, ``solution`` and ``grade`` both true."""
    m = meta(cell)
    return cell.get("cell_type") == "markdown" and bool(m.get("solution")) and bool(m.get("grade"))


def is_test_cell(cell) -> bool:
    """An autograded test cell: code, ``grade`` true, ``solution`` false."""
    m = meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("grade")) and not m.get("solution")


def is_student_code(cell) -> bool:
    """A code cell the student may write in: neither locked nor graded."""
    m = meta(cell)
    return cell.get("cell_type") == "code" and not m.get("locked") and not m.get("grade")


def cells_by_grade_id(nb) -> dict:
    """grade_id -> cell for every cell that has one (the first, when a submission duplicated a cell)."""
    found = {}
    for cell in nb.cells:
        if grade_id(cell):
            found.setdefault(grade_id(cell), cell)
    return found


def grade_ids(nb) -> list[str | None]:
    """Every cell's grade_id in notebook order (``None`` for cells without one)."""
    return [grade_id(c) for c in nb.cells]


def answer_ids(nb) -> list[str]:
    """The exercises: autograded answer cells in notebook order."""
    return [grade_id(c) for c in nb.cells if is_answer_cell(c)]


def test_ids(nb) -> list[str]:
    """The autograded test cells in notebook order."""
    return [grade_id(c) for c in nb.cells if is_test_cell(c)]


def is_test_of(exercise: str, test_id: str) -> bool:
    """The naming rule: ``test_<exercise>`` or ``test_<exercise>_<what>``."""
    return test_id == f"test_{exercise}" or test_id.startswith(f"test_{exercise}_")


def tests_of(exercise: str, ids: Iterable[str], exercises: Iterable[str] | None = None) -> list[str]:
    """The test cells among ``ids`` that belong to ``exercise``. Given every exercise of the notebook, each test
    goes to the longest name it matches (:func:`exercise_of`): ``test_softmax_gradients`` is
    ``softmax_gradients``'s, not also ``softmax``'s. Without them, every test the naming rule allows."""
    if exercises is None:
        return [t for t in ids if is_test_of(exercise, t)]
    names = list(exercises)
    return [t for t in ids if is_test_of(exercise, t) and exercise_of(t, names) == exercise]


def exercise_of(test_id: str, exercises: Iterable[str]) -> str:
    """The exercise ``test_id`` belongs to (the longest matching name: ``test_zoom_in_x`` is ``zoom_in``'s, not
    ``zoom``'s); a test matching none is named after itself without ``test_``."""
    owners = [e for e in exercises if is_test_of(e, test_id)]
    return max(owners, key=len) if owners else test_id.removeprefix("test_")


def solution_code(source: str) -> str:
    """A source cell's text with the solution markers removed (what a correct student writes)."""
    return SOLUTION_MARKERS.sub("", source)


def solutions(source_nb) -> dict[str, str]:
    """grade_id -> the instructor's answer (markers removed) for every cell a student writes in."""
    return {grade_id(c): solution_code(c.source) for c in source_nb.cells if meta(c).get("solution") and grade_id(c)}


def build_submission(release_nb, answers: Mapping[str, str]):
    """A copy of the released notebook with each cell named in ``answers`` holding that text.

    ``answers`` usually starts from :func:`solutions` of the source notebook, with a few cells replaced by a
    variant. Raises ``KeyError`` naming every grade_id the notebook does not have.
    """
    nb = copy.deepcopy(release_nb)
    pending = dict(answers)
    for cell in nb.cells:
        if grade_id(cell) in pending:
            cell.source = pending.pop(grade_id(cell))
    if pending:
        raise KeyError(f"the notebook has no cells named {sorted(pending)}")
    return nb


def hidden_blocks(source: str) -> list[str]:
    """The ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` regions of a cell, markers included."""
    return HIDDEN_TESTS.findall(source)


def hidden_lines(source_nb, released_nb=None) -> list[str]:
    """Code lines inside hidden-test regions of the source notebook that a student never sees.

    Lines shorter than :data:`MIN_HIDDEN_LINE`, comments, and lines that also appear in the released notebook
    (a helper call shared with a visible test) are left out: finding those elsewhere reveals nothing.
    """
    visible = "\n".join(c.source for c in released_nb.cells) if released_nb is not None else ""
    lines = []
    for cell in source_nb.cells:
        for block in hidden_blocks(cell.source):
            for line in block.splitlines()[1:-1]:
                text = line.strip()
                if len(text) >= MIN_HIDDEN_LINE and not text.startswith("#") and text not in visible:
                    lines.append(text)
    return lines


__all__ = [
    "SOLUTION_MARKERS", "HIDDEN_TESTS", "read", "meta", "grade_id", "is_answer_cell", "is_written_answer_cell",
    "is_test_cell", "is_student_code", "cells_by_grade_id", "grade_ids", "answer_ids", "test_ids", "is_test_of",
    "tests_of", "exercise_of", "solution_code", "solutions", "build_submission", "hidden_blocks", "hidden_lines",
    "restore_metadata",
]


def restore_metadata(submitted, released) -> list[str]:
    """Give every cell of ``submitted`` its nbgrader metadata from the instructor's release, in place; returns
    what differed (one sentence per cell).

    A cell takes the release cell with its cell id, else the first unclaimed one with its grade_id; any other
    cell (added by the student, or a duplicate of a graded cell) loses its nbgrader metadata, so it is neither
    graded nor counted. A student can thus never turn an answer into a grade cell, add points or cells,
    duplicate a test's grade_id or mark a test as a solution.
    """
    by_id = {c.get("id"): c for c in released.cells if c.get("id") and meta(c)}
    by_grade_id = {grade_id(c): c for c in released.cells if grade_id(c)}
    claimed, changes = set(), []
    for number, cell in enumerate(submitted.cells, start=1):
        original = by_id.get(cell.get("id"))
        if original is None or grade_id(original) in claimed:
            original = by_grade_id.get(grade_id(cell))
        if original is not None and grade_id(original) in claimed:
            original = None
        expected = copy.deepcopy(meta(original)) if original is not None else {}
        if original is not None:
            claimed.add(grade_id(original))
        if _role(meta(cell)) != _role(expected):  # points alone: integrity's edited_points; checksums: noise
            name = grade_id(cell) or f"cell {number}"
            changes.append(f"{name}: nbgrader metadata {_summary(meta(cell))} restored to the release's "
                           f"{_summary(expected)}")
        metadata = cell.setdefault("metadata", {})
        if expected:
            metadata["nbgrader"] = expected
        else:
            metadata.pop("nbgrader", None)
    return changes


def _role(m: dict) -> tuple:
    """What makes a cell graded and how: its name and kind (not its checksum, points or schema version)."""
    return tuple(bool(m.get(k)) if k != "grade_id" else m.get(k) for k in ("grade_id", "grade", "solution", "locked", "task"))


def _summary(m: dict) -> str:
    if not m:
        return "(none)"
    keys = ("grade_id", "grade", "solution", "locked", "points")
    return "{" + ", ".join(f"{k}={m[k]!r}" for k in keys if k in m) + "}"
