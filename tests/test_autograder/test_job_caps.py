"""One student never swells or holds the grader (issue 22, item 5): widget state is capped like outputs, the
deadline bounds the whole job and the cells it leaves are settled in one step."""

import time

import nbformat

from autograder import limits, nbcells
from autograder.api import grade_class
from autograder.execute import SandboxExecute
from autograder.integrity import TRUNCATED, runtime_flags
from tests.test_autograder import honest
from tests.test_autograder.notebooks import cell, locked_test, notebook

FACTOR_DOUBLE = "def double(x):\n    return factor * np.asarray(x, dtype=float)\n"


def _state_msg(comm_id: str, size: int) -> dict:
    return {
        "msg_type": "comm_msg",
        "header": {"msg_type": "comm_msg"},
        "buffers": [],
        "content": {"comm_id": comm_id, "data": {"state": {"_model_name": "TextModel", "value": "x" * size}}},
    }


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

    nb = notebook(
        *[cell("code", None, f"x{i} = {i}") for i in range(50)],
        locked_test("test_t", "assert True"),
        *[cell("code", None, "y = 1") for _ in range(50)],
    )
    short = nbcells.trimmed(nb, 10)
    assert [nbcells.grade_id(c) for c in short.cells].count("test_t") == 1
    assert len(short.cells) == 12 and "90 more cells" in short.cells[-1].source
    assert nbcells.trimmed(nb, 100) is None


def _padded(n: int):
    """A notebook of ``n`` tiny cells around one test: text and code alternate, a cell fails, magics are used."""
    cells = []
    for i in range(n // 2):
        cells += [cell("markdown", None, f"note {i}"), cell("code", None, f"x{i} = {i}")]
    cells[10:10] = [
        cell("code", None, "1 / 0"),
        cell("code", None, "factor = 2"),
        cell("code", None, "%time y = factor"),
        cell("code", None, "%%time\nquiet = factor"),
    ]
    return notebook(*cells, locked_test("test_t", "assert factor == 2"), cell("code", None, "z = 1"))


def test_a_notebook_of_few_cells_is_left_as_it_is():
    nb = _padded(100)
    before = [c.source for c in nb.cells]
    assert nbcells.merged_runs(nb, 1000, 200) == 0 and [c.source for c in nb.cells] == before


def test_runs_of_untagged_cells_are_merged_around_the_graded_ones():
    nb = _padded(40_000)
    assert nbcells.merged_runs(nb, 1000, chunk=200) == 40_006 - (2 * 201 + 2)  # 40,004 untagged: 201 chunks
    kinds = [(c.cell_type, nbcells.grade_id(c)) for c in nb.cells]
    assert kinds == [("markdown", None), ("code", None)] * 201 + [("code", "test_t"), ("code", None)]
    assert nb.cells[0].source.startswith("note 0\n\nnote 1")
    assert "run_line_magic('time', 'y = factor')" in nb.cells[1].source  # IPython's own transform, ready to exec
    assert nb.cells[-1].source == "z = 1"  # a run of one is kept as it is


def test_a_merged_cell_runs_each_cell_on_its_own():
    """An error in one original cell does not skip the next, as in a lab; magics run; names land in the
    notebook's namespace."""
    from IPython.testing.globalipapp import start_ipython

    nb = _padded(2_000)
    nbcells.merged_runs(nb, 1000, 200)
    shell = start_ipython()
    for merged in [c for c in nb.cells if c.cell_type == "code" and not nbcells.grade_id(c)]:
        assert shell.run_cell(merged.source).success
    assert (
        shell.user_ns["factor"] == 2
        and shell.user_ns["y"] == 2
        and shell.user_ns["quiet"] == 2
        and shell.user_ns["x999"] == 999
    )


def test_forty_thousand_cells_are_graded_within_the_deadline(toy_course, toy_release, tmp_path):
    """40,000 tiny cells once held a worker past its deadline (every later test 0, `notebook_deadline`): merged,
    the notebook is graded as written, beside a correct neighbour that keeps its score."""
    release = nbcells.read(toy_release)
    answers = honest.answers_of(nbcells.read(toy_course / "source" / "toy" / "toy.ipynb"))
    many = nbcells.build_submission(release, {**answers, "double": FACTOR_DOUBLE})
    many.cells[1:1] = _padded(40_000).cells[:-2]  # the answer needs `factor`, defined right after a failing cell
    books = {"aa_correct": nbcells.build_submission(release, answers), "many_cells": many}
    for student, nb in books.items():
        (tmp_path / "subs" / student / "toy").mkdir(parents=True)
        nbformat.write(nb, str(tmp_path / "subs" / student / "toy" / "toy.ipynb"))
    results = {
        r.student_id: r
        for r in grade_class(
            tmp_path / "subs", tmp_path / "out", workers=2, timeout=20, course_root=toy_course, log=lambda m: None
        )
    }
    assert results["aa_correct"].score == results["many_cells"].score == 7
    assert {f.flag for f in results["many_cells"].flags} == {"merged_cells", "magic"}
    assert f"{len(release.cells) + 40_004} cells" in next(
        f.detail for f in results["many_cells"].flags if f.flag == "merged_cells"
    )
