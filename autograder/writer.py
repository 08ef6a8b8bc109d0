"""The single writer: every output of COURSE_SPEC §5, and one nbgrader gradebook merged from the jobs'.

Workers never touch ``out``'s gradebook: each leaves its own small ``gradebook.db`` in the cache. Here, in
one process, those are merged with SQL (``INSERT OR IGNORE``: the assignment, notebook and cell rows come
from the same template, so they share their ids; submissions and grades have their own). The result is a
normal nbgrader gradebook: ``nbgrader export`` and the formgrader read it with ``--CourseDirectory.root=out``.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

from .results import SubmissionResult

OWNED = ("grades.csv", "cells.csv", "integrity.csv", "report.html", "gradebook.db", "feedback", "autograded")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.4g}"


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def merge_gradebooks(target: Path, parts: list[Path]) -> None:
    """One gradebook from many with the same schema; rows already present are kept (never duplicated)."""
    if target.exists():
        target.unlink()
    if not parts:
        return
    shutil.copyfile(parts[0], target)
    con = sqlite3.connect(target)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for i, part in enumerate(parts[1:]):
            con.execute("ATTACH DATABASE ? AS part", (str(part),))
            for table in tables:
                con.execute(f'INSERT OR IGNORE INTO main."{table}" SELECT * FROM part."{table}"')
            con.commit()
            con.execute("DETACH DATABASE part")
    finally:
        con.close()


def write_outputs(results: list[SubmissionResult], out: Path, templates: dict[str, Path], cache_root: Path,
                  caps) -> None:
    from . import report

    out.mkdir(parents=True, exist_ok=True)
    for name in OWNED:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    graded = [r for r in results if r.status != "unknown_assignment"]
    _write_csv(out / "grades.csv", ["student_id", "assignment", "score", "max_score"],
               [[r.student_id, r.assignment, _num(r.score), _num(r.max_score)] for r in graded])
    _write_csv(out / "cells.csv", ["student_id", "assignment", "grade_id", "score", "max_score", "message"],
               [[r.student_id, r.assignment, c.grade_id, _num(c.score), _num(c.max_score), c.message]
                for r in graded for c in r.cells])
    _write_csv(out / "integrity.csv", ["student_id", "assignment", "flag", "detail"],
               [[r.student_id, r.assignment, f.flag, f.detail] for r in results for f in r.flags])
    parts = [templates[a] / "gradebook.db" for a in sorted(templates)]
    for r in results:
        cache = cache_root / "jobs" / r.key if r.key else None
        if r.status != "graded" or cache is None or not cache.exists():
            continue
        parts.append(cache / "gradebook.db")
        dest = out / "feedback" / r.student_id / r.assignment
        dest.mkdir(parents=True)
        for item in (cache / "feedback").iterdir():
            shutil.copy2(item, dest / item.name)
        graded_dir = out / "autograded" / r.student_id / r.assignment
        graded_dir.mkdir(parents=True)
        shutil.copy2(cache / "autograded.ipynb", graded_dir / f"{r.assignment}.ipynb")
    merge_gradebooks(out / "gradebook.db", parts)
    # results of submissions no longer in the folder, and templates of an older source/, are dropped
    keep = {cache_root / "jobs" / r.key for r in results if r.key} | set(templates.values())
    for entry in [*cache_root.glob("jobs/*"), *cache_root.glob("templates/*")]:
        if entry not in keep:
            shutil.rmtree(entry, ignore_errors=True)
    (out / "report.html").write_text(report.render(results, caps, _exercises(templates)), encoding="utf-8")


def _exercises(templates: dict[str, Path]) -> dict[str, list[str]]:
    """Each assignment's answer cells in notebook order (the exercises the report groups test cells by)."""
    import nbformat

    found = {}
    for a, template in templates.items():
        nb = nbformat.read(str(template / "source" / a / f"{a}.ipynb"), as_version=4)
        found[a] = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                    if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]
    return found
