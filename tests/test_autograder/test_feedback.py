"""autograder.feedback: hidden tests are stripped before the HTML is made, and any leak is found after."""

import base64
import copy
import json
import re

from nbformat.v4 import new_output

from autograder import feedback, nbcells
from tests.test_autograder.notebooks import SOURCE, error, stream


def test_hidden_regions_become_a_placeholder():
    nb = copy.deepcopy(SOURCE)
    feedback.strip_hidden(nb)
    text = nbcells.cells_by_grade_id(nb)["test_double"].source
    assert "double(21)" not in text and feedback.PLACEHOLDER.strip() in text
    assert text.startswith("assert double(1) == 2") and text.endswith("print('ok')")


def _raised_at(line: int, ename: str = "AssertionError", evalue: str = "hidden"):
    """An error output as IPython 8 writes it for a failure at ``line`` of the cell (colours included)."""
    failure = error(ename, evalue)
    failure.traceback = [
        "\x1b[0;31m----------\x1b[0m",
        f"\x1b[0;31m{ename}\x1b[0m  Traceback (most recent call last)",
        f"Cell \x1b[0;32mIn[3], line {line}\x1b[0m\n----> {line} ...",
        f"{ename}: {evalue}",
    ]
    return failure


def test_a_test_failing_in_its_hidden_lines_says_so_and_quotes_nothing():
    nb = copy.deepcopy(SOURCE)
    cell = nbcells.cells_by_grade_id(nb)["test_double"]  # lines 2-4 are hidden
    cell.outputs = [_raised_at(3)]
    feedback.strip_hidden(nb)
    (shown,) = cell.outputs
    assert shown.ename == "AssertionError" and shown.evalue == ""
    assert shown.traceback == ["AssertionError: " + feedback.ORIGIN_WORDS["hidden"]]


def test_a_test_failing_in_its_visible_lines_sends_the_student_to_the_notebook():
    nb = copy.deepcopy(SOURCE)
    cell = nbcells.cells_by_grade_id(nb)["test_double"]
    cell.outputs = [_raised_at(1, "CheckError", "double(1) returned 3")]
    feedback.strip_hidden(nb)
    assert cell.outputs[0].traceback == ["CheckError: " + feedback.ORIGIN_WORDS["visible"]]
    assert "returned 3" not in json.dumps(nb)


def test_no_error_text_of_the_students_making_reaches_feedback_after_hidden_tests():
    """A function called by a later test can read ``In`` and raise it, or name an exception class after it."""
    nb = copy.deepcopy(SOURCE)
    secret = base64.b64encode(b"assert double(21) == 42, 'hidden'").decode()
    later = nbcells.cells_by_grade_id(nb)["test_double_all_lists"]
    for raised in (
        _raised_at(1, "AssertionError", secret),
        _raised_at(1, secret[:40], "x"),
        error("CheckError", secret),
    ):
        later.outputs = [raised]
        shown = copy.deepcopy(nb)
        feedback.strip_hidden(shown)
        assert secret[:40] not in json.dumps(shown)
    assert feedback.grader_message(error("CheckError", secret), set()).startswith(
        "CheckError: " + feedback.ORIGIN_WORDS[None][:20]
    )  # no traceback to place it: both places named


def test_the_graders_own_errors_keep_their_fixed_words():
    message = feedback.grader_message(_raised_at(1, "DeadKernelError", "anything a student printed"), set())
    assert message == "DeadKernelError: " + feedback.GRADER_ERRORS["DeadKernelError"]


def test_cells_without_hidden_tests_are_left_alone():
    nb = copy.deepcopy(SOURCE)
    before = nbcells.cells_by_grade_id(nb)["test_double_all_lists"].source
    feedback.strip_hidden(nb)
    assert nbcells.cells_by_grade_id(nb)["test_double_all_lists"].source == before


def test_leaks_are_found_as_whole_lines_only():
    hidden = nbcells.hidden_lines(SOURCE)
    assert hidden == ["assert double(21) == 42, 'hidden'"]
    assert feedback.leaked_lines("x\n    assert double(21) == 42, 'hidden'  \n", hidden) == hidden
    assert feedback.leaked_lines("assert double(1) == 2", hidden) == []
    # a longer line that merely contains a hidden line is the student's own, never a leak
    assert feedback.leaked_lines("ok = 1; assert double(21) == 42, 'hidden'", hidden) == []


def test_the_leak_search_never_reads_the_students_own_cells():
    nb = copy.deepcopy(SOURCE)
    shared_line = "assert double(21) == 42, 'hidden'"
    nbcells.cells_by_grade_id(nb)["double"].source += "\n" + shared_line  # an honest student wrote it too
    nb.cells[-1].source = shared_line
    nb.cells[-1].outputs = [stream(shared_line + "\n")]
    feedback.strip_hidden(nb)
    assert feedback.leaked_lines(feedback.feedback_text(nb), nbcells.hidden_lines(SOURCE)) == []


