"""The worker pool: one job per submission, each in its own scratch nbgrader course, every failure recorded.

A job copies the assignment's template (``source/<assignment>`` and a gradebook made by
``nbgrader generate_assignment``) into a fresh scratch course that holds only this one submission, runs real
``nbgrader autograde`` and ``generate_feedback`` there through nbgrader's Python API, and leaves its gradebook,
feedback and autograded notebook in the cache folder named by the job's key. No two jobs share a file, so
nothing is written concurrently; the single writer (:mod:`autograder.writer`) merges the job gradebooks.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import sandbox
from .results import CellResult, Flag, SubmissionResult

AUTOGRADER_DIR = Path(__file__).resolve().parent
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
FLOOD_BYTES = 1_000_000  # a cell's stream output above this is cut (a flood; nbgrader only counts lines)

EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")

# nbgrader runs the `alembic` command of its environment to check the gradebook's schema: make it findable
# when the grader is started as .venv/bin/python without activating the venv.
_BIN = str(Path(sys.executable).parent)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")


@dataclass(frozen=True)
class Job:
    """One submission to grade. Paths are strings so the job pickles cheaply to a worker."""

    student_id: str
    assignment: str
    notebook: str  # the submitted notebook (read, never written)
    template: str  # scratch course with source/<assignment>, release/<assignment> and gradebook.db
    course_root: str
    scratch_root: str
    cache_dir: str  # where the job leaves result.json, gradebook.db, feedback/, autograded.ipynb
    hidden: tuple[str, ...]  # folders the kernel must not see
    timeout: int
    limits: sandbox.Limits
    key: str


def load_config(course_root: Path, job_course: Path, timeout: int):
    """The course's nbgrader settings, then the grader's (``nbgrader_settings.py``), then this job's paths."""
    from traitlets.config.loader import Config, PyFileConfigLoader

    from .feedback import FEEDBACK_PREPROCESSORS

    cfg = Config()
    if (course_root / "nbgrader_config.py").exists():
        cfg.merge(PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config())
    cfg.merge(PyFileConfigLoader("nbgrader_settings.py", path=str(AUTOGRADER_DIR)).load_config())
    cfg.CourseDirectory.root = str(job_course)
    cfg.CourseDirectory.db_assignments = []
    cfg.CourseDirectory.db_students = []
    for section in ("Execute", "ExecutePreprocessor", "SandboxExecute"):
        cfg[section].timeout = timeout
    cfg.Execute.error_on_timeout = {
        "ename": "CellTimeoutError",
        "evalue": f"the cell ran longer than {timeout} s and was interrupted (an infinite loop?)",
        "traceback": [f"CellTimeoutError: the cell ran longer than {timeout} s and was interrupted"],
    }
    cfg.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
    return cfg


def make_template(course_root: Path, assignment: str, dest: Path) -> Path:
    """A scratch course with ``source/<assignment>`` and the gradebook ``generate_assignment`` makes."""
    from nbgrader.apps import NbGraderAPI

    dest.mkdir(parents=True, mode=0o700)
    shutil.copytree(course_root / "source" / assignment, dest / "source" / assignment)
    api = NbGraderAPI(config=load_config(course_root, dest, 30))
    done = api.generate_assignment(assignment, force=True, create=True)
    if not done["success"]:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{done.get('log', '')[-3000:]}"
                           f"\n{done.get('error', '')[-3000:]}")
    return dest


def _message(cell, score: float, max_score: float) -> str:
    """What a student reads for a test cell: the check's sentence, or the error's name and message."""
    if score >= max_score:
        return ""
    outputs = cell.get("outputs", [])
    errors = [o for o in outputs if o.output_type == "error"]
    if errors:
        err = errors[-1]
        value = _ANSI.sub("", str(err.get("evalue", ""))).strip()
        name = err.get("ename", "Error")
        text = value if name in ("AssertionError", "CheckError") and value else f"{name}: {value}".rstrip(": ")
    else:
        stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
        text = ("printed to stderr: " + _ANSI.sub("", "".join(stderr)).strip().splitlines()[0]) if stderr else ""
        if not text:
            text = "partial credit" if score > 0 else "no points"
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


