"""``grade_class``: grade a folder of submissions with nbgrader, in parallel, into CSVs, feedback and a report.

Flow: discover ``<student>/<assignment>/<assignment>.ipynb`` submissions; build one template per assignment
(``nbgrader generate_assignment`` on ``source/<assignment>`` in a scratch course); turn every submission into a
job keyed by the hash of everything its grade depends on; reuse the cached result of an unchanged job; run
the others in the worker pool (:mod:`autograder.runner`); hand every result to the single writer
(:mod:`autograder.writer`), which merges the gradebooks and writes the outputs of COURSE_SPEC §5.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable

from . import sandbox
from .results import Flag, SubmissionResult

AUTOGRADER_DIR = Path(__file__).resolve().parent
REPO = AUTOGRADER_DIR.parent
SAMPLE_CLASS = AUTOGRADER_DIR / "sample_class" / "submitted"
DEFAULT_OUT = Path("graded")


class GradingError(ValueError):
    """A bad argument or a broken course set-up: the message says what to do."""


def _course_timeout(course_root: Path) -> int:
    from traitlets.config.loader import PyFileConfigLoader

    if not (course_root / "nbgrader_config.py").exists():
        return 120
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    for section in ("Execute", "ExecutePreprocessor"):
        if section in cfg and "timeout" in cfg[section]:
            return int(cfg[section].timeout)
    return 120


def _hash_files(h, paths) -> None:
    for path in sorted(paths):
        h.update(str(path.name).encode())
        h.update(path.read_bytes() if path.is_file() else b"<missing>")


def _job_key(notebook: Path, source: Path, course_root: Path, timeout: int, limits, caps) -> str:
    h = hashlib.sha256(f"{notebook.parent.parent.name}/{notebook.parent.name}".encode())  # student/assignment
    _hash_files(h, [notebook, notebook.with_name("timestamp.txt")])
    _hash_files(h, [p for p in source.rglob("*") if p.is_file()])
    _hash_files(h, [course_root / "nbgrader_config.py", *sorted(AUTOGRADER_DIR.glob("*.py"))])
    h.update(json.dumps([timeout, repr(limits), caps.describe(), sys.version]).encode())
    return h.hexdigest()[:24]


def discover(submissions: Path) -> list[tuple[str, str, Path]]:
    """``(student_id, assignment, folder)`` for every ``<student>/<assignment>/`` folder, sorted."""
    found = []
    for student in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for folder in sorted(p for p in student.iterdir() if p.is_dir() and not p.name.startswith(".")):
            found.append((student.name, folder.name, folder))
    return found


def check_notebook(path: Path) -> str | None:
    """``None`` when ``path`` is a readable notebook, else a sentence saying what is wrong."""
    import nbformat

    try:
        text = path.read_text(encoding="utf-8")
        json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"{path.name} is not valid JSON ({exc})"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:
        return f"{path.name} is not a Jupyter notebook ({type(exc).__name__}: {exc})"
    if not isinstance(nb.get("cells"), list):
        return f"{path.name} has no list of cells"
    return None


def grade_class(
    submissions: Path | str | None = None,
    out: Path | str | None = None,
    workers: int | None = None,
    timeout: int | None = None,
    *,
    course_root: Path | str = REPO,
    zip_dir: Path | str | None = None,
    force: bool = False,
    memory_mb: int | None = None,
    on_done: Callable[[SubmissionResult], None] | None = None,
    log: Callable[[str], None] = print,
) -> list[SubmissionResult]:
    """Grade every submission under ``submissions`` into ``out``; returns one result per student and assignment.

    ``workers`` defaults to the number of cores; ``timeout`` (seconds per cell) to the course's
    ``nbgrader_config.py``; ``force`` regrades unchanged submissions too. Raises :class:`GradingError` for
    a bad argument; a student's broken or hostile submission is a result, never an exception.
    """
    from . import runner, writer

    course_root = Path(course_root).resolve()
    if not (course_root / "source").is_dir():
        raise GradingError(f"{course_root} has no source/ folder: point --course at the nbgrader course root")
    out = Path(out if out is not None else DEFAULT_OUT).resolve()
    workers = (os.cpu_count() or 1) if workers is None else workers
    if not isinstance(workers, int) or workers < 1:
        raise GradingError(f"--workers must be a positive integer, got {workers!r}")
    timeout = _course_timeout(course_root) if timeout is None else timeout
    if not isinstance(timeout, int) or timeout < 1:
        raise GradingError(f"--timeout must be a positive number of seconds, got {timeout!r}")
    limits = sandbox.Limits() if memory_mb is None else sandbox.Limits(memory_bytes=memory_mb * 1024**2)

    scratch = Path(tempfile.mkdtemp(prefix="autograder-"))
    os.chmod(scratch, 0o711)  # kernels reach their own home by its unguessable name, list nothing
    try:
        if zip_dir is not None:
            from .collect import collect_zips

            submissions = collect_zips(Path(zip_dir), course_root, scratch / "collected", log=log)
        submissions = Path(submissions if submissions is not None else SAMPLE_CLASS).resolve()
        if not submissions.is_dir():
            raise GradingError(f"submissions folder {submissions} does not exist: pass --submissions DIR holding "
                               "<student_id>/<assignment>/<assignment>.ipynb")
        if out == submissions or submissions in out.parents:
            raise GradingError(f"--out {out} is inside the submissions folder, which is never modified: "
                               "choose another output folder")
        found = discover(submissions)
        if not found:
            raise GradingError(f"no submissions in {submissions}: expected <student_id>/<assignment>/"
                               "<assignment>.ipynb folders")
        caps = sandbox.probe()
        for warning in caps.warnings:
            log(f"warning: autograder isolation: {warning}")

        known = sorted(p.name for p in (course_root / "source").iterdir() if p.is_dir())
        wanted = sorted({a for _, a, _ in found if a in known})
        cache_root = out / ".cache"
        templates, max_scores = {}, {}
        for assignment in wanted:  # cached too: the gradebook ids of cached jobs must match their template
            h = hashlib.sha256()
            _hash_files(h, [p for p in (course_root / "source" / assignment).rglob("*") if p.is_file()])
            _hash_files(h, [course_root / "nbgrader_config.py", *sorted(AUTOGRADER_DIR.glob("*.py"))])
            template = cache_root / "templates" / f"{assignment}-{h.hexdigest()[:16]}"
            if not (template / "gradebook.db").exists() or force:
                shutil.rmtree(template, ignore_errors=True)
                runner.make_template(course_root, assignment, template)
            templates[assignment] = template
            max_scores[assignment] = _max_score(template, assignment)

        # the grader's own checkout too (its source/, tests/ and sample class) when grading another course
        hidden = tuple(sorted({str(course_root), str(REPO), str(submissions), str(out)}))
        results, jobs = [], []
        seen = set()
        for student, assignment, folder in found:
            seen.add((student, assignment))
            if assignment not in known:
                results.append(SubmissionResult(student, assignment, "unknown_assignment",
                    message=f"assignment {assignment!r} is not in source/ (known: {', '.join(known) or 'none'})",
                    flags=[Flag("unknown_assignment", f"folder {assignment}/ matches no assignment in source/")]))
                continue
            notebook = folder / f"{assignment}.ipynb"
            if not notebook.is_file():
                others = ", ".join(sorted(p.name for p in folder.iterdir())) or "an empty folder"
                results.append(SubmissionResult(student, assignment, "missing", 0.0, max_scores[assignment],
                    message=f"no {assignment}.ipynb in the submission",
                    flags=[Flag("missing_notebook", f"expected {assignment}.ipynb, found {others}")]))
                continue
            problem = check_notebook(notebook)
            if problem:
                results.append(SubmissionResult(student, assignment, "invalid", 0.0, max_scores[assignment],
                    message=problem, flags=[Flag("invalid_notebook", problem)]))
                continue
            key = _job_key(notebook, course_root / "source" / assignment, course_root, timeout, limits, caps)
            cache = cache_root / "jobs" / key
            if not force and (cache / "result.json").exists() and (cache / "gradebook.db").exists():
                cached = SubmissionResult.from_json((cache / "result.json").read_text(encoding="utf-8"))
                if cached.status == "graded" and (cached.student_id, cached.assignment) == (student, assignment):
                    cached.cached = True
                    results.append(cached)
                    continue
            jobs.append(runner.Job(student, assignment, str(notebook), str(templates[assignment]),
                                   str(course_root), str(scratch), str(cache), hidden, timeout, limits, key))
        done_callback = on_done or (lambda r: None)
        for r in results:  # the progress bar counts every submission folder, these included
            done_callback(r)
        students = sorted({s for s, _, _ in found})
        for student in students:  # one row per student and assignment: no folder scores zero
            for assignment in wanted:
                if (student, assignment) not in seen:
                    results.append(SubmissionResult(student, assignment, "not_submitted", 0.0,
                                                    max_scores[assignment], message="no submission"))
        results += runner.run_jobs(jobs, workers, done_callback)
        results.sort(key=lambda r: (r.student_id, r.assignment))
        writer.write_outputs(results, out, templates, cache_root, caps)
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _max_score(template: Path, assignment: str) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{template / 'gradebook.db'}") as gb:
        return float(gb.find_assignment(assignment).max_score)
