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
