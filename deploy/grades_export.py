"""The grader's ``grades.csv`` in the layouts LMS gradebooks import (``python -m deploy.grades_export --help``).

``graded/grades.csv`` has one row per student and assignment. Gradebooks want one row per student and one
column per assignment:

- ``canvas``: ``Student,ID,SIS User ID,SIS Login ID,Section,<assignment>...`` with a ``Points Possible`` row
  first. Canvas matches students on ``SIS Login ID`` (here the hub login) when ``ID`` is empty, and offers to
  create an assignment for each column it does not know.
- ``moodle``: ``Username,<assignment>...``: in Moodle's "Import grades / CSV file", map ``Username`` to
  "username" and each assignment column to its grade item.

A student with no row for an assignment (nothing submitted) gets 0, as ``grades.csv`` itself reports.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path


def _table(rows: list[dict]) -> tuple[list[str], list[str], dict, dict]:
    students = sorted({row["student_id"] for row in rows})
    assignments = sorted({row["assignment"] for row in rows})
    scores = {(row["student_id"], row["assignment"]): float(row["score"]) for row in rows}
    points = {row["assignment"]: float(row["max_score"]) for row in rows}
    return students, assignments, scores, points


def _number(value: float) -> str:
    return f"{value:g}"


def export(rows: list[dict], lms: str) -> str:
    """The CSV text for ``lms`` (``canvas`` or ``moodle``) from grades.csv's rows."""
    if lms not in ("canvas", "moodle"):
        raise ValueError(f"lms must be 'canvas' or 'moodle', not {lms!r}")
    missing = {"student_id", "assignment", "score", "max_score"} - set(rows[0] if rows else {})
    if rows and missing:
        raise ValueError(f"grades.csv lacks the columns {sorted(missing)}: is it the grader's grades.csv?")
    students, assignments, scores, points = _table(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if lms == "canvas":
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *assignments])
        writer.writerow(["Points Possible", "", "", "", "", *(_number(points[a]) for a in assignments)])
        for student in students:
            writer.writerow(
                [student, "", "", student, "", *(_number(scores.get((student, a), 0.0)) for a in assignments)]
            )
    else:
        writer.writerow(["Username", *assignments])
        for student in students:
            writer.writerow([student, *(_number(scores.get((student, a), 0.0)) for a in assignments)])
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.grades_export",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("lms", choices=["canvas", "moodle"])
    parser.add_argument("grades", nargs="?", default="graded/grades.csv", help="default: %(default)s")
    parser.add_argument("--out", help="write here instead of standard output")
    args = parser.parse_args(argv)
    path = Path(args.grades)
    if not path.is_file():
        print(f"error: {path} not found: run `python -m autograder grade` first", file=sys.stderr)
        return 2
    with open(path, newline="", encoding="utf-8") as handle:
        try:
            text = export(list(csv.DictReader(handle)), args.lms)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
