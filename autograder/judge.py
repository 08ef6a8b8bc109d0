"""Tests judged outside the student's kernel: a test cell's probe runs in the kernel, its checks in here.

A test cell written for the judge (``CONTRIBUTING.md``, "Tests judged outside the kernel") is cut by marker
lines into segments, each of one kind:

- ``### PROBE`` (where a cell starts): calls the student's functions on the test's inputs and binds the
  results. Runs in the kernel only.
- ``### CHECK``: the checks and the expected values. Runs in the judge only: under grading the kernel never
  receives a line of it, so a hidden expected value never enters the student's process.
- ``### SHARED``: inputs and helpers both sides need (a list of ranges, an objective function). Runs in the
  kernel, then again in the judge, so the judge uses its own copy, never the kernel's.

In the lab the whole cell runs top to bottom in the kernel, as before; the markers are comments. Under
grading :class:`autograder.execute.SandboxExecute` runs the segments in order: a probe or shared segment in
the kernel (an error there ends the cell, as it would in the lab), then, for a check or shared segment, the
names it reads are fetched from the kernel as plain data (the course's ``judge_data_module``, this course's
``course.plain``) and the segment runs in the judge process (:class:`Judge`, ``python -m autograder.judge``):
fresh numpy, the course's real checks module, no student code. Which modules those are comes from the course's
``nbgrader_config.py`` (:mod:`autograder.description`). The first failing check ends the cell with its sentence. The
verdict is the cell's score (:class:`JudgeScores` writes it into nbgrader's gradebook), whatever the kernel printed or
hid.

A cell without markers is graded as before, all of it in the kernel.
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib
import json
import os
import re
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from .limits import PLAIN_DATA_BYTES

PROBE, CHECK, SHARED = "PROBE", "CHECK", "SHARED"
MARKER = re.compile(r"^[ \t]*### (PROBE|CHECK|SHARED)[ \t]*$")
HIDDEN_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) HIDDEN TESTS")
JUDGE_NAMES = ("np", "checks")  # what a judge segment finds bound before anything runs (see judge_names)
JUDGE_MEMORY_BYTES = 4 * 1024**3
KEPT_JOBS = 50  # notebooks a kept judge process serves before a fresh one replaces it (:func:`kept`)
RESOURCE_KEY = "autograder_judged"  # resources[RESOURCE_KEY][grade_id] = whether the judge passed the cell
# A test that could not be judged scores 0, the batch goes on, and ``integrity.runtime_flags`` flags it
# ``unjudged_test``; the feedback gives ``feedback.GRADER_ERRORS``' fixed sentence for each, never a hidden line.
MISSING = "ResultMissing"  # a name the judge needed never came back from the kernel
JUDGE_FAULT = "JudgeError"  # the judge process failed or ran out of time (the cell counts 0, the batch goes on)
# Why a value never came back (fixed words: the student's code chooses none of them).
NOT_BOUND = "the name is not bound in your kernel once the test's code has run (deleted, or its line never ran)"
NOT_PLAIN = "what your kernel sent is not plain data"
TOO_LARGE = f"it is larger than the {PLAIN_DATA_BYTES // 2**20} MB of plain data the grader accepts"
NO_ANSWER = "your kernel gave no answer when the grader asked for it"
# A test cell's concept record (the course's concepts module: the answer's label, whether right, the chosen option's
# explanation), kept in the autograded cell's metadata: written by the grader from the judge's reply only.
CONCEPT_KEY = "autograder_concept"
CONCEPT_FIELDS = {"answer": str, "bucket": str, "correct": bool, "explanation": str, "options": list}


@dataclass(frozen=True)
class Segment:
    kind: str  # PROBE, CHECK or SHARED
    code: str
    hidden: bool = False  # inside ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS``

    @property
    def in_kernel(self) -> bool:
        return self.kind in (PROBE, SHARED)

    @property
    def in_judge(self) -> bool:
        return self.kind in (CHECK, SHARED)


def is_judged(source: str) -> bool:
    """A test cell written for the judge: it has at least one marker line."""
    return any(MARKER.match(line) for line in source.splitlines())


def segments(source: str) -> list[Segment]:
    """The cell's segments in order (those without code dropped). A hidden-test marker ends a segment but keeps
    its kind: what follows ``### BEGIN HIDDEN TESTS`` is of the kind before it until a marker says otherwise."""
    return list(_segments(source))


