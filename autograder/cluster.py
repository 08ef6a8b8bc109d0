"""Grading on a Dask cluster: the local pool's tasks, run by Dask workers on other machines (``grade --cluster``).

:func:`run_tasks` takes the same template builds and grading jobs as :func:`autograder.pool.run_tasks` and the
same ``handle`` and ``fault``, so everything around it (job keys, the result cache, the progress bar, the
single writer) is unchanged. No filesystem is shared: a task carries what it needs as data and returns what it
made as data.

- A template build carries the assignment's ``source/`` files and the course's ``nbgrader_config.py``; the
  worker builds the template as the local pool would and sends its files back, and this process stores them in
  the instructor's template cache.
- A grading job carries the submission's bytes (its exchange files as they are: a link stays a link, an
  oversized file keeps its size and nothing else) and depends on the assignment's :class:`Bundle`, sent once
  per run as a task's result (:func:`hold`), which Dask copies to a worker once. The worker unpacks it in its local
  folder, named by its hash, grades with :func:`autograder.runner.grade_job` in one of its own slot processes (the
  sandbox exactly as in a local worker), and returns the result and the job's files; this process writes them into
  ``<out>/.cache/jobs/<key>`` as a local worker would have.
- Both sides hash the course files with their own code (:func:`template_hash`): a worker running another
  version of the grader or of the ``course`` package refuses the job instead of grading it against other tests.

Each job asks for ``1/--workers`` of a worker's :data:`RESOURCE` (workers start with ``--resources
autograder=1``), so a worker runs at most ``--workers`` jobs at once (and at most its ``--nthreads``). A job
whose slot process dies is retried (``retries``) and a job whose whole worker dies is rescheduled by the
scheduler (its ``allowed-failures``); past either bound the job is a ``grader_error`` naming the cause. A
student's timeout or crash is a graded result and is never retried. Task keys are the job keys.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import hashlib
import ipaddress
import json
import multiprocessing
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import pool, runner, sandbox, templates
from .description import describe
from .errors import GradingError
from .nbgrader_ops import COURSE_CONFIG
from .paths import AUTOGRADER_DIR, REPO
from .results import Flag, Status, SubmissionResult

RESOURCE = "autograder"  # a worker offers autograder=1; a job takes 1/--workers of it
SCHEMES = ("tcp", "tls")
CONNECT_SECONDS = 15  # reaching the scheduler
WAIT_SECONDS = 120  # waiting for a worker, at the start or when every worker has left
POLL_SECONDS = 2
EXCHANGE_LIMIT = 4096  # runner.stage_submission ignores exchange files above this size: only the size travels
WORKER_HINT = f"start one with `dask worker ADDRESS --resources {RESOURCE}=1` (see deploy/dask/README.md)"


@dataclass(frozen=True)
class ClusterOptions:
    """Where the scheduler is and what the instructor allows."""

    address: str  # tcp://host:port, tls://host:port, or a scheduler file
    insecure: bool = False  # plain tcp:// to a host that is not this machine
    allow_unconfined: bool = False  # grade on workers that cannot sandbox student code
    wait: float = WAIT_SECONDS
    connect: float = CONNECT_SECONDS
    log: Callable[[str], None] = field(default=print, compare=False, repr=False)


def options(cluster: ClusterOptions | str, log: Callable[[str], None] = print) -> ClusterOptions:
    """Checked options (a bare address becomes options with the defaults); :class:`GradingError` when refused."""
    opts = cluster if isinstance(cluster, ClusterOptions) else ClusterOptions(str(cluster))
    scheduler_address(opts)
    return dataclasses.replace(opts, log=log)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def scheduler_address(opts: ClusterOptions) -> str:
    """The scheduler's address, from ``opts.address`` or the scheduler file it names, once it passes the checks."""
    address = opts.address
    if "://" not in address:
        path = Path(address)
        if not path.is_file():
            raise GradingError(
                f"--cluster {address!r} is neither a tcp:// or tls:// scheduler address nor a "
                "scheduler file (`dask scheduler --scheduler-file FILE` writes one)"
            )
        try:
            address = str(json.loads(path.read_text(encoding="utf-8"))["address"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise GradingError(f"the scheduler file {path} has no address ({type(exc).__name__}: {exc})") from None
    parts = urlsplit(address)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise GradingError(f"--cluster {address!r}: expected tcp://HOST:PORT or tls://HOST:PORT")
    if parts.scheme == "tcp" and not is_loopback(parts.hostname) and not opts.insecure:
        raise GradingError(
            f"refusing plain tcp:// to {parts.hostname}: the Dask scheduler runs whatever code any client sends it, "
            "and tcp:// is neither encrypted nor authenticated. Bind the scheduler to 127.0.0.1 (and reach it "
            "through an SSH tunnel) or use tls:// with mutual authentication (deploy/dask/README.md); pass "
            "--cluster-insecure only on a network where every machine is yours"
        )
    return address


# --- both sides: what a worker must agree on --------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def code_fingerprint(helper_dirs: tuple[str, ...] = ()) -> str:
    """Hash of the code that decides a grade here: the grader, the course's helper packages the notebooks import
    (their folders on this machine), and nbgrader's and Python's versions."""
    import nbgrader

    h = hashlib.sha256(f"nbgrader {nbgrader.__version__}\0python {sys.version_info[:2]}\0".encode())
    trees = [(AUTOGRADER_DIR, AUTOGRADER_DIR.glob("*.py"))] + [(Path(d), Path(d).rglob("*.py")) for d in helper_dirs]
    for root, files in trees:
        h.update(f"{root.name}/\0".encode())  # the packages' same-named files stay apart
        templates._hash_tree(h, root, files)
    return h.hexdigest()


def template_hash(course_root: Path, assignment: str) -> str:
    """What a template depends on (:func:`templates.template_key`) and the code grading against it (the helper
    packages the course's ``nbgrader_config.py`` names, as this machine has them)."""
    key = templates.template_key(course_root, assignment)
    helpers = describe(course_root).locate(course_root).helper_dirs
    return hashlib.sha256(f"{assignment}\0{key}\0{code_fingerprint(helpers)}".encode()).hexdigest()[:24]


def course_files(course_root: Path, assignment: str) -> dict[str, bytes]:
    """The course files a worker needs for one assignment: ``nbgrader_config.py`` and ``source/<assignment>/``."""
    root = Path(course_root)
    files = {COURSE_CONFIG: (root / COURSE_CONFIG).read_bytes()} if (root / COURSE_CONFIG).is_file() else {}
    source = root / "source" / assignment
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def pack(folder: Path) -> dict[str, bytes | None]:
    """Every folder (``None``) and file (its bytes) under ``folder``, by relative path; links are left out."""
    return {
        p.relative_to(folder).as_posix(): (None if p.is_dir() else p.read_bytes())
        for p in sorted(Path(folder).rglob("*"))
        if not p.is_symlink() and (p.is_dir() or p.is_file())
    }


def unpack(files: dict[str, bytes | None], folder: Path) -> None:
    """Write what :func:`pack` made into ``folder``; a path that would leave it is refused."""
    folder.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        path = folder / rel
        if rel.startswith("/") or ".." in Path(rel).parts:
            raise ValueError(f"refused a path outside its folder: {rel!r}")
        if data is None:
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


@dataclass(frozen=True)
class Bundle:
    """An assignment's template and course files, as data: what every grading job of the assignment needs."""

    assignment: str
    expected: str  # template_hash on the instructor's machine
    digest: str  # Template.digest: the gradebook's own hash
    course: dict[str, bytes]
    template: dict[str, bytes | None]


@dataclass(frozen=True)
class BuildPayload:
    assignment: str
    expected: str
    course: dict[str, bytes]


@dataclass(frozen=True)
class GradePayload:
    """One submission, as data: the notebook's bytes and its exchange files as they are."""

    student_id: str
    assignment: str
    key: str
    expected: str
    notebook: bytes
    extras: dict[str, tuple[str, Any]]  # name -> ("file", bytes) | ("big", size) | ("link", None)
    timeout: int
    limits: Any
    allow_unconfined: bool


@dataclass
class Outcome:
    """What a worker sends back: a refusal (the reason), a built template, or a graded job and its files."""

    refused: str = ""
    bundle: Bundle | None = None
    result: SubmissionResult | None = None
    files: dict[str, bytes | None] = field(default_factory=dict)
    worker: str = ""


class WorkerLost(RuntimeError):
    """A worker's grading process died under a job (the job is retried, as when the whole worker dies)."""


# --- the instructor's side ---------------------------------------------------------------------------------


def connect(opts: ClusterOptions):
    """A client of the scheduler; :class:`GradingError` saying what to check when it cannot be reached."""
    from distributed import Client

    address = scheduler_address(opts)
    try:
        return Client(address, timeout=opts.connect, set_as_default=False)
    except (OSError, TimeoutError, TypeError, ValueError) as exc:  # TypeError: tls:// without a TLS configuration
        tls = (
            (
                " For tls://, Dask's TLS configuration (deploy/dask/tls.yaml) must give this machine a certificate "
                "of the course's CA."
            )
            if address.startswith("tls://")
            else ""
        )
        raise GradingError(
            f"cannot reach the Dask scheduler at {address} within {opts.connect:g} s "
            f"({type(exc).__name__}: {exc}): is `dask scheduler` running there, and is the address "
            f"right? (deploy/dask/README.md){tls}"
        ) from None


def grading_workers(client) -> list[str]:
    """Addresses of the workers that offer :data:`RESOURCE`."""
    workers = client.scheduler_info(n_workers=-1)["workers"]
    return sorted(a for a, w in workers.items() if w.get("resources", {}).get(RESOURCE, 0) > 0)


def wait_for_workers(client, opts: ClusterOptions, why: str = "") -> list[str]:
    """The grading workers, waiting up to ``opts.wait`` seconds for the first (saying so once)."""
    deadline, said = time.monotonic() + opts.wait, False
    while True:
        found = grading_workers(client)
        if found:
            return found
        others = len(client.scheduler_info(n_workers=-1)["workers"])
        extra = f" ({others} worker(s) connected without the {RESOURCE} resource)" if others else ""
        if not said:
            opts.log(
                f"{why}waiting up to {opts.wait:g} s for a Dask worker at {client.scheduler.address}{extra}: "
                f"{WORKER_HINT}"
            )
            said = True
        if time.monotonic() > deadline:
            raise GradingError(
                f"no Dask worker with the {RESOURCE} resource joined {client.scheduler.address} "
                f"within {opts.wait:g} s{extra}: {WORKER_HINT}; nothing was written"
            )
        time.sleep(min(POLL_SECONDS, opts.wait))


def run_tasks(opts: ClusterOptions, first: list[pool.Task], workers: int, handle, fault) -> None:
    """:func:`autograder.pool.run_tasks` on the cluster: ``first`` and every task ``handle`` adds, until none is
    left."""
    client = connect(opts)
    try:
        found = wait_for_workers(client, opts)
        opts.log(
            f"grading on {len(found)} Dask worker(s) at {client.scheduler.address}, "
            f"up to {workers} job(s) at once on each"
        )
        _Run(client, opts, workers, handle, fault).run(first)
    finally:
        client.close()


class _Run:
    """One run's futures: each task's, and each assignment's :class:`Bundle`."""

    def __init__(self, client, opts: ClusterOptions, workers: int, handle, fault):
        self.client, self.opts, self.handle, self.fault = client, opts, handle, fault
        self.resources = {RESOURCE: 1 / workers - 1e-12}  # float sums: exactly `workers` jobs fit in 1
        self.running: dict = {}
        self.finished: queue.Queue = queue.Queue()  # futures as they finish (their callbacks put them here)
        self.bundles: dict[str, Any] = {}
        self.hashes: dict[tuple[str, str], str] = {}

    def run(self, first: list[pool.Task]) -> None:
        self.start(first)
        alone_since = None
        while self.running:
            try:
                future = self.finished.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if grading_workers(self.client):
                    alone_since = None
                elif alone_since is None:
                    alone_since = time.monotonic()
                    self.opts.log(f"every Dask worker left; waiting up to {self.opts.wait:g} s: {WORKER_HINT}")
                elif time.monotonic() - alone_since > self.opts.wait:
                    raise GradingError(
                        f"every Dask worker left the cluster and none came back within "
                        f"{self.opts.wait:g} s: {len(self.running)} job(s) unfinished, nothing written"
                    ) from None  # the empty queue is not the cause
                continue
            task = self.running.pop(future)
            try:
                result = self.land(task, future.result())
            except Exception as exc:
                result = self.fault(task, _cause(exc))
            future.release()
            self.start(self.handle(task, result))

    def start(self, tasks: list[pool.Task]) -> None:
        for task in tasks:
            if isinstance(task, templates.BuildTask):
                req = task.arg
                expected = self.expected(req.course_root, req.assignment)
                payload = BuildPayload(req.assignment, expected, course_files(Path(req.course_root), req.assignment))
                future = self.client.submit(
                    build_remote,
                    payload,
                    key=f"autograder-template-{expected}",
                    resources=self.resources,
                    retries=pool.TRIES - 1,
                )
            elif isinstance(task, runner.GradeTask):
                payload = grade_payload(
                    task.arg, self.expected(task.arg.options.course_root, task.arg.assignment), self.opts
                )
                future = self.client.submit(
                    grade_remote,
                    payload,
                    self.bundle(task.arg),
                    key=f"autograder-grade-{task.arg.key}",
                    resources=self.resources,
                    retries=pool.TRIES - 1,
                )
            else:
                raise TypeError(f"the cluster runs template builds and grading jobs, not {task.run.__name__}")
            self.running[future] = task
            future.add_done_callback(self.finished.put)

    def expected(self, course_root: str, assignment: str) -> str:
        """:func:`template_hash`, once per assignment and run (it reads the assignment's whole source folder)."""
        if (course_root, assignment) not in self.hashes:
            self.hashes[course_root, assignment] = template_hash(Path(course_root), assignment)
        return self.hashes[course_root, assignment]

    def bundle(self, job: runner.Job):
        """The future of the job's template bundle (sent once per run; Dask copies it to each worker once)."""
        template = job.template
        if template.path not in self.bundles:
            expected = self.expected(job.options.course_root, template.assignment)
            data = Bundle(
                template.assignment,
                expected,
                template.digest,
                course_files(Path(job.options.course_root), template.assignment),
                pack(Path(template.path)),
            )
            self.bundles[template.path] = self.client.submit(
                hold, data, key=f"autograder-bundle-{expected}-{template.digest}"
            )
        return self.bundles[template.path]

    def land(self, task: pool.Task, out: Outcome):
        """The worker's outcome as the local pool's: a :class:`Template` (stored in the template cache) or an
        exception for a build; a result whose files are in the job's cache folder for a job."""
        if isinstance(task.arg, templates.BuildRequest):
            if out.refused:
                return RuntimeError(out.refused)
            return store_template(out.bundle, Path(task.arg.dest))
        job = task.arg
        if out.refused:
            return SubmissionResult(
                job.student_id,
                job.assignment,
                Status.GRADER_ERROR,
                key=job.key,
                message=out.refused,
                flags=[Flag("grader_error", out.refused)],
            )
        cache = Path(job.cache_dir)
        if cache.exists():
            shutil.rmtree(cache)
        unpack(out.files, cache)
        (cache / "result.json").write_text(out.result.to_json(), encoding="utf-8")
        return out.result


def hold(bundle: Bundle) -> Bundle:
    """A task that returns its bundle. Unlike scattered data, which is lost with the last worker holding it, a task's
    result is computed again by the scheduler, so the jobs of an assignment outlive any worker."""
    return bundle


def _cause(exc: BaseException) -> BaseException:
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return RuntimeError(
            f"every Dask worker that ran this job died (the scheduler's allowed-failures bound): {exc}"
        )
    return exc


def grade_payload(job: runner.Job, expected: str, opts: ClusterOptions) -> GradePayload:
    """The job as data: the notebook's bytes and its exchange files as :func:`runner.stage_submission` sees them."""
    notebook = Path(job.notebook)
    extras = {}
    for name in runner.EXCHANGE_FILES:
        path = notebook.with_name(name)
        if path.is_symlink():
            extras[name] = ("link", None)
        elif path.is_file():
            size = path.stat().st_size
            extras[name] = ("big", size) if size > EXCHANGE_LIMIT else ("file", path.read_bytes())
    return GradePayload(
        job.student_id,
        job.assignment,
        job.key,
        expected,
        notebook.read_bytes(),
        extras,
        job.options.timeout,
        job.options.limits,
        opts.allow_unconfined,
    )


def store_template(bundle: Bundle, dest: Path) -> templates.Template:
    """A template built on a worker, in the instructor's cache under its usual name (renamed into place whole)."""
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    done = templates.Template.load(dest)
    if done is None:
        work = Path(tempfile.mkdtemp(prefix=f"{templates.BUILDING}{bundle.assignment}-", dir=dest.parent))
        try:
            unpack(bundle.template, work)
            shutil.rmtree(dest, ignore_errors=True)
            os.rename(work, dest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        done = templates.Template.load(dest)
    if done is None or done.digest != bundle.digest:
        raise RuntimeError(f"the template of {bundle.assignment} a worker built is incomplete or altered")
    return done


# --- the worker's side -------------------------------------------------------------------------------------


class _Worker:
    """This Dask worker's grading state: its local folders and its slot processes (one job each at a time)."""

    lock = threading.Lock()
    current: _Worker | None = None

    def __init__(self):
        from distributed import get_worker

        worker = get_worker()
        self.address = worker.address
        self.local = Path(worker.local_directory)
        # bundles, submissions, results: hidden from every kernel. Not a name Python can import: Dask puts the
        # local folder on sys.path, where a folder named `autograder` would shadow the package in slot processes
        self.base = self.local / "autograder-work"
        self.base.mkdir(mode=0o700, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix="autograder-"))  # job folders, as the local run's scratch
        os.chmod(self.scratch, 0o711)
        atexit.register(shutil.rmtree, self.scratch, True)
        self.size = max(1, worker.state.nthreads)
        self.slots = self.new_pool()

    def new_pool(self):
        from concurrent.futures import ProcessPoolExecutor

        process = multiprocessing.current_process()
        if process.daemon:  # a nanny starts daemonic workers (distributed.worker.daemon); grading needs children
            process.daemon = False
        return ProcessPoolExecutor(
            max_workers=self.size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_slot_start,
            initargs=(os.getpid(),),
        )

    @classmethod
    def get(cls) -> _Worker:
        with cls.lock:
            if cls.current is None:
                cls.current = cls()
            return cls.current

    def renew(self, broken) -> None:
        with self.lock:
            if self.slots is broken:
                self.slots = self.new_pool()

    def hidden(self) -> tuple[str, ...]:
        return tuple(sorted({str(self.base), str(self.local), str(REPO)}))

    def course(self, files: dict[str, bytes], assignment: str, expected: str) -> Path | str:
        """The course files as a one-assignment course root, or the refusal when this worker hashes them otherwise."""
        root = self.base / "courses" / expected
        with self.lock:
            if not root.is_dir():
                root.parent.mkdir(exist_ok=True)
                work = Path(tempfile.mkdtemp(dir=root.parent))
                unpack(files, work)
                os.rename(work, root)
        mine = template_hash(root, assignment)
        if mine != expected:
            return (
                f"template hash mismatch on Dask worker {self.address}: its grader and course code hash "
                f"{assignment} to {mine}, the instructor's to {expected}. The worker runs another version of "
                "the course or the grader: install the instructor's checkout on every worker. Not graded."
            )
        return root

    def template(self, bundle: Bundle) -> templates.Template | str:
        """The bundle's template in this worker's folder (unpacked once per worker), or the refusal."""
        dest = self.base / "templates" / f"{bundle.assignment}-{bundle.expected}-{bundle.digest}"
        with self.lock:
            if templates.Template.load(dest) is None:
                dest.parent.mkdir(exist_ok=True)
                work = Path(tempfile.mkdtemp(dir=dest.parent))
                unpack(bundle.template, work)
                shutil.rmtree(dest, ignore_errors=True)
                os.rename(work, dest)
        template = templates.Template.load(dest)
        gradebook = hashlib.sha256(template.gradebook.read_bytes()).hexdigest()[:16] if template else ""
        if template is None or gradebook != bundle.digest:
            return (
                f"the template of {bundle.assignment} did not arrive whole on Dask worker {self.address}: not graded"
            )
        return template

    def in_slot(self, fn, *args):
        slots = self.slots
        try:
            return slots.submit(fn, *args).result()
        except BrokenProcessPool as exc:
            self.renew(slots)
            raise WorkerLost(f"the grading process on Dask worker {self.address} died ({exc})") from None


def _slot_start(parent: int) -> None:
    """A slot process: the local pool's start-up, and an exit (with its kernels) when the Dask worker dies."""
    pool.warm_up()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        caps = sandbox.probe()
        if caps.slot is not None and caps.user:
            sandbox._kill_everything_of(*caps.user)  # this slot's kernels: nobody is left to end them
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="autograder-parent-watch").start()


def build_remote(payload: BuildPayload) -> Outcome:
    """A Dask task: build the template from the course files, return its files."""
    worker = _Worker.get()
    root = worker.course(payload.course, payload.assignment, payload.expected)
    if isinstance(root, str):
        return Outcome(refused=root, worker=worker.address)
    dest = worker.base / "built" / f"{payload.assignment}-{payload.expected}"
    template = worker.in_slot(templates.build, templates.BuildRequest(str(root), payload.assignment, str(dest)))
    bundle = Bundle(payload.assignment, payload.expected, template.digest, payload.course, pack(Path(template.path)))
    return Outcome(bundle=bundle, worker=worker.address)


def unconfined(caps: sandbox.Capabilities) -> list[str]:
    """What keeps this machine from confining student code as a grading worker must."""
    # A non-root worker with bubblewrap confines kernels in a user namespace of their own: no separate user needed.
    missing = (
        []
        if caps.user or caps.bwrap
        else [
            "no unprivileged user (run the worker as root with setpriv and useradd, "
            "or turn user namespaces on for bwrap)"
        ]
    )
    missing += [] if caps.namespaces else ["no mount/network namespaces (bwrap, or root and unshare)"]
    return missing + ([] if caps.prlimit or caps.scope else ["no prlimit (memory and CPU caps)"])


def _grade_in_slot(job: runner.Job, allow_unconfined: bool, address: str) -> Outcome:
    """In a slot process: refuse when the sandbox is missing (unless allowed), else grade; the job's files back."""
    missing = unconfined(sandbox.probe())
    if missing and not allow_unconfined:
        return Outcome(
            refused=f"Dask worker {address} cannot sandbox student code ({'; '.join(missing)}): refused, "
            "not graded (pass --allow-unconfined to grade there anyway)",
            worker=address,
        )
    result = runner.grade_job(job)
    files = {k: v for k, v in pack(Path(job.cache_dir)).items() if k != "result.json"}
    return Outcome(result=result, files=files, worker=address)


def _component(name: str) -> str:
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"refused a path component {name!r}")
    return name


