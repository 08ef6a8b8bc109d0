"""Honest work in every form, graded through the real pipeline beside a correct neighbour (issue 22): heavily
commented answers get no flag; notebooks saved without nbgrader metadata, with an answer retyped elsewhere, with a
cell that has no ``cell_type`` or a source that is not text are graded, never a ``grader_error``; a lone surrogate
reaches every output encodable; widget state is capped like outputs."""

from __future__ import annotations

import csv
import json
import os

import nbformat
import pytest

from autograder import nbcells
from autograder.api import grade_class
from autograder.results import encodable
from tests.test_autograder import honest

SURROGATE_ID = os.fsdecode(b"sur\xffrogate")  # a folder name that is not UTF-8: "sur\udcffrogate"
WIDGETS = (
    "import ipywidgets\n"
    "for _ in range(3):\n"
    "    display(ipywidgets.Text(value='w' * 9_000_000))\n"
    "def double(x):\n"
    "    return 2 * np.asarray(x, dtype=float)\n"
)
CAPTURED = "%%capture noisy\nprint('a long log I do not want to see')\n"
# student -> (score, flags) of the 7 autograded points and 1 manual point
EXPECTED = {
    "aa_correct": (7, set()),
    "honest_commented": (7, set()),
    "pasted": (7, {"matched_cell"}),
    "retyped": (7, {"matched_cell", "deleted_cell"}),
    "lost_answer": (5, {"answer_not_found"}),
    "malformed": (7, set()),
    SURROGATE_ID: (5, {"unreadable_name"}),
    "widgets": (7, {"output_flood"}),
    "captured": (7, {"magic"}),  # %%capture runs a nested cell: its hooks are the magic's, not tampering
}


def _surrogate_json(release_nb, source_nb) -> str:
    """Lone surrogates in markdown, a comment, cell and notebook metadata, and a failing test's message."""
    answers = honest.answers_of(source_nb)
    answers["double"] = "# half a pair: \ud800\n" + answers["double"]
    answers["count_positive"] = "def count_positive(values):\n    raise AssertionError('no count \ud800 here')\n"
    nb = nbcells.build_submission(release_nb, answers)
    nb.metadata["authors"] = [{"name": "A. Student \udfff"}]
    nb.cells[0].metadata["tags"] = ["\ud800"]
    nbcells.cells_by_grade_id(nb)["explain"].source = "There is nothing to divide by \ud800."
    return json.dumps(nb, ensure_ascii=True)  # JSON's escapes: the file is valid UTF-8


@pytest.fixture(scope="module")
def honest_run(toy_course, toy_release, tmp_path_factory):
    subs = tmp_path_factory.mktemp("honest")
    out = tmp_path_factory.mktemp("honest_out")
    release = nbcells.read(toy_release)
    source = nbcells.read(toy_course / "source" / "toy" / "toy.ipynb")
    answers = honest.answers_of(source)
    books = {
        "aa_correct": nbcells.build_submission(release, answers),
        "honest_commented": honest.honest_commented(release),
        "pasted": honest.pasted_without_metadata(release, source),
        "retyped": honest.retyped_answer(release, source),
        "lost_answer": honest.lost_answer(release, source),
        "widgets": nbcells.build_submission(release, {**answers, "double": WIDGETS}),
        "captured": nbcells.build_submission(release, {**answers, "double": CAPTURED + answers["double"]}),
    }
    for student, nb in books.items():
        (subs / student / "toy").mkdir(parents=True)
        nbformat.write(nb, str(subs / student / "toy" / "toy.ipynb"))
    (subs / "malformed" / "toy").mkdir(parents=True)
    (subs / "malformed" / "toy" / "toy.ipynb").write_text(
        json.dumps(honest.malformed_json(release, source)), encoding="utf-8"
    )
    (subs / SURROGATE_ID / "toy").mkdir(parents=True)
    (subs / SURROGATE_ID / "toy" / "toy.ipynb").write_text(_surrogate_json(release, source), encoding="utf-8")
    results = grade_class(subs, out, workers=2, timeout=20, course_root=toy_course, memory_mb=1536, log=lambda m: None)
    return {"results": {r.student_id: r for r in results}, "out": out}


def _result(run, student):
    return run["results"][encodable(student)]


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_honest_forms_are_graded_as_what_they_are(honest_run, student):
    score, flags = EXPECTED[student]
    result = _result(honest_run, student)
    assert result.status == "graded", result.message
    assert result.score == score, [(c.grade_id, c.score, c.message) for c in result.cells]
    assert {f.flag for f in result.flags} == flags, result.flags


def test_no_grader_error_in_the_batch(honest_run):
    assert not [r for r in honest_run["results"].values() if r.status == "grader_error"]


def test_what_was_matched_is_said(honest_run):
    detail = next(f.detail for f in honest_run["results"]["retyped"].flags if f.flag == "matched_cell")
    assert "mean_of by the function it defines (mean_of)" in detail
    lost = next(f.detail for f in honest_run["results"]["lost_answer"].flags if f.flag == "answer_not_found")
    assert "count_positive" in lost


def test_surrogates_reach_every_output_encodable(honest_run):
    out = honest_run["out"]
    for name in ("grades.csv", "cells.csv", "integrity.csv", "report.html"):
        (out / name).read_text(encoding="utf-8")  # strict: a surrogate written out would not decode
    with (out / "cells.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["student_id"].startswith("sur")]
    assert any("no count \ufffd here" in r["message"] for r in rows), rows
    student = _result(honest_run, SURROGATE_ID).student_id
    feedback = out / "feedback" / student / "toy" / "toy.html"
    assert "\ufffd" in feedback.read_text(encoding="utf-8")


def test_widget_state_is_capped_in_the_autograded_notebook(honest_run):
    from autograder import limits

    graded = honest_run["out"] / "autograded" / "widgets" / "toy" / "toy.ipynb"
    assert graded.stat().st_size < limits.WIDGET_STATE_BYTES + 5_000_000


def test_surrogates_in_every_field_reach_the_csvs_and_report_encodable(tmp_path):
    """Without a kernel: a surrogate in every string a result holds (id, messages, flags' details)."""
    from autograder import report, writer
    from autograder.results import CellResult, Flag, SubmissionResult

    bad = "\ud800"
    result = SubmissionResult(
        f"s{bad}",
        "toy",
        "graded",
        1,
        2,
        [CellResult(f"test_{bad}", 0, 1, f"no {bad}")],
        [Flag("edited_metadata", f"x{bad}: restored"), Flag("timeout", bad)],
        message=bad,
    )
    writer.write_csvs([result], tmp_path)
    (tmp_path / "report.html").write_text(report.render([result]), encoding="utf-8")
    for name in ("grades.csv", "cells.csv", "integrity.csv", "report.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert bad not in text and "\ufffd" in text
