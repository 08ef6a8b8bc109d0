"""Concept questions in the real notebooks: well formed, judged option by option, and their keys nowhere a
student can read (release/, the course package, what a graded run sends the kernel).

Judging here calls the grader's judge in-process (``autograder.judge.judge_segment``) on each possible answer,
so every option of every question is checked in well under a second; ``test_autograde.py`` grades the variants
of ``tests/variants`` with real nbgrader on top of this.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

from autograder import judge
from course import plain
from tests import nbtools

COURSE = Path(__file__).resolve().parents[2] / "course"


def _questions(assignment):
    """(answer cell, test cell) per concept question of the source notebook."""
    nb = nbtools.read(nbtools.notebook_path("source", assignment))
    cells = nbtools.cells_by_grade_id(nb)
    found = [(cells[g], cells.get("test_" + g)) for g in nbtools.concept_ids(nb)]
    assert 3 <= len(found) <= 6, f"{assignment} should ask 3 to 6 concept questions, not {len(found)}"
    return found


def _judge(test_cell, answer, visible_only=False):
    """The judge's replies for ``answer`` (what the probe binds as ``answer``), segment by segment."""
    parts = judge.segments(test_cell.source)
    namespace, replies = judge.fresh_namespace(), []
    for i, part in enumerate(parts):
        if not part.in_judge or (visible_only and part.hidden):
            continue
        request = {"code": part.code, "data": plain.dumps({"answer": answer}), "wanted": judge.wanted_names(parts, i)}
        replies.append(judge.judge_segment(request, namespace))
        if not replies[-1]["passed"]:
            break
    return replies, namespace


def _candidates(question) -> list:
    """Every answer a student could give in the canonical form: each option, or each non-empty selection."""
    kind = type(question).__name__
    if kind == "SelectAll":
        letters = question.options
        return ["".join(c) for n in range(1, len(letters) + 1) for c in itertools.combinations(letters, n)]
    if kind == "Numeric":
        return None
    return list(question.options)


def _solution(answer_cell) -> str:
    return re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", answer_cell.source, re.S).group(1)


def _hidden_block(source: str) -> str:
    return source.split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS", 1)[0]


def _key_texts(test_cell) -> list[str]:
    """The explanations written in a question's hidden block (each one string literal of the why dict)."""
    tree = ast.parse(_hidden_block(test_cell.source))
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and len(n.value) > 20
    ]


def test_each_question_is_one_answer_cell_and_its_judged_test(assignment):
    for answer_cell, test_cell in _questions(assignment):
        grade_id = nbtools.nbgrader_meta(answer_cell)["grade_id"]
        assert test_cell is not None, f"{grade_id} has no test cell test_{grade_id}"
        solution = _solution(answer_cell).strip().splitlines()
        assert len(solution) == 1 and solution[0].startswith("ANSWER = "), f"{grade_id}: one ANSWER line"
        meta = nbtools.nbgrader_meta(test_cell)
        assert meta.get("locked") and meta.get("points", 0) > 0, grade_id
        assert judge.is_judged(test_cell.source), f"test_{grade_id} must be judged outside the kernel"
        hidden = _hidden_block(test_cell.source)
        assert "check_key(" in hidden and "check_key(" not in judge.kernel_source(test_cell.source)
        assert "check_form(" in test_cell.source.split("### BEGIN HIDDEN TESTS")[0]
        assert "concepts.take_answer(globals())" in judge.kernel_source(test_cell.source), grade_id


def test_every_option_is_judged_with_its_own_explanation(assignment):
    for _answer_cell, test_cell in _questions(assignment):
        grade_id = nbtools.nbgrader_meta(test_cell)["grade_id"]
        question = _judge(test_cell, None, visible_only=True)[1]["question"]
        candidates = _candidates(question)
        if candidates is None:  # numeric: every tempting value the question explains, and the key
            replies, _ = _judge(test_cell, 0.0)
            (record,) = [r["concept"] for r in replies if "concept" in r]
            candidates = [float(o) for o in record["options"] if o != "other"] + [-1e6]
        right, explanations = [], {}
        for answer in candidates:
            visible, _ = _judge(test_cell, answer, visible_only=True)
            assert all(r["passed"] for r in visible), f"{grade_id}: the visible test rejects {answer!r}"
            assert not any("concept" in r for r in visible), f"{grade_id}: the visible test judged {answer!r}"
            replies, _ = _judge(test_cell, answer)
            (record,) = [r["concept"] for r in replies if "concept" in r]
            assert record["explanation"], (grade_id, answer)
            if replies[-1]["passed"]:
                right.append(answer)
                assert record["correct"] is True
            else:
                assert record["correct"] is False and record["explanation"] in replies[-1]["evalue"]
                explanations[str(answer)] = record["explanation"]
        assert len(right) == 1, f"{grade_id}: exactly one answer must be right, got {right}"
        if type(question).__name__ in ("Choice", "TrueFalse"):
            assert len(set(explanations.values())) == len(explanations), f"{grade_id}: two options share a text"
        blank, _ = _judge(test_cell, None)
        assert not blank[-1]["passed"] and "not set yet" in blank[-1]["evalue"] and "concept" not in blank[-1]


def test_no_key_can_be_read_from_the_release_or_the_course_package(assignment):
    release = nbtools.read(nbtools.notebook_path("release", assignment))
    release_text = "\n".join(c.source for c in release.cells)
    course_text = "\n".join(
        p.read_text(errors="replace")
        for p in COURSE.rglob("*")
        if p.is_file() and p.suffix in (".py", ".json", ".txt", ".md", ".csv")
    )
    released = nbtools.cells_by_grade_id(release)
    for answer_cell, test_cell in _questions(assignment):
        grade_id = nbtools.nbgrader_meta(answer_cell)["grade_id"]
        texts = _key_texts(test_cell)
        assert texts, f"{grade_id}: no explanations found in its hidden block"
        for text in texts:
            assert text not in release_text, f"{grade_id}: an explanation is in release/"
            assert text not in course_text, f"{grade_id}: an explanation is in course/"
        assert "check_key" not in released["test_" + grade_id].source
        assert _solution(answer_cell).strip() not in released[grade_id].source, grade_id


def _points(assignment) -> tuple[int, int, int]:
    """(exercise points, concept points, concept questions) of the source notebook."""
    nb = nbtools.read(nbtools.notebook_path("source", assignment))
    code = concept = 0
    for cell in nb.cells:
        meta = nbtools.nbgrader_meta(cell)
        if meta.get("grade") and meta.get("points"):
            if meta["grade_id"].startswith("test_" + nbtools.CONCEPT):
                concept += meta["points"]
            else:
                code += meta["points"]
    return code, concept, len(nbtools.concept_ids(nb))


def test_the_readme_points_table_is_the_notebooks(assignment):
    readme = (COURSE.parent / "README.md").read_text()
    table = readme.split("<!-- points:start -->", 1)[1].split("<!-- points:end -->", 1)[0]
    code, concept, questions = _points(assignment)
    shown = f"{concept:g} ({questions} questions)" if questions else f"{concept:g}"
    row = f"| `{assignment}` | {code:g} | {shown} | {code + concept:g} |"
    assert row in table, f"README's points table should have the row {row}"
