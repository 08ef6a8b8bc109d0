"""Grading on a Dask cluster against the local pool, and what a whole class would take (``python -m bench cluster``).

In one run, over the same submissions, with the same warm template cache and ``--force``:

- the local pool with ``--workers 2``, and a ``LocalCluster`` of two single-job workers (``--workers 1`` on
  each, one thread, ``autograder=1``) on 127.0.0.1: the engine's overhead (goal: within 10%);
- the scheduler's own cost per task: a few hundred no-op tasks with the same resource request, round trip;
- each assignment's CPU per submission (one submission graded alone by the local pool: an upper bound, it
  includes one worker's start-up), and from those a paper estimate of the wall time of 1,800 submissions
  (300 students x the six notebooks) on 10 and 50 single-job workers.

The default set is small (two students, two assignments for the comparison; one student's six notebooks for
the CPU figures) because the benchmark machine is shared; ``BENCH_CLUSTER_STUDENTS`` and
``BENCH_CLUSTER_ASSIGNMENTS`` (comma-separated) choose others.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from autograder.paths import REPO, SAMPLE_CLASS
from bench.grading import _grade, cpu_seconds

OVERHEAD_GOAL = 0.10
STUDENTS = ("ada_lovelace", "grace_hopper")
ASSIGNMENTS = ("01_tuning_process", "02_log_scale_sampling")
CPU_STUDENT = "ada_lovelace"
CLASS_SIZE = 300
NOOP_TASKS = 300
ROUNDS = 2
ESTIMATE_WORKERS = (10, 50)


def _chosen(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    wanted = os.environ.get(name, "").strip()
    return tuple(s.strip() for s in wanted.split(",") if s.strip()) or default


def _copy(dest: Path, students, assignments) -> int:
    n = 0
    for student in students:
        for assignment in assignments:
            folder = SAMPLE_CLASS / student / assignment
            if (folder / f"{assignment}.ipynb").is_file():
                shutil.copytree(folder, dest / student / assignment)
                n += 1
    return n


TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu() -> float:
    """CPU seconds of this process, its reaped children, and every live descendant with its own reaped children:
    a LocalCluster's workers and their slot processes are alive when a run ends, unlike the local pool's."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            times[int(entry.name)] = sum(int(f) for f in fields[11:15]) / TICKS  # utime stime cutime cstime
    total, todo = cpu_seconds(), list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def _timed(subs: Path, out: Path, workers: int, cache: Path, cluster=None) -> tuple[float, float]:
    """(wall, CPU of the whole process tree) of one ``--force`` run."""
    cpu = tree_cpu()
    watch, _ = _grade(subs, out, workers, cache, cluster=cluster)
    return watch.wall, tree_cpu() - cpu


def _local_cluster():
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        resources={"autograder": 1},
    )


def _scheduler_overhead(address: str) -> float:
    """Seconds per task of the scheduler's round trip: no-op tasks that ask for a job's share of a worker."""
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        client.gather(client.map(abs, range(-20, 0), resources={"autograder": 1 - 1e-12}, pure=False))  # warm
        start = time.perf_counter()
        client.gather(client.map(abs, range(NOOP_TASKS), resources={"autograder": 1 - 1e-12}, pure=False))
        return (time.perf_counter() - start) / NOOP_TASKS


def _cpu_per_assignment(scratch: Path, cache: Path) -> dict[str, float]:
    """CPU seconds of grading one submission of each assignment alone (templates already built)."""
    from autograder import templates

    cpu = {}
    for assignment in sorted(p.name for p in (REPO / "source").iterdir() if p.is_dir()):
        subs = scratch / f"one-{assignment}"
        if _copy(subs, (CPU_STUDENT,), (assignment,)):
            folder, template = templates.find(cache, REPO, assignment)
            if template is None:  # built outside the timing
                templates.build(templates.BuildRequest(str(REPO), assignment, str(folder)))
            watch, _ = _grade(subs, scratch / f"out-{assignment}", 1, cache)
            cpu[assignment] = watch.cpu
    return cpu


