"""``report.html``: the class at a glance, with matplotlib figures embedded as PNG data URIs.

Sections: a summary line; score distribution per assignment; score per exercise (mean fraction of points,
one bar per test cell); the most common failure messages; the flagged submissions; the isolation in force.
The page is one self-contained file (no scripts, no external links), so it can be mailed or archived.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter, defaultdict

from .results import SubmissionResult


def _figure_uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _plots(results: list[SubmissionResult]) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    by_assignment = defaultdict(list)
    per_cell = defaultdict(list)
    for r in results:
        if r.status in ("unknown_assignment",) or r.max_score <= 0:
            continue
        by_assignment[r.assignment].append(100 * r.score / r.max_score)
        for c in r.cells:
            if c.kind == "test" and c.max_score > 0:
                per_cell[(r.assignment, c.grade_id)].append(c.score / c.max_score)
    figures = []
    if by_assignment:
        names = sorted(by_assignment)
        fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3), squeeze=False)
        for ax, name in zip(axes[0], names):
            ax.hist(by_assignment[name], bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.001], color="#4c72b0",
                    edgecolor="white")
            ax.set(title=name, xlabel="score (% of points)", ylabel="students", xlim=(0, 100))
        fig.suptitle("Score distribution per assignment")
        figures.append(("Score distribution per assignment", _figure_uri(fig)))
        plt.close(fig)
    if per_cell:
        keys = sorted(per_cell)
        fig, ax = plt.subplots(figsize=(8, 0.32 * len(keys) + 1.2))
        means = [100 * sum(v) / len(v) for v in (per_cell[k] for k in keys)]
        ax.barh([f"{a}: {g}" for a, g in keys], means, color=["#55a868" if m >= 70 else "#c44e52" for m in means])
        ax.invert_yaxis()
        ax.set(xlim=(0, 100), xlabel="mean score (% of the cell's points)", title="Score per exercise (test cell)")
        figures.append(("Score per exercise", _figure_uri(fig)))
        plt.close(fig)
    return figures


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body or '<tr><td>none</td></tr>'}</tbody></table>"


def render(results: list[SubmissionResult], caps=None) -> str:
    """The whole page as a string."""
    failures = Counter()
    for r in results:
        for c in r.cells:
            if c.kind == "test" and c.score < c.max_score and c.message:
                failures[(r.assignment, c.grade_id, c.message)] += 1
    students = sorted({r.student_id for r in results})
    graded = [r for r in results if r.status == "graded"]
    flagged = [r for r in results if r.flags]
    summary = (f"{len(students)} students, {len(graded)} graded submissions, {len(flagged)} flagged, "
               f"{sum(r.status == 'grader_error' for r in results)} grader errors.")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Class report</title><style>"
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;"
        "vertical-align:top}th{background:#eee}img{max-width:100%}.flag{color:#a00}</style></head><body>",
        "<h1>Class report</h1>", f"<p>{html.escape(summary)}</p>",
    ]
    for title, uri in _plots(results):
        parts.append(f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' src='{uri}'>")
    parts.append("<h2>Most common failures</h2>")
    parts.append(_table(["count", "assignment", "test cell", "message"],
                        [[n, a, g, m] for (a, g, m), n in failures.most_common(15)]))
    parts.append("<h2 class='flag'>Flagged submissions</h2><p>Flags never change a score; they say where to look. "
                 "Locked cells and points were restored from the gradebook before grading.</p>")
    parts.append(_table(["student", "assignment", "score", "flag", "detail"],
                        [[r.student_id, r.assignment, f"{r.score:g}/{r.max_score:g}", f.flag, f.detail]
                         for r in flagged for f in r.flags]))
    parts.append("<h2>Grades</h2>")
    parts.append(_table(["student", "assignment", "score", "max", "status"],
                        [[r.student_id, r.assignment, f"{r.score:g}", f"{r.max_score:g}", r.status] for r in results]))
    if caps is not None:
        parts.append(f"<h2>Isolation</h2><p>{html.escape(caps.describe())}</p>")
        for w in caps.warnings:
            parts.append(f"<p class='flag'>{html.escape(w)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
