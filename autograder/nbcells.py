"""What the course knows about nbgrader notebooks, in one place: cell kinds, solution markers, the exercise a
test cell belongs to, the hidden lines of a test, and "release + these answers = a submission".

The grader, the tests, the benchmarks and the sample-class builder all ask here. Cell kinds follow
``CONTRIBUTING.md``'s table: an autograded answer is a code cell with ``solution`` and no ``grade``; a test
is a code cell with ``grade`` and no ``solution``; a written answer is markdown with both. Test cells are
named ``test_<exercise>`` or ``test_<exercise>_<what>`` (``docs/COURSE_SPEC.md`` §3).
Pure functions over ``nbformat`` nodes (or plain dicts shaped like them); nothing here runs nbgrader.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # the colour codes IPython writes into tracebacks and streams
MIN_HIDDEN_LINE = 12  # shorter hidden lines (``passed()``, ``x = 1``) reveal nothing when found elsewhere


def read(path: Path | str):
    """A notebook file as an ``nbformat`` v4 node."""
    import nbformat

    return nbformat.read(str(path), as_version=4)


def meta(cell) -> dict:
    """The cell's ``metadata.nbgrader`` (empty for a cell nbgrader does not know)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    return meta(cell).get("grade_id")


def is_answer_cell(cell) -> bool:
    """An autograded answer cell: code, ``solution`` true, ``grade`` false."""
    m = meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("solution")) and not m.get("grade")


def is_written_answer_cell(cell) -> bool:
    """A manually graded written answer: markdown, ``solution`` and ``grade`` both true."""
    m = meta(cell)
    return cell.get("cell_type") == "markdown" and bool(m.get("solution")) and bool(m.get("grade"))


def is_test_cell(cell) -> bool:
    """An autograded test cell: code, ``grade`` true, ``solution`` false."""
    m = meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("grade")) and not m.get("solution")


def is_student_code(cell) -> bool:
    """A code cell the student may write in: neither locked nor graded."""
    m = meta(cell)
    return cell.get("cell_type") == "code" and not m.get("locked") and not m.get("grade")


def cells_by_grade_id(nb) -> dict:
    """grade_id -> cell for every cell that has one (the first, when a submission duplicated a cell)."""
    found = {}
    for cell in nb.cells:
        if grade_id(cell):
            found.setdefault(grade_id(cell), cell)
    return found


def grade_ids(nb) -> list[str | None]:
    """Every cell's grade_id in notebook order (``None`` for cells without one)."""
    return [grade_id(c) for c in nb.cells]


def answer_ids(nb) -> list[str]:
    """The exercises: autograded answer cells in notebook order."""
    return [grade_id(c) for c in nb.cells if is_answer_cell(c)]


def test_ids(nb) -> list[str]:
    """The autograded test cells in notebook order."""
    return [grade_id(c) for c in nb.cells if is_test_cell(c)]


def is_test_of(exercise: str, test_id: str) -> bool:
    """The naming rule: ``test_<exercise>`` or ``test_<exercise>_<what>``."""
    return test_id == f"test_{exercise}" or test_id.startswith(f"test_{exercise}_")


def tests_of(exercise: str, ids: Iterable[str], exercises: Iterable[str] | None = None) -> list[str]:
    """The test cells among ``ids`` that belong to ``exercise``. Given every exercise of the notebook, each test
    goes to the longest name it matches (:func:`exercise_of`): ``test_softmax_gradients`` is
    ``softmax_gradients``'s, not also ``softmax``'s. Without them, every test the naming rule allows."""
    if exercises is None:
        return [t for t in ids if is_test_of(exercise, t)]
    names = list(exercises)
    return [t for t in ids if is_test_of(exercise, t) and exercise_of(t, names) == exercise]


def exercise_of(test_id: str, exercises: Iterable[str]) -> str:
    """The exercise ``test_id`` belongs to (the longest matching name: ``test_zoom_in_x`` is ``zoom_in``'s, not
    ``zoom``'s); a test matching none is named after itself without ``test_``."""
    owners = [e for e in exercises if is_test_of(e, test_id)]
    return max(owners, key=len) if owners else test_id.removeprefix("test_")


