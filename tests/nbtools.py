"""Notebook machinery the tests share: read cells by grade_id, build submissions, execute, autograde.

Submissions are built from ``release/`` exactly as a student would hand them in: the released notebook with
its answer cells filled in. ``build_submission`` fills each answer cell with the instructor's solution (the
``### BEGIN SOLUTION`` region of ``source/``) unless a variant replaces it; ``blank=True`` leaves the stubs.
``autograde`` runs real nbgrader (``generate_assignment`` then ``autograde``) in a scratch course and reads
per-cell scores back from its gradebook.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.authoring import nbgrader_env

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source"
RELEASE = REPO / "release"

_SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def notebook_path(kind: str, assignment: str) -> Path:
    return REPO / kind / assignment / f"{assignment}.ipynb"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer_cell(cell) -> bool:
    """An autograded answer cell: code, ``solution`` true, ``grade`` false."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("solution", False) and not meta.get("grade", False)


def is_written_answer_cell(cell) -> bool:
    """A manually graded written answer: markdown, ``solution`` and ``grade`` both true."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "markdown" and meta.get("solution", False) and meta.get("grade", False)


def is_test_cell(cell) -> bool:
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def cells_by_grade_id(nb) -> dict[str, nbformat.NotebookNode]:
    return {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if "grade_id" in nbgrader_meta(c)}


def answer_ids(nb) -> list[str]:
    return [nbgrader_meta(c)["grade_id"] for c in nb.cells if is_answer_cell(c)]


def grade_test_ids(nb) -> list[str]:
    return [nbgrader_meta(c)["grade_id"] for c in nb.cells if is_test_cell(c)]


def tests_of(exercise: str, ids: list[str]) -> list[str]:
    """The test cells that belong to ``exercise`` by the naming rule of COURSE_SPEC §3."""
    return [t for t in ids if t == f"test_{exercise}" or t.startswith(f"test_{exercise}_")]


def solution_code(source_text: str) -> str:
    """The source cell's code with the solution markers removed (what a correct student writes)."""
    return _SOLUTION_MARKERS.sub("", source_text)


def build_submission(
    assignment: str, replacements: dict[str, str] | None = None, *, blank: bool = False
) -> nbformat.NotebookNode:
    """The released notebook with answers filled in (see module docstring)."""
    nb = read(notebook_path("release", assignment))
    solutions = cells_by_grade_id(read(notebook_path("source", assignment)))
    replacements = dict(replacements or {})
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in replacements:
            cell.source = replacements.pop(grade_id)
        elif not blank and is_answer_cell(cell):
            cell.source = solution_code(solutions[grade_id].source)
        elif not blank and is_written_answer_cell(cell):
            # A hand-graded written answer gets the model answer: nbgrader scores an unchanged one 0.
            cell.source = solutions[grade_id].source
    if replacements:
        raise KeyError(f"{assignment} has no cells named {sorted(replacements)}")
    return nb


def execute(nb, cwd: Path, timeout: int = 300, allow_errors: bool = False) -> nbformat.NotebookNode:
    """Run ``nb`` top to bottom in a fresh python3 kernel with ``cwd`` as working directory."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return nb


def error_text(cell) -> str:
    """All error and stderr text a cell produced (empty when it ran cleanly)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        elif out.output_type == "stream" and out.name == "stderr":
            parts.append(out.text)
    return "\n".join(parts)


@dataclass
class CellScore:
    score: float
    max_score: float


@dataclass
class GradedSubmission:
    scores: dict[str, CellScore]
    notebook: nbformat.NotebookNode  # the autograded notebook, with outputs

    @property
    def total(self) -> float:
        return sum(s.score for s in self.scores.values())

    @property
    def max_total(self) -> float:
        return sum(s.max_score for s in self.scores.values())

    def message(self, grade_id: str) -> str:
        return error_text(cells_by_grade_id(self.notebook)[grade_id])


def autograde(
    assignment: str, submissions: dict[str, nbformat.NotebookNode], scratch: Path, source: Path = SOURCE
) -> dict[str, GradedSubmission]:
    """Grade ``submissions`` (student id -> notebook) with real nbgrader in the scratch course ``scratch``.

    ``source`` is the folder holding ``<assignment>/<assignment>.ipynb`` (the course's ``source/`` by default).
    """
    shutil.copy2(REPO / "nbgrader_config.py", scratch / "nbgrader_config.py")
    shutil.copytree(source / assignment, scratch / "source" / assignment)
    _nbgrader(scratch, "generate_assignment", assignment, "--force")
    for student, nb in submissions.items():
        folder = scratch / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{assignment}.ipynb"))
    _nbgrader(scratch, "autograde", assignment, "--force")

    from nbgrader.api import Gradebook

    results = {}
    with Gradebook(f"sqlite:///{scratch / 'gradebook.db'}") as gb:
        for student in submissions:
            notebook = gb.find_submission_notebook(assignment, assignment, student)
            scores = {
                g.name: CellScore(float(g.score), float(g.max_score))
                for g in notebook.grades
                if g.cell_type == "code"  # test cells; written answers are graded by hand
            }
            graded_nb = read(scratch / "autograded" / student / assignment / f"{assignment}.ipynb")
            results[student] = GradedSubmission(scores, graded_nb)
    return results


def _nbgrader(root: Path, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=root, capture_output=True, text=True, timeout=1800,
        env=nbgrader_env(),
    )
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
