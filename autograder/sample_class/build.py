"""Regenerate ``autograder/sample_class/submitted/`` from ``source/`` and ``release/`` (run after either changes).

Every student starts from the released notebook, as a real one would. Their answers come from the
instructor's solutions, the stubs left as they are, or mistakes, chosen by a seeded generator so the class is
the same on every rebuild. The mistakes are an argument (the product never imports the tests): from the
repository root, ``python -m autograder.sample_class --variants tests.variants`` takes them from the variants
the test suite grades. The students:

strong (2), average (3), weak (2), blank, late, broken (not JSON / a syntax error / a misnamed file),
hostile (edits a test cell, monkeypatches numpy, floods its output, reads NBGRADER_EXECUTION, calls os._exit).

Concept questions (answer cells ``concept_<topic>``) are answered apart from the code, with a generator of
their own, so the code mistakes are those of a class without questions: strong students answer right; average
and weak ones often pick the question's first listed mistake, its common misconception (a wrong answer a
variant lists first), sometimes another wrong one, and weak ones leave some blank. ``report.html`` then shows
one wrong idea standing out per question, as a real class does.
"""

from __future__ import annotations

import argparse
import importlib
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import nbformat

from autograder import nbcells
from autograder.paths import REPO, SAMPLE_CLASS, notebook_path

OUT = SAMPLE_CLASS
Mistakes = Callable[[str], list[dict[str, str]]]  # assignment -> mistakes, each grade_id -> wrong code

STUDENTS = {
    "ada_lovelace": "strong",
    "alan_turing": "strong",
    "grace_hopper": "average",
    "edsger_dijkstra": "average",
    "barbara_liskov": "average",
    "ken_thompson": "weak",
    "margaret_hamilton": "weak",
    "dennis_ritchie": "blank",
    "frances_allen": "late",
    "john_mccarthy": "broken",
    "linus_pauling": "hostile",
    "tim_berners": "missing",
}


def no_mistakes(assignment: str) -> list[dict[str, str]]:
    return []


def mistakes_from(module_name: str) -> Mistakes:
    """The mistakes of a variants module: one with ``variants_for(assignment)`` returning objects that have
    ``code`` (grade_id -> code) and ``correct`` (as ``tests.variants`` does)."""
    variants_for = importlib.import_module(module_name).variants_for
    return lambda assignment: [v.code for v in variants_for(assignment) if not v.correct]


CONCEPT = "concept_"
# kind -> (chance of the right answer, chance of the common misconception, chance of a blank); else another wrong
CONCEPT_HABITS = {"average": (0.6, 0.3, 0.0), "weak": (0.3, 0.45, 0.1)}


def _concept_answers(
    kind: str, concept_ids: list[str], mistakes: list[dict[str, str]], rng: random.Random
) -> tuple[dict[str, str], set[str]]:
    """(grade_id -> a wrong answer, grade_ids left blank) for the concept questions of one student."""
    if kind not in CONCEPT_HABITS:
        return {}, set()
    right, common, blank = CONCEPT_HABITS[kind]
    chosen, skipped = {}, set()
    for grade_id in concept_ids:
        wrong = [m[grade_id] for m in mistakes if set(m) == {grade_id} and "ANSWER" in m[grade_id]]
        draw = rng.random()
        if draw < right or not wrong:
            continue
        if draw < right + common:
            chosen[grade_id] = wrong[0]
        elif draw < right + common + blank:
            skipped.add(grade_id)
        else:
            chosen[grade_id] = rng.choice(wrong)
    return chosen, skipped