def solution_code(source: str) -> str:
    """A source cell's text with the solution markers removed (what a correct student writes)."""
    return SOLUTION_MARKERS.sub("", source)


def solutions(source_nb) -> dict[str, str]:
    """grade_id -> the instructor's answer (markers removed) for every cell a student writes in."""
    return {grade_id(c): solution_code(c.source) for c in source_nb.cells if meta(c).get("solution") and grade_id(c)}


def build_submission(release_nb, answers: Mapping[str, str]):
    """A copy of the released notebook with each cell named in ``answers`` holding that text.

    ``answers`` usually starts from :func:`solutions` of the source notebook, with a few cells replaced by a
    variant. Raises ``KeyError`` naming every grade_id the notebook does not have.
    """
    nb = copy.deepcopy(release_nb)
    pending = dict(answers)
    for cell in nb.cells:
        if grade_id(cell) in pending:
            cell.source = pending.pop(grade_id(cell))
    if pending:
        raise KeyError(f"the notebook has no cells named {sorted(pending)}")
    return nb


def hidden_blocks(source: str) -> list[str]:
    """The ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` regions of a cell, markers included."""
    return HIDDEN_TESTS.findall(source)


def hidden_lines(source_nb, released_nb=None) -> list[str]:
    """Code lines inside hidden-test regions of the source notebook that a student never sees.

    Lines shorter than :data:`MIN_HIDDEN_LINE`, comments, and lines that also appear in the released notebook
    (a helper call shared with a visible test) are left out: finding those elsewhere reveals nothing.
    """
    visible = "\n".join(c.source for c in released_nb.cells) if released_nb is not None else ""
    lines = []
    for cell in source_nb.cells:
        for block in hidden_blocks(cell.source):
            for line in block.splitlines()[1:-1]:
                text = line.strip()
                if len(text) >= MIN_HIDDEN_LINE and not text.startswith("#") and text not in visible:
                    lines.append(text)
    return lines


__all__ = [
    "SOLUTION_MARKERS",
    "HIDDEN_TESTS",
    "read",
    "meta",
    "grade_id",
    "is_answer_cell",
    "is_written_answer_cell",
    "is_test_cell",
    "is_student_code",
    "cells_by_grade_id",
    "grade_ids",
    "answer_ids",
    "test_ids",
    "is_test_of",
    "tests_of",
    "exercise_of",
    "solution_code",
    "solutions",
    "build_submission",
    "hidden_blocks",
    "hidden_lines",
    "restore_metadata",
    "repaired",
    "without_surrogates",
    "reads_lenient",
    "read_lenient",
    "defined_names",
    "match_release",
    "trimmed",
]


def restore_metadata(submitted, released) -> list[str]:
    """Give every cell of ``submitted`` its nbgrader metadata from the instructor's release, in place; returns
    what differed (one sentence per cell).

    A cell takes the release cell with its cell id, else the first unclaimed one with its grade_id; any other
    cell (added by the student, or a duplicate of a graded cell) loses its nbgrader metadata, so it is neither
    graded nor counted. A student can thus never turn an answer into a grade cell, add points or cells,
    duplicate a test's grade_id or mark a test as a solution.
    """
    by_id = {c.get("id"): c for c in released.cells if c.get("id") and meta(c)}
    by_grade_id = {grade_id(c): c for c in released.cells if grade_id(c)}
    claimed, changes = set(), []
    for number, cell in enumerate(submitted.cells, start=1):
        original = by_id.get(cell.get("id"))
        if original is None or grade_id(original) in claimed:
            original = by_grade_id.get(grade_id(cell))
        if original is not None and grade_id(original) in claimed:
            original = None
        expected = copy.deepcopy(meta(original)) if original is not None else {}
        if original is not None:
            claimed.add(grade_id(original))
        if _role(meta(cell)) != _role(expected):  # points alone: integrity's edited_points; checksums: noise
            name = grade_id(cell) or f"cell {number}"
            changes.append(
                f"{name}: nbgrader metadata {_summary(meta(cell))} restored to the release's {_summary(expected)}"
            )
        metadata = cell.setdefault("metadata", {})
        if expected:
            metadata["nbgrader"] = expected
        else:
            metadata.pop("nbgrader", None)
    return changes


