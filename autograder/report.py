"""``report.html``: the class at a glance, with matplotlib figures embedded as PNG data URIs.

Sections: a summary line; score distribution per assignment; score per exercise (test cells grouped by the
answer they test, the class mean and every student); the most common failure messages; integrity flags by
kind and the flagged submissions; the grades; the isolation in force; and, per notebook, how the class
answered its concept questions (a bar per option, the right one marked, the most common wrong idea).
The page is one self-contained file (no scripts, no external links), so it can be mailed or archived.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter, defaultdict

from .flags import FLAGS
from .nbcells import exercise_of
from .results import Status, SubmissionResult


def _figure_uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _failed_tests(results: list[SubmissionResult]):
    """(result, cell) for every test cell that lost points and says why."""
    return [(r, c) for r in results for c in r.cells if c.kind == "test" and c.score < c.max_score and c.message]


def failure_counts(results: list[SubmissionResult]) -> Counter:
    """(assignment, test cell, message) -> how many submissions failed that way."""
    return Counter((r.assignment, c.grade_id, c.message) for r, c in _failed_tests(results))


def message_counts(results: list[SubmissionResult]) -> Counter:
    """Shortened failure message -> how many failed test cells showed it, whatever the test."""
    return Counter(_short(c.message) for _, c in _failed_tests(results))


def flag_counts(results: list[SubmissionResult]) -> Counter:
    return Counter(f.flag for r in results for f in r.flags)


def score_percentages(results: list[SubmissionResult]) -> dict[str, list[float]]:
    """assignment -> every submission's score as a percentage of its points (sorted by assignment)."""
    by_assignment = defaultdict(list)
    for r in results:
        if r.status is not Status.UNKNOWN_ASSIGNMENT and r.max_score > 0:
            by_assignment[r.assignment].append(100 * r.score / r.max_score)
    return dict(sorted(by_assignment.items()))


def exercise_percentages(
    results: list[SubmissionResult], exercises: dict[str, list[str]]
) -> dict[tuple[str, str], list[float]]:
    """(assignment, exercise) -> each student's percentage of the exercise's test points, in course order.

    Test cells count for the exercise they belong to by their name (:func:`autograder.nbcells.exercise_of`).
    """
    per_exercise = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))  # (a, exercise) -> student -> [s, max]
    for r in results:
        if r.status is Status.UNKNOWN_ASSIGNMENT or r.max_score <= 0:
            continue
        for c in r.cells:
            if c.kind == "test" and c.max_score > 0:
                acc = per_exercise[(r.assignment, exercise_of(c.grade_id, exercises.get(r.assignment, [])))]
                acc[r.student_id][0] += c.score
                acc[r.student_id][1] += c.max_score

    def order(key):
        a, e = key
        known = exercises.get(a, [])
        return (a, known.index(e) if e in known else len(known), e)

    return {k: [100 * s / m for s, m in per_exercise[k].values()] for k in sorted(per_exercise, key=order)}


CONCEPT_TEST = "test_concept_"  # a concept question's test cell (the course's concepts module)
BLANK = "blank"  # a concept record's label for an answer that was never set (part of the record's protocol)


def concept_answers(results: list[SubmissionResult]) -> dict[str, dict[str, dict]]:
    """assignment -> concept test cell -> ``counts`` (answer label -> students; ``blank`` for no valid answer),
    ``options`` (the labels in the question's order, then any other label the class gave), ``right`` (labels
    judged right) and ``wrong_idea`` (((label, explanation), students) of the most common wrong answer, or
    None)."""
    found: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in results:
        if r.status is not Status.GRADED:
            continue
        for c in r.cells:
            if c.kind != "test" or not c.grade_id.startswith(CONCEPT_TEST):
                continue
            q = found[r.assignment].setdefault(
                c.grade_id, {"counts": Counter(), "options": [], "right": set(), "ideas": Counter()}
            )
            label = c.concept.get("bucket") or BLANK
            q["counts"][label] += 1
            q["options"] += [o for o in c.concept.get("options", []) if o not in q["options"]]
            if c.concept.get("correct"):
                q["right"].add(label)
            elif c.concept:
                q["ideas"][(label, c.concept.get("explanation", ""))] += 1
    for questions in found.values():
        for q in questions.values():
            q["options"] += sorted(label for label in q["counts"] if label not in q["options"] and label != BLANK)
            q["options"] += [BLANK] if q["counts"][BLANK] else []
            q["wrong_idea"] = q.pop("ideas").most_common(1)[0] if any(q["ideas"].values()) else None
    return dict(sorted(found.items()))


