"""One submission's grading job, in a worker process: stage, autograde, collect, feedback, flags, store.

A job copies its assignment's template (``source/<assignment>`` and the gradebook ``generate_assignment``
made, see :mod:`autograder.templates`) into a fresh scratch course that holds only this one submission, runs
real ``nbgrader autograde`` and ``generate_feedback`` there through nbgrader's Python API, and leaves its
gradebook, feedback and autograded notebook in the cache folder named by the job's key. No two jobs share a
file, so nothing is written concurrently; the single writer (:mod:`autograder.writer`) merges the job
gradebooks. The worker pool itself is :mod:`autograder.pool`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import description, integrity, judge, limits, nbcells, pool, sandbox
from .results import CellResult, Flag, Status, SubmissionResult
from .templates import Template

EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")  # present when a submission came through the exchange
CHECK_ERRORS = ("AssertionError",)  # a failed check: its sentence is the whole message (and the checks module's)


@dataclass(frozen=True)
class JobOptions:
    """What every job of one grading run shares."""

    course_root: str
    scratch_root: str  # each job makes its own folder in here
    hidden: tuple[str, ...]  # folders the kernel must not see
    timeout: int  # seconds per cell
    limits: limits.Limits


@dataclass(frozen=True)
class Job:
    """One submission to grade. Paths are strings so the job pickles cheaply to a worker."""

    student_id: str
    assignment: str
    notebook: str  # the submitted notebook (read, never written)
    template: Template
    cache_dir: str  # where the job leaves result.json, gradebook.db, feedback/, autograded.ipynb
    key: str
    options: JobOptions


@dataclass(frozen=True)
class Staged:
    """A job's scratch course: ``course/`` for nbgrader, ``home/`` for the kernel."""

    job_dir: Path
    course: Path
    home: Path
    flags: list = field(default_factory=list)  # what staging refused or restored: the student's flags

    def submitted(self, job: Job) -> Path:
        return self.course / "submitted" / job.student_id / job.assignment

    def autograded(self, job: Job) -> Path:
        return self.course / "autograded" / job.student_id / job.assignment / f"{job.assignment}.ipynb"

    def feedback(self, job: Job) -> Path:
        return self.course / "feedback" / job.student_id / job.assignment


def grade_job(job: Job) -> SubmissionResult:
    """Grade one submission; any exception becomes a ``grader_error`` result (never raised)."""
    start = time.perf_counter()
    try:
        result = _grade(job)
    except Exception as exc:  # a grader fault: recorded, the batch goes on
        result = fault_result(job.student_id, job.assignment, exc, key=job.key)
        result.message += "\n" + traceback.format_exc()[-2000:]
    result.seconds = round(time.perf_counter() - start, 3)
    cache = Path(job.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "result.json").write_text(result.to_json(), encoding="utf-8")
    return result


@dataclass(frozen=True)
class GradeTask(pool.Task):
    """A pool task: grade one submission (:func:`grade_job`); it ends in a :class:`SubmissionResult`."""

    arg: Job
    run: Callable[[Job], SubmissionResult] = field(default_factory=lambda: grade_job, init=False, repr=False)
    # a factory, not a default: a default stays a class attribute, read as a method that pickles by name


def fault_result(student_id: str, assignment: str, exc: BaseException, key: str = "") -> SubmissionResult:
    """A ``grader_error`` result: the grader failed, not the student; the flag says why and what to do."""
    text = f"{type(exc).__name__}: {exc}"
    return SubmissionResult(
        student_id,
        assignment,
        Status.GRADER_ERROR,
        key=key,
        message=text,
        flags=[Flag("grader_error", diagnosis(text))],
    )


_EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)|KeyboardInterrupt)(:.*)?$")
KERNEL_OUTPUT = "kernel output:\n"
WHAT_TO_DO = (
    "what to do: regrade this submission alone with --workers 1 --force; if it fails again, read the "
    "whole message and kernel output in <out>/.cache/jobs/<key>/result.json and report a grader fault"
)