def _role(m: dict) -> tuple:
    """What makes a cell graded and how: its name and kind (not its checksum, points or schema version)."""
    return tuple(
        bool(m.get(k)) if k != "grade_id" else m.get(k) for k in ("grade_id", "grade", "solution", "locked", "task")
    )


def _summary(m: dict) -> str:
    if not m:
        return "(none)"
    keys = ("grade_id", "grade", "solution", "locked", "points")
    return "{" + ", ".join(f"{k}={m[k]!r}" for k in keys if k in m) + "}"


# Honest notebooks in the shapes students' tools save them (issue 22): readable JSON that nbformat's own reader
# chokes on is repaired first, and cells that lost their nbgrader metadata are matched back to the release.
def repaired(data) -> list[str]:
    """Repair, in place, a notebook's JSON the way nbformat's validator would accept it; returns what was
    repaired. A cell with no ``cell_type`` is a code cell when it has outputs or an execution count, else
    markdown; a ``source`` or an output's text that is a list holding non-strings (or a number) is joined as text;
    a ``metadata`` or ``outputs`` of the wrong type is emptied. What cannot be repaired is left for nbformat to
    refuse (``invalid_notebook``)."""
    fixes = []
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")), list):
        return fixes
    cells = data.get("cells")
    if not isinstance(cells, list):  # nbformat v3: cells live in worksheets
        cells = [c for w in data["worksheets"] if isinstance(w, dict) for c in w.get("cells", []) or []]
    ids = data.get("nbformat") == 4 and isinstance(data.get("nbformat_minor"), int) and data["nbformat_minor"] >= 5
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            continue
        if ids and not isinstance(cell.get("id"), str):  # nbformat 4.5 wants one; a tool that dropped it is no fault
            cell["id"] = f"cell-{number}"
        if "cell_type" not in cell:
            cell["cell_type"] = "code" if "outputs" in cell or "execution_count" in cell else "markdown"
            fixes.append(f"cell {number} had no cell_type (read as {cell['cell_type']})")
        for key in ("source", "input"):
            if key in cell and not isinstance(cell[key], str) and not _is_text_list(cell[key]):
                cell[key] = _as_text(cell[key])
                fixes.append(f"cell {number}'s {key} was not text")
        if not isinstance(cell.get("metadata", {}), dict):
            cell["metadata"] = {}
            fixes.append(f"cell {number}'s metadata was not a mapping")
        if cell["cell_type"] == "code":
            if not isinstance(cell.get("outputs", []), list):
                cell["outputs"] = []
                fixes.append(f"cell {number}'s outputs were not a list")
            if not isinstance(cell.get("execution_count"), (int, type(None))) or isinstance(
                cell.get("execution_count"), bool
            ):
                cell["execution_count"] = None
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
            cell["outputs"] = [
                o for o in cell["outputs"] if isinstance(o, dict) and isinstance(o.get("output_type"), str)
            ]
            for out in cell["outputs"]:
                for key in ("text", "traceback"):
                    if key in out and not isinstance(out[key], str) and not _is_text_list(out[key]):
                        out[key] = _as_text(out[key]) if key == "text" else _as_text(out[key]).splitlines()
                if isinstance(out.get("data"), dict):
                    for mime, value in list(out["data"].items()):
                        if not isinstance(value, (str, dict)) and not _is_text_list(value):
                            out["data"][mime] = _as_text(value)
    return fixes


def _is_text_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _as_text(value) -> str:
    """Readable text from a JSON value that should have been text: lists joined, ``null`` dropped."""
    import json

    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(_as_text(v) for v in value if v is not None)
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict) else str(value)


def reads_lenient(text: str):
    """A notebook (``nbformat`` v4 node) from JSON text, repaired first (:func:`repaired`) and normalised by
    nbformat's validator (missing or duplicate cell ids). Raises as ``nbformat.reads`` does for what cannot be read."""
    import json

    import nbformat
    from nbformat import validator

    data = without_surrogates(json.loads(text))
    repaired(data)
    nb = nbformat.reads(json.dumps(data), as_version=4)
    try:
        _, nb = validator.normalize(nb, strip_invalid_metadata=False)
        nb = nbformat.from_dict(nb)
    except Exception:  # normalising is a courtesy: the notebook as read is still gradable
        pass
    for cell in nb.cells:
        if cell.get("cell_type") in ("markdown", "code", "raw") and not cell.get("id"):
            cell["id"] = _fresh_id(nb)
    return nb


