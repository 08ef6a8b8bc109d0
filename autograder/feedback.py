"""Feedback without hidden tests, and safe to open: what ``generate_feedback`` renders, and the leak check after.

nbgrader's feedback shows every test cell's source, hidden tests included (its issues #917 and #1363), and
IPython tracebacks quote the failing line of a hidden test. Worse, once hidden test code has run, the kernel
holds it (IPython's ``In`` history, the test's frames) and any later output can carry it out in a form no line
search recognises (base64 of ``In``, printed from an appended cell or from the student's function called by a
hidden test). So :func:`strip_hidden`, the first step of the feedback pipeline:

- replaces each hidden region with a one-line placeholder;
- keeps every output produced *before* the first cell with hidden tests ran (no hidden code existed yet);
- from that cell on, replaces every output with the grader's own words: a test cell shows only its error's
  name and message, cut to :data:`autograder.limits.MESSAGE_CHARS` (what ``cells.csv`` shows too); any other
  cell shows a note that its output is not part of the feedback.

Then :class:`SafeOutputs` escapes HTML in markdown and outputs and drops JavaScript and every other active
output type, so a student's ``<script>`` or ``onerror`` never runs in the instructor's or the student's browser.

:func:`leaked_lines` is the second net: it looks for a hidden line only where hidden code could appear (the
test cells as rendered, and their outputs), and only as a whole line, never inside a longer line and never in
the student's own cells (a student may well write ``rng = np.random.default_rng(0)`` too).
"""

from __future__ import annotations

import html
import re

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbformat.v4 import new_output
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor
from traitlets import Bool, Set

from .limits import MESSAGE_CHARS
from .nbcells import HIDDEN_TESTS, hidden_lines, is_test_cell

PLACEHOLDER = "# (hidden tests: not shown in feedback)\n"
AFTER_HIDDEN = "(output not shown in feedback: this cell ran after hidden tests had run)"


CHECK_ERRORS = ("AssertionError", "CheckError")  # a failed check: its sentence is what the student needs


def _grader_message(out) -> str:
    """A failed check's sentence (cut short), or only the name of any other error: its message may be anything."""
    name = str(out.get("ename", "Error"))[:80]
    if name not in CHECK_ERRORS:
        return f"{name} (its message is not shown: it was raised after hidden tests had run)"
    text = " ".join(f"{name}: {out.get('evalue', '')}".split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."


def strip_hidden(graded_nb) -> None:
    """Remove hidden test code, and every output that ran after hidden code existed, in place."""
    hidden_ran = False
    for cell in graded_nb.cells:
        if cell.cell_type != "code":
            continue
        if HIDDEN_TESTS.search(cell.source):
            cell.source = HIDDEN_TESTS.sub(PLACEHOLDER, cell.source)
            hidden_ran = True
        if not hidden_ran or not cell.get("outputs"):
            continue
        if is_test_cell(cell):
            errors = [o for o in cell.outputs if o.output_type == "error"]
            cell.outputs = [new_output("error", ename=e.get("ename", "Error"), evalue="",
                                       traceback=[_grader_message(e)]) for e in errors[-1:]]
        else:
            cell.outputs = [new_output("stream", name="stdout", text=AFTER_HIDDEN + "\n")]


def feedback_text(nb) -> str:
    """Everything of ``nb`` where hidden code could appear: test cells' sources and their outputs."""
    parts = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or not is_test_cell(cell):
            continue
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(str(out.get("text", "")))
            elif out.get("output_type") == "error":
                parts += [str(out.get("evalue", "")), *map(str, out.get("traceback", []))]
            else:
                parts += [str(v) for v in out.get("data", {}).values()]
    return "\n".join(parts)


def leaked_lines(text: str, hidden: list[str]) -> list[str]:
    """Hidden lines that appear in ``text`` as a whole line (leading and trailing blanks ignored)."""
    lines = {line.strip() for line in text.splitlines()}
    return [line for line in hidden if line in lines]


class StripHiddenTests(NbGraderPreprocessor):
    """Runs first in ``GenerateFeedback`` (see :data:`FEEDBACK_PREPROCESSORS`): the HTML never gets hidden code."""

    def preprocess(self, nb, resources):
        strip_hidden(nb)
        return nb, resources


class SafeOutputs(SanitizeHTML):
    """nbconvert's bleach sanitiser with only inert output types kept (no LaTeX: MathJax would read it)."""

    enabled = Bool(True)  # nbconvert's preprocessors are off unless enabled; nbgrader's pipeline calls them all
    safe_output_keys = Set({"metadata", "text/plain", "image/png", "image/jpeg"})

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type in ("markdown", "raw") and SCRIPT_URL.search(html.unescape(cell.source)):
            cell.source = SCRIPT_URL.sub("unsafe:", html.unescape(cell.source))  # [x](javascript:...) is a live link
        return super().preprocess_cell(cell, resources, index)


# a script URL scheme, however spaced (entities are decoded first; bleach escapes what that reveals)
SCRIPT_URL = re.compile(r"(j\s*a\s*v\s*a|v\s*b)\s*s\s*c\s*r\s*i\s*p\s*t\s*:|d\s*a\s*t\s*a\s*:\s*text/html", re.I)


# nbgrader's GenerateFeedback pipeline with the stripping and sanitising steps in front.
FEEDBACK_PREPROCESSORS = [StripHiddenTests, SafeOutputs, GetGrades, CSSHTMLHeaderPreprocessor]

__all__ = ["PLACEHOLDER", "AFTER_HIDDEN", "hidden_lines", "strip_hidden", "feedback_text", "leaked_lines",
           "StripHiddenTests", "SafeOutputs", "FEEDBACK_PREPROCESSORS"]
