"""``grade --cluster``: a real ``dask scheduler`` and real ``dask worker`` processes on 127.0.0.1.

Every process a test starts (and every process those start, orphans included: this process becomes their
subreaper) is ended by its PID when the test's fixture ends.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder import cluster
from autograder.api import SAMPLE_CLASS, grade_class
from autograder.cli import main
from autograder.errors import GradingError
from autograder.paths import REPO
from autograder.templates import Template
from tests.test_autograder import corpus
from tests.test_autograder.conftest import TIMEOUT

pytestmark = pytest.mark.slow

DASK = Path(sys.executable).with_name("dask")
STUDENTS = ("ada_lovelace", "alan_turing", "barbara_liskov")  # a handful of the sample class, one quick assignment
ASSIGNMENT = "01_tuning_process"
CSVS = ("grades.csv", "cells.csv", "integrity.csv")
HOSTILE = ("infinite_loop", "os_exit", "memory_hog", "thread_bomb", "snoop")
PR_SET_CHILD_SUBREAPER = 36


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            tree.setdefault(int(stat[stat.rindex(")") + 2 :].split()[1]), []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """The scheduler and workers a test starts; :meth:`end` kills them and all they started, by PID."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.before = _descendants(os.getpid())
        self.started: list[subprocess.Popen] = []
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans of a killed worker come back here, to be ended

    def start(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [str(DASK), *args],
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        self.started.append(process)
        return process

    def scheduler(self, protocol: str = "tcp", env: dict | None = None) -> str:
        port = _free_port()
        self.start(
            "scheduler",
            ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--protocol", protocol, "--no-dashboard"],
            env,
        )
        return f"{protocol}://127.0.0.1:{port}"

    def worker(
        self, address: str, name: str, env: dict | None = None, nthreads: int = 2, extra: tuple[str, ...] = ()
    ) -> subprocess.Popen:
        return self.start(
            name,
            [
                "worker",
                address,
                "--host",
                "127.0.0.1",
                "--name",
                name,
                "--nthreads",
                str(nthreads),
                "--resources",
                f"{cluster.RESOURCE}=1",
                "--no-dashboard",
                *extra,
            ],
            env,
        )

    def end(self, process: subprocess.Popen | None = None) -> None:
        targets = [process] if process else self.started
        pids = set()
        for p in targets:
            pids |= {p.pid} | _descendants(p.pid)
        if process is None:
            pids |= _descendants(os.getpid()) - self.before
        for pid in sorted(pids):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in targets:
            p.wait(timeout=30)
        for pid in pids:  # reap the orphans this process adopted
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def wait_for(address: str, count: int, seconds: float = 180) -> None:
    """Block until ``count`` grading workers have joined the scheduler at ``address``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            client = cluster.connect(cluster.ClusterOptions(address, connect=5))
        except GradingError:
            client = None
        if client is not None:
            try:
                if len(cluster.grading_workers(client)) >= count:
                    return
            finally:
                client.close()
        assert time.monotonic() < deadline, f"{count} worker(s) did not join {address}"
        time.sleep(1)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A scheduler and two workers (each: autograder=1, two threads) on 127.0.0.1."""
    procs = Processes(tmp_path_factory.mktemp("dask"))
    try:
        address = procs.scheduler()
        workers = [procs.worker(address, f"grader-{i}") for i in (1, 2)]
        wait_for(address, 2)
        yield {"address": address, "procs": procs, "workers": workers}
    finally:
        procs.end()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A few students' submissions of one assignment, graded once by the local pool (the reference)."""
    subs = tmp_path_factory.mktemp("subs")
    for student in STUDENTS:
        shutil.copytree(SAMPLE_CLASS / student / ASSIGNMENT, subs / student / ASSIGNMENT)
    local, templates = tmp_path_factory.mktemp("local"), tmp_path_factory.mktemp("local-templates")
    grade_class(subs, local, workers=2, template_cache=templates, log=lambda m: None)
    return {"subs": subs, "local": local, "templates": templates}


def same_csvs(a: Path, b: Path) -> None:
    for name in CSVS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_the_cluster_grades_exactly_as_the_local_pool(dask_cluster, sample, tmp_path):
    """Templates built on the workers (an empty template cache), jobs graded there: the same bytes."""
    out, cache, said = tmp_path / "out", tmp_path / "templates", []
    results = grade_class(
        sample["subs"], out, workers=1, template_cache=cache, cluster=dask_cluster["address"], log=said.append
    )
    assert [r.status for r in results] == ["graded"] * len(STUDENTS), [r.message for r in results]
    same_csvs(sample["local"], out)
    for student in STUDENTS:
        for kind, name in (("feedback", f"{ASSIGNMENT}.html"), ("autograded", f"{ASSIGNMENT}.ipynb")):
            assert (out / kind / student / ASSIGNMENT / name).is_file()
    [built], [local] = cache.iterdir(), sample["templates"].iterdir()  # built on a worker, stored here
    assert built.name == local.name  # the same template key (each build's gradebook has its own timestamps)
    mine, theirs = Template.load(built), Template.load(local)
    assert (mine.max_score, mine.exercises) == (theirs.max_score, theirs.exercises)
    assert any("grading on 2 Dask worker(s)" in m for m in said), said
    again = grade_class(
        sample["subs"], out, workers=1, template_cache=cache, cluster=dask_cluster["address"], log=lambda m: None
    )
    assert all(r.cached for r in again)  # the result cache works as locally: nothing is sent twice
    same_csvs(sample["local"], out)


class KillWhenBusy:
    """SIGKILL the first worker caught grading (a few seconds into its job), from a thread, while a run goes on."""

    def __init__(self, address: str):
        from distributed import Client

        self.client = Client(address, set_as_default=False)
        self.pids = self.client.run(os.getpid)
        self.killed: list[str] = []
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self):
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not self.killed:
            processing = self.client.processing()
            busy = [w for w, keys in processing.items() if any("autograder-grade" in str(k) for k in keys)]
            if busy:
                time.sleep(3)  # well into nbgrader
                os.kill(self.pids[busy[0]], signal.SIGKILL)
                self.killed.append(busy[0])
            time.sleep(0.2)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.thread.join(timeout=5)
        self.client.close()


