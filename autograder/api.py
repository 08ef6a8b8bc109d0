"""``grade_class``: grade a folder of submissions with nbgrader, in parallel, into CSVs, feedback and a report.

The steps, each a function below: check the settings; find the submissions (collecting LMS zips first when
asked); sort out the folders that cannot be graded (unknown assignment, no notebook, not a notebook); find
each assignment's gradebook template in the shared cache (:mod:`autograder.templates`) and build the missing
ones in the worker pool, where, as each template is ready, its submissions become jobs keyed by the hash of
everything their grade depends on; reuse the cached result of an unchanged job and grade the others
(:mod:`autograder.runner`); hand every result to the single writer (:mod:`autograder.writer`), which merges
the gradebooks and writes the outputs of ``docs/COURSE_SPEC.md`` §5.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import templates
from .errors import GradingError
from .limits import Limits
from .paths import AUTOGRADER_DIR, DEFAULT_OUT, DEFAULT_WORKERS, REPO, SAMPLE_CLASS, template_cache
from .results import Flag, Status, SubmissionResult

if TYPE_CHECKING:  # the types only: importing these modules would start nbgrader or Dask
    from .cluster import ClusterOptions
    from .sandbox import Capabilities

__all__ = ["grade_class", "GradingError", "discover", "check_notebook", "REPO", "SAMPLE_CLASS", "DEFAULT_OUT"]


@dataclass(frozen=True)
class Settings:
    """One run's checked settings."""

    course_root: Path
    out: Path
    workers: int
    timeout: int  # seconds per cell
    limits: Limits
    force: bool  # regrade unchanged submissions (templates are rebuilt only when their source changed)
    template_cache: Path

    @property
    def job_cache(self) -> Path:
        return self.out / ".cache" / "jobs"


@dataclass
class Submission:
    """A ``<student>/<assignment>/`` folder of a known assignment, and what is wrong with it, if anything."""

    student_id: str
    assignment: str
    folder: Path
    problem: str | None = None  # "missing", "invalid" or "symlink" when it cannot be graded
    detail: str = ""

    @property
    def notebook(self) -> Path:
        return self.folder / f"{self.assignment}.ipynb"


@dataclass
class Batch:
    """What a run collects while the pool works: templates as they are ready, results as they come in."""

    settings: Settings
    hidden: tuple[str, ...]
    scratch: Path
    caps: Capabilities
    waiting: dict[str, list[Submission]]  # assignment -> its submissions, until its template is ready
    on_done: Callable[[SubmissionResult], None]
    templates: dict[str, templates.Template] = field(default_factory=dict)
    results: list[SubmissionResult] = field(default_factory=list)
    collect_flags: dict[tuple[str, str], list[Flag]] = field(default_factory=dict)  # from collecting zips
    cluster: ClusterOptions | None = None  # jobs go to Dask workers instead of the local pool

    def add(self, result: SubmissionResult) -> None:
        result.flags = list(self.collect_flags.get((result.student_id, result.assignment), [])) + list(result.flags)
        result = result.encodable()  # a student's lone surrogate must not stop progress lines or outputs
        self.results.append(result)
        self.on_done(result)


def check_settings(course_root, out, workers, timeout, memory_mb, force, cache) -> Settings:
    """The run's settings with the defaults filled in; :class:`GradingError` for a bad one."""
    from .description import describe
    from .nbgrader_ops import cell_timeout

    course_root = Path(course_root).resolve()
    if not (course_root / "source").is_dir():
        raise GradingError(f"{course_root} has no source/ folder: point --course at the nbgrader course root")
    workers = DEFAULT_WORKERS if workers is None else workers
    if not isinstance(workers, int) or workers < 1:
        raise GradingError(f"--workers must be a positive integer, got {workers!r}")
    describe(course_root).locate(course_root)  # a helper package or checks module it cannot find: say so now
    timeout = cell_timeout(course_root) if timeout is None else timeout
    if not isinstance(timeout, int) or timeout < 1:
        raise GradingError(f"--timeout must be a positive number of seconds, got {timeout!r}")
    return Settings(
        course_root,
        Path(out if out is not None else DEFAULT_OUT).resolve(),
        workers,
        timeout,
        Limits.with_memory_mb(memory_mb),
        force,
        Path(cache).resolve() if cache is not None else template_cache(),
    )


