"""autograder.runner's pure steps: the message a student reads, flood cutting, fault results."""

import re

import pytest

from autograder import limits, runner
from autograder.results import SubmissionResult
from tests.test_autograder.notebooks import error, locked_test, stream


def cell_with(*outputs):
    cell = locked_test("test_f", "check(f(1))")
    cell.outputs = list(outputs)
    return cell


@pytest.mark.parametrize(
    "outputs, score, expected",
    [
        (
            [error("AssertionError", "f(1) is 3, expected 2: did you add instead of multiply?")],
            0,
            "f(1) is 3, expected 2: did you add instead of multiply?",
        ),
        ([error("CheckError", "\x1b[31mshape (2, 3)\x1b[0m, expected (3, 2)")], 0, "shape (2, 3), expected (3, 2)"),
        ([error("NameError", "name 'f' is not defined")], 0, "NameError: name 'f' is not defined"),
        ([error("AssertionError", "")], 0, "AssertionError"),
        ([error("NotImplementedError", "")], 0, "NotImplementedError"),
        ([stream("Deprecated: old call\nsecond line\n", "stderr")], 0, "printed to stderr: Deprecated: old call"),
        ([], 0, "no points"),
        ([], 0.5, "partial credit"),
    ],
)
def test_the_message_says_what_went_wrong(outputs, score, expected):
    """``CheckError``: an exception class of the course's checks module (its ``Located.check_errors``)."""
    assert runner.cell_message(cell_with(*outputs), score, 1, ("AssertionError", "CheckError")) == expected


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
    text = (
        'nbgrader autograde failed: Traceback (most recent call last):\n  File "x.py", line 3, in run\n'
        "    raise RuntimeError('x')\nRuntimeError: Kernel died before replying to kernel_info\n"
        "[AutogradeApp | ERROR] There was an error processing assignment\n"
        + runner.KERNEL_OUTPUT
        + "Traceback (most recent call last):\nRuntimeError: can't start new thread\n"
    )
    detail = runner.fault_result("ada", "a1", RuntimeError(text)).flags[0].detail
    assert "RuntimeError: Kernel died before replying to kernel_info" in detail
    assert "kernel's last words: RuntimeError: can't start new thread" in detail
    assert "what to do:" in detail and "Traceback (most recent" not in detail


def _submission(tmp_path, nb=None):
    import nbformat

    from tests.test_autograder.notebooks import RELEASE

    folder = tmp_path / "ada" / "toy"
    folder.mkdir(parents=True)
    nbformat.write(nb if nb is not None else RELEASE, str(folder / "toy.ipynb"))
    staged = tmp_path / "staged"
    staged.mkdir()
    return folder, staged


def test_staging_writes_the_releases_metadata_and_flags_the_change(tmp_path):
    import copy

    from autograder import nbcells
    from tests.test_autograder.notebooks import RELEASE

    nb = copy.deepcopy(RELEASE)
    nbcells.cells_by_grade_id(nb)["double"].metadata["nbgrader"].update(grade=True, points=1000)
    folder, staged = _submission(tmp_path, nb)
    flags = runner.stage_submission(folder / "toy.ipynb", RELEASE, staged)
    assert [f.flag for f in flags] == ["edited_metadata"] and "points=1000" in flags[0].detail
    assert nbcells.answer_ids(nbcells.read(staged / "toy.ipynb")) == ["double", "double_all"]


def test_a_timestamp_that_is_not_a_date_is_the_students_flag(tmp_path):
    from tests.test_autograder.notebooks import RELEASE

    folder, staged = _submission(tmp_path)
    (folder / "timestamp.txt").write_text("tomorrow, honestly")
    (folder / "submission_secret.txt").write_text("s3cret")
    flags = runner.stage_submission(folder / "toy.ipynb", RELEASE, staged)
    assert [f.flag for f in flags] == ["bad_timestamp"]
    assert not (staged / "timestamp.txt").exists() and (staged / "submission_secret.txt").read_text() == "s3cret"
    (folder / "timestamp.txt").write_text("2026-01-05 10:00:00.000000 UTC\n")
    assert runner.stage_submission(folder / "toy.ipynb", RELEASE, staged) == []


def test_links_in_a_submission_are_never_followed(tmp_path):
    from tests.test_autograder.notebooks import RELEASE

    folder, staged = _submission(tmp_path)
    secret = tmp_path / "instructor-only.txt"
    secret.write_text("2026-01-05 10:00:00 UTC")
    (folder / "timestamp.txt").symlink_to(secret)
    flags = runner.stage_submission(folder / "toy.ipynb", RELEASE, staged)
    assert [f.flag for f in flags] == ["symlink"] and not (staged / "timestamp.txt").exists()
    linked = tmp_path / "linked" / "toy"
    linked.mkdir(parents=True)
    (linked / "toy.ipynb").symlink_to(folder / "toy.ipynb")
    with pytest.raises(ValueError, match="symbolic link"):
        runner.stage_submission(linked / "toy.ipynb", RELEASE, staged)


def test_huge_display_outputs_are_dropped_like_streams():
    from nbformat.v4 import new_output

    from autograder.integrity import TRUNCATED, runtime_flags
    from tests.test_autograder.notebooks import notebook

    huge = new_output("display_data", data={"text/html": "<p>" + "x" * (limits.FLOOD_BYTES + 1)})
    small = new_output("display_data", data={"text/plain": "fine"})
    nb = notebook(cell_with(huge, small))
    runner.cut_floods(nb)
    outputs = nb.cells[0].outputs
    assert outputs[0].output_type == "stream" and TRUNCATED in outputs[0].text and len(outputs[0].text) < 200
    assert outputs[1] == small
    assert [f.flag for f in runtime_flags(nb, flood_lines=100)] == ["output_flood"]


def test_cells_past_the_notebook_deadline_are_not_run():
    """A cell that swallows the interrupt and keeps sleeping once made every later cell time out in turn."""
    import time

    from autograder.execute import SandboxExecute
    from autograder.integrity import runtime_flags
    from tests.test_autograder.notebooks import notebook

    assert limits.notebook_deadline(120) == 360 and limits.notebook_deadline(10) == limits.NOTEBOOK_DEADLINE_FLOOR
    execute = SandboxExecute(notebook_deadline=5)
    execute._started = time.monotonic() - 6  # no kernel is needed: the cells are never sent to one
    nb = notebook(locked_test("test_f", "check(f(1))"), locked_test("test_g", "check(g(1))"))
    execute.nb = nb
    for i, cell in enumerate(nb.cells):
        execute.preprocess_cell(cell, {}, i)
    assert [c.outputs[0].ename for c in nb.cells] == ["NotebookDeadline"] * 2
    assert [f.flag for f in runtime_flags(nb, flood_lines=100)] == ["notebook_deadline"]


def test_floods_are_cut_inside_nbgrader_before_it_writes_the_notebook():
    from autograder.execute import CutFloods
    from autograder.integrity import TRUNCATED
    from autograder.nbgrader_ops import GRADER_SETTINGS
    from tests.test_autograder.notebooks import notebook

    nb = notebook(cell_with(stream("y" * (limits.FLOOD_BYTES + 1))))
    nb, _ = CutFloods()(nb, {})
    assert TRUNCATED in nb.cells[0].outputs[0].text
    settings = GRADER_SETTINGS.read_text()
    pipeline = settings[settings.index("autograde_preprocessors") : settings.index("]", settings.index("autograde_"))]
    steps = re.findall(r"\b[A-Z]\w+", pipeline)
    assert steps[steps.index("SandboxExecute") + 1] == "CutFloods"  # right after execution, before any other step
