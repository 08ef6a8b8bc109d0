"""autograder.nbcells: cell kinds, markers, test naming, hidden lines and building submissions, in memory."""

import copy

import nbformat
import pytest

from autograder import nbcells
from tests.test_autograder.notebooks import RELEASE, SOURCE, answer, cell, locked_test, notebook


def test_cell_kinds_follow_the_metadata():
    kinds = {
        nbcells.grade_id(c): (nbcells.is_answer_cell(c), nbcells.is_test_cell(c), nbcells.is_written_answer_cell(c))
        for c in SOURCE.cells
        if nbcells.grade_id(c)
    }
    assert kinds == {
        "intro": (False, False, False),
        "double": (True, False, False),
        "test_double": (False, True, False),
        "double_all": (True, False, False),
        "test_double_all_lists": (False, True, False),
        "why": (False, False, True),
    }
    assert nbcells.meta(SOURCE.cells[-1]) == {} and nbcells.grade_id(SOURCE.cells[-1]) is None


def test_student_code_is_unlocked_ungraded_code():
    assert [nbcells.grade_id(c) for c in SOURCE.cells if nbcells.is_student_code(c)] == ["double", "double_all", None]


def test_ids_in_notebook_order():
    assert nbcells.answer_ids(SOURCE) == ["double", "double_all"]
    assert nbcells.test_ids(SOURCE) == ["test_double", "test_double_all_lists"]
    assert nbcells.grade_ids(SOURCE)[:2] == ["intro", "double"]


def test_first_cell_wins_when_a_grade_id_is_duplicated():
    nb = notebook(answer("f", "first"), answer("f", "second"))
    assert nbcells.cells_by_grade_id(nb)["f"].source == "first"


@pytest.mark.parametrize(
    "test_id, owner",
    [
        ("test_double", "double"),
        ("test_double_hidden", "double"),
        ("test_double_all_lists", "double_all"),
        ("test_double_all", "double_all"),
        ("test_something_else", "something_else"),
    ],
)
def test_a_test_belongs_to_the_longest_matching_exercise(test_id, owner):
    assert nbcells.exercise_of(test_id, ["double", "double_all"]) == owner


def test_tests_of_uses_the_naming_rule():
    ids = ["test_double", "test_double_x", "test_doubled", "test_double_all"]
    assert nbcells.tests_of("double", ids) == ["test_double", "test_double_x", "test_double_all"]
    assert nbcells.tests_of("double_all", ids) == ["test_double_all"]


def test_tests_of_gives_each_test_to_the_longest_matching_exercise():
    """The contract's names collide: ``test_softmax_gradients`` starts with ``test_softmax_``."""
    ids = ["test_softmax", "test_softmax_rows", "test_softmax_gradients", "test_softmax_gradients_shape"]
    names = ["softmax", "softmax_gradients"]
    assert nbcells.tests_of("softmax", ids, names) == ["test_softmax", "test_softmax_rows"]
    assert nbcells.tests_of("softmax_gradients", ids, names) == [
        "test_softmax_gradients",
        "test_softmax_gradients_shape",
    ]


def test_solution_markers_are_removed_with_their_lines():
    code = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    assert nbcells.solution_code(code) == "def f():\n    return 1\n"


def test_solutions_cover_code_and_written_answers():
    assert nbcells.solutions(SOURCE) == {
        "double": "def double(x):\n    return 2 * x\n",
        "double_all": "def double_all(xs):\n    return [double(x) for x in xs]\n",
        "why": "Why?\nBecause.\n",
    }


def test_build_submission_fills_a_copy_of_the_release():
    nb = nbcells.build_submission(RELEASE, {"double": "def double(x):\n    return x + x"})
    assert nbcells.cells_by_grade_id(nb)["double"].source == "def double(x):\n    return x + x"
    assert "NotImplementedError" in nbcells.cells_by_grade_id(nb)["double_all"].source
    assert "NotImplementedError" in nbcells.cells_by_grade_id(RELEASE)["double"].source  # the release is untouched


def test_build_submission_names_unknown_cells():
    with pytest.raises(KeyError, match="no_such_cell"):
        nbcells.build_submission(RELEASE, {"no_such_cell": "x"})


def test_hidden_lines_are_long_code_lines_the_release_does_not_show():
    source = notebook(
        locked_test(
            "test_f",
            "check(f(1))\n### BEGIN HIDDEN TESTS\n# a comment that is long enough\n"
            "short = 1\nassert f(123456) == 42, 'hidden'\nprint('ok done here')\n"
            "### END HIDDEN TESTS\n",
        )
    )
    release = notebook(cell("code", "x", "print('ok done here')"))
    assert nbcells.hidden_lines(source, release) == ["assert f(123456) == 42, 'hidden'"]
    assert nbcells.hidden_lines(source) == ["assert f(123456) == 42, 'hidden'", "print('ok done here')"]


def test_hidden_blocks_keep_their_markers():
    blocks = nbcells.hidden_blocks(SOURCE.cells[2].source)
    assert len(blocks) == 1 and blocks[0].startswith("### BEGIN HIDDEN TESTS") and "END HIDDEN" in blocks[0]


def _tampered():
    """The issue's metadata tricks, all in one submission."""
    nb = copy.deepcopy(RELEASE)
    cells = nbcells.cells_by_grade_id(nb)
    cells["double"].metadata["nbgrader"].update(grade=True, points=1000)  # an answer made a grade cell
    cells["test_double"].metadata["nbgrader"]["solution"] = True  # a test marked as a solution
    extra = copy.deepcopy(cells["test_double_all_lists"])  # a duplicated test grade_id
    extra.id = "dup"
    bonus = nbformat.v4.new_code_cell(
        "pass",
        metadata={
            "nbgrader": {  # an extra grade cell
                "grade_id": "bonus",
                "grade": True,
                "solution": False,
                "locked": False,
                "points": 50,
            }
        },
    )
    nb.cells += [extra, bonus]
    return nb


def test_cell_metadata_comes_from_the_release_never_from_the_submission():
    nb = _tampered()
    changes = nbcells.restore_metadata(nb, RELEASE)
    assert len(changes) == 4
    assert [nbcells.meta(c) for c in nb.cells[: len(RELEASE.cells)]] == [nbcells.meta(c) for c in RELEASE.cells]
    assert nbcells.meta(nb.cells[-2]) == {} and nbcells.meta(nb.cells[-1]) == {}
    assert nbcells.answer_ids(nb) == nbcells.answer_ids(RELEASE) and nbcells.test_ids(nb) == nbcells.test_ids(RELEASE)


def test_an_untouched_submission_has_nothing_to_restore():
    nb = copy.deepcopy(RELEASE)
    nbcells.cells_by_grade_id(nb)["double"].source = "def double(x):\n    return x + x\n"
    assert nbcells.restore_metadata(nb, RELEASE) == []