def without_surrogates(node):
    """``node`` (JSON-like: dicts, lists, strings), in place where it can be, with every lone UTF-16 surrogate
    (``"\\ud800"`` in a notebook's JSON) replaced by U+FFFD: such a string cannot be written as UTF-8, and once
    stopped the whole class's outputs. Returns the cleaned node."""
    from .results import SURROGATES

    if isinstance(node, str):
        return SURROGATES.sub("\ufffd", node)
    if isinstance(node, dict):
        for key in list(node):
            value = without_surrogates(node[key])
            clean = without_surrogates(key) if isinstance(key, str) else key
            if clean != key:
                del node[key]
            node[clean] = value
    elif isinstance(node, list):
        node[:] = [without_surrogates(v) for v in node]
    return node


def read_lenient(path: Path | str):
    """:func:`reads_lenient` over a file (UTF-8)."""
    return reads_lenient(Path(path).read_text(encoding="utf-8"))


def _fresh_id(nb) -> str:
    import uuid

    taken = {c.get("id") for c in nb.cells}
    while True:
        new = uuid.uuid4().hex[:8]
        if new not in taken:
            return new


def defined_names(source: str) -> set[str]:
    """The functions and classes a cell defines at its top level (empty for a cell that does not parse)."""
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def match_release(submitted, released, put_back: bool = True) -> tuple[list[str], list[str]]:
    """Give every graded or locked cell of the release a cell in ``submitted`` (after :func:`restore_metadata`),
    in place: cells that lost their nbgrader metadata (pasted into a fresh notebook, or saved by a tool that
    drops it) are matched by what can be trusted: a locked cell by its text, an answer cell by the functions
    and classes it defines (the last such cell, as the kernel would see it), any other by its place (the one
    free cell of its type between its matched neighbours). A release cell still unmatched is put back from the
    release (a test is restored by nbgrader anyway; an answer gets the release's stub and scores 0), and every
    matched cell is moved after the one before it in the release's order when it is not already there.
    Returns (what was matched, the answers that could not be found). With ``put_back`` false, cells are only
    matched (the integrity checks still see what was deleted)."""
    wanted = [c for c in released.cells if grade_id(c)]
    placed = {grade_id(c): c for c in submitted.cells if grade_id(c)}
    free = [c for c in submitted.cells if not grade_id(c)]
    matched, lost = [], []

    def claim(release_cell, cell, how: str) -> None:
        cell.setdefault("metadata", {})["nbgrader"] = copy.deepcopy(meta(release_cell))
        placed[grade_id(release_cell)] = cell
        free.remove(cell)
        matched.append(f"{grade_id(release_cell)} {how}")

    for r in wanted:  # locked cells by their text
        if grade_id(r) not in placed and meta(r).get("locked") and not meta(r).get("solution"):
            same = [c for c in free if c.get("cell_type") == r.cell_type and c.source.strip() == r.source.strip()]
            if same:
                claim(r, same[0], "by its text")
    for r in wanted:  # answers by the functions they define
        names = defined_names(r.source) if r.cell_type == "code" else set()
        if grade_id(r) not in placed and meta(r).get("solution") and names:
            defining = [c for c in free if c.get("cell_type") == "code" and names & defined_names(c.source)]
            if defining:
                claim(r, defining[-1], f"by the function it defines ({', '.join(sorted(names))})")
    for i, r in enumerate(wanted):  # the rest by their place between matched neighbours
        if grade_id(r) in placed:
            continue
        position = {id(c): n for n, c in enumerate(submitted.cells)}
        before = [position[id(placed[grade_id(p)])] for p in wanted[:i] if grade_id(p) in placed]
        after = [position[id(placed[grade_id(p)])] for p in wanted[i + 1 :] if grade_id(p) in placed]
        low, high = max(before, default=-1), min(after, default=len(submitted.cells))
        slot = [c for c in free if low < position[id(c)] < high and c.get("cell_type") == r.cell_type]
        if len(slot) == 1 and (meta(r).get("solution") or slot[0].source.strip() == r.source.strip()):
            claim(r, slot[0], "by its place")
    lost = [grade_id(r) for r in wanted if grade_id(r) not in placed and meta(r).get("solution")]
    if not put_back:
        return matched, lost
    last = -1
    for r in wanted:  # release order; a cell put back or out of order goes right after the one before it
        cell = placed.get(grade_id(r))
        if cell is None:
            cell = copy.deepcopy(r)
            cell["id"] = _fresh_id(submitted)
        else:
            here = next(n for n, c in enumerate(submitted.cells) if c is cell)
            if here > last:
                last = here
                continue
            submitted.cells.pop(here)
            last -= 1 if here < last else 0
        submitted.cells.insert(last + 1, cell)
        last += 1
    return matched, lost