def diagnosis(text: str) -> str:
    """One flag detail from a fault's full text: its last exception line, the kernel's last words, what to do."""
    grader_part, _, kernel_part = text.partition(KERNEL_OUTPUT)
    lines = [nbcells.ANSI.sub("", line).strip() for line in grader_part.splitlines()]
    raised = [line for line in lines if _EXCEPTION_LINE.match(line)]
    cause = raised[-1] if raised else next((line for line in lines if line), "")
    kernel = [nbcells.ANSI.sub("", line).strip() for line in kernel_part.splitlines() if line.strip()]
    kernel = [line for line in kernel if line != "(no kernel log)"]
    parts = [cause[:300]] + ([f"kernel's last words: {kernel[-1][:200]}"] if kernel else []) + [WHAT_TO_DO]
    return "; ".join(parts)


def _grade(job: Job) -> SubmissionResult:
    from nbgrader.apps import NbGraderAPI

    from .nbgrader_ops import grader_config

    started = time.time()  # the job's deadline counts from here (execute.SandboxExecute.job_started)
    caps = sandbox.probe()
    job_dir = Path(tempfile.mkdtemp(prefix="job-", dir=job.options.scratch_root))
    os.chmod(job_dir, 0o711)  # the kernel must reach its home inside; nothing here is listable
    try:
        root = Path(job.options.course_root)
        course = description.describe(root).locate(root)  # on this machine: a cluster worker's own packages
        staged = _stage(job, job_dir, caps, course)
        with _kernel_paths(staged):
            cfg = grader_config(root, staged.course, job.options.timeout)
            cfg.SandboxExecute.job_started = started
            cfg.SandboxExecute.judge_settings = course.judge_settings()
            # ZMQ over Unix sockets in the kernel's home: the only place both sides can reach by the same path
            cfg.KernelManager.ip = cfg.AsyncKernelManager.ip = str(staged.home / "ipc")
            api = NbGraderAPI(config=cfg)
            graded = _autograde(api, job, staged)
            source_nb = nbcells.read(job.template.source_notebook)
            total, max_total, cells = collect_cells(
                staged.course / "gradebook.db", job, source_nb, graded, course.check_errors
            )
            released = nbcells.read(job.template.release_notebook)
            withheld = _feedback(api, job, staged, source_nb, released)
        flags = (
            staged.flags
            + _flags(job, released, graded, cfg.LimitOutput.max_lines, course)
            + withheld
            + _memory_kills(job_dir, caps)
        )
        _store(job, staged)
        return SubmissionResult(
            job.student_id, job.assignment, Status.GRADED, total, max_total, cells, flags, key=job.key
        )
    finally:
        sandbox.release_cgroups(job_dir, caps)  # every process and thread the kernel left behind
        shutil.rmtree(job_dir, ignore_errors=True)


def stage_submission(notebook: Path, released_nb, submitted: Path) -> list[Flag]:
    """Write the notebook nbgrader grades into ``submitted``: the student's cells with the release's nbgrader
    metadata, and the exchange files that are genuine. Links are never followed; returns the student's flags."""
    import nbformat

    flags = []
    if notebook.is_symlink():  # api refuses these first; a job never follows one whatever called it
        raise ValueError(f"{notebook.name} is a symbolic link: refused")
    nb = nbcells.read_lenient(notebook)
    changes = nbcells.restore_metadata(nb, released_nb)
    if changes:
        flags.append(
            Flag(
                "edited_metadata",
                f"{len(changes)} cell(s) changed nbgrader metadata, graded with the "
                f"release's instead: {'; '.join(changes[:3])}"[: limits.MESSAGE_CHARS],
            )
        )
    flags += match_flags(*nbcells.match_release(nb, released_nb))
    merged = nbcells.merged_runs(nb, limits.MERGE_ABOVE_CELLS, limits.MERGE_CHUNK_CELLS)
    if merged:
        flags.append(
            Flag(
                "merged_cells",
                f"the notebook has {len(nb.cells) + merged} cells; runs of cells without "
                f"nbgrader metadata ran up to {limits.MERGE_CHUNK_CELLS} at a time as one cell ({merged} fewer "
                "cells)",
            )
        )
    nbformat.write(nb, str(submitted / notebook.name))
    for extra in EXCHANGE_FILES:
        path = notebook.with_name(extra)
        if path.is_symlink():
            flags.append(Flag("symlink", f"{extra} is a symbolic link: not read, not copied"))
        elif path.is_file() and path.stat().st_size > 4096:
            flags.append(Flag("bad_exchange_file", f"{extra} is {path.stat().st_size} bytes: not used"))
        elif extra == "timestamp.txt" and path.is_file() and not _is_timestamp(path.read_text(errors="replace")):
            flags.append(
                Flag(
                    "bad_timestamp",
                    f"timestamp.txt is not a date ({path.read_text(errors='replace')[:60]!r}): "
                    "graded without it (no late penalty applied)",
                )
            )
        elif path.is_file():
            shutil.copyfile(path, submitted / extra)
    return flags


