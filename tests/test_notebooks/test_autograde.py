"""Real nbgrader grades the solution, the blank release and every variant of tests/variants/ as it should.

Variants that touch different exercises are graded together in one submission ("bundle"): a mistake in
`grid_search` cannot change the score of `pick_best_run`'s tests, and the test below checks exactly that
every exercise outside a variant's `losing_exercises` keeps its points. Bundling grades ~55 variants in a
dozen notebook runs instead of ~55, which keeps `make test` inside its time budget.
"""

import pytest

from tests import nbtools
from tests.variants import Variant, variants_for

pytestmark = pytest.mark.slow


def bundles(variants: list[Variant]) -> list[list[Variant]]:
    """Greedy packing: a variant joins the first bundle none of whose members touch the same exercises."""
    packed: list[tuple[set[str], list[Variant]]] = []
    for variant in variants:
        touched = set(variant.code) | set(variant.losing_exercises)
        for seen, members in packed:
            if not seen & touched:
                seen |= touched
                members.append(variant)
                break
        else:
            packed.append((touched, [variant]))
    return [members for _, members in packed]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One nbgrader batch per assignment: correct, blank and every bundle of variants."""
    cache = {}

    def grade(assignment: str):
        if assignment not in cache:
            submissions = {
                "correct": nbtools.build_submission(assignment),
                "blank": nbtools.build_submission(assignment, blank=True),
            }
            packed = bundles(variants_for(assignment))
            for i, members in enumerate(packed):
                code = {k: v for variant in members for k, v in variant.code.items()}
                submissions[f"bundle{i:02d}"] = nbtools.build_submission(assignment, code)
            results = nbtools.autograde(assignment, submissions, tmp_path_factory.mktemp(assignment))
            cache[assignment] = (results, packed)
        return cache[assignment]

    return grade


def own_tests(name, ids, assignment):
    """The test cells of exercise ``name`` (each to the longest graded name it matches: notebook 05's
    ``test_softmax_gradients`` is ``softmax_gradients``'s, not ``softmax``'s)."""
    from autograder.nbcells import tests_of

    return tests_of(name, ids, nbtools.exercises(assignment))


def exercise_scores(result, assignment):
    ids = list(result.scores)
    return {
        name: (
            sum(result.scores[t].score for t in own_tests(name, ids, assignment)),
            sum(result.scores[t].max_score for t in own_tests(name, ids, assignment)),
        )
        for name in nbtools.exercises(assignment)
    }


def test_bundles_never_share_an_exercise():
    a = Variant("a", {"f": "x"})
    b = Variant("b", {"g": "x"}, loses=("g", "h"))
    c = Variant("c", {"h": "x"}, correct=True)
    assert [[v.name for v in bundle] for bundle in bundles([a, b, c])] == [["a", "b"], ["c"]]


def test_correct_submission_gets_full_marks(graded, assignment):
    result = graded(assignment)[0]["correct"]
    lost = {k: v for k, v in result.scores.items() if v.score < v.max_score}
    assert not lost, {k: result.message(k) for k in lost}
    assert result.max_total > 0


def test_blank_submission_scores_zero(graded, assignment):
    result = graded(assignment)[0]["blank"]
    assert result.total == 0, {k: v for k, v in result.scores.items() if v.score}


def test_variants_cover_every_exercise(assignment):
    variants = variants_for(assignment)
    for name in nbtools.exercises(assignment):
        assert any(not v.correct and name in v.code for v in variants), f"no wrong variant of {name}"
        assert any(v.correct and name in v.code for v in variants), f"no different-but-correct variant of {name}"


def test_variants_score_as_expected(graded, assignment):
    results, packed = graded(assignment)
    problems = []
    for i, members in enumerate(packed):
        result = results[f"bundle{i:02d}"]
        scores = exercise_scores(result, assignment)
        losing = {name: v.name for v in members for name in v.losing_exercises}
        for name, (score, max_score) in scores.items():
            if name in losing and score >= max_score:
                problems.append(f"{losing[name]}: {name} kept all {max_score:g} points")
            if name not in losing and score < max_score:
                why = "; ".join(result.message(t) for t in own_tests(name, list(result.scores), assignment))[:300]
                culprits = ", ".join(v.name for v in members)
                problems.append(f"[{culprits}]: {name} lost points ({score:g}/{max_score:g}): {why}")
        for variant in members:
            if variant.message:
                shown = "\n".join(
                    result.message(t)
                    for name in variant.losing_exercises
                    for t in own_tests(name, list(result.scores), assignment)
                )
                if variant.message not in shown:
                    problems.append(f"{variant.name}: the message {variant.message!r} was never shown")
    assert not problems, "\n".join(problems)