def test_a_leak_in_a_test_cell_output_is_found():
    nb = copy.deepcopy(SOURCE)
    feedback.strip_hidden(nb)
    cell = nbcells.cells_by_grade_id(nb)["test_double_all_lists"]
    cell.outputs = [stream("assert double(21) == 42, 'hidden'\n")]
    assert feedback.leaked_lines(feedback.feedback_text(nb), nbcells.hidden_lines(SOURCE)) != []


def test_outputs_after_the_first_hidden_test_are_the_graders_words():
    """An appended cell printing IPython's ``In`` base64-encoded must not carry hidden code out."""
    nb = copy.deepcopy(SOURCE)
    secret = base64.b64encode(b"assert double(21) == 42, 'hidden'").decode()
    first_answer = nbcells.cells_by_grade_id(nb)["double"]
    first_answer.outputs = [stream("before any hidden test\n")]
    nbcells.cells_by_grade_id(nb)["test_double"].outputs = [stream(secret), error("ValueError", secret * 20)]
    nbcells.cells_by_grade_id(nb)["test_double_all_lists"].outputs = [stream(secret)]
    nb.cells[-1].outputs = [stream(secret), new_output("display_data", data={"text/plain": secret})]
    feedback.strip_hidden(nb)
    text = json.dumps(nb)
    assert secret not in text.replace("\\n", "")
    assert first_answer.outputs[0].text == "before any hidden test\n"  # nothing hidden existed yet
    assert nb.cells[-1].outputs[0].text.startswith(feedback.AFTER_HIDDEN)
    message = nbcells.cells_by_grade_id(nb)["test_double"].outputs[0].traceback[0]
    assert message == "ValueError: " + feedback.ORIGIN_WORDS[None]
    assert nbcells.cells_by_grade_id(nb)["test_double_all_lists"].outputs == []  # a passing test shows nothing


def test_scripts_and_event_handlers_never_reach_the_feedback_page():
    nb = copy.deepcopy(SOURCE)
    nbcells.cells_by_grade_id(nb)["why"].source = "Because <img src=x onerror=alert(1)> <script>alert(2)</script>"
    nbcells.cells_by_grade_id(nb)["double"].outputs = [
        new_output(
            "display_data",
            data={
                "text/html": "<b onmouseover=alert(3)>hi</b><script>alert(4)</script>",
                "application/javascript": "alert(5)",
                "text/plain": "hi",
            },
        )
    ]
    resources = {}
    for step in feedback.FEEDBACK_PREPROCESSORS[:2]:
        nb, resources = step()(nb, resources)  # as nbgrader calls them
    text = json.dumps(nb)
    assert "<script" not in text and "application/javascript" not in text
    assert not re.search(r"<[a-z][^>]*\son\w+=", text)  # an event handler inside a live tag


def test_the_feedback_pipeline_strips_first():
    assert feedback.FEEDBACK_PREPROCESSORS[0] is feedback.StripHiddenTests


def test_markdown_links_cannot_carry_script_urls():
    from nbconvert import HTMLExporter

    nb = copy.deepcopy(SOURCE)
    nbcells.cells_by_grade_id(nb)["why"].source = (
        "[a](javascript:alert(1)) ![b](JaVa&#x73;cript:alert(2)) "
        "[c](data:text/html,<script>x</script>) [ok](https://example.org)"
    )
    nb, _ = feedback.SafeOutputs()(nb, {})
    page, _ = HTMLExporter().from_notebook_node(nb)
    links = re.findall(r"<(?:a|img)\s[^>]*>", page)
    assert not [link for link in links if re.search(r"(?i)javascript:|data:text/html", link)], links
    assert any("https://example.org" in link for link in links)


def _without_keyboard_stops(page: str) -> str:
    """A page as BeautifulSoup would write it, less the attributes only nbconvert's post-pass adds."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    for tag in soup.find_all(True):
        tag.attrs.pop("tabindex", None)
        tag.attrs.pop("alt", None)
    return str(soup)


def _nbgraders_feedback_config(root):
    """The exporter settings nbgrader's ``GenerateFeedback`` gives (its ``feedback`` template and where it is)."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    return GenerateFeedback(coursedir=CourseDirectory(root=str(root))).config


def _graded(nb):
    """``nb`` and the resources as nbgrader's ``GetGrades`` leaves them (every graded cell at full points)."""
    for cell in nb.cells:
        info = cell.metadata.get("nbgrader", {})
        if info.get("grade") or info.get("solution"):
            info.update(score=info.get("points", 0), comment="")
    total = sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in nb.cells)
    return nb, {"nbgrader": {"score": total, "max_score": total, "late_penalty": 0}}