def discover(submissions: Path) -> list[tuple[str, str, Path]]:
    """``(student_id, assignment, folder)`` for every ``<student>/<assignment>/`` folder, sorted. A name that is
    not UTF-8 is given with U+FFFD for each byte that is not (the folder itself is read by its real name)."""
    from .results import encodable

    found = []
    for student in sorted(p for p in Path(submissions).iterdir() if p.is_dir() and not p.name.startswith(".")):
        for folder in sorted(p for p in student.iterdir() if p.is_dir() and not p.name.startswith(".")):
            found.append((encodable(student.name), encodable(folder.name), folder))
    return found


def check_notebook(path: Path) -> str | None:
    """``None`` when ``path`` is a readable notebook, else a sentence saying what is wrong."""
    from . import nbcells

    try:
        text = path.read_text(encoding="utf-8")
        json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"{path.name} is not valid JSON ({exc})"
    except RecursionError:
        return f"{path.name} nests its JSON too deeply to read"
    except OSError as exc:
        return f"{path.name} cannot be read ({type(exc).__name__}: {exc})"
    try:
        nb = nbcells.reads_lenient(text)  # readable JSON that nbformat's validator would repair is repaired
    except RecursionError:
        return f"{path.name} nests its JSON too deeply to read"
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
    template_cache: Path | str | None = None,
    on_done: Callable[[SubmissionResult], None] | None = None,
    log: Callable[[str], None] = print,
    cluster=None,
) -> list[SubmissionResult]:
    """Grade every submission under ``submissions`` into ``out``; returns one result per student and assignment.

    ``workers`` defaults to the number of cores; ``timeout`` (seconds per cell) to the course's
    ``nbgrader_config.py``; ``force`` regrades unchanged submissions too; ``template_cache`` defaults to
    :func:`autograder.paths.template_cache`; ``cluster`` (an address or :class:`autograder.cluster.ClusterOptions`)
    sends template builds and jobs to Dask workers, ``workers`` at once on each. Raises :class:`GradingError` for
    a bad argument; a student's broken or hostile submission is a result, never an exception.
    """
    from . import sandbox, writer

    settings = check_settings(course_root, out, workers, timeout, memory_mb, force, template_cache)
    if cluster is not None:
        from . import cluster as dask_cluster

        cluster = dask_cluster.options(cluster, log)
    with _scratch() as scratch:
        folder, collect_flags = _submissions_folder(submissions, zip_dir, settings, scratch, log)
        found = discover(folder)
        if not found:
            raise GradingError(
                f"no submissions in {folder}: expected <student_id>/<assignment>/<assignment>.ipynb folders"
            )
        caps = sandbox.probe()
        for warning in caps.warnings:
            log(f"warning: autograder isolation: {warning}")
        if sandbox.refuse_unconfined(caps):
            raise GradingError(sandbox.refuse_unconfined(caps))
        # the grader's own checkout too (its source/, tests/ and sample class) when grading another course
        hidden = {settings.course_root, REPO, folder, settings.out, settings.template_cache}
        batch = Batch(
            settings,
            tuple(sorted(str(p) for p in hidden)),
            scratch,
            caps,
            {},
            on_done or (lambda r: None),
            collect_flags=collect_flags,
            cluster=cluster,
        )
        for result in _sort_out(found, batch):
            batch.add(result)
        wanted = sorted(batch.waiting)
        _grade_batch(batch)
        results = batch.results + _not_submitted(found, wanted, batch)
        results += _uncollected(batch, results)
        results.sort(key=lambda r: (r.student_id, r.assignment))
        writer.write_outputs(results, settings.out, batch.templates, settings.job_cache, caps)
        templates.prune(settings.template_cache, {Path(t.path) for t in batch.templates.values()})
        return results


@contextlib.contextmanager
def _scratch():
    scratch = Path(tempfile.mkdtemp(prefix="autograder-"))
    os.chmod(scratch, 0o711)  # kernels reach their own home by its unguessable name, list nothing
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _submissions_folder(
    submissions, zip_dir, settings: Settings, scratch: Path, log
) -> tuple[Path, dict[tuple[str, str], list[Flag]]]:
    """The folder to grade (``--submissions``, the zips collected into the scratch folder, or the sample class)
    and the flags collecting the zips gave, by ``(student, assignment)``."""
    flags: dict[tuple[str, str], list[Flag]] = {}
    if zip_dir is not None:
        from .collect import collect_zips

        collected = collect_zips(Path(zip_dir), scratch / "collected", log=log)
        submissions, flags = collected.folder, collected.flags
    folder = Path(submissions if submissions is not None else SAMPLE_CLASS).resolve()
    if not folder.is_dir():
        raise GradingError(
            f"submissions folder {folder} does not exist: pass --submissions DIR holding "
            "<student_id>/<assignment>/<assignment>.ipynb"
        )
    if settings.out == folder or folder in settings.out.parents:
        raise GradingError(
            f"--out {settings.out} is inside the submissions folder, which is never modified: "
            "choose another output folder"
        )
    return folder, flags


