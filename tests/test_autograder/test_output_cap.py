"""autograder.execute.SandboxExecute.output: a cell's output is capped as it arrives, never held whole."""

from autograder import integrity, limits
from autograder.execute import SandboxExecute

MB = 1_000_000


def message(kind: str, **content) -> dict:
    return {
        "msg_type": kind,
        "content": content,
        "parent_header": {"msg_id": "cell"},
        "header": {"msg_type": kind},
        "metadata": {},
    }


def client() -> SandboxExecute:
    ex = SandboxExecute()
    ex._output_bytes, ex.clear_before_next_output = {}, False  # what preprocess and execute_cell set up
    return ex


def test_a_flood_is_cut_as_it_arrives_and_errors_still_count():
    ex, outs = client(), []
    n = 2 * limits.CELL_OUTPUT_BYTES // MB
    for _ in range(n):
        ex.output(outs, message("stream", name="stdout", text="x" * MB), None, 0)
        ex.output(outs, message("display_data", data={"text/plain": "y" * MB}, metadata={}), None, 0)
    ex.output(outs, message("error", ename="CheckError", evalue="wrong", traceback=[]), None, 0)
    kept = sum(len(o.get("text", "")) + sum(map(len, o.get("data", {}).values())) for o in outs)
    assert kept <= limits.CELL_OUTPUT_BYTES + 200  # the rest was never stored
    assert sum(integrity.TRUNCATED in o.get("text", "") for o in outs) == 1  # one marker: an output_flood flag
    assert outs[-1].output_type == "error"  # the failure that decides the score is kept


def test_cleared_output_starts_the_count_again():
    ex, outs = client(), []
    for _ in range(3 * limits.CELL_OUTPUT_BYTES // MB):  # a live plot redrawn every epoch
        ex.clear_output(outs, message("clear_output", wait=False), 0)
        ex.output(outs, message("display_data", data={"image/png": "p" * MB}, metadata={}), None, 0)
    assert len(outs) == 1 and not any(integrity.TRUNCATED in o.get("text", "") for o in outs)


def test_cells_are_counted_apart():
    ex, outs_a, outs_b = client(), [], []
    for _ in range(limits.CELL_OUTPUT_BYTES // MB - 1):
        ex.output(outs_a, message("stream", name="stdout", text="a" * MB), None, 0)
        ex.output(outs_b, message("stream", name="stdout", text="b" * MB), None, 1)
    assert not any(integrity.TRUNCATED in o.get("text", "") for o in outs_a + outs_b)
