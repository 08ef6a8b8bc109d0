"""The grader instructors run (`python -m autograder`: sandbox, template cache, feedback and all) grades every
real notebook as plain nbgrader does: the solution keeps every autograded point, and a bundle of mistakes from
tests/variants loses exactly its exercises, with no grader error.

`test_autograde.py` grades every variant with plain nbgrader; this checks the grader's own path once per
notebook, on the first bundle of wrong variants (one graded run each, to keep `make test` quick).
"""

import nbformat
import pytest

from autograder.api import grade_class
from tests import nbtools
from tests.test_notebooks.test_autograde import bundles, own_tests
from tests.variants import variants_for

pytestmark = pytest.mark.slow


def exercise_scores(result, assignment) -> dict[str, tuple[float, float]]:
    cells = {c.grade_id: c for c in result.cells if c.kind == "test"}
    return {
        name: (
            sum(cells[t].score for t in own_tests(name, list(cells), assignment)),
            sum(cells[t].max_score for t in own_tests(name, list(cells), assignment)),
        )
        for name in nbtools.exercises(assignment)
    }


def test_the_grader_scores_the_solution_and_a_bundle_of_mistakes(assignment, tmp_path):
    mistakes = bundles([v for v in variants_for(assignment) if not v.correct])[0]
    code = {k: v for variant in mistakes for k, v in variant.code.items()}
    submissions = {
        "correct": nbtools.build_submission(assignment),
        "mistakes": nbtools.build_submission(assignment, code),
    }
    for student, notebook in submissions.items():
        folder = tmp_path / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(notebook, str(folder / f"{assignment}.ipynb"))

    results = {
        r.student_id: r
        for r in grade_class(tmp_path / "submitted", tmp_path / "graded", workers=1, log=lambda message: None)
    }

    for student, result in results.items():
        errors = [f.detail for f in result.flags if f.flag == "grader_error"]
        assert result.status == "graded" and not errors, f"{student}: {result.status} {result.message} {errors}"
    lost = {n: s for n, s in exercise_scores(results["correct"], assignment).items() if s[0] < s[1]}
    assert not lost, f"the solution lost points under the grader: {lost}"
    losing = {name: v.name for v in mistakes for name in v.losing_exercises}
    for name, (score, max_score) in exercise_scores(results["mistakes"], assignment).items():
        if name in losing:
            assert score < max_score, f"{losing[name]}: {name} kept all {max_score:g} points under the grader"
        else:
            assert score == max_score, f"{name} lost points ({score:g}/{max_score:g}) beside {sorted(losing)}"
    _concepts_reach_the_instructor_and_the_student(results, tmp_path / "graded", assignment, mistakes)


def _concepts_reach_the_instructor_and_the_student(results, out, assignment, mistakes):
    """Each concept question's answer is in cells.csv, and the feedback page shows the chosen option's
    explanation (the solution's right one, a mistake's own)."""
    import csv
    import html

    concept_tests = {
        "test_" + g for g in nbtools.concept_ids(nbtools.read(nbtools.notebook_path("source", assignment)))
    }
    if not concept_tests:
        return
    with (out / "cells.csv").open(newline="", encoding="utf-8") as fh:
        answers = {(row["student_id"], row["grade_id"]): row["answer"] for row in csv.DictReader(fh)}
    wrong = {"test_" + g: v for v in mistakes for g in v.code if g.startswith(nbtools.CONCEPT)}
    for student, result in results.items():
        page = html.unescape((out / "feedback" / student / assignment / f"{assignment}.html").read_text())
        for cell in result.cells:
            if cell.grade_id not in concept_tests:
                continue
            blank = (
                student == "mistakes"
                and wrong.get(cell.grade_id) is not None
                and wrong[cell.grade_id].name.endswith("_blank")
            )
            if blank:
                assert not cell.concept and answers[(student, cell.grade_id)] == "", cell.grade_id
                continue
            assert cell.concept and answers[(student, cell.grade_id)] == cell.concept["answer"], cell.grade_id
            assert cell.concept["correct"] is (cell.score == cell.max_score), cell.grade_id
            assert f"Your answer: {cell.concept['answer']} (" in page and cell.concept["explanation"] in page
