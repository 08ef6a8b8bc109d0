"""autograder.runner's pure steps: the message a student reads, flood cutting, fault results."""

import pytest

from autograder import limits, runner
from autograder.results import SubmissionResult
from tests.test_autograder.notebooks import error, locked_test, stream


def cell_with(*outputs):
    cell = locked_test("test_f", "check(f(1))")
    cell.outputs = list(outputs)
    return cell


@pytest.mark.parametrize("outputs, score, expected", [
    ([error("AssertionError", "f(1) is 3, expected 2: did you add instead of multiply?")], 0,
     "f(1) is 3, expected 2: did you add instead of multiply?"),
    ([error("CheckError", "\x1b[31mshape (2, 3)\x1b[0m, expected (3, 2)")], 0, "shape (2, 3), expected (3, 2)"),
    ([error("NameError", "name 'f' is not defined")], 0, "NameError: name 'f' is not defined"),
    ([error("AssertionError", "")], 0, "AssertionError"),
    ([error("NotImplementedError", "")], 0, "NotImplementedError"),
    ([stream("Deprecated: old call\nsecond line\n", "stderr")], 0, "printed to stderr: Deprecated: old call"),
    ([], 0, "no points"),
    ([], 0.5, "partial credit"),
])
def test_the_message_says_what_went_wrong(outputs, score, expected):
    assert runner.cell_message(cell_with(*outputs), score, 1) == expected


def test_full_points_need_no_message():
    assert runner.cell_message(cell_with(error("AssertionError", "ignored")), 1, 1) == ""


def test_long_messages_are_cut_to_the_limit():
    text = runner.cell_message(cell_with(error("AssertionError", "word " * 200)), 0, 1)
    assert len(text) == limits.MESSAGE_CHARS and text.endswith("...")


def test_whitespace_is_collapsed():
    assert runner.cell_message(cell_with(error("AssertionError", "a\n\n  b\tc")), 0, 1) == "a b c"


def test_floods_are_cut_and_marked():
    from autograder.integrity import TRUNCATED
    from tests.test_autograder.notebooks import notebook

    big, small = stream("x" * (limits.FLOOD_BYTES + 1)), stream("fine\n")
    nb = notebook(cell_with(big, small))
    runner.cut_floods(nb)
    assert len(big.text) < limits.FLOOD_KEEP_BYTES + 100 and TRUNCATED in big.text
    assert small.text == "fine\n"


def test_a_fault_is_a_grader_error_with_its_cause_and_what_to_do():
    result = runner.fault_result("ada", "a1", RuntimeError("boom\nmore detail"), key="k")
    assert isinstance(result, SubmissionResult)
    assert (result.status, result.key, result.score) == ("grader_error", "k", 0.0)
    assert result.message == "RuntimeError: boom\nmore detail"
    [(flag, detail)] = [(f.flag, f.detail) for f in result.flags]
    assert flag == "grader_error" and detail.startswith("RuntimeError: boom; what to do: ")


def test_a_failed_autograde_names_the_last_exception_and_the_kernels_last_words():
    """The first line ("Traceback (most recent call last):") says nothing; the cause is at the end."""
    text = ("nbgrader autograde failed: Traceback (most recent call last):\n  File \"x.py\", line 3, in run\n"
            "    raise RuntimeError('x')\nRuntimeError: Kernel died before replying to kernel_info\n"
            "[AutogradeApp | ERROR] There was an error processing assignment\n" + runner.KERNEL_OUTPUT +
            "Traceback (most recent call last):\nRuntimeError: can't start new thread\n")
    detail = runner.fault_result("ada", "a1", RuntimeError(text)).flags[0].detail
    assert "RuntimeError: Kernel died before replying to kernel_info" in detail
    assert "kernel's last words: RuntimeError: can't start new thread" in detail
    assert "what to do:" in detail and "Traceback (most recent" not in detail
