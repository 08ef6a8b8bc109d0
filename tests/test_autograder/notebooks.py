"""Small in-memory nbgrader notebooks for the unit tests (no file, no nbgrader run)."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output


def cell(kind: str, grade_id: str | None, source: str, **nbgrader):
    """A cell with ``metadata.nbgrader`` built from the keyword arguments (none when ``grade_id`` is None)."""
    make = new_code_cell if kind == "code" else new_markdown_cell
    if grade_id is None:
        return make(source)
    return make(source, metadata={"nbgrader": {"grade_id": grade_id, "schema_version": 3, **nbgrader}})


def answer(grade_id: str, source: str):
    return cell("code", grade_id, source, solution=True, grade=False, locked=False)


def locked_test(grade_id: str, source: str, points: float = 1):
    return cell("code", grade_id, source, solution=False, grade=True, locked=True, points=points)


def written(grade_id: str, source: str, points: float = 1):
    return cell("markdown", grade_id, source, solution=True, grade=True, locked=False, points=points)


def notebook(*cells):
    return new_notebook(cells=list(cells))


SOURCE = notebook(
    cell("markdown", "intro", "# Toy", locked=True, solution=False, grade=False),
    answer("double", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"),
    locked_test(
        "test_double",
        "assert double(1) == 2\n### BEGIN HIDDEN TESTS\nassert double(21) == 42, 'hidden'\n"
        "### END HIDDEN TESTS\nprint('ok')",
        2,
    ),
    answer(
        "double_all",
        "def double_all(xs):\n    ### BEGIN SOLUTION\n    return [double(x) for x in xs]\n    ### END SOLUTION\n",
    ),
    locked_test("test_double_all_lists", "assert double_all([1]) == [2]"),
    written("why", "Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION"),
    cell("code", None, "scratch = 1"),
)

RELEASE = notebook(
    cell("markdown", "intro", "# Toy", locked=True, solution=False, grade=False),
    answer("double", "def double(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"),
    locked_test("test_double", "assert double(1) == 2\n\nprint('ok')", 2),
    answer("double_all", "def double_all(xs):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"),
    locked_test("test_double_all_lists", "assert double_all([1]) == [2]"),
    written("why", "YOUR ANSWER HERE"),
    cell("code", None, "scratch = 1"),
)


def error(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def stream(text: str, name: str = "stdout"):
    return new_output("stream", name=name, text=text)