def _cut_floods(nb) -> None:
    """Cut any cell's stream output above FLOOD_BYTES (one huge line escapes nbgrader's line limit)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and len(out.text) > FLOOD_BYTES:
                out.text = out.text[:10_000] + "\n... Output truncated ...\n"


def grade_job(job: Job) -> SubmissionResult:
    """Grade one submission; any exception becomes a ``grader_error`` result (never raised)."""
    start = time.perf_counter()
    try:
        result = _grade(job)
    except Exception as exc:  # a grader fault: recorded, the batch goes on
        result = SubmissionResult(
            job.student_id, job.assignment, "grader_error", key=job.key,
            message=f"{type(exc).__name__}: {exc}",
            flags=[Flag("grader_error", f"{type(exc).__name__}: {exc}".splitlines()[0][:300])],
        )
        result.message += "\n" + traceback.format_exc()[-2000:]
    result.seconds = round(time.perf_counter() - start, 3)
    cache = Path(job.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "result.json").write_text(result.to_json(), encoding="utf-8")
    return result


def _grade(job: Job) -> SubmissionResult:
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI

    from . import feedback, integrity

    caps = sandbox.probe()
    a, s = job.assignment, job.student_id
    template, course_root = Path(job.template), Path(job.course_root)
    job_dir = Path(tempfile.mkdtemp(prefix="job-", dir=job.scratch_root))
    os.chmod(job_dir, 0o711)  # the kernel must reach its home inside; nothing here is listable
    saved_env = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "JUPYTER_RUNTIME_DIR")}
    try:
        course = job_dir / "course"
        course.mkdir(mode=0o700)
        shutil.copytree(template / "source" / a, course / "source" / a)
        shutil.copy2(template / "gradebook.db", course / "gradebook.db")
        submitted = course / "submitted" / s / a
        submitted.mkdir(parents=True)
        shutil.copyfile(job.notebook, submitted / f"{a}.ipynb")
        for extra in EXCHANGE_FILES:  # present when the submission came through the exchange
            if Path(job.notebook).with_name(extra).exists():
                shutil.copyfile(Path(job.notebook).with_name(extra), submitted / extra)

        home = job_dir / "home"
        sandbox.prepare_home(home, caps)
        for item in (course / "source" / a).iterdir():  # data files the notebook reads, never notebooks
            if item.suffix != ".ipynb" and item.is_file():
                shutil.copy2(item, home / item.name)
        sandbox.write_kernelspec(job_dir, home, [Path(p) for p in job.hidden], job.limits, caps)
        os.environ["JUPYTER_PATH"] = str(job_dir)
        os.environ["JUPYTER_RUNTIME_DIR"] = str(home)

        cfg = load_config(course_root, course, job.timeout)
        # ZMQ over Unix sockets in the kernel's home: the only place both sides can reach by the same path
        cfg.KernelManager.ip = cfg.AsyncKernelManager.ip = str(home / "ipc")
        api = NbGraderAPI(config=cfg)
        done = api.autograde(a, s, force=True, create=True)
        graded_path = course / "autograded" / s / a / f"{a}.ipynb"
        if not done["success"] or not graded_path.exists():
            kernel_log = job_dir / "kernel.log"
            tail = kernel_log.read_text(errors="replace")[-1500:] if kernel_log.exists() else "(no kernel log)"
            raise RuntimeError(f"nbgrader autograde failed: {done.get('error') or ''}\n{done.get('log', '')[-3000:]}"
                               f"\nkernel output:\n{tail}")
        graded = nbformat.read(str(graded_path), as_version=4)
        _cut_floods(graded)
        nbformat.write(graded, str(graded_path))

        source_nb = nbformat.read(str(course / "source" / a / f"{a}.ipynb"), as_version=4)
        order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in source_nb.cells]
        graded_cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in graded.cells}
        cells = []
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            notebook = gb.find_submission_notebook(a, a, s)
            total, max_total = float(notebook.score), float(notebook.max_score)
            for g in sorted(notebook.grades, key=lambda g: order.index(g.name) if g.name in order else 1e9):
                score, max_score = float(g.score), float(g.max_score)
                if g.cell_type == "code" and not g.needs_manual_grade and g.auto_score is not None:
                    msg = _message(graded_cells.get(g.name, {}), score, max_score)
                    cells.append(CellResult(g.name, score, max_score, msg, "test"))
                else:
                    msg = "waits for manual grading" if g.needs_manual_grade else ""
                    cells.append(CellResult(g.name, score, max_score, msg, "manual"))

        made = api.generate_feedback(a, s, force=True)
        feedback_dir = course / "feedback" / s / a
        html_path = feedback_dir / f"{a}.html"
        if not made["success"] or not html_path.exists():
            raise RuntimeError(f"nbgrader generate_feedback failed: {made.get('log', '')[-3000:]}")
        released = nbformat.read(str(template / "release" / a / f"{a}.ipynb"), as_version=4)
        hidden = feedback.hidden_lines(source_nb, released)
        leaks = feedback.leaked_lines(html_path.read_text(encoding="utf-8"), hidden)
        if leaks:
            raise RuntimeError(f"feedback would show hidden test code ({leaks[0]!r}); it was not written")

        from course import checks

        try:
            submitted_nb = nbformat.read(job.notebook, as_version=4)
        except Exception:
            submitted_nb = nbformat.v4.new_notebook()
        flags = integrity.static_flags(submitted_nb, released, set(checks.__all__))
        flags += integrity.runtime_flags(graded, flood_lines=1000)

        cache = Path(job.cache_dir)
        if cache.exists():
            shutil.rmtree(cache)
        (cache / "feedback").mkdir(parents=True)
        shutil.copy2(course / "gradebook.db", cache / "gradebook.db")
        shutil.copy2(graded_path, cache / "autograded.ipynb")
        for item in feedback_dir.iterdir():
            shutil.copy2(item, cache / "feedback" / item.name)
        for extra in EXCHANGE_FILES:  # release_feedback needs both beside the HTML
            if not (cache / "feedback" / extra).exists() and (submitted / extra).exists():
                shutil.copy2(submitted / extra, cache / "feedback" / extra)
        return SubmissionResult(s, a, "graded", total, max_total, cells, flags, key=job.key)
    finally:
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(job_dir, ignore_errors=True)


def _warm_up() -> None:
    """Worker start-up: import nbgrader once per worker instead of once per submission."""
    import warnings

    # nbgrader's own SQLAlchemy usage warns on every autograde; it is noise here
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    import nbgrader.apps  # noqa: F401
    import nbgrader.api  # noqa: F401

    sandbox.probe()


def run_jobs(jobs: list[Job], workers: int, on_done: Callable[[SubmissionResult], None]) -> list[SubmissionResult]:
    """Grade ``jobs`` on ``workers`` processes; a crashed worker pool is rebuilt and its jobs recorded."""
    results: dict[int, SubmissionResult] = {}
    pending = list(range(len(jobs)))
    attempts = 0
    while pending and attempts < 3:
        attempts += 1
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(pending))), mp_context=context,
                                 initializer=_warm_up) as pool:
            futures = {pool.submit(grade_job, jobs[i]): i for i in pending}
            remaining = set(futures)
            while remaining:
                finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                for future in finished:
                    i = futures[future]
                    try:
                        results[i] = future.result()
                    except BrokenProcessPool:
                        continue  # retried with a fresh pool below
                    except Exception as exc:
                        results[i] = _fault(jobs[i], exc)
                    on_done(results[i])
        pending = [i for i in range(len(jobs)) if i not in results]
    for i in pending:
        results[i] = _fault(jobs[i], RuntimeError("the grading worker process died three times"))
        on_done(results[i])
    return [results[i] for i in range(len(jobs))]


def _fault(job: Job, exc: BaseException) -> SubmissionResult:
    return SubmissionResult(job.student_id, job.assignment, "grader_error", key=job.key,
                            message=f"{type(exc).__name__}: {exc}",
                            flags=[Flag("grader_error", f"{type(exc).__name__}: {exc}")])

