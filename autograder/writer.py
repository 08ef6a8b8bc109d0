"""The single writer: every output of ``docs/COURSE_SPEC.md`` §5, and one nbgrader gradebook merged from the jobs'.

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

from .results import NO_GRADE_ROW, Status, SubmissionResult
from .templates import Template

OWNED = ("grades.csv", "cells.csv", "integrity.csv", "report.html", "gradebook.db", "feedback", "autograded")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.4g}"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(value):
    """A CSV cell a spreadsheet shows as text: student-controlled text that would start a formula
    (``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM``) gets a leading apostrophe, numbers are left alone."""
    if not isinstance(value, str) or not value.lstrip(" ").startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
        return value
    except ValueError:
        return "'" + value


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows([spreadsheet_safe(v) for v in row] for row in rows)


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
        for part in parts[1:]:
            con.execute("ATTACH DATABASE ? AS part", (str(part),))
            for table in tables:
                con.execute(f'INSERT OR IGNORE INTO main."{table}" SELECT * FROM part."{table}"')
            con.commit()
            con.execute("DETACH DATABASE part")
    finally:
        con.close()


def write_outputs(
    results: list[SubmissionResult], out: Path, templates: dict[str, Template], job_cache: Path, caps
) -> None:
    """Every output of the run into ``out``: CSVs, feedback, autograded notebooks, the gradebook, the report."""
    from . import report

    results = [r.encodable() for r in results]  # every student string that reaches a file encodes as UTF-8
    _clear(out)
    write_csvs(results, out)
    parts = [templates[a].gradebook for a in sorted(templates)]
    for r in results:
        cache = job_cache / r.key if r.key else None
        if r.status is not Status.GRADED or cache is None or not cache.exists():
            continue
        parts.append(cache / "gradebook.db")
        _copy_job_files(cache, out, r)
    merge_gradebooks(out / "gradebook.db", parts)
    _drop_stale_jobs(job_cache, {job_cache / r.key for r in results if r.key})
    exercises = {a: list(t.exercises) for a, t in templates.items()}
    (out / "report.html").write_text(report.render(results, caps, exercises), encoding="utf-8")


def _clear(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in OWNED:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def write_csvs(results: list[SubmissionResult], out: Path) -> None:
    """``grades.csv``, ``cells.csv`` and ``integrity.csv`` (unknown assignments and unidentified LMS names appear
    in the last only)."""
    results = [r.encodable() for r in results]
    graded = [r for r in results if r.status not in NO_GRADE_ROW]
    _write_csv(
        out / "grades.csv",
        ["student_id", "assignment", "score", "max_score"],
        [[r.student_id, r.assignment, _num(r.score), _num(r.max_score)] for r in graded],
    )
    _write_csv(
        out / "cells.csv",
        ["student_id", "assignment", "grade_id", "score", "max_score", "message", "answer"],
        [
            [r.student_id, r.assignment, c.grade_id, _num(c.score), _num(c.max_score), c.message, c.answer]
            for r in graded
            for c in r.cells
        ],
    )
    _write_csv(
        out / "integrity.csv",
        ["student_id", "assignment", "flag", "detail"],
        [[r.student_id, r.assignment, f.flag, f.detail] for r in results for f in r.flags],
    )


def _copy_job_files(cache: Path, out: Path, r: SubmissionResult) -> None:
    dest = out / "feedback" / r.student_id / r.assignment
    dest.mkdir(parents=True)
    for item in (cache / "feedback").iterdir():
        shutil.copy2(item, dest / item.name)
    graded_dir = out / "autograded" / r.student_id / r.assignment
    graded_dir.mkdir(parents=True)
    shutil.copy2(cache / "autograded.ipynb", graded_dir / f"{r.assignment}.ipynb")


def _drop_stale_jobs(job_cache: Path, keep: set[Path]) -> None:
    """Results of submissions no longer in the folder, or graded against an older template, are dropped
    (as is the per-output template folder of earlier versions: templates now live in the shared cache)."""
    for entry in [*job_cache.glob("*"), job_cache.parent / "templates"]:
        if entry not in keep and entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