def _sort_out(found, batch: Batch) -> list[SubmissionResult]:
    """File each folder under its assignment (with what is wrong with it); results for unknown assignments."""
    known = sorted(p.name for p in (batch.settings.course_root / "source").iterdir() if p.is_dir())
    results = []
    for student, assignment, folder in found:
        if (student, assignment) != (folder.parent.name, folder.name):
            batch.collect_flags.setdefault((student, assignment), []).append(
                Flag(
                    "unreadable_name",
                    "the folder's name is not UTF-8: graded as the name shown (U+FFFD for each byte that is not)",
                )
            )
        if assignment not in known:
            results.append(
                SubmissionResult(
                    student,
                    assignment,
                    Status.UNKNOWN_ASSIGNMENT,
                    message=f"assignment {assignment!r} is not in source/ (known: {', '.join(known) or 'none'})",
                    flags=[Flag("unknown_assignment", f"folder {assignment}/ matches no assignment in source/")],
                )
            )
            continue
        submission = Submission(student, assignment, folder)
        link = _link_in(folder)
        if link:
            submission.problem, submission.detail = "symlink", f"{link} is a symbolic link: refused, never followed"
        elif not submission.notebook.is_file():
            others = ", ".join(sorted(p.name for p in folder.iterdir())) or "an empty folder"
            submission.problem, submission.detail = "missing", f"expected {assignment}.ipynb, found {others}"
        else:
            problem = check_notebook(submission.notebook)
            if problem:
                submission.problem, submission.detail = "invalid", problem
        batch.waiting.setdefault(assignment, []).append(submission)
    return results


def _link_in(folder: Path) -> str | None:
    """The first symbolic link on the way to the notebook (student folder, assignment folder, notebook), if any."""
    for path in (folder.parent, folder, *sorted(folder.iterdir())):
        if path.is_symlink() and (path in (folder.parent, folder) or path.suffix == ".ipynb"):
            return f"{path.parent.name}/{path.name}" if path != folder.parent else path.name
    return None


def _grade_batch(batch: Batch) -> None:
    """Templates first (cached or built in the pool); each one ready turns its submissions into jobs."""
    from . import pool, runner

    first = []
    for assignment in sorted(batch.waiting):
        folder, template = templates.find(batch.settings.template_cache, batch.settings.course_root, assignment)
        if template is not None:
            first += _template_ready(batch, template)
        else:
            first.append(
                templates.BuildTask(templates.BuildRequest(str(batch.settings.course_root), assignment, str(folder)))
            )

    def handle(task: pool.Task, result) -> list[pool.Task]:
        match task:
            case templates.BuildTask(arg=request):
                return (
                    _template_ready(batch, result)
                    if isinstance(result, templates.Template)
                    else _template_failed(batch, request.assignment, result)
                )
            case runner.GradeTask():
                batch.add(result)
                return []
        raise TypeError(f"not a task of a grading run: {task!r}")

    def fault(task: pool.Task, exc: BaseException):
        match task:
            case templates.BuildTask():
                return exc
            case runner.GradeTask(arg=job):
                return runner.fault_result(job.student_id, job.assignment, exc, key=job.key)
        raise TypeError(f"not a task of a grading run: {task!r}")

    if batch.cluster is None:
        pool.run_tasks(first, batch.settings.workers, handle, fault)
    else:
        from . import cluster

        cluster.run_tasks(batch.cluster, first, batch.settings.workers, handle, fault)