def test_a_worker_killed_mid_run_loses_nothing(dask_cluster, sample, tmp_path):
    """SIGKILL a worker process while it grades: its job runs again elsewhere, each submission once."""
    seen = []
    with KillWhenBusy(dask_cluster["address"]) as killer:
        results = grade_class(
            sample["subs"],
            tmp_path,
            workers=1,
            force=True,
            cluster=dask_cluster["address"],
            on_done=lambda r: seen.append((r.student_id, r.assignment)),
            log=lambda m: None,
        )
    assert killer.killed, "no worker was caught grading"
    assert sorted(seen) == sorted((s, ASSIGNMENT) for s in STUDENTS)  # each exactly once
    assert [r.status for r in results] == ["graded"] * len(STUDENTS)
    same_csvs(sample["local"], tmp_path)
    wait_for(dask_cluster["address"], 2)  # the nanny restarted it, for the tests after this one


def test_hostile_submissions_on_a_worker_harm_no_one(dask_cluster, toy_course, toy_release, tmp_path):
    """Each hostile case gets its corpus score and flags (those the local pool gives), the correct one beside it
    full marks; the snoop reads nothing of the worker's other jobs, templates or course files."""
    expected = cluster.template_hash(toy_course, "toy")
    from distributed import Client

    with Client(dask_cluster["address"], set_as_default=False) as client:
        local_dirs = [w["local_directory"] for w in client.scheduler_info(n_workers=-1)["workers"].values()]
    secrets = [
        p
        for d in local_dirs
        for p in (
            d,
            f"{d}/autograder-work",
            f"{d}/autograder-work/courses/{expected}/source/toy/toy.ipynb",
            f"{d}/autograder-work/templates",
            f"{d}/autograder-work/built",
            str(Path(d).parent),
        )
    ]
    cases = {c.name: c for c in corpus.cases(secrets)}
    subs = tmp_path / "subs"
    source = toy_course / "source" / "toy" / "toy.ipynb"
    for name in HOSTILE:
        corpus.write(cases[name], toy_release, source, subs / name / "toy")
        corpus.write(cases["correct"], toy_release, source, subs / f"{name}{corpus.BESIDE}" / "toy")
    results = {
        r.student_id: r
        for r in grade_class(
            subs,
            tmp_path / "out",
            workers=2,
            timeout=TIMEOUT,
            course_root=toy_course,
            memory_mb=1536,
            cluster=dask_cluster["address"],
            log=lambda m: None,
        )
    }
    for name in HOSTILE:
        result, case = results[name], cases[name]
        assert (result.status, result.score) == (case.status, case.score), (name, result.message, result.cells)
        assert {f.flag for f in result.flags} == case.flags, (name, result.flags)
        beside = results[name + corpus.BESIDE]
        assert (beside.status, beside.score, beside.flags) == ("graded", 7, []), (name, beside.message)
    graded = nbformat.read(str(tmp_path / "out" / "autograded" / "snoop" / "toy" / "toy.ipynb"), as_version=4)
    printed = "".join(o.get("text", "") for c in graded.cells if c.cell_type == "code" for o in c.outputs)
    assert "READ " not in printed and "CONNECTED" not in printed, printed


