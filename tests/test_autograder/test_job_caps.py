"""One student never swells or holds the grader (issue 22, item 5): widget state is capped like outputs, the
deadline bounds the whole job and the cells it leaves are settled in one step."""

import time

from autograder import limits
from autograder.execute import SandboxExecute
from autograder.integrity import TRUNCATED, runtime_flags
from tests.test_autograder.notebooks import cell, locked_test, notebook


def _state_msg(comm_id: str, size: int) -> dict:
    return {"msg_type": "comm_msg", "header": {"msg_type": "comm_msg"}, "buffers": [],
            "content": {"comm_id": comm_id, "data": {"state": {"_model_name": "TextModel", "value": "x" * size}}}}


def test_widget_state_past_the_cap_is_not_kept():
    """20 x 40 MB of widget state once took a worker to 4.9 GiB: past the cap, no more state is kept."""
    execute = SandboxExecute()
    execute._widget_bytes = 0
    outs = []
    step = limits.WIDGET_STATE_BYTES // 8
    for i in range(20):
        execute.handle_comm_msg(outs, _state_msg(f"w{i}", step), 0)
    kept = sum(len(s["value"]) for s in execute.widget_state.values())
    assert kept <= limits.WIDGET_STATE_BYTES
    assert len(execute.widget_state) < 20
    assert len(outs) == 1 and TRUNCATED in outs[0].text  # one marker, however many messages were dropped
    nb = notebook(cell("code", None, "show()"))
    nb.cells[0].outputs = outs
    assert [f.flag for f in runtime_flags(nb, flood_lines=100)] == ["output_flood"]


def test_small_widget_state_is_kept():
    execute = SandboxExecute()
    execute._widget_bytes = 0
    outs = []
    execute.handle_comm_msg(outs, _state_msg("w", 1000), 0)
    assert execute.widget_state["w"]["value"] == "x" * 1000 and outs == []


def test_cells_past_the_deadline_are_settled_in_one_step():
    """40,000 tiny cells once held a worker 492 s against a 300 s deadline, every later cell getting an error:
    the first cell not run says why, each test cell scores 0, the rest get nothing, and no later cell costs a
    step of its own."""
    cells = []
    for i in range(20_000):
        cells += [cell("code", None, f"x{i} = {i}"), locked_test(f"test_t{i}", "assert True")]
    nb = notebook(*cells)
    execute = SandboxExecute(notebook_deadline=5, job_started=time.time() - 6)
    execute.nb = nb
    execute._start_clock()  # the job started 6 s ago: already past its 5 s
    settled = []
    execute._settle = lambda *a, _real=execute._settle: (settled.append(a[0]), _real(*a))
    for i, c in enumerate(nb.cells):
        execute.preprocess_cell(c, {}, i)
    assert settled == [0]
    assert nb.cells[0].outputs[0].ename == "NotebookDeadline"
    assert all(c.outputs == [] for c in nb.cells[2::2])
    assert all([o.ename for o in c.outputs] == ["NotebookDeadline"] for c in nb.cells[1::2])
    assert [f.flag for f in runtime_flags(nb, flood_lines=100)] == ["notebook_deadline"]


def test_the_deadline_counts_from_the_jobs_start():
    execute = SandboxExecute(notebook_deadline=300, job_started=time.time() - 100)
    execute._start_clock()
    assert 99 < time.monotonic() - execute._started < 110


def test_a_feedback_page_shows_every_graded_cell_and_a_bounded_number_of_others():
    """Rendering 40,000 tiny cells as HTML took 240 s on its own; the page keeps what grades and says the rest."""
    from autograder import nbcells

    nb = notebook(*[cell("code", None, f"x{i} = {i}") for i in range(50)], locked_test("test_t", "assert True"),
                  *[cell("code", None, "y = 1") for _ in range(50)])
    short = nbcells.trimmed(nb, 10)
    assert [nbcells.grade_id(c) for c in short.cells].count("test_t") == 1
    assert len(short.cells) == 12 and "90 more cells" in short.cells[-1].source
    assert nbcells.trimmed(nb, 100) is None
