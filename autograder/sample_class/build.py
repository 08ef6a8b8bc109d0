"""Regenerate ``autograder/sample_class/submitted/`` from ``source/`` and ``release/`` (run after either changes).

Every student starts from the released notebook, as a real one would. Their answers come from the
instructor's solutions, the stubs left as they are, or the mistakes collected in ``tests/variants/`` (when
that folder is present), chosen by a seeded generator so the class is the same on every rebuild:

strong (2), average (3), weak (2), blank, late, broken (not JSON / a syntax error / a misnamed file),
hostile (edits a test cell, monkeypatches numpy, floods its output, reads NBGRADER_EXECUTION, calls os._exit).
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "submitted"
_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)

STUDENTS = {
    "ada_lovelace": "strong", "alan_turing": "strong",
    "grace_hopper": "average", "edsger_dijkstra": "average", "barbara_liskov": "average",
    "ken_thompson": "weak", "margaret_hamilton": "weak",
    "dennis_ritchie": "blank", "frances_allen": "late",
    "john_mccarthy": "broken", "linus_pauling": "hostile", "tim_berners": "missing",
}


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _answers(source_nb) -> dict[str, str]:
    """grade_id -> the instructor's answer, markers removed, for every cell a student writes in."""
    return {_meta(c)["grade_id"]: _MARKERS.sub("", c.source) for c in source_nb.cells if _meta(c).get("solution")}


def _mistakes(assignment: str) -> list[dict[str, str]]:
    try:
        import sys

        sys.path.insert(0, str(REPO))
        from tests.variants import variants_for
    except ImportError:
        return []
    return [v.code for v in variants_for(assignment) if not v.correct]


def _student_notebook(kind: str, assignment: str, rng: random.Random):
    release = nbformat.read(str(REPO / "release" / assignment / f"{assignment}.ipynb"), as_version=4)
    answers = _answers(nbformat.read(str(REPO / "source" / assignment / f"{assignment}.ipynb"), as_version=4))
    code_ids = [c for c in answers if any(_meta(x).get("grade_id") == c and x.cell_type == "code"
                                          for x in release.cells)]
    mistakes = _mistakes(assignment)
    chosen: dict[str, str] = {}
    skipped: set[str] = set()
    if kind == "average":
        for code in rng.sample(mistakes, min(2, len(mistakes))):
            chosen.update(code)
    elif kind == "weak":
        for code in rng.sample(mistakes, min(3, len(mistakes))):
            chosen.update(code)
        skipped = set(rng.sample(code_ids, len(code_ids) // 2))
    for cell in release.cells:
        grade_id = _meta(cell).get("grade_id")
        if kind == "blank" or grade_id not in answers or grade_id in skipped:
            continue
        cell.source = chosen.get(grade_id, answers[grade_id])
    return release, code_ids


def _hostile(nb, code_ids: list[str], assignment: str) -> None:
    tests = [c for c in nb.cells if _meta(c).get("grade") and c.cell_type == "code" and not _meta(c).get("solution")]
    if tests:
        tests[0].source = "print('looks fine to me')"  # restored from the gradebook before grading
        tests[-1].metadata["nbgrader"]["points"] = 99
    first = next(c for c in nb.cells if _meta(c).get("grade_id") == code_ids[0])
    first.source = ("import os\nimport numpy as np\nnp.allclose = lambda *a, **k: True\n"
                    "print('graded?', os.environ.get('NBGRADER_EXECUTION'))\n"
                    "for _i in range(3000):\n    print('spam', _i)\n" + first.source)
    if assignment.startswith("02"):
        last = next(c for c in nb.cells if _meta(c).get("grade_id") == code_ids[-1])
        last.source = "import os\nos._exit(0)\n" + last.source


def build() -> list[Path]:
    assignments = sorted(p.name for p in (REPO / "source").iterdir()
                         if (REPO / "release" / p.name / f"{p.name}.ipynb").exists())
    if OUT.exists():
        shutil.rmtree(OUT)
    written = []
    for index, (student, kind) in enumerate(sorted(STUDENTS.items())):
        for assignment in assignments:
            rng = random.Random(f"{student}/{assignment}")
            folder = OUT / student / assignment
            folder.mkdir(parents=True)
            path = folder / f"{assignment}.ipynb"
            nb, code_ids = _student_notebook("blank" if kind == "blank" else
                                             "strong" if kind in ("strong", "late", "hostile", "missing", "broken")
                                             else kind, assignment, rng)
            if kind == "late":
                (folder / "timestamp.txt").write_text("2031-12-24 23:59:00.000000 UTC\n", encoding="utf-8")
            if kind == "hostile":
                _hostile(nb, code_ids, assignment)
            if kind == "missing" and assignment == assignments[0]:
                path = folder / "my_homework_final_v2.ipynb"  # a misnamed file: the notebook is missing
            if kind == "broken" and assignment == assignments[0]:
                path.write_text(nbformat.writes(nb)[: 2000], encoding="utf-8")  # cut off: not valid JSON
                written.append(path)
                continue
            if kind == "broken":
                cell = next(c for c in nb.cells if _meta(c).get("grade_id") == code_ids[0])
                cell.source = "def oops(:\n    pass\n" + cell.source  # a syntax error in one answer
            nbformat.write(nb, str(path))
            written.append(path)
    return written


def main() -> None:
    written = build()
    print(f"wrote {len(written)} submissions of {len(STUDENTS)} students to {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
