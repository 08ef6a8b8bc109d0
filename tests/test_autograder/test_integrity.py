"""autograder.integrity: tampering with locked cells, suspicious code, and what happened at run time."""

import copy

import pytest

from autograder import integrity, nbcells
from tests.test_autograder.notebooks import RELEASE, answer, cell, error, notebook, stream

CHECKS = {"check_close", "passed"}


def kinds(flags):
    return sorted(f.flag for f in flags)


def submission(**answers):
    return nbcells.build_submission(RELEASE, answers)


def test_an_honest_submission_has_no_flags():
    assert integrity.static_flags(submission(double="def double(x):\n    return 2 * x"), RELEASE, CHECKS) == []


def test_locked_cell_changes_are_flagged():
    nb = submission()
    cells = nbcells.cells_by_grade_id(nb)
    cells["test_double"].source = "print('fine')"
    nbcells.meta(cells["test_double"])["points"] = 99
    cells["intro"].cell_type = "code"
    nb.cells.remove(cells["test_double_all_lists"])
    flags = integrity.locked_cell_flags(nb, RELEASE)
    assert kinds(flags) == ["changed_cell_type", "deleted_cell", "edited_locked_cell", "edited_points"]
    assert any("test_double points changed from 2 to 99" in f.detail for f in flags)


def test_whitespace_around_a_locked_cell_is_not_an_edit():
    nb = submission()
    nbcells.cells_by_grade_id(nb)["test_double"].source += "\n\n"
    assert integrity.locked_cell_flags(nb, RELEASE) == []


def test_an_unlocked_ungraded_cell_may_go():
    release = notebook(answer("f", "stub"), cell("markdown", "notes", "free text", locked=False, grade=False))
    assert integrity.locked_cell_flags(notebook(answer("f", "stub")), release) == []


@pytest.mark.parametrize("code, flag", [
    ("import os\nif os.environ.get('NBGRADER_EXECUTION'): pass", "grading_env"),
    ("text = open('../../source/x.ipynb').read()", "file_access"),
    ("import socket", "network"),
    ("import sys\nsys.exit()", "process_control"),
    ("class Yes:\n    def __eq__(self, other):\n        return True", "monkeypatch"),
    ("np.allclose = lambda *a, **k: True", "monkeypatch"),
    ("def check_close(*a, **k):\n    pass", "shadows_checks"),
    # the kernel attacks: an input transformer, a pre_run_cell hook, the guard's callbacks, the history
    ("from IPython.core.interactiveshell import InteractiveShell\n"
     "InteractiveShell.instance().input_transformers_post.append(wrap)", "kernel_tampering"),
    ("ip.events.register('pre_run_cell', fake_result)", "kernel_tampering"),
    ("for cb in list(ip.events.callbacks['post_execute']): ip.events.unregister('post_execute', cb)",
     "kernel_tampering"),
    ("import base64\nprint(base64.b64encode('\\n'.join(In).encode()))", "kernel_tampering"),
])
def test_suspicious_code(code, flag):
    assert flag in kinds(integrity.code_flags(code, CHECKS))


def test_magics_do_not_break_the_code_checks():
    assert kinds(integrity.code_flags("%matplotlib inline\nnp.isclose = None", CHECKS)) == ["monkeypatch"]


def test_only_the_students_cells_are_read():
    nb = submission(double="def double(x):\n    return 2 * x")
    nbcells.cells_by_grade_id(nb)["test_double"].source = "import socket"  # a locked cell: restored, not code
    assert "network" not in kinds(integrity.static_flags(nb, RELEASE, CHECKS))


def test_one_flag_per_kind_and_detail():
    nb = submission(double="import socket\nimport socket")
    assert kinds(integrity.static_flags(nb, RELEASE, CHECKS)) == ["network"]


def graded_with(*outputs):
    nb = copy.deepcopy(RELEASE)
    nbcells.cells_by_grade_id(nb)["test_double"].outputs = list(outputs)
    return nb


@pytest.mark.parametrize("output, flag", [
    (error("CellTimeoutError", "the cell ran longer than 4 s"), "timeout"),
    (error("DeadKernelError", "the kernel died while running this cell"), "kernel_died"),
    (error("MemoryError", ""), "memory_limit"),
    (error("SystemExit", ""), "system_exit"),
    (stream("line\n" + integrity.TRUNCATED + "\n"), "output_flood"),
])
def test_runtime_flags(output, flag):
    assert kinds(integrity.runtime_flags(graded_with(output), flood_lines=1000)) == [flag]


def test_cells_after_a_dead_kernel_are_not_flagged_again():
    dead = error("DeadKernelError", "not run: the kernel died in an earlier cell")
    assert integrity.runtime_flags(graded_with(dead), flood_lines=1000) == []


def test_the_guard_marker_names_what_was_restored():
    from nbformat.v4 import new_output

    marker = new_output("display_data", data={integrity.GUARD_MIME: {"restored": ["numpy.allclose"]},
                                              "text/plain": "restored"})
    flags = integrity.runtime_flags(graded_with(marker), flood_lines=1000)
    assert kinds(flags) == ["tampered_checks"] and "numpy.allclose" in flags[0].detail


def test_flood_detail_quotes_the_configured_limit():
    flags = integrity.runtime_flags(graded_with(stream(integrity.TRUNCATED)), flood_lines=1234)
    assert "1234 lines" in flags[0].detail


def test_a_result_in_a_failing_test_cell_is_no_credit():
    """nbgrader reads a test's first execute_result as partial credit, before its error (a pre_run_cell hook)."""
    from nbformat.v4 import new_output

    from autograder.execute import ErrorsDecide
    from autograder.nbcells import cells_by_grade_id
    from tests.test_autograder.notebooks import SOURCE
    import copy

    from nbgrader.utils import determine_grade

    nb = copy.deepcopy(SOURCE)
    test = cells_by_grade_id(nb)["test_double"]
    test.outputs = [new_output("execute_result", data={"text/plain": "'all good'"}, execution_count=1),
                    error("AssertionError", "double(1) is 3")]
    passing = cells_by_grade_id(nb)["test_double_all_lists"]
    passing.outputs = [new_output("execute_result", data={"text/plain": "0.5"}, execution_count=2)]
    assert determine_grade(test)[0] == 2  # what nbgrader alone gives: full marks for a failing test
    for i, cell in enumerate(nb.cells):
        ErrorsDecide().preprocess_cell(cell, {}, i)
    assert determine_grade(test)[0] == 0
    assert determine_grade(passing)[0] == 0.5  # a passing test's own partial credit stays
    assert kinds(integrity.runtime_flags(nb, flood_lines=1000)) == ["fake_result"]