def trimmed(nb, keep: int):
    """A copy of ``nb`` for a feedback page: every cell nbgrader knows and the first ``keep`` others, then a note
    saying how many were left out; None when there are no more than ``keep`` others. Rendering 40,000 tiny cells
    as HTML once took 240 s, past the job's whole deadline."""
    import nbformat

    others = [c for c in nb.cells if not grade_id(c)]
    if len(others) <= keep:
        return None
    kept = {id(c) for c in others[:keep]}
    copy_nb = copy.deepcopy(nb)
    copy_nb.cells = [copy.deepcopy(c) for c in nb.cells if grade_id(c) or id(c) in kept]
    copy_nb.cells.append(
        nbformat.v4.new_markdown_cell(
            f"*{len(others) - keep} more cells of this notebook are not shown here (it has more than {keep} cells of "
            "its own); every test counted.*"
        )
    )
    return copy_nb


def merged_runs(nb, max_cells: int, chunk: int) -> int:
    """Collapse, in place, each run of consecutive cells nbgrader does not know, ``chunk`` cells at a time, into
    at most two cells (one for their text, one that runs their code) when ``nb`` has more than ``max_cells``
    cells; returns how many cells were merged away (0: nothing done).

    A kernel round trip costs every cell ~20 ms, so 40,000 tiny cells would hold a worker for minutes past the
    job's deadline. The merged code cell still runs each original cell on its own (IPython's own transform for
    magics, then ``exec`` in the notebook's namespace), so an error in one does not skip the next, as in a lab.
    """
    import nbformat

    if len(nb.cells) <= max_cells:
        return 0
    before = len(nb.cells)
    cells, run = [], []
    for cell in nb.cells + [None]:
        if cell is not None and not grade_id(cell):
            run.append(cell)
            continue
        for start in range(0, len(run), chunk):  # a chunk runs well inside one cell's time limit
            part = run[start : start + chunk]
            cells += _collapsed(part, nbformat) if len(part) > 1 else part
        run = []
        if cell is not None:
            cells.append(cell)
    nb.cells = cells
    return before - len(cells)


def _collapsed(run: list, nbformat) -> list:
    """One markdown cell holding the run's text cells, then one code cell that runs its code cells in order."""
    from IPython.core.inputtransformer2 import TransformerManager

    text = [c.get("source", "") for c in run if c.get("cell_type") != "code"]
    transform = TransformerManager().transform_cell
    code = [transform(c.get("source", "")) for c in run if c.get("cell_type") == "code"]
    merged = [nbformat.v4.new_markdown_cell("\n\n".join(text))] if text else []
    if code:
        listed = "".join(f"    {source!r},\n" for source in code)
        merged.append(
            nbformat.v4.new_code_cell(
                f"# The grader runs these {len(code)} cells as one: "
                "the notebook has too many cells to run one by one.\n"
                f"__cells = [\n{listed}]\n"
                "for __number, __cell in enumerate(__cells, start=1):\n"
                "    try:\n"
                "        exec(compile(__cell, f'<cell {__number} of this run>', 'exec'), globals())\n"
                "    except Exception:\n"
                "        get_ipython().showtraceback()\n"
            )
        )
    return merged
