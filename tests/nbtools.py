"""Notebook machinery the tests share: read cells by grade_id, build submissions, execute, autograde.

What a notebook's cells are (answer, test, written answer; solution markers; which exercise a test belongs
to) is :mod:`autograder.nbcells`, re-exported here so the notebook tests keep their names. Submissions are
built from ``release/`` exactly as a student would hand them in: the released notebook with its answer cells
filled in. ``build_submission`` fills each answer cell with the instructor's solution (the ``### BEGIN
SOLUTION`` region of ``source/``) unless a variant replaces it; ``blank=True`` leaves the stubs.
``autograde`` runs real nbgrader (``generate_assignment`` then ``nbgrader autograde``) in a scratch course and
reads per-cell scores back from its gradebook.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import nbcells, paths
from autograder.nbcells import (  # noqa: F401 - the tests' names for the toolkit's functions
    answer_ids,
    cells_by_grade_id,
    is_answer_cell,
    is_test_cell,
    is_written_answer_cell,
    read,
    solution_code,
    tests_of,
)
from autograder.nbcells import meta as nbgrader_meta  # noqa: F401
from autograder.nbcells import test_ids as grade_test_ids  # noqa: F401
from autograder.nbgrader_ops import generate_assignment, run_cli
from autograder.paths import REPO

SOURCE = REPO / "source"
RELEASE = REPO / "release"


def notebook_path(kind: str, assignment: str) -> Path:
    return paths.notebook_path(REPO, kind, assignment)


CONCEPT = "concept_"  # a concept question's answer cell: concept_<topic>, tested by test_concept_<topic>


def concept_ids(nb) -> list[str]:
    """The concept questions' answer cells, in notebook order (``course.concepts``)."""
    return [g for g in answer_ids(nb) if g.startswith(CONCEPT)]


def exercises(assignment: str) -> list[str]:
    """What a notebook grades: the contract's graded names, then its concept questions."""
    from tests.spec import GRADED

    return GRADED[assignment] + concept_ids(read(notebook_path("source", assignment)))


def build_submission(
    assignment: str, replacements: dict[str, str] | None = None, *, blank: bool = False
) -> nbformat.NotebookNode:
    """The released notebook with answers filled in (see module docstring)."""
    answers = {} if blank else nbcells.solutions(read(notebook_path("source", assignment)))
    answers.update(replacements or {})
    try:
        return nbcells.build_submission(read(notebook_path("release", assignment)), answers)
    except KeyError as error:
        raise KeyError(f"{assignment}: {error.args[0]}") from None


def execute(nb, cwd: Path, timeout: int = 300, allow_errors: bool = False) -> nbformat.NotebookNode:
    """Run ``nb`` top to bottom in a fresh python3 kernel with ``cwd`` as working directory."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
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
    generate_assignment(scratch, assignment)
    for student, nb in submissions.items():
        folder = scratch / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{assignment}.ipynb"))
    run_cli(scratch, "autograde", assignment, "--force")

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