def _draw_concepts(plt, questions: dict[str, dict]):
    fig, axes = plt.subplots(1, len(questions), figsize=(3.2 * len(questions), 2.8), squeeze=False)
    for ax, (grade_id, q) in zip(axes[0], questions.items()):
        labels = q["options"]
        colors = ["#55a868" if o in q["right"] else "#999999" if o == "blank" else "#c44e52" for o in labels]
        ax.barh(range(len(labels)), [q["counts"][o] for o in labels], color=colors)
        ax.set_yticks(range(len(labels)), [f"{o} \u2713" if o in q["right"] else o for o in labels])
        ax.invert_yaxis()
        ax.set(title=grade_id[len(CONCEPT_TEST) :], xlabel="students")
    fig.tight_layout()
    return fig


def _idea_line(idea) -> str:
    """One line: the wrong answer, how many chose it, and the first sentence of its explanation."""
    if not idea:
        return "none"
    (label, explanation), count = idea
    first = explanation.split(". ")[0].rstrip(".")
    return f"{label} ({count} student{'s' if count != 1 else ''}): {_short(first, 160)}"


def _concept_sections(results: list[SubmissionResult]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    parts = []
    for assignment, questions in concept_answers(results).items():
        parts.append(
            f"<h2>Concept questions: {html.escape(assignment)}</h2><p>A bar per option (green, "
            "\u2713: right; grey: no valid answer), and the explanation of the most common wrong answer: "
            "the idea to go over again.</p>"
        )
        with plt.rc_context({"text.parse_math": False, "text.usetex": False}):
            try:
                uri = _figure_uri(_draw_concepts(plt, questions))
                parts.append(f"<img alt='how the class answered {html.escape(assignment)}' src='{uri}'>")
            except Exception as exc:
                parts.append(f"<p class='flag'>figure not drawn ({html.escape(type(exc).__name__)})</p>")
            finally:
                plt.close("all")
        rows = []
        for grade_id, q in questions.items():
            total = sum(q["counts"].values())
            right = sum(q["counts"][o] for o in q["right"])
            idea = q["wrong_idea"]
            rows.append([grade_id[len(CONCEPT_TEST) :], f"{right}/{total}", _idea_line(idea)])
        parts.append(_table(["question", "right", "most common wrong idea"], rows))
    return parts


def _plots(results: list[SubmissionResult], exercises: dict[str, list[str]]) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    figures = []
    for title, data, draw in [
        ("Score distribution per assignment", score_percentages(results), _draw_distributions),
        ("Score per exercise", exercise_percentages(results, exercises), _draw_exercises),
        ("Most common failure messages", message_counts(results).most_common(10), _draw_messages),
        ("Integrity flags", flag_counts(results), _draw_flags),
    ]:
        if not data:
            continue
        # labels carry student-controlled text (failure messages): never parse it as mathtext
        with plt.rc_context({"text.parse_math": False, "text.usetex": False}):
            try:
                fig = draw(plt, data)
                figures.append((title, _figure_uri(fig)))
            except Exception as exc:  # one figure never costs the page; the tables below hold the numbers
                figures.append((title, f"error: {type(exc).__name__}: {exc}"))
            finally:
                plt.close("all")
    return figures


def _draw_distributions(plt, by_assignment: dict[str, list[float]]):
    names = list(by_assignment)
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3), squeeze=False)
    for ax, name in zip(axes[0], names):
        ax.hist(
            by_assignment[name],
            bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.001],
            color="#4c72b0",
            edgecolor="white",
        )
        ax.set(
            title=f"{name} (n={len(by_assignment[name])})",
            xlabel="score (% of points)",
            ylabel="students",
            xlim=(0, 100),
        )
    fig.tight_layout()
    return fig


def _draw_exercises(plt, fractions_by_key: dict[tuple[str, str], list[float]]):
    keys, fractions = list(fractions_by_key), list(fractions_by_key.values())
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(keys) + 1.2))
    means = [sum(f) / len(f) for f in fractions]
    y = range(len(keys))
    ax.barh(list(y), means, color=["#55a868" if m >= 70 else "#c44e52" for m in means], alpha=0.6)
    for i, f in enumerate(fractions):  # every student as a dot, jittered so equal scores stay visible
        ax.scatter(f, [i + ((j % 5) - 2) * 0.08 for j in range(len(f))], s=10, color="#333")
    ax.set_yticks(list(y), [f"{a}: {e}" for a, e in keys])
    ax.invert_yaxis()
    ax.set(xlim=(-3, 103), xlabel="score (% of the exercise's points): bar = class mean, dot = a student")
    return fig