@functools.lru_cache(maxsize=1024)  # a worker grades the same test cells for every student
def _segments(source: str) -> tuple[Segment, ...]:
    found, kind, hidden, lines = [], PROBE, False, []
    for line in source.splitlines():
        marker, hidden_marker = MARKER.match(line), HIDDEN_MARKER.match(line)
        if not marker and not hidden_marker:
            lines.append(line)
            continue
        if _has_code(lines):
            found.append(Segment(kind, "\n".join(lines) + "\n", hidden))
        lines = []
        if marker:
            kind = marker.group(1)
        else:
            hidden = hidden_marker.group(1) == "BEGIN"
    if _has_code(lines):
        found.append(Segment(kind, "\n".join(lines) + "\n", hidden))
    return tuple(found)


def _has_code(lines: list[str]) -> bool:
    return any(text.strip() and not text.strip().startswith("#") for text in lines)


def kernel_source(source: str) -> str:
    """What the kernel runs of a judged cell under grading: its probe and shared segments, in order."""
    return "".join(s.code for s in segments(source) if s.in_kernel)


def judge_source(source: str) -> str:
    """What the judge runs of a judged cell: its check and shared segments, in order."""
    return "".join(s.code for s in segments(source) if s.in_judge)


def _first_lines(code: str) -> tuple[dict[str, int], dict[str, int]]:
    """(name -> first line that reads it, name -> first line that binds it), from the code's syntax tree."""
    reads, binds = _lines_of(code)
    return dict(reads), dict(binds)


@functools.lru_cache(maxsize=4096)  # parsed once per worker: every student's cell has the same segments
def _lines_of(code: str) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    reads, binds = {}, {}

    def note(table, name, line):
        table[name] = min(table.get(name, line), line)

    tree = ast.parse(code)
    own = set()  # (id of a Name node) read inside a comprehension or lambda that binds it: that scope's own
    for node in ast.walk(tree):
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            targets = {n.id for c in node.generators for n in ast.walk(c.target) if isinstance(n, ast.Name)}
            own |= {id(n) for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in targets}
        elif isinstance(node, ast.Lambda):  # `lambda b: f(b)` reads its own b, never the kernel's
            params = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
            own |= {id(n) for n in ast.walk(node.body) if isinstance(n, ast.Name) and n.id in params}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Name) and id(node) in own:
            continue
        if isinstance(node, ast.Name):
            note(reads if isinstance(node.ctx, ast.Load) else binds, node.id, line)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            note(binds, node.name, line)
        elif isinstance(node, ast.arg):
            note(binds, node.arg, line)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                note(binds, (alias.asname or alias.name).split(".")[0], line)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            note(binds, node.name, line)
    return tuple(reads.items()), tuple(binds.items())


def _names(code: str) -> tuple[set[str], set[str]]:
    """(names the code reads, names it binds anywhere)."""
    reads, binds = _first_lines(code)
    return set(reads), set(binds)


def wanted_names(parts: list[Segment], index: int, own: tuple[str, ...] = JUDGE_NAMES) -> list[str]:
    """The names judge segment ``index`` reads that only the kernel can give it: not the judge's own (``own``:
    ``np``, the checks module's name; a builtin), not bound by an earlier segment the judge ran (unless a probe
    bound it again since), and not bound in this segment before it is first read."""
    judge_has = set(own) | set(dir(builtins))
    for seg in parts[:index]:
        bound = _names(seg.code)[1]
        judge_has = judge_has | bound if seg.in_judge else judge_has - bound
    reads, binds = _first_lines(parts[index].code)
    return sorted(n for n, line in reads.items() if n not in judge_has and not binds.get(n, line) < line)


def export_expression(names: list[str], data_module: str | None = None) -> str:
    """The ``user_expressions`` entry that asks the kernel for ``names`` as plain data (names only: no value),
    through the course's ``data_module`` (default: :func:`course_settings`'s)."""
    module = data_module if data_module is not None else course_settings()["data"]
    return f"__import__({module!r}, fromlist=['export']).export({names!r}, globals(), {PLAIN_DATA_BYTES})"