def test_the_feedback_exporter_renders_what_nbconverts_html_exporter_renders(tmp_path):
    from nbconvert import HTMLExporter

    nb = copy.deepcopy(SOURCE)
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(40)).decode()
    nbcells.cells_by_grade_id(nb)["double"].outputs = [
        new_output("display_data", data={"image/png": png, "text/plain": "fig"})
    ]
    config = _nbgraders_feedback_config(tmp_path)
    nb, resources = _graded(nb)
    ours, _ = feedback.FeedbackExporter(config=config).from_notebook_node(copy.deepcopy(nb), copy.deepcopy(resources))
    theirs, _ = HTMLExporter(config=config).from_notebook_node(nb, resources)
    assert "nbgrader" in ours.lower()  # nbgrader's feedback template, not nbconvert's default
    assert _without_keyboard_stops(ours) == _without_keyboard_stops(theirs)
    images = re.findall(r"<img\s[^>]*>", ours)
    assert images and all(re.search(r"\salt=", img) for img in images)


def test_compiled_templates_are_reused_by_the_next_exporter(tmp_path):
    config = _nbgraders_feedback_config(tmp_path)
    feedback.FeedbackExporter(config=config).from_notebook_node(*_graded(copy.deepcopy(SOURCE)))
    compiled = dict(feedback._COMPILED._code)
    feedback.FeedbackExporter(config=config).from_notebook_node(*_graded(copy.deepcopy(SOURCE)))
    assert compiled and feedback._COMPILED._code == compiled  # nothing compiled twice


CONCEPT = {
    "answer": "c",
    "bucket": "c",
    "correct": False,
    "explanation": "Batch norm fixes the mean and variance of Z, not its distribution.",
    "options": ["a", "b", "c", "d"],
}


def test_a_concept_question_shows_the_explanation_of_the_chosen_option():
    nb = copy.deepcopy(SOURCE)
    cell = nbcells.cells_by_grade_id(nb)["test_double"]
    cell.outputs = [_raised_at(3, "CheckError", "Not this one (c): ...")]
    cell.metadata[feedback.judge.CONCEPT_KEY] = dict(CONCEPT)
    feedback.strip_hidden(nb)
    assert cell.outputs[-1].text == f"Your answer: c (not the answer). {CONCEPT['explanation']}\n"
    assert feedback.judge.CONCEPT_KEY not in cell.metadata  # the page shows it once, as an output


def test_the_explanation_channel_carries_only_a_record_of_the_judges_shape():
    """The channel reads the cell's metadata, which only the grader writes (execute clears what a submission
    brought); a record of another shape, or on a cell that is not a test, shows nothing."""
    secret = base64.b64encode(b"assert double(21) == 42, 'hidden'").decode()
    for bad in (
        {**CONCEPT, "explanation": 42},
        {**CONCEPT, "extra": secret},
        {**CONCEPT, "answer": secret * 3},
        {**CONCEPT, "options": [secret * 2]},
        secret,
        [CONCEPT],
    ):
        nb = copy.deepcopy(SOURCE)
        nbcells.cells_by_grade_id(nb)["test_double"].metadata[feedback.judge.CONCEPT_KEY] = bad
        feedback.strip_hidden(nb)
        assert secret not in json.dumps(nb["cells"]) and "Your answer" not in json.dumps(nb["cells"])
    nb = copy.deepcopy(SOURCE)
    nbcells.cells_by_grade_id(nb)["double"].metadata[feedback.judge.CONCEPT_KEY] = dict(CONCEPT)
    feedback.strip_hidden(nb)
    assert "Your answer" not in json.dumps(nb["cells"])


def test_a_student_printing_an_explanation_like_line_is_still_stripped():
    """What the kernel printed in a concept cell (an encoded hidden line dressed as an explanation) never passes:
    only the grader's record does."""
    nb = copy.deepcopy(SOURCE)
    secret = base64.b64encode(b"assert double(21) == 42, 'hidden'").decode()
    cell = nbcells.cells_by_grade_id(nb)["test_double"]
    cell.outputs = [stream(f"Your answer: c (right). {secret}\n")]
    cell.metadata[feedback.judge.CONCEPT_KEY] = {**CONCEPT, "correct": True}
    feedback.strip_hidden(nb)
    assert secret not in json.dumps(nb) and cell.outputs[-1].text.startswith("Your answer: c (right). Batch norm")
    assert not feedback.leaked_lines(feedback.feedback_text(nb), nbcells.hidden_lines(SOURCE))