def _template_ready(batch: Batch, template: templates.Template) -> list:
    """Results for the assignment's ungradable and unchanged submissions; jobs for the rest."""
    from . import runner

    batch.templates[template.assignment] = template
    options = runner.JobOptions(
        str(batch.settings.course_root),
        str(batch.scratch),
        batch.hidden,
        batch.settings.timeout,
        batch.settings.limits,
    )
    tasks = []
    for sub in batch.waiting.pop(template.assignment, []):
        if sub.problem:
            message = f"no {sub.assignment}.ipynb in the submission" if sub.problem == "missing" else sub.detail
            flag = {"missing": "missing_notebook", "symlink": "symlink"}.get(sub.problem, "invalid_notebook")
            batch.add(
                SubmissionResult(
                    sub.student_id,
                    sub.assignment,
                    Status.MISSING if sub.problem == "missing" else Status.INVALID,
                    0.0,
                    template.max_score,
                    message=message,
                    flags=[Flag(flag, sub.detail)],
                )
            )
            continue
        key = job_key(sub, template, batch.settings, batch.caps)
        cache = batch.settings.job_cache / key
        cached = None if batch.settings.force else _cached_result(cache, sub)
        if cached is not None:
            batch.add(cached)
        else:
            tasks.append(
                runner.GradeTask(
                    runner.Job(sub.student_id, sub.assignment, str(sub.notebook), template, str(cache), key, options)
                )
            )
    return tasks


def _template_failed(batch: Batch, assignment: str, exc: BaseException) -> list:
    """Every submission of an assignment whose template could not be built is a grader error."""
    from . import runner

    for sub in batch.waiting.pop(assignment, []):
        batch.add(runner.fault_result(sub.student_id, sub.assignment, exc))
    return []


def _cached_result(cache: Path, sub: Submission) -> SubmissionResult | None:
    if not ((cache / "result.json").exists() and (cache / "gradebook.db").exists()):
        return None
    cached = SubmissionResult.from_json((cache / "result.json").read_text(encoding="utf-8"))
    if cached.status is not Status.GRADED or (cached.student_id, cached.assignment) != (
        sub.student_id,
        sub.assignment,
    ):
        return None
    cached.cached = True
    return cached


def _not_submitted(found, wanted: list[str], batch: Batch) -> list[SubmissionResult]:
    """One row per student and assignment: a student with no folder for an assignment scores zero."""
    seen = {(s, a) for s, a, _ in found}
    return [
        SubmissionResult(
            student,
            a,
            Status.NOT_SUBMITTED,
            0.0,
            batch.templates[a].max_score if a in batch.templates else 0.0,
            message="no submission",
        )
        for student in sorted({s for s, _, _ in found})
        for a in wanted
        if (student, a) not in seen
    ]


def _uncollected(batch: Batch, results: list[SubmissionResult]) -> list[SubmissionResult]:
    """Flags from collecting LMS zips that reached no result (an upload refused, a name open to two readings): a
    known student's row carries them (a 0 when nothing else was graded), an unidentified name gets its own row
    in integrity.csv only."""
    rows = {(r.student_id, r.assignment): r for r in results}
    extra = []
    for (student, assignment), found in batch.collect_flags.items():
        row = rows.get((student, assignment))
        if row is not None:
            row.flags = [f for f in found if f not in row.flags] + row.flags
        elif any(f.flag == "ambiguous_name" for f in found):
            extra.append(
                SubmissionResult(
                    student, assignment, Status.UNIDENTIFIED, message="an ambiguous LMS file name", flags=list(found)
                )
            )
        else:
            template = batch.templates.get(assignment)
            extra.append(
                SubmissionResult(
                    student,
                    assignment,
                    Status.MISSING,
                    0.0,
                    template.max_score if template else 0.0,
                    message="the upload was not unpacked",
                    flags=list(found),
                )
            )
    return extra


def _hash_files(h, paths) -> None:
    for path in sorted(paths):
        h.update(str(path.name).encode())
        h.update(path.read_bytes() if path.is_file() and not path.is_symlink() else b"<missing>")


def job_key(sub: Submission, template: templates.Template, settings: Settings, caps) -> str:
    """Hash of everything a submission's grade depends on: the notebook (and its timestamp), the template it
    is graded against, the course's and the grader's code and settings, and the sandbox."""
    h = hashlib.sha256(f"{sub.student_id}/{sub.assignment}\0{template.digest}".encode())
    _hash_files(h, [sub.notebook, sub.notebook.with_name("timestamp.txt")])
    _hash_files(h, [settings.course_root / "nbgrader_config.py", *sorted(AUTOGRADER_DIR.glob("*.py"))])
    h.update(json.dumps([settings.timeout, repr(settings.limits), caps.describe(), sys.version]).encode())
    return h.hexdigest()[:24]