def _student_notebook(
    kind: str, assignment: str, rng: random.Random, mistakes: list[dict[str, str]], root: Path = REPO
):
    release = nbcells.read(notebook_path(root, "release", assignment))
    answers = nbcells.solutions(nbcells.read(notebook_path(root, "source", assignment)))
    answer_ids = [c for c in answers if any(nbcells.grade_id(x) == c and x.cell_type == "code" for x in release.cells)]
    code_ids = [c for c in answer_ids if not c.startswith(CONCEPT)]
    concept_ids = [c for c in answer_ids if c.startswith(CONCEPT)]
    concept_mistakes = [m for m in mistakes if any(g.startswith(CONCEPT) for g in m)]
    mistakes = [m for m in mistakes if m not in concept_mistakes]
    chosen, concept_skipped = _concept_answers(
        kind, concept_ids, concept_mistakes, random.Random(f"{rng.getstate()[1][:4]}/concepts")
    )
    skipped: set[str] = set()
    if kind == "average":
        for code in rng.sample(mistakes, min(2, len(mistakes))):
            chosen.update(code)
    elif kind == "weak":
        for code in rng.sample(mistakes, min(3, len(mistakes))):
            chosen.update(code)
        skipped = set(rng.sample(code_ids, len(code_ids) // 2))
    skipped |= concept_skipped
    filled = {} if kind == "blank" else {g: chosen.get(g, a) for g, a in answers.items() if g not in skipped}
    return nbcells.build_submission(release, filled), code_ids


def _hostile(nb, code_ids: list[str], assignment: str) -> None:
    tests = [c for c in nb.cells if nbcells.is_test_cell(c)]
    if tests:
        tests[0].source = "print('looks fine to me')"  # restored from the gradebook before grading
        nbcells.meta(tests[-1])["points"] = 99
    first = nbcells.cells_by_grade_id(nb)[code_ids[0]]
    first.source = (
        "import os\nimport numpy as np\nnp.allclose = lambda *a, **k: True\n"
        "print('graded?', os.environ.get('NBGRADER_EXECUTION'))\n"
        "for _i in range(3000):\n    print('spam', _i)\n" + first.source
    )
    if assignment.startswith("02"):
        last = nbcells.cells_by_grade_id(nb)[code_ids[-1]]
        last.source = "import os\nos._exit(0)\n" + last.source


def build(mistakes: Mistakes = no_mistakes, out: Path = OUT, root: Path = REPO) -> list[Path]:
    """Write every student's notebooks under ``out`` (replaced whole); ``mistakes`` supplies the wrong answers."""
    assignments = sorted(
        p.name for p in (root / "source").iterdir() if notebook_path(root, "release", p.name).exists()
    )
    if out.exists():
        shutil.rmtree(out)
    written = []
    for student, kind in sorted(STUDENTS.items()):
        for assignment in assignments:
            rng = random.Random(f"{student}/{assignment}")
            folder = out / student / assignment
            folder.mkdir(parents=True)
            path = folder / f"{assignment}.ipynb"
            nb, code_ids = _student_notebook(
                "blank"
                if kind == "blank"
                else "strong"
                if kind in ("strong", "late", "hostile", "missing", "broken")
                else kind,
                assignment,
                rng,
                mistakes(assignment),
                root,
            )
            if kind == "late":
                (folder / "timestamp.txt").write_text("2031-12-24 23:59:00.000000 UTC\n", encoding="utf-8")
            if kind == "hostile":
                _hostile(nb, code_ids, assignment)
            if kind == "missing" and assignment == assignments[0]:
                path = folder / "my_homework_final_v2.ipynb"  # a misnamed file: the notebook is missing
            if kind == "broken" and assignment == assignments[0]:
                path.write_text(nbformat.writes(nb)[:2000], encoding="utf-8")  # cut off: not valid JSON
                written.append(path)
                continue
            if kind == "broken":
                cell = nbcells.cells_by_grade_id(nb)[code_ids[0]]
                cell.source = "def oops(:\n    pass\n" + cell.source  # a syntax error in one answer
            nbformat.write(nb, str(path))
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.sample_class", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--variants",
        metavar="MODULE",
        default=None,
        help="module with variants_for(assignment) supplying the mistakes (run from the "
        "repository root: --variants tests.variants); without it, no student makes one",
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default: {OUT.relative_to(REPO)})")
    args = parser.parse_args(argv)
    written = build(mistakes_from(args.variants) if args.variants else no_mistakes, args.out.resolve())
    print(f"wrote {len(written)} submissions of {len(STUDENTS)} students to {args.out}")


if __name__ == "__main__":
    main()