def run() -> str:
    students, assignments = (
        _chosen("BENCH_CLUSTER_STUDENTS", STUDENTS),
        _chosen("BENCH_CLUSTER_ASSIGNMENTS", ASSIGNMENTS),
    )
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        scratch = Path(tmp)
        cache = scratch / "templates"
        n = _copy(scratch / "subs", students, assignments)
        _grade(scratch / "subs", scratch / "out-warm", 2, cache)  # templates built, nothing else timed
        pool, dask = [], []
        with _local_cluster() as lc:
            for _ in range(ROUNDS):  # alternated, so that a change in the machine's load hits both alike
                pool.append(_timed(scratch / "subs", scratch / "out-pool", 2, cache))
                dask.append(_timed(scratch / "subs", scratch / "out-dask", 1, cache, cluster=lc.scheduler_address))
            per_task = _scheduler_overhead(lc.scheduler_address)
        same = all(
            (scratch / "out-pool" / f).read_bytes() == (scratch / "out-dask" / f).read_bytes()
            for f in ("grades.csv", "cells.csv", "integrity.csv")
        )
        cpu = _cpu_per_assignment(scratch, cache)
    pool_wall, pool_cpu = (sum(x) / ROUNDS for x in zip(*pool))
    dask_wall, dask_cpu = (sum(x) / ROUNDS for x in zip(*dask))
    overhead, cpu_overhead = dask_wall / pool_wall - 1, dask_cpu / pool_cpu - 1
    total_cpu = CLASS_SIZE * sum(cpu.values())
    ok = lambda good: "yes" if good else "**no**"  # noqa: E731
    cpu_rows = "\n".join(f"| {a} | {s:.1f} |" for a, s in cpu.items())
    estimates = "\n".join(
        f"| {w} | {total_cpu / w / 60:.0f} | {CLASS_SIZE * len(cpu) * per_task / 60:.2f} |" for w in ESTIMATE_WORKERS
    )
    return (
        "## Grading on a Dask cluster\n\n"
        f"`python -m bench cluster`, on a **small subset** ({n} submissions: {', '.join(students)} x "
        f"{', '.join(assignments)}) because the machine was shared (1-minute load average {load:.1f} on "
        f"{os.cpu_count()} cores at the start): wall times here are noisier than elsewhere in this file.\n\n"
        f"| run (`--force`, templates cached; mean of {ROUNDS}, alternated) | wall s | CPU s, every process |\n"
        "|---|---:|---:|\n"
        f"| local pool, `--workers 2` | {pool_wall:.1f} | {pool_cpu:.1f} |\n"
        f"| `LocalCluster` of 2 single-job workers, `--cluster ... --workers 1` | {dask_wall:.1f} | "
        f"{dask_cpu:.1f} |\n\n"
        f"- Overhead of the Dask engine in wall time: **{overhead:+.0%}** (goal: within {OVERHEAD_GOAL:.0%}; met: "
        f"{ok(overhead <= OVERHEAD_GOAL)}); in CPU time (what load on a shared machine does not distort as much): "
        f"**{cpu_overhead:+.0%}**. The CSVs of both runs are byte for byte equal: {ok(same)}. The cluster stays up "
        "between rounds, as a real one does, so its slot processes are warm after the first; the local pool "
        "starts its processes in every run.\n"
        f"- The scheduler's own round trip per task ({NOOP_TASKS} no-op tasks with a job's resource request, 2 "
        f"workers): **{per_task * 1000:.1f} ms**.\n\n"
        f"CPU per submission, one submission ({CPU_STUDENT}) graded alone by the local pool, template cached (an "
        "upper bound: it includes one worker process's start-up; under this load the same figure varies by up to 2x "
        "between runs):\n\n"
        "| assignment | CPU s |\n|---|---:|\n" + cpu_rows + "\n\n"
        f"Paper estimate for {CLASS_SIZE * len(cpu)} submissions ({CLASS_SIZE} students x {len(cpu)} notebooks, "
        f"{total_cpu / 3600:.1f} CPU hours): wall time = CPU / workers, each worker one core running one job at "
        "a time (a worker with k cores and `--workers k` counts as k), plus the scheduler's per-task cost, which "
        "it pays serially. Templates (one per assignment, built once) and the single writer add about a "
        "minute.\n\n"
        "| single-job workers | grading wall, minutes | scheduler total, minutes |\n|---:|---:|---:|\n"
        + estimates
        + "\n"
    )


if __name__ == "__main__":
    print(run())
