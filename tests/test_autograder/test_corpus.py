"""Every hostile or broken submission scores exactly what it earned, gets exactly its flags, never stops the batch."""

import nbformat
import pytest

from tests.test_autograder import corpus

CASES = {c.name: c for c in corpus.cases([])}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_scores_and_flags(corpus_run, name):
    case = CASES[name]
    result = next(r for r in corpus_run["results"] if r.student_id == name and r.assignment == "toy")
    cells = {c.grade_id: (c.score, c.message) for c in result.cells}
    assert result.status == case.status, result.message
    assert result.score == case.score, cells
    assert result.max_score == case.max_score
    assert {f.flag for f in result.flags} == case.flags, result.flags


@pytest.mark.parametrize("hostile", corpus.HOSTILE)
def test_a_hostile_submission_never_changes_its_neighbours_grade(corpus_run, hostile):
    """With 2 workers, the correct submission sorted right after each hostile one is graded beside it."""
    result = next(r for r in corpus_run["results"] if r.student_id == hostile + corpus.BESIDE)
    assert (result.status, result.score, result.flags) == ("graded", 7, []), (result.message, result.flags)


def test_hidden_test_failure_has_a_message(corpus_run):
    result = next(r for r in corpus_run["results"] if r.student_id == "wrong_double")
    messages = {c.grade_id: c.message for c in result.cells}
    assert "double([1, 2])" in messages["test_double"]
    assert messages["test_double_hidden"]  # the check's sentence, not the hidden code


def test_timeout_message_names_the_limit(corpus_run):
    result = next(r for r in corpus_run["results"] if r.student_id == "infinite_loop")
    message = next(c.message for c in result.cells if c.grade_id == "test_mean_of")
    assert "longer than 4 s" in message


def test_unknown_assignment_is_recorded_not_fatal(corpus_run):
    result = next(r for r in corpus_run["results"] if r.student_id == "stray" and r.assignment == "zz_unknown")
    assert result.status == "unknown_assignment"
    assert "not in source/" in result.message
    text = (corpus_run["out"] / "integrity.csv").read_text()
    assert "stray,zz_unknown,unknown_assignment" in text


def test_snooping_reads_nothing(corpus_run):
    """The snoop answer adds one to its count per secret it could read or host it could reach."""
    result = next(r for r in corpus_run["results"] if r.student_id == "snoop")
    assert all(c.score == c.max_score for c in result.cells if c.kind == "test"), result.cells
    graded = nbformat.read(str(corpus_run["out"] / "autograded" / "snoop" / "toy" / "toy.ipynb"), as_version=4)
    printed = "".join(o.get("text", "") for c in graded.cells if c.cell_type == "code" for o in c.outputs)
    assert "READ " not in printed and "CONNECTED" not in printed


def test_hidden_tests_never_reach_feedback_even_encoded(corpus_run):
    """A cell printing IPython's history (reversed: no line search could see it) after the hidden tests ran."""
    page = (corpus_run["out"] / "feedback" / "history_leak" / "toy" / "toy.html").read_text(encoding="utf-8")
    for line in ["secret_probe_values = np.array([-3.5, 0.25])"]:
        assert line[::-1] not in page and line not in page
    assert corpus.HISTORY_LEAK[::-1] not in page


def test_feedback_runs_no_script_from_a_submission(corpus_run):
    import re

    page = (corpus_run["out"] / "feedback" / "html_attack" / "toy" / "toy.html").read_text(encoding="utf-8")
    assert "<script>alert(" not in page
    assert not re.search(r"<[a-z][^>]*\son(error|mouseover)=", page)


def test_formulas_in_messages_are_text_in_cells_csv(corpus_run):
    import csv

    with (corpus_run["out"] / "cells.csv").open(newline="", encoding="utf-8") as fh:
        messages = [row["message"] for row in csv.DictReader(fh) if row["student_id"] == "formula_message"]
    assert any(m.startswith("'=HYPERLINK(") for m in messages), messages


def test_a_kernels_tmp_and_shared_memory_files_are_gone_after_grading(corpus_run):
    from pathlib import Path

    from autograder import sandbox

    if not sandbox.probe().namespaces:
        pytest.skip("needs mount namespaces (root and unshare)")
    result = next(r for r in corpus_run["results"] if r.student_id == "shm_litter")
    assert result.score == 7 and not Path(corpus.SHM_LITTER).exists() and not Path(corpus.TMP_LITTER).exists()
