"""Feedback without hidden tests, and safe to open: what ``generate_feedback`` renders, and the leak check after.

nbgrader's feedback shows every test cell's source, hidden tests included (its issues #917 and #1363), and
IPython tracebacks quote the failing line of a hidden test. Worse, once hidden test code has run, the kernel
holds it (IPython's ``In`` history, the test's frames) and any later output can carry it out in a form no line
search recognises (base64 of ``In``, printed from an appended cell or from the student's function called by a
hidden test). So :func:`strip_hidden`, the first step of the feedback pipeline:

- replaces each hidden region with a one-line placeholder;
- keeps every output produced *before* the first cell with hidden tests ran (no hidden code existed yet);
- from that cell on, replaces every output with the grader's own words (and a concept question's explanation,
  course-authored text the judge chose for the student's option, :func:`explained`): a failed test cell shows a fixed
  sentence that says whether a visible or a hidden check failed (:func:`grader_message`), never the error's
  message, which the student's code may have composed from anything the kernel held (``cells.csv`` keeps the
  message for the instructor); any other cell shows a note that its output is not part of the feedback.

Then :class:`SafeOutputs` escapes HTML in markdown and outputs and drops JavaScript and every other active
output type, so a student's ``<script>`` or ``onerror`` never runs in the instructor's or the student's browser.

:func:`leaked_lines` is the second net: it looks for a hidden line only where hidden code could appear (the
test cells as rendered, and their outputs), and only as a whole line, never inside a longer line and never in
the student's own cells (a student may well write ``rng = np.random.default_rng(0)`` too).
"""

from __future__ import annotations

import builtins
import html
import re

import jinja2
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbformat.v4 import new_output
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor
from traitlets import Bool, Set

from . import judge
from .nbcells import ANSI, HIDDEN_TESTS, hidden_lines, is_test_cell

PLACEHOLDER = "# (hidden tests: not shown in feedback)\n"
AFTER_HIDDEN = "(output not shown in feedback: this cell ran after hidden tests had run)"


# Error names a test cell's output may carry into feedback after hidden code ran: any other name is the
# student's own (an exception class can be named anything, so its name is a channel too).
KNOWN_ERRORS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
) | {"CheckError"}
# What the grader itself reports (autograder.execute, the cell timeout in nbgrader_ops): fixed words only.
GRADER_ERRORS = {
    "DeadKernelError": "the kernel died in this cell or an earlier one (os._exit, sys.exit in a thread, "
    "the memory or CPU limit, a crash), so this test could not run to the end",
    "NotebookDeadline": "not run: the notebook ran past its time limit before this cell",
    "CellTimeoutError": "the cell ran past its time limit and was interrupted (an infinite loop?)",
    judge.MISSING: "a value this test checks did not come back from your kernel (its name unbound, a value that is "
    "not plain data or too large, or no answer in time), so the test could not be judged and scored 0",
    judge.JUDGE_FAULT: "the grader's own judge failed on this test (not your code), so it scored 0; your instructor "
    "sees it flagged",
}
ORIGIN_WORDS = {
    "visible": "a visible check of this cell failed. Its message is not repeated here, because hidden tests had "
    "run by then; run this cell in your notebook to read it",
    "hidden": "a hidden check of this cell failed (its visible checks passed): compare your code with every case "
    "the instructions list",
    None: "this test failed. Its message is not shown, because hidden tests had run by then; run this cell in "
    "your notebook: if its visible checks pass, a hidden check failed",
}
_CELL_LINE = re.compile(r"^(?:Cell In ?\[\d*\], line |Input In \[\d*\], in <cell line: )(\d+)", re.M)


def hidden_line_numbers(source: str) -> set[int]:
    """1-based numbers of the lines inside hidden-test regions (markers included) of a test cell's source."""
    numbers = set()
    for match in HIDDEN_TESTS.finditer(source):
        first = source.count("\n", 0, match.start()) + 1
        numbers.update(range(first, first + match.group(0).rstrip("\n").count("\n") + 1))
    return numbers