def match_flags(matched: list[str], lost: list[str]) -> list[Flag]:
    """What :func:`nbcells.match_release` did, as the student's flags."""
    flags = []
    if matched:
        flags.append(
            Flag(
                "matched_cell",
                f"{len(matched)} cell(s) without their nbgrader metadata were matched to "
                f"the release: {'; '.join(matched[:4])}"[: limits.MESSAGE_CHARS],
            )
        )
    flags += [
        Flag(
            "answer_not_found",
            f"no cell holds the answer {gid} (deleted, and no cell defines what it should): that exercise scored 0",
        )
        for gid in lost
    ]
    return flags


def _is_timestamp(text: str) -> bool:
    from nbgrader.utils import parse_utc

    try:
        parse_utc(text.strip())
    except Exception:
        return False
    return bool(text.strip())


def _stage(job: Job, job_dir: Path, caps: sandbox.Capabilities, course: description.Located) -> Staged:
    """Copy the template and the submission into a one-student course; write the kernel's home and spec."""
    a = job.assignment
    staged = Staged(job_dir, job_dir / "course", job_dir / "home")
    staged.course.mkdir(mode=0o700)
    template = Path(job.template.path)
    shutil.copytree(template / "source" / a, staged.course / "source" / a)
    shutil.copy2(job.template.gradebook, staged.course / "gradebook.db")
    submitted = staged.submitted(job)
    submitted.mkdir(parents=True)
    staged.flags.extend(stage_submission(Path(job.notebook), nbcells.read(job.template.release_notebook), submitted))
    sandbox.prepare_home(staged.home, caps)
    for item in (staged.course / "source" / a).iterdir():  # data files the notebook reads, never notebooks
        if item.suffix != ".ipynb" and item.is_file():
            shutil.copy2(item, staged.home / item.name)
    sandbox.write_kernelspec(
        job_dir,
        staged.home,
        [Path(p) for p in job.options.hidden],
        job.options.limits,
        caps,
        student=job.student_id,
        assignment=a,
        course=course,
    )
    return staged


@contextlib.contextmanager
def _kernel_paths(staged: Staged):
    """Point jupyter_client at the job's kernelspec and runtime folder for the duration of the job."""
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "JUPYTER_RUNTIME_DIR")}
    os.environ["JUPYTER_PATH"] = str(staged.job_dir)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(staged.home)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _autograde(api, job: Job, staged: Staged):
    """Run ``nbgrader autograde``; returns the autograded notebook (floods cut, written back)."""
    import nbformat

    done = api.autograde(job.assignment, job.student_id, force=True, create=True)
    graded_path = staged.autograded(job)
    if not done["success"] or not graded_path.exists():
        kernel_log = staged.job_dir / "kernel.log"
        tail = kernel_log.read_text(errors="replace")[-1500:] if kernel_log.exists() else "(no kernel log)"
        raise RuntimeError(
            f"nbgrader autograde failed: {done.get('error') or ''}\n{done.get('log', '')[-3000:]}"
            f"\n{KERNEL_OUTPUT}{tail}"
        )
    graded = nbcells.read(graded_path)
    cut_floods(graded)
    _rewrite(graded_path, lambda: nbformat.write(graded, str(graded_path)))
    return graded