# --- bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address, why",
    [
        ("tcp://10.1.2.3:8786", "refusing plain tcp://"),
        ("tcp://grading.example.org:8786", "refusing plain tcp://"),
        ("inproc://somewhere", "expected tcp://"),
        ("/nonexistent/scheduler.json", "neither a tcp:// or tls://"),
    ],
)
def test_addresses_refused_before_connecting(address, why):
    with pytest.raises(GradingError, match=why):
        cluster.options(address)


def test_plain_tcp_elsewhere_only_when_asked_and_tls_anywhere(tmp_path):
    assert cluster.options(cluster.ClusterOptions("tcp://10.1.2.3:8786", insecure=True)).address
    assert cluster.options("tls://grading.example.org:8786").address
    file = tmp_path / "scheduler.json"
    file.write_text('{"address": "tcp://10.9.9.9:8786"}')
    with pytest.raises(GradingError, match="refusing plain tcp://"):
        cluster.options(str(file))


def test_a_job_whose_workers_all_died_names_the_cause():
    from types import SimpleNamespace

    from distributed import KilledWorker

    cause = cluster._cause(KilledWorker("autograder-grade-abc", SimpleNamespace(address="tcp://127.0.0.1:1"), 3))
    assert "every Dask worker that ran this job died" in str(cause) and "autograder-grade-abc" in str(cause)
    other = ValueError("x")
    assert cluster._cause(other) is other


def test_files_travel_as_data_and_stay_in_their_folder(tmp_path):
    (tmp_path / "a" / "feedback").mkdir(parents=True)
    (tmp_path / "a" / "gradebook.db").write_bytes(b"\0rows")
    files = cluster.pack(tmp_path / "a")
    assert files == {"feedback": None, "gradebook.db": b"\0rows"}
    cluster.unpack(files, tmp_path / "b")
    assert cluster.pack(tmp_path / "b") == files  # an empty feedback folder too: the writer lists it
    for bad in ("../escape", "/etc/passwd", "x/../../escape"):
        with pytest.raises(ValueError, match="outside its folder"):
            cluster.unpack({bad: b"x"}, tmp_path / "c")


def test_cluster_flags_need_cluster(capsys):
    assert main(["grade", "--allow-unconfined", "--quiet"]) == 2
    assert "go with --cluster" in capsys.readouterr().err


