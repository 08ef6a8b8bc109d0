"""Feedback without hidden tests, and releasing it through nbgrader's exchange.

nbgrader's feedback shows every test cell's source, hidden tests included (its issues #917 and #1363), and
IPython tracebacks quote the failing line of a hidden test. Before ``generate_feedback`` runs, the worker
replaces each hidden region with a one-line placeholder and cuts tracebacks in cells that had hidden tests
down to the error's message; :func:`leaked_lines` then searches the finished HTML for any hidden line
(:func:`autograder.nbcells.hidden_lines`).
"""

from __future__ import annotations

import html
import re

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor

from .nbcells import HIDDEN_TESTS, hidden_lines

PLACEHOLDER = "# (hidden tests: not shown in feedback)\n"


def strip_hidden(graded_nb) -> None:
    """Remove hidden test code and the tracebacks that would quote it, in place."""
    for cell in graded_nb.cells:
        if cell.cell_type != "code" or not HIDDEN_TESTS.search(cell.source):
            continue
        cell.source = HIDDEN_TESTS.sub(PLACEHOLDER, cell.source)
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

__all__ = ["PLACEHOLDER", "hidden_lines", "strip_hidden", "leaked_lines", "StripHiddenTests", "FEEDBACK_PREPROCESSORS"]