def _draw_messages(plt, top: list[tuple[str, int]]):
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(top) + 1.2))
    ax.barh(range(len(top)), [n for _, n in top], color="#c44e52")
    ax.set_yticks(range(len(top)), [m for m, _ in top], fontsize=8)
    ax.invert_yaxis()
    ax.set(xlabel="failed test cells with this message")
    return fig


def _draw_flags(plt, flags: Counter):
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(flags) + 1.2))
    kinds = sorted(flags, key=lambda k: -flags[k])
    ax.barh(range(len(kinds)), [flags[k] for k in kinds], color="#dd8452")
    ax.set_yticks(range(len(kinds)), kinds)
    ax.invert_yaxis()
    ax.set(xlabel="submissions flagged")
    return fig


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body or '<tr><td>none</td></tr>'}</tbody></table>"


def render(results: list[SubmissionResult], caps=None, exercises: dict[str, list[str]] | None = None) -> str:
    """The whole page as a string (every student string made encodable: a lone surrogate cannot be written)."""
    results = [r.encodable() for r in results]
    failures = failure_counts(results)
    students = sorted({r.student_id for r in results})
    graded = [r for r in results if r.status is Status.GRADED]
    flagged = [r for r in results if r.flags]
    summary = (
        f"{len(students)} students, {len(graded)} graded submissions, {len(flagged)} flagged, "
        f"{sum(r.status == 'grader_error' for r in results)} grader errors."
    )
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Class report</title><style>"
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;"
        "vertical-align:top}th{background:#eee}img{max-width:100%}.flag{color:#a00}</style></head><body>",
        "<h1>Class report</h1>",
        f"<p>{html.escape(summary)}</p>",
    ]
    faults = [r for r in results if r.status is Status.GRADER_ERROR]
    if faults:
        parts.append(
            "<h2 class='flag'>Grader errors</h2><p>These submissions were not graded because the grader "
            "failed, not the student: the cause, the kernel's last words and what to do.</p>"
        )
        parts.append(
            _table(
                ["student", "assignment", "cause"],
                [[r.student_id, r.assignment, r.flags[0].detail if r.flags else r.message[:500]] for r in faults],
            )
        )
    for title, uri in _plots(results, exercises or {}):
        if uri.startswith("error: "):
            parts.append(f"<h2>{html.escape(title)}</h2><p class='flag'>figure not drawn ({html.escape(uri[7:])})</p>")
        else:
            parts.append(f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' src='{uri}'>")
    parts.append("<h2>Most common failures</h2>")
    parts.append(
        _table(
            ["count", "assignment", "test cell", "message"],
            [[n, a, g, m] for (a, g, m), n in failures.most_common(15)],
        )
    )
    parts.append(
        "<h2 class='flag'>Flagged submissions</h2><p>Flags never change a score; they say where to look. "
        "Locked cells and points were restored from the gradebook before grading.</p>"
    )
    parts.append(
        _table(
            ["student", "assignment", "score", "flag", "detail"],
            [
                [r.student_id, r.assignment, f"{r.score:g}/{r.max_score:g}", f.flag, f.detail]
                for r in flagged
                for f in r.flags
            ],
        )
    )
    kinds = sorted({f.flag for r in flagged for f in r.flags})
    if kinds:
        parts.append("<h3>What these flags mean</h3>")
        parts.append(
            _table(
                ["flag", "what happened", "what to do"],
                [[k, *FLAGS.get(k, ("(not in autograder/flags.py)", ""))] for k in kinds],
            )
        )
    parts += _concept_sections(results)
    parts.append("<h2>Grades</h2>")
    parts.append(
        _table(
            ["student", "assignment", "score", "max", "status"],
            [[r.student_id, r.assignment, f"{r.score:g}", f"{r.max_score:g}", r.status] for r in results],
        )
    )
    if caps is not None:
        parts.append(f"<h2>Isolation</h2><p>{html.escape(caps.describe())}</p>")
        if hasattr(caps, "limits_in_force"):  # which limits each job ran under, and what enforced them
            items = "".join(f"<li>{html.escape(part)}</li>" for part in caps.limits_in_force().split("; "))
            parts.append(f"<p>Limits in force per job:</p><ul>{items}</ul>")
        for w in caps.warnings:
            parts.append(f"<p class='flag'>{html.escape(w)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