def test_an_unreachable_scheduler_fails_clearly(sample, tmp_path):
    opts = cluster.ClusterOptions(f"tcp://127.0.0.1:{_free_port()}", connect=3)
    start = time.monotonic()
    with pytest.raises(GradingError, match="cannot reach the Dask scheduler"):
        grade_class(sample["subs"], tmp_path, cluster=opts, log=lambda m: None)
    assert time.monotonic() - start < 60
    assert not (tmp_path / "grades.csv").exists()


@pytest.fixture(scope="module")
def lone_scheduler(tmp_path_factory):
    """A scheduler that starts with no worker, and gives up on a job at the first worker that dies under it."""
    procs = Processes(tmp_path_factory.mktemp("dask-lone"))
    try:
        address = procs.scheduler(env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"})
        yield {"address": address, "procs": procs, "folder": procs.folder}
    finally:
        procs.end()


def test_a_scheduler_without_workers_waits_then_fails(lone_scheduler, sample, tmp_path):
    wait_for_scheduler(lone_scheduler["address"])
    said = []
    opts = cluster.ClusterOptions(lone_scheduler["address"], wait=4)
    with pytest.raises(GradingError, match="no Dask worker with the autograder resource"):
        grade_class(sample["subs"], tmp_path, force=True, cluster=opts, log=said.append)
    assert any("waiting up to 4 s for a Dask worker" in m for m in said), said
    assert not (tmp_path / "grades.csv").exists()


def wait_for_scheduler(address: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            cluster.connect(cluster.ClusterOptions(address, connect=5)).close()
            return
        except GradingError:
            assert time.monotonic() < deadline, f"no scheduler at {address}"


def graded_by_one_worker(lone, name: str, env: dict, toy_course, toy_release, folder: Path):
    """A correct toy submission graded by a single worker started with ``env`` (ended afterwards)."""
    correct = next(c for c in corpus.cases([]) if c.name == "correct")
    corpus.write(
        correct, toy_release, toy_course / "source" / "toy" / "toy.ipynb", folder / "subs" / "correct" / "toy"
    )
    worker = lone["procs"].worker(lone["address"], name, env=env, nthreads=1)
    try:
        wait_for(lone["address"], 1)
        [result] = grade_class(
            folder / "subs",
            folder / "out",
            timeout=TIMEOUT,
            course_root=toy_course,
            force=True,
            cluster=lone["address"],
            log=lambda m: None,
        )
    finally:
        lone["procs"].end(worker)
    assert (result.status, result.score) == ("grader_error", 0)
    assert not (folder / "out" / "autograded").exists() or not any((folder / "out" / "autograded").iterdir())
    return result


def test_a_worker_with_another_course_version_refuses(lone_scheduler, toy_course, toy_release, toy_template, tmp_path):
    """A worker whose ``course`` package differs hashes the template otherwise: refused, never graded."""
    shadow = tmp_path / "shadow"
    shutil.copytree(REPO / "course", shadow / "course", ignore=shutil.ignore_patterns("__pycache__"))
    with (shadow / "course" / "checks.py").open("a") as fh:
        fh.write("\n# a later version of the course's checks\n")
    result = graded_by_one_worker(
        lone_scheduler, "other-version", {"PYTHONPATH": str(shadow)}, toy_course, toy_release, tmp_path
    )
    assert "template hash mismatch" in result.flags[0].detail, result.flags


def test_a_worker_that_cannot_sandbox_refuses(lone_scheduler, toy_course, toy_release, toy_template, tmp_path):
    """Without setpriv, unshare and prlimit on its PATH the worker cannot confine a kernel: it refuses the job."""
    result = graded_by_one_worker(
        lone_scheduler, "unconfined", {"PATH": str(Path(sys.executable).parent)}, toy_course, toy_release, tmp_path
    )
    detail = result.flags[0].detail
    assert "cannot sandbox student code" in detail and "--allow-unconfined" in detail, detail


def _tls_text(certs: Path) -> str:
    """deploy/dask/tls.yaml with its certificate folder moved to ``certs``."""
    return (REPO / "deploy" / "dask" / "tls.yaml").read_text().replace("/etc/dask-grading", str(certs))


def _tls_config(certs: Path) -> dict:
    """:func:`_tls_text` as dotted Dask config keys (``dask.config.set`` would replace a whole nested section)."""

    def flat(tree, prefix=""):
        for key, value in tree.items():
            yield from flat(value, f"{prefix}{key}.") if isinstance(value, dict) else [(prefix + key, value)]

    return dict(flat(yaml.safe_load(_tls_text(certs))))


def test_tls_with_mutual_authentication(toy_course, toy_release, toy_template, tmp_path):
    """The documented TLS set-up: only a client holding a certificate of the course's CA gets in, and grades."""
    import dask

    for name in ("certs", "strangers"):
        subprocess.run(
            ["sh", str(REPO / "deploy" / "dask" / "make-tls.sh"), str(tmp_path / name)],
            check=True,
            capture_output=True,
        )
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "distributed.yaml").write_text(_tls_text(tmp_path / "certs"))
    env = {"DASK_CONFIG": str(tmp_path / "config")}
    procs = Processes(tmp_path)
    try:
        address = procs.scheduler("tls", env)
        procs.worker(address, "tls-worker", env=env, nthreads=1, extra=("--protocol", "tls"))
        with pytest.raises(GradingError, match="TLS configuration"):  # no certificate at all
            cluster.connect(cluster.ClusterOptions(address, connect=5))
        with dask.config.set(_tls_config(tmp_path / "strangers")), pytest.raises(GradingError, match="cannot reach"):
            cluster.connect(cluster.ClusterOptions(address, connect=5))  # a certificate of another CA
        with dask.config.set(_tls_config(tmp_path / "certs")):
            wait_for(address, 1)
            correct = next(c for c in corpus.cases([]) if c.name == "correct")
            corpus.write(
                correct,
                toy_release,
                toy_course / "source" / "toy" / "toy.ipynb",
                tmp_path / "subs" / "correct" / "toy",
            )
            [result] = grade_class(
                tmp_path / "subs",
                tmp_path / "out",
                timeout=TIMEOUT,
                course_root=toy_course,
                force=True,
                cluster=address,
                log=lambda m: None,
            )
    finally:
        procs.end()
    assert (result.status, result.score) == ("graded", 7), result.message


def test_past_the_bound_a_dead_workers_job_is_a_grader_error_and_the_run_goes_on(
    lone_scheduler, toy_course, toy_release, tmp_path
):
    """allowed-failures 0: the jobs the killed worker held (running, or waiting there for its turn: Dask counts
    both) are recorded with the cause; every other job is graded and the run ends normally."""
    correct = next(c for c in corpus.cases([]) if c.name == "correct")
    for student in ("s1", "s2", "s3"):
        corpus.write(
            correct, toy_release, toy_course / "source" / "toy" / "toy.ipynb", tmp_path / "subs" / student / "toy"
        )
    workers = [lone_scheduler["procs"].worker(lone_scheduler["address"], f"bound-{i}", nthreads=1) for i in (1, 2)]
    try:
        wait_for(lone_scheduler["address"], 2)
        with KillWhenBusy(lone_scheduler["address"]) as killer:
            results = grade_class(
                tmp_path / "subs",
                tmp_path / "out",
                workers=1,
                timeout=TIMEOUT,
                course_root=toy_course,
                force=True,
                cluster=lone_scheduler["address"],
                log=lambda m: None,
            )
    finally:
        for worker in workers:
            lone_scheduler["procs"].end(worker)
    assert killer.killed
    errors = [r for r in results if r.status == "grader_error"]
    assert 1 <= len(errors) < 3, [r.message[:200] for r in results]
    assert all("every Dask worker that ran this job died" in r.message for r in errors)
    assert sorted((r.status, r.score) for r in results if r not in errors) == [("graded", 7)] * (3 - len(errors))
    assert "grader_error" in (tmp_path / "out" / "integrity.csv").read_text()
