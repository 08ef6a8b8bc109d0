"""A concept question answered the way a student does it: in JupyterLab (Debian's chromium through Playwright),
on the released notebook, saved with Ctrl+S, then graded by the real grader (`autograder.api.grade_class`).

What is graded is what the saved notebook holds: the `ANSWER = ...` line typed in the lab. A right answer keeps
its point, a wrong one loses it, a question left alone scores zero, and the feedback page shows the explanation
of the option the student chose (the course's text from the hidden check, never in the release).
"""

from __future__ import annotations

import ast
import html
import shutil
import time

import nbformat
import pytest

from tests import nbtools
from tests.test_ui.conftest import REPO

pytestmark = pytest.mark.slow

ASSIGNMENT = "01_tuning_process"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# question heading -> (grade_id, the answer typed in the lab)
TYPED = {
    "Check your understanding: reading the sweep": ("concept_priority", '"B"'),  # right, in another valid form
    "Check your understanding: grid or random points": ("concept_random_or_grid", '"a"'),  # wrong
}


def _key_and_explanations(grade_id: str) -> tuple[str, dict]:
    """The key and the explanation of each option, read from the source notebook's hidden check."""
    source = nbtools.cells_by_grade_id(nbtools.read(nbtools.notebook_path("source", ASSIGNMENT)))["test_" + grade_id]
    hidden = source.source.split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS", 1)[0]
    call = next(
        n
        for n in ast.walk(ast.parse(hidden))
        if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "check_key"
    )
    return ast.literal_eval(call.args[1]), ast.literal_eval(call.args[2])


def _answer_cell(page, heading: str):
    """The code cell right after the question's markdown cell."""
    question = page.locator(f"{PANEL} .jp-MarkdownCell", has=page.locator("h3", has_text=heading))
    return question.locator("xpath=following-sibling::div[contains(concat(' ', @class, ' '), ' jp-CodeCell ')][1]")


def _type_answer(page, heading: str, answer: str) -> None:
    """Click into the answer cell, replace its text as a student would, keeping the instruction line."""
    editor = _answer_cell(page, heading).locator(".jp-InputArea-editor")
    editor.click(timeout=60_000)
    page.keyboard.press("Control+A")  # in the cell's editor: select the cell's text
    page.keyboard.insert_text(f"# my answer\nANSWER = {answer}")


def _saved(path, expected: dict[str, str], timeout: float = 60) -> nbformat.NotebookNode:
    """The notebook on disk once each answer cell (grade_id -> source) holds what was typed: the lab writes it on
    Ctrl+S."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
            cells = nbtools.cells_by_grade_id(nb)
            if all(cells[g].source == source for g, source in expected.items()):
                return nb
        except (ValueError, KeyError):  # caught in the middle of a write
            pass
        assert time.monotonic() < deadline, f"the lab did not save {path.name} with the answers typed"
        time.sleep(0.5)


def test_an_answer_typed_in_the_lab_is_what_the_grader_scores(page, lab, tmp_path):
    folder = lab["workspace"] / "concept_ui"  # a copy of its own: other tests open the workspace's notebooks
    folder.mkdir(exist_ok=True)
    notebook = folder / f"{ASSIGNMENT}.ipynb"
    shutil.copy(nbtools.notebook_path("release", ASSIGNMENT), notebook)

    page.goto(f"{lab['url']}/lab/tree/concept_ui/{ASSIGNMENT}.ipynb?reset&token={lab['token']}")
    page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=60_000)
    for heading, (_, answer) in TYPED.items():
        _type_answer(page, heading, answer)
    page.keyboard.press("Escape")  # command mode, as after editing
    page.keyboard.press("Control+S")
    _saved(notebook, {grade_id: f"# my answer\nANSWER = {answer}" for grade_id, answer in TYPED.values()})

    submitted = tmp_path / "submitted" / "ui_student" / ASSIGNMENT
    submitted.mkdir(parents=True)
    shutil.copy(notebook, submitted / f"{ASSIGNMENT}.ipynb")
    from autograder.api import grade_class

    (result,) = grade_class(tmp_path / "submitted", tmp_path / "graded", workers=1, log=lambda message: None)
    assert result.status == "graded", (result.status, result.message)
    scored = {c.grade_id: c for c in result.cells if c.kind == "test"}
    feedback = html.unescape(
        (tmp_path / "graded" / "feedback" / "ui_student" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(
            encoding="utf-8"
        )
    )

    right = scored["test_concept_priority"]
    key, why = _key_and_explanations("concept_priority")
    assert right.score == right.max_score == 1, "a right answer typed in the lab must keep its point"
    assert right.concept["answer"] == key and right.concept["correct"] is True
    assert why[key] in feedback

    wrong = scored["test_concept_random_or_grid"]
    key, why = _key_and_explanations("concept_random_or_grid")
    assert key != "a" and wrong.score == 0 and wrong.max_score == 1, "a wrong answer must lose its point"
    assert wrong.concept["answer"] == "a" and wrong.concept["correct"] is False
    assert why["a"] in feedback, "the feedback shows the explanation of the option the student chose"
    assert why[key] not in feedback, "the key's explanation is not shown to a student who chose another option"

    for grade_id in ("concept_retest", "concept_panda_or_caviar"):  # left alone in the lab
        assert scored["test_" + grade_id].score == 0 and not scored["test_" + grade_id].concept, grade_id
    assert (REPO / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text().count(why["a"]) == 0
