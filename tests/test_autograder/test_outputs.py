"""The outputs of COURSE_SPEC §5: exact CSV columns, feedback without hidden tests, a report with plots,
one merged nbgrader gradebook, untouched submissions, and the same results on a second run."""

import csv
import shutil

import nbformat
from nbgrader.api import Gradebook

from autograder import nbcells
from autograder.api import grade_class
from tests.test_autograder.conftest import TIMEOUT, tree_digest

HIDDEN_TEXT = "secret_probe_values"  # only in the toy notebook's hidden test


def rows(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_csv_columns_are_exact(corpus_run):
    out = corpus_run["out"]
    assert rows(out / "grades.csv")[0] == ["student_id", "assignment", "score", "max_score"]
    assert rows(out / "cells.csv")[0] == [
        "student_id",
        "assignment",
        "grade_id",
        "score",
        "max_score",
        "message",
        "answer",
    ]
    assert rows(out / "integrity.csv")[0] == ["student_id", "assignment", "flag", "detail"]


def test_one_grade_row_per_student_and_assignment(corpus_run):
    grades = rows(corpus_run["out"] / "grades.csv")[1:]
    pairs = [(r[0], r[1]) for r in grades]
    assert len(pairs) == len(set(pairs))
    assert ("correct", "toy") in pairs and ("stray", "toy") in pairs  # stray submitted nothing for toy: 0
    assert dict(((r[0], r[1]), (r[2], r[3])) for r in grades)[("correct", "toy")] == ("7", "8")


def test_cells_csv_has_every_test_cell(corpus_run):
    cells = rows(corpus_run["out"] / "cells.csv")[1:]
    ids = [r[2] for r in cells if r[0] == "wrong_double"]
    assert ids == ["test_double", "test_double_hidden", "test_mean_of", "test_count_positive", "explain"]


def test_feedback_never_shows_hidden_tests(corpus_run, toy_course):
    assert HIDDEN_TEXT in (toy_course / "source" / "toy" / "toy.ipynb").read_text()  # the probe is real
    pages = sorted((corpus_run["out"] / "feedback").glob("*/toy/toy.html"))
    graded = [r for r in corpus_run["results"] if r.status == "graded"]
    assert len(pages) == len(graded) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if page.parent.parent.name == "honest_shared_line":  # wrote the hidden line in its own answer: shown
            continue
        assert HIDDEN_TEXT not in text, page
        assert "hidden tests: not shown in feedback" in text
    wrong = (corpus_run["out"] / "feedback" / "wrong_double" / "toy" / "toy.html").read_text(encoding="utf-8")
    assert "double([1, 2])" in wrong  # the visible test's message is shown


def test_report_has_plots_and_flags(corpus_run):
    page = (corpus_run["out"] / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") >= 2
    for text in ("Most common failures", "Flagged submissions", "patch_numpy", "tampered_checks", "snoop"):
        assert text in page


def test_gradebook_holds_every_graded_submission(corpus_run):
    graded = {r.student_id for r in corpus_run["results"] if r.status == "graded"}
    with Gradebook(f"sqlite:///{corpus_run['out'] / 'gradebook.db'}") as gb:
        stored = {s.student.id for s in gb.find_assignment("toy").submissions}
        assert stored == graded
        assert gb.find_submission("toy", "correct").score == 7


def test_submissions_are_never_modified(corpus_run):
    assert tree_digest(corpus_run["subs"]) == corpus_run["digest"]


def test_second_run_is_identical_and_regrades_only_changes(corpus_run, toy_course, tmp_path):
    out = tmp_path / "graded"
    shutil.copytree(corpus_run["out"], out)
    subs = tmp_path / "submitted"
    shutil.copytree(corpus_run["subs"], subs)
    again = grade_class(
        subs, out, workers=2, timeout=TIMEOUT, course_root=toy_course, memory_mb=1536, log=lambda m: None
    )
    assert all(r.cached for r in again if r.status == "graded"), [r.student_id for r in again if not r.cached]
    for name in ("grades.csv", "cells.csv", "integrity.csv"):
        assert (out / name).read_text() == (corpus_run["out"] / name).read_text(), name
    # the student fixes double(): only that submission is graded again
    path = subs / "wrong_double" / "toy" / "toy.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nbcells.cells_by_grade_id(nb)["double"].source = "def double(x):\n    return np.asarray(x, dtype=float) * 2"
    nbformat.write(nb, str(path))
    third = grade_class(
        subs, out, workers=2, timeout=TIMEOUT, course_root=toy_course, memory_mb=1536, log=lambda m: None
    )
    regraded = [r.student_id for r in third if r.status == "graded" and not r.cached]
    assert regraded == ["wrong_double"]
    assert next(r for r in third if r.student_id == "wrong_double").score == 7
