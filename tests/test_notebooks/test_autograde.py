"""Real nbgrader grades the solution, the blank release and every variant of tests/variants/ as it should."""

import pytest

from tests import nbtools
from tests.spec import GRADED
from tests.variants import variants_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory):
    """One nbgrader batch per assignment: correct, blank and every variant."""
    cache = {}

    def grade(assignment: str):
        if assignment not in cache:
            submissions = {
                "correct": nbtools.build_submission(assignment),
                "blank": nbtools.build_submission(assignment, blank=True),
            }
            for variant in variants_for(assignment):
                submissions[variant.name] = nbtools.build_submission(assignment, variant.code)
            cache[assignment] = nbtools.autograde(assignment, submissions, tmp_path_factory.mktemp(assignment))
        return cache[assignment]

    return grade


def exercise_scores(result, assignment):
    ids = list(result.scores)
    return {
        name: (
            sum(result.scores[t].score for t in nbtools.tests_of(name, ids)),
            sum(result.scores[t].max_score for t in nbtools.tests_of(name, ids)),
        )
        for name in GRADED[assignment]
    }


def test_correct_submission_gets_full_marks(graded, assignment):
    result = graded(assignment)["correct"]
    lost = {k: v for k, v in result.scores.items() if v.score < v.max_score}
    assert not lost, {k: result.message(k) for k in lost}
    assert result.max_total > 0


def test_blank_submission_scores_zero(graded, assignment):
    result = graded(assignment)["blank"]
    assert result.total == 0, {k: v for k, v in result.scores.items() if v.score}


def test_variants_cover_every_exercise(assignment):
    variants = variants_for(assignment)
    for name in GRADED[assignment]:
        assert any(not v.correct and name in v.code for v in variants), f"no wrong variant of {name}"
        assert any(v.correct and name in v.code for v in variants), f"no different-but-correct variant of {name}"


def test_variants_score_as_expected(graded, assignment):
    results = graded(assignment)
    problems = []
    for variant in variants_for(assignment):
        scores = exercise_scores(results[variant.name], assignment)
        for name, (score, max_score) in scores.items():
            if name in variant.losing_exercises and score >= max_score:
                problems.append(f"{variant.name}: {name} kept all {max_score:g} points")
            if name not in variant.losing_exercises and score < max_score:
                ids = nbtools.tests_of(name, list(results[variant.name].scores))
                why = "; ".join(results[variant.name].message(t) for t in ids)[:300]
                problems.append(f"{variant.name}: {name} lost points ({score:g}/{max_score:g}): {why}")
        if variant.message:
            shown = "\n".join(results[variant.name].message(t) for t in results[variant.name].scores)
            if variant.message not in shown:
                problems.append(f"{variant.name}: the message {variant.message!r} was never shown")
    assert not problems, "\n".join(problems)