def failing_line(error) -> int | None:
    """The line of the test cell where ``error`` was raised, read from IPython's traceback (its outermost
    frame is the cell itself); ``None`` when the traceback does not say."""
    text = ANSI.sub("", "\n".join(map(str, error.get("traceback", []))))
    found = _CELL_LINE.search(text)
    return int(found.group(1)) if found else None


def grader_message(error, hidden: set[int]) -> str:
    """The grader's own sentence for a test that failed after hidden code ran. Nothing of the error's message
    (which the student's code may have written, from anything the kernel held) is repeated: only a known
    error name and where in the cell it was raised, visible or hidden lines."""
    name = shown_name(error)
    if name in GRADER_ERRORS:
        return f"{name}: {GRADER_ERRORS[name]}"
    line = failing_line(error)
    origin = None if line is None else "hidden" if line in hidden else "visible"
    return f"{name}: {ORIGIN_WORDS[origin]}"


def shown_name(error) -> str:
    name = str(error.get("ename", ""))
    return name if name in KNOWN_ERRORS or name in GRADER_ERRORS else "Error"


def strip_hidden(graded_nb) -> None:
    """Remove hidden test code, and every output that ran after hidden code existed, in place."""
    hidden_ran = False
    for cell in graded_nb.cells:
        if cell.cell_type != "code":
            continue
        hidden = hidden_line_numbers(cell.source)
        if hidden:
            cell.source = HIDDEN_TESTS.sub(PLACEHOLDER, cell.source)
            hidden_ran = True
        concept = judge.concept_record(cell.get("metadata", {}).pop(judge.CONCEPT_KEY, None))
        if hidden_ran and cell.get("outputs"):
            if is_test_cell(cell):
                errors = [o for o in cell.outputs if o.output_type == "error"]
                cell.outputs = [
                    new_output("error", ename=shown_name(e), evalue="", traceback=[grader_message(e, hidden)])
                    for e in errors[-1:]
                ]
            else:
                cell.outputs = [new_output("stream", name="stdout", text=AFTER_HIDDEN + "\n")]
        if concept is not None and is_test_cell(cell):
            cell.outputs = [*cell.get("outputs", []), new_output("stream", name="stdout", text=explained(concept))]


def explained(concept: dict) -> str:
    """The explanation channel: a concept question's answer and the course's explanation of that option. Only
    the grader writes the record it reads (from the judge's reply), never the student's kernel."""
    verdict = "right" if concept["correct"] else "not the answer"
    return f"Your answer: {concept['answer']} ({verdict}). {concept['explanation']}\n"


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


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled Jinja templates kept for the worker's life. nbgrader makes a new exporter, hence a new Jinja
    environment, for every job; this cache lets each one skip parsing and compiling the same templates again.
    Entries are keyed by the template's name and checksummed source, so an edited template is recompiled."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket):
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)", re.I)


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback page (same ``feedback`` template, same output), at half the cost per job.

    ``HTMLExporter`` ends by parsing the whole rendered page with BeautifulSoup to add ``alt`` text to images
    and keyboard stops to cells: about half of a feedback page's time. Here ``alt`` is added with one regular
    expression over the rendered page (the sanitiser has already run), and templates are compiled once per
    worker (:class:`_CompiledTemplates`).
    """

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _COMPILED
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name"))
        resources = self._init_resources(resources)
        self.register_filter(
            "highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        )
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
        )
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _IMG_WITHOUT_ALT.sub('<img alt="a figure from the notebook"', page), resources


# nbgrader's GenerateFeedback pipeline with the stripping and sanitising steps in front.
FEEDBACK_PREPROCESSORS = [StripHiddenTests, SafeOutputs, GetGrades, CSSHTMLHeaderPreprocessor]

__all__ = [
    "FeedbackExporter",
    "PLACEHOLDER",
    "AFTER_HIDDEN",
    "hidden_lines",
    "strip_hidden",
    "feedback_text",
    "leaked_lines",
    "StripHiddenTests",
    "SafeOutputs",
    "FEEDBACK_PREPROCESSORS",
]