@functools.lru_cache(maxsize=1)
def _default_settings() -> dict:
    from .description import describe
    from .paths import REPO

    return describe(REPO).locate(REPO).judge_settings()


def course_settings(settings: dict | None = None) -> dict:
    """The judge's modules (``checks``, ``data``, ``concepts``) and ``path`` (:meth:`Located.judge_settings
    <autograder.description.Located.judge_settings>`); by default those of the course in this checkout."""
    return dict(settings) if settings else dict(_default_settings())


def judge_names(settings: dict | None = None) -> tuple[str, ...]:
    """What a judge segment finds bound before anything runs: ``np``, and the checks module by its last name."""
    checks = course_settings(settings)["checks"]
    return ("np", checks.rpartition(".")[2]) if checks else ("np",)


@dataclass
class Verdict:
    passed: bool
    stdout: str = ""
    ename: str = ""
    evalue: str = ""
    concept: dict | None = None  # a concept question's record (CONCEPT_FIELDS), from the judge's own code


def concept_record(value) -> dict | None:
    """``value`` if it is a record of the shape the concepts module writes (short strings only), else None."""
    if not isinstance(value, dict) or set(value) != set(CONCEPT_FIELDS):  # a notebook's metadata is a dict subclass
        return None
    value = {k: list(value[k]) if type(value[k]) is list else value[k] for k in CONCEPT_FIELDS}
    if not all(type(value[k]) is t for k, t in CONCEPT_FIELDS.items()):
        return None
    if not all(type(o) is str and len(o) <= 40 for o in value["options"]) or len(value["options"]) > 26:
        return None
    if len(value["answer"]) > 40 or len(value["bucket"]) > 40 or len(value["explanation"]) > 2000:
        return None
    return dict(value)


class Judge:
    """One judge process, started on first use; requests are JSON lines. It serves one cell at a time, and each
    cell starts in a fresh namespace (``fresh``), so the same process can judge every notebook a worker grades
    (:func:`kept`)."""

    def __init__(self, timeout: float, settings: dict | None = None):
        self.timeout = timeout
        self.settings = course_settings(settings)
        self.jobs = 0  # the notebooks this judge has served (:func:`kept`)
        self._proc: subprocess.Popen | None = None

    def run(self, code: str, data: str | None, wanted: list[str], fresh: bool) -> Verdict:
        """Run one segment with the kernel's ``data`` (plain-data text; None when it never came back)."""
        request = json.dumps({"code": code, "data": data, "wanted": wanted, "fresh": fresh}) + "\n"
        try:
            proc = self._start()
            proc.stdin.write(request.encode())
            proc.stdin.flush()
            line = self._read_line(proc)
            reply = json.loads(line)
            return Verdict(
                bool(reply["passed"]),
                str(reply.get("stdout", "")),
                str(reply.get("ename", "")),
                str(reply.get("evalue", "")),
                concept_record(reply.get("concept")),
            )
        except Exception as exc:  # a judge that died or hung: this cell fails, a fresh judge serves the next
            self.close()
            return Verdict(False, "", JUDGE_FAULT, f"the grader's judge could not check this test ({exc})")

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            path = os.pathsep.join([*self.settings["path"], *filter(None, [os.environ.get("PYTHONPATH")])])
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "autograder.judge", json.dumps(self.settings)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "MPLBACKEND": "agg", **({"PYTHONPATH": path} if path else {})},
            )
        return self._proc

    def _read_line(self, proc: subprocess.Popen) -> str:
        deadline, chunks = time.monotonic() + self.timeout, []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer in {self.timeout:g} s")
            ready, _, _ = select.select([proc.stdout], [], [], left)
            if not ready:
                continue
            chunk = os.read(proc.stdout.fileno(), 1 << 16)
            if not chunk:
                raise RuntimeError("the judge process exited")
            chunks.append(chunk)
            if chunk.endswith(b"\n"):
                return b"".join(chunks).decode()

    def close(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            for stream in (self._proc.stdin, self._proc.stdout):
                stream.close()
            self._proc = None


_KEPT = threading.local()  # per thread: a Dask worker grades on several threads, each with its own judge


def kept(timeout: float, settings: dict | None = None) -> Judge:
    """This thread's judge for the course ``settings``, kept for the next job.

    Starting a judge costs its imports on every submission: numpy and the checks module, and for a check that
    builds a Keras reference (notebook 04) TensorFlow, seconds of CPU that plain nbgrader never pays. A kept
    judge pays them once per worker. Nothing of one submission reaches the next: the judge runs no student code,
    it gets plain data only, and every cell starts from :func:`fresh_namespace`. A judge that failed or timed
    out is closed (:meth:`Judge.run`) and the next cell starts a new one; its pipe closes with the worker, and
    the judge then ends.
    """
    settings = course_settings(settings)
    judges = _KEPT.__dict__.setdefault("judges", {})
    key = json.dumps(settings, sort_keys=True)
    if key not in judges:
        judges[key] = Judge(timeout, settings)
    judge = judges[key]
    judge.jobs += 1
    if judge.jobs > KEPT_JOBS:  # what a library keeps between calls (Keras' layer names) cannot grow for ever
        judge.close()
        judge.jobs = 1
    judge.timeout = timeout
    return judge


def _cap_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (JUDGE_MEMORY_BYTES, JUDGE_MEMORY_BYTES))


