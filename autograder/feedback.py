"""Feedback without hidden tests, and releasing it through nbgrader's exchange.

nbgrader's feedback shows every test cell's source, hidden tests included (its issues #917 and #1363), and
IPython tracebacks quote the failing line of a hidden test. Before ``generate_feedback`` runs, the worker
replaces each hidden region with a one-line placeholder and cuts tracebacks in cells that had hidden tests
down to the error's message; :func:`leaked_lines` then searches the finished HTML for any hidden line.
"""

from __future__ import annotations

import html
import re

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S)
PLACEHOLDER = "# (hidden tests: not shown in feedback)\n"


def hidden_lines(source_nb, released_nb=None) -> list[str]:
    """Code lines inside ``### BEGIN/END HIDDEN TESTS`` of the source notebook that a student never sees.

    Lines too short to search, comments, and lines that also appear in the released notebook (a helper
    call shared with a visible test) are left out: finding those in feedback reveals nothing.
    """
    visible = "\n".join(c.source for c in released_nb.cells) if released_nb is not None else ""
    lines = []
    for cell in source_nb.cells:
        for block in HIDDEN.findall(cell.source):
            for line in block.splitlines()[1:-1]:
                text = line.strip()
                if len(text) >= 12 and not text.startswith("#") and text not in visible:
                    lines.append(text)
    return lines


def strip_hidden(graded_nb) -> None:
    """Remove hidden test code and the tracebacks that would quote it, in place."""
    for cell in graded_nb.cells:
        if cell.cell_type != "code" or not HIDDEN.search(cell.source):
            continue
        cell.source = HIDDEN.sub(PLACEHOLDER, cell.source)
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                out.traceback = [f"{out.ename}: {out.evalue}"]


def leaked_lines(feedback_html: str, hidden: list[str]) -> list[str]:
    """Hidden lines that still appear in the rendered feedback (tags removed, entities decoded)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", feedback_html))
    return [line for line in hidden if line in text]



class StripHiddenTests(NbGraderPreprocessor):
    """Runs first in ``GenerateFeedback`` (see :data:`FEEDBACK_PREPROCESSORS`): the HTML never gets hidden code."""

    def preprocess(self, nb, resources):
        strip_hidden(nb)
        return nb, resources


# nbgrader's GenerateFeedback pipeline with the stripping step in front.
FEEDBACK_PREPROCESSORS = [StripHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