def grade_remote(payload: GradePayload, bundle: Bundle) -> Outcome:
    """A Dask task: grade one submission against the bundle's template, return the result and the job's files."""
    worker = _Worker.get()
    if bundle.expected != payload.expected:
        return Outcome(
            refused="the job and its template bundle belong to different course versions", worker=worker.address
        )
    root = worker.course(bundle.course, bundle.assignment, bundle.expected)
    template = worker.template(bundle) if not isinstance(root, str) else root
    if isinstance(template, str):
        return Outcome(refused=template, worker=worker.address)
    work = Path(tempfile.mkdtemp(prefix="job-", dir=worker.base))
    try:
        folder = work / "submitted" / _component(payload.student_id) / _component(payload.assignment)
        folder.mkdir(parents=True)
        notebook = folder / f"{payload.assignment}.ipynb"
        notebook.write_bytes(payload.notebook)
        for name, (kind, data) in payload.extras.items():
            path = folder / _component(name)
            if kind == "link":
                path.symlink_to("/nonexistent/autograder-link")  # never followed: only its being a link counts
            elif kind == "big":
                with path.open("wb") as fh:
                    fh.truncate(int(data))  # sparse: only the size is read
            else:
                path.write_bytes(data)
        options = runner.JobOptions(str(root), str(worker.scratch), worker.hidden(), payload.timeout, payload.limits)
        job = runner.Job(
            payload.student_id, payload.assignment, str(notebook), template, str(work / "out"), payload.key, options
        )
        return worker.in_slot(_grade_in_slot, job, payload.allow_unconfined, worker.address)
    finally:
        shutil.rmtree(work, ignore_errors=True)