def _rewrite(path: Path, write) -> None:
    """Call ``write`` on the autograded notebook nbgrader left read-only (0444), keeping its mode: root writes
    through that, an instructor without root does not."""
    mode = path.stat().st_mode
    path.chmod(mode | 0o200)
    try:
        write()
    finally:
        path.chmod(mode)


def collect_cells(
    gradebook: Path, job: Job, source_nb, graded_nb, check_errors: tuple[str, ...] = CHECK_ERRORS
) -> tuple[float, float, list[CellResult]]:
    """(score, max score, one result per graded cell in the source notebook's order) from the job's gradebook."""
    from nbgrader.api import Gradebook

    order = nbcells.grade_ids(source_nb)
    graded_cells = nbcells.cells_by_grade_id(graded_nb)
    cells = []
    with Gradebook(f"sqlite:///{gradebook}") as gb:
        notebook = gb.find_submission_notebook(job.assignment, job.assignment, job.student_id)
        total, max_total = float(notebook.score), float(notebook.max_score)
        for g in sorted(notebook.grades, key=lambda g: order.index(g.name) if g.name in order else 1e9):
            score, max_score = float(g.score), float(g.max_score)
            if g.cell_type == "code" and not g.needs_manual_grade and g.auto_score is not None:
                cell = graded_cells.get(g.name, {})
                concept = judge.concept_record(cell.get("metadata", {}).get(judge.CONCEPT_KEY)) or {}
                cells.append(
                    CellResult(
                        g.name, score, max_score, cell_message(cell, score, max_score, check_errors), "test", concept
                    )
                )
            else:
                message = "waits for manual grading" if g.needs_manual_grade else ""
                cells.append(CellResult(g.name, score, max_score, message, "manual"))
    return total, max_total, cells


def cell_message(cell, score: float, max_score: float, check_errors: tuple[str, ...] = CHECK_ERRORS) -> str:
    """What a student reads for a test cell: the check's sentence (an exception of ``check_errors``), or the
    error's name and message."""
    if score >= max_score:
        return ""
    outputs = cell.get("outputs", [])
    errors = [o for o in outputs if o.output_type == "error"]
    if errors:
        err = errors[-1]
        value = nbcells.ANSI.sub("", str(err.get("evalue", ""))).strip()
        name = err.get("ename", "Error")
        text = value if name in check_errors and value else f"{name}: {value}".rstrip(": ")
    else:
        stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
        text = (
            ("printed to stderr: " + nbcells.ANSI.sub("", "".join(stderr)).strip().splitlines()[0]) if stderr else ""
        )
        if not text:
            text = "partial credit" if score > 0 else "no points"
    text = " ".join(text.split())
    cut = limits.MESSAGE_CHARS
    return text if len(text) <= cut else text[: cut - 3] + "..."


def cut_floods(nb) -> None:
    """Cut any cell's stream output above ``FLOOD_BYTES`` (one huge line escapes nbgrader's line limit), and drop
    any display output or result above it (an image or HTML of 200 MB is kept three times otherwise)."""
    import nbformat

    for cell in nb.cells:
        for i, out in enumerate(cell.get("outputs", [])):
            if out.output_type == "stream" and len(out.text) > limits.FLOOD_BYTES:
                out.text = out.text[: limits.FLOOD_KEEP_BYTES] + f"\n{integrity.TRUNCATED}\n"
            elif out.output_type in ("display_data", "execute_result", "update_display_data"):
                size = sum(len(v) if isinstance(v, str) else len(str(v)) for v in out.get("data", {}).values())
                if size > limits.FLOOD_BYTES:
                    cell.outputs[i] = nbformat.v4.new_output(
                        "stream",
                        name="stdout",
                        text=f"[a display output of {size} bytes was dropped]\n{integrity.TRUNCATED}\n",
                    )


