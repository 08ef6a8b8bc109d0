"""A judged test that cannot be judged (issue 21's leftover): a value its checks need never came back from the
kernel, or the judge process crashed. Graded through the real pipeline on notebook 01 beside a correct
neighbour: the test scores 0 and is flagged ``unjudged_test``, the batch goes on, the feedback says what happened
in the grader's own words; the student's own error gets no such flag. The judge's parts on their own after."""

from __future__ import annotations

import csv
import html
import os

import nbformat
import pytest

from autograder import feedback, flags, integrity, judge, limits, nbcells
from autograder.api import grade_class
from autograder.paths import REPO
from course import plain
from tests.test_autograder import corpus_judge as cj

A = cj.ASSIGNMENT
CRASHING_JUDGE = REPO / "tests" / "test_autograder" / "fixtures" / "crashing_judge"


@pytest.fixture(scope="module")
def unjudged_run(tmp_path_factory):
    """Every case of ``corpus_judge.UNJUDGED`` with a correct neighbour (2 workers), under a judge that dies on a
    float32 array (``fixtures/crashing_judge``, through PYTHONPATH: the grader's processes only)."""
    subs, out = tmp_path_factory.mktemp("submitted"), tmp_path_factory.mktemp("graded")
    source = nbcells.read(REPO / "source" / A / f"{A}.ipynb")
    release = nbcells.read(REPO / "release" / A / f"{A}.ipynb")
    answers = {g: code for g, code in nbcells.solutions(source).items() if g in nbcells.answer_ids(source)}
    for case in cj.UNJUDGED:
        for student, chosen in (
            (case.name, {**answers, "grid_search": case.grid_search}),
            (case.name + cj.BESIDE, answers),
        ):
            folder = subs / student / A
            folder.mkdir(parents=True)
            nbformat.write(nbcells.build_submission(release, chosen), str(folder / f"{A}.ipynb"))
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CRASHING_JUDGE), before]))
    try:
        results = grade_class(subs, out, workers=2, log=lambda m: None)
    finally:
        if before is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = before
    tests = [nbcells.grade_id(c) for c in source.cells if nbcells.is_test_cell(c)]
    return {r.student_id: r for r in results if r.assignment == A}, out, tests


def _tests(result):
    return {c.grade_id: c for c in result.cells if c.kind == "test"}


def _lost(case, tests):
    if case.loses[-1] != "...":
        return set(case.loses)
    return set(tests[tests.index(case.loses[0]) :])


@pytest.mark.parametrize("case", cj.UNJUDGED, ids=lambda c: c.name)
def test_an_unjudged_test_scores_zero_and_is_flagged_beside_a_neighbour_with_full_marks(unjudged_run, case):
    results, _, tests = unjudged_run
    neighbour = results[case.name + cj.BESIDE]
    assert neighbour.status == "graded", neighbour.message
    assert all(c.score == c.max_score for c in _tests(neighbour).values()), {
        g: c.message for g, c in _tests(neighbour).items() if c.score < c.max_score
    }
    assert not [f for f in neighbour.flags if f.flag in ("unjudged_test", "grader_error")], neighbour.flags

    result = results[case.name]
    assert result.status == "graded" and not [f for f in result.flags if f.flag == "grader_error"], result.flags
    lost = _lost(case, tests)
    for grade_id, cell in _tests(result).items():
        if grade_id in lost:
            assert cell.score == 0, f"{case.name}: {grade_id} kept {cell.score:g} points"
        else:
            assert cell.score == cell.max_score, f"{case.name}: {grade_id} lost points: {cell.message}"
    unjudged = [f for f in result.flags if f.flag == "unjudged_test"]
    if case.flag == "unjudged_test":
        assert [f.detail.split(" ")[0] for f in unjudged] == ["test_grid_search"], result.flags
        assert case.why in unjudged[0].detail
    else:
        assert (
            case.why in _tests(result)["test_grid_search"].message
        )  # the student's own error explains it: no unjudged_test flag
        assert not unjudged, unjudged
        if case.flag:
            assert [f for f in result.flags if f.flag == case.flag and f.detail.startswith("test_grid_search")]


def test_the_flag_reaches_integrity_csv_and_the_feedback_says_what_happened_in_fixed_words(unjudged_run):
    results, out, _ = unjudged_run
    with open(out / "integrity.csv", newline="", encoding="utf-8") as f:
        rows = {(r["student_id"], r["flag"]) for r in csv.DictReader(f)}
    flagged = {case.name for case in cj.UNJUDGED if case.flag == "unjudged_test"}
    assert {(name, "unjudged_test") for name in flagged} <= rows
    assert not {s for s, flag in rows if flag == "unjudged_test"} - flagged

    sentence = feedback.GRADER_ERRORS[judge.MISSING]
    for name in ("unwalkable_result", "huge_result"):  # deletes_result's last error is the guard's
        page = html.unescape((out / "feedback" / name / A / f"{A}.html").read_text(encoding="utf-8"))
        assert sentence in page, name  # test_grid_search holds hidden tests: the grader's words only
        assert "this test's value `" not in page  # the judge's own message (cells.csv keeps it) is not shown
    crashed = html.unescape((out / "feedback" / "crashes_the_judge" / A / f"{A}.html").read_text(encoding="utf-8"))
    assert feedback.GRADER_ERRORS[judge.JUDGE_FAULT] in crashed


def test_a_value_over_the_cap_is_refused_where_it_is_written_and_where_it_is_read():
    big = {"x": "a" * 100}
    assert plain.loads(plain.export(["x"], big, 200), 200) == big
    with pytest.raises(plain.TooLarge):
        plain.export(["x"], big, 50)
    with pytest.raises(plain.TooLarge):
        plain.loads(plain.dumps(big), 50)
    assert str(limits.PLAIN_DATA_BYTES) in judge.export_expression(["x"])


@pytest.mark.parametrize(
    "data, why",
    [
        (None, judge.NO_ANSWER),
        ("{}", judge.NOT_BOUND),
        ('{"x": {"evil": 1}}', judge.NOT_PLAIN),
        ('{"x": "' + "a" * limits.PLAIN_DATA_BYTES + '"}', judge.TOO_LARGE),
    ],
)
def test_the_judge_says_why_a_value_did_not_come_back(data, why):
    reply = judge.judge_segment(
        {"code": "checks.check_close(x, 2, 'x')\n", "data": data, "wanted": ["x"]}, judge.fresh_namespace()
    )
    assert (reply["passed"], reply["ename"]) == (False, judge.MISSING)
    assert f"`x` did not come back from your kernel ({why})" in reply["evalue"]


def test_only_the_graders_own_errors_become_unjudged_test_flags():
    graded = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "x = f()", outputs=[nbformat.v4.new_output("error", ename=ename, evalue=text, traceback=[])]
            )
            for ename, text in (
                (judge.MISSING, "value `x` ..."),
                (judge.JUDGE_FAULT, "judge ..."),
                ("NameError", "name 'x' is not defined"),
                ("ResultMissing2", "forged"),
            )
        ]
    )
    found = integrity.runtime_flags(graded, 1000)
    assert [f.flag for f in found] == ["unjudged_test", "unjudged_test"]
    assert "unjudged_test" in flags.RUNTIME
    for ename in (judge.MISSING, judge.JUDGE_FAULT):
        assert feedback.shown_name({"ename": ename}) == ename
        assert feedback.grader_message({"ename": ename}, set()).endswith(feedback.GRADER_ERRORS[ename])
