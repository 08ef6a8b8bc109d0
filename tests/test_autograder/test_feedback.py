"""autograder.feedback: hidden tests are stripped before the HTML is made, and any leak is found after."""

import copy

from autograder import feedback, nbcells
from tests.test_autograder.notebooks import SOURCE, error


def test_hidden_regions_become_a_placeholder():
    nb = copy.deepcopy(SOURCE)
    feedback.strip_hidden(nb)
    text = nbcells.cells_by_grade_id(nb)["test_double"].source
    assert "double(21)" not in text and feedback.PLACEHOLDER.strip() in text
    assert text.startswith("assert double(1) == 2") and text.endswith("print('ok')")


def test_tracebacks_in_cells_with_hidden_tests_are_cut_to_the_message():
    nb = copy.deepcopy(SOURCE)
    cell = nbcells.cells_by_grade_id(nb)["test_double"]
    failure = error("AssertionError", "hidden")
    failure.traceback = ["Traceback", "----> 3 assert double(21) == 42, 'hidden'", "AssertionError: hidden"]
    cell.outputs = [failure]
    feedback.strip_hidden(nb)
    assert cell.outputs[0].traceback == ["AssertionError: hidden"]


def test_cells_without_hidden_tests_are_left_alone():
    nb = copy.deepcopy(SOURCE)
    before = nbcells.cells_by_grade_id(nb)["test_double_all_lists"].source
    feedback.strip_hidden(nb)
    assert nbcells.cells_by_grade_id(nb)["test_double_all_lists"].source == before


def test_leaks_are_found_through_markup_and_entities():
    hidden = nbcells.hidden_lines(SOURCE)
    assert hidden == ["assert double(21) == 42, 'hidden'"]
    page = "<pre><span>assert</span> double(21) == 42, &#39;hidden&#39;</pre>"
    assert feedback.leaked_lines(page, hidden) == hidden
    assert feedback.leaked_lines("<pre>assert double(1) == 2</pre>", hidden) == []


def test_the_feedback_pipeline_strips_first():
    assert feedback.FEEDBACK_PREPROCESSORS[0] is feedback.StripHiddenTests