def _feedback(api, job: Job, staged: Staged, source_nb, released_nb) -> list[Flag]:
    """``generate_feedback`` (hidden tests and later outputs stripped by its first preprocessor), then a search
    for hidden lines where they could appear; a leak withholds the feedback file (the grade stands) and is flagged."""
    import nbformat

    from .feedback import feedback_text, leaked_lines, strip_hidden

    graded_path = staged.autograded(job)
    full = graded_path.read_bytes()
    short = nbcells.trimmed(nbcells.read(graded_path), limits.FEEDBACK_CELLS)  # the page's cost stays bounded
    if short is not None:
        _rewrite(graded_path, lambda: nbformat.write(short, str(graded_path)))
    try:
        made = api.generate_feedback(job.assignment, job.student_id, force=True)
        html_path = staged.feedback(job) / f"{job.assignment}.html"
        if not made["success"] or not html_path.exists():
            raise RuntimeError(f"nbgrader generate_feedback failed: {made.get('log', '')[-3000:]}")
        shown = nbcells.read(graded_path)
    finally:
        _rewrite(graded_path, lambda: graded_path.write_bytes(full))  # the autograded notebook keeps every cell
    strip_hidden(shown)
    leaks = leaked_lines(feedback_text(shown), nbcells.hidden_lines(source_nb, released_nb))
    if not leaks:
        return []
    html_path.unlink()
    return [
        Flag(
            "feedback_withheld",
            f"the feedback page would show a hidden test line ({leaks[0][:80]!r}); it was "
            "not written: give this student their scores from grades.csv / cells.csv",
        )
    ]


def _flags(job: Job, released_nb, graded_nb, flood_lines: int, course: description.Located) -> list[Flag]:
    """Integrity flags: the submission as handed in (vs the release), then what happened when it ran."""
    import nbformat

    try:
        submitted = nbcells.read_lenient(job.notebook)
        nbcells.match_release(submitted, released_nb, put_back=False)  # pasted cells are not "deleted"
    except Exception:  # unreadable as a notebook here: nothing to compare, the runtime flags still count
        submitted = nbformat.v4.new_notebook()
    return integrity.static_flags(
        submitted, released_nb, set(course.check_names), course.module_names(), course.allowed_imports()
    ) + integrity.runtime_flags(graded_nb, flood_lines=flood_lines)


def _memory_kills(job_dir: Path, caps: sandbox.Capabilities) -> list[Flag]:
    """A ``memory_limit`` flag when the job's memory cgroup killed one of its processes: a child process killed
    that way leaves no error in any cell (the kernel itself dying is flagged as ``kernel_died`` too)."""
    killed = sandbox.oom_kills(job_dir, caps)
    if not killed:
        return []
    return [
        Flag(
            "memory_limit",
            f"{killed} process(es) of this kernel were killed at the memory limit of the "
            "whole kernel (all its processes together)",
        )
    ]


def _store(job: Job, staged: Staged) -> None:
    """Leave the job's gradebook, autograded notebook and feedback in its cache folder for the writer."""
    cache = Path(job.cache_dir)
    if cache.exists():
        shutil.rmtree(cache)
    (cache / "feedback").mkdir(parents=True)
    shutil.copy2(staged.course / "gradebook.db", cache / "gradebook.db")
    shutil.copy2(staged.autograded(job), cache / "autograded.ipynb")
    for item in staged.feedback(job).iterdir():
        shutil.copy2(item, cache / "feedback" / item.name)
    for extra in EXCHANGE_FILES:  # release_feedback needs both beside the HTML
        if not (cache / "feedback" / extra).exists() and (staged.submitted(job) / extra).exists():
            shutil.copy2(staged.submitted(job) / extra, cache / "feedback" / extra)