def judge_segment(request: dict, namespace: dict, settings: dict | None = None) -> dict:
    """In the judge process: run one segment on the kernel's data; the reply the grader reads."""
    import contextlib
    import io

    settings = course_settings(settings)
    wanted = list(request.get("wanted") or [])
    try:
        plain = importlib.import_module(settings["data"])  # an empty name: a course without judged tests
        if request.get("data") is None:
            data, problem = {}, NO_ANSWER
        else:
            data, problem = plain.loads(request["data"], PLAIN_DATA_BYTES), NOT_BOUND
    except Exception as exc:  # refused before it is parsed, or not plain data: nothing of it is used
        too_large = getattr(sys.modules.get(settings["data"]), "TooLarge", None)
        data, problem = {}, TOO_LARGE if too_large is not None and isinstance(exc, too_large) else NOT_PLAIN
    namespace.update({k: v for k, v in data.items() if k in wanted})
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(request["code"], "<test>", "exec"), namespace)
    except NameError as exc:
        if getattr(exc, "name", None) in wanted:
            return {"passed": False, "stdout": out.getvalue(), **missing(exc.name, problem)}
        return _with_concept(_failure(exc, out), settings)
    except Exception as exc:
        return _with_concept(_failure(exc, out), settings)
    return _with_concept({"passed": True, "stdout": out.getvalue()}, settings)


def missing(name: str, why: str) -> dict:
    """The verdict's error for a value a check needs that never came back from the kernel."""
    return {
        "ename": MISSING,
        "evalue": f"this test's value `{name}` did not come back from your kernel ({why}), "
        "so the test could not be judged",
    }


def _with_concept(reply: dict, settings: dict) -> dict:
    """The reply with the record a concept key check left in this process (the concepts module's), if any."""
    concepts = sys.modules.get(settings["concepts"]) if settings["concepts"] else None
    found = concepts.take_record() if concepts is not None else None
    return {**reply, "concept": found} if found is not None else reply


def _failure(exc: BaseException, out) -> dict:
    return {"passed": False, "stdout": out.getvalue(), "ename": type(exc).__name__, "evalue": str(exc)}


def fresh_namespace(settings: dict | None = None) -> dict:
    import numpy as np

    settings = course_settings(settings)
    own = {"np": np, "__builtins__": builtins, "__name__": "__judge__"}
    if settings["checks"]:
        own[judge_names(settings)[1]] = importlib.import_module(settings["checks"])
    return own


def main() -> None:
    """``python -m autograder.judge``: one JSON request per line on stdin, one JSON reply per line on stdout."""
    _cap_memory()  # here, not in a preexec_fn: the worker that starts the judge runs threads
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # anything printed outside a request never corrupts the replies
    settings = course_settings(json.loads(sys.argv[1]) if len(sys.argv) > 1 else None)
    namespace = fresh_namespace(settings)
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("fresh"):
            namespace = fresh_namespace(settings)
        replies.write(json.dumps(judge_segment(request, namespace, settings)) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
