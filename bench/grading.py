"""Grading throughput and overhead on the bundled sample class (``python -m bench grading``).

Timings over the same valid submissions, in the same run:

- the autograder with ``--workers 1`` and ``--workers 2``, each from a cold template cache (templates built
  inside the timed run) with ``--force`` (no cached results);
- the ``--workers 2`` run again with ``--force``: every submission regraded, templates reused from the cache
  (the table says how many were built: the goal is none);
- plain sequential nbgrader: ``generate_assignment`` for every assignment, then ``autograde <assignment>``
  (one process per step, every student), with both steps timed;
- plain execution of each submitted notebook with nbclient, the floor any grader pays;
- the judge's own cost (:func:`judge_cost`): starting the grader's judge process, and one check segment with its
  data, timed alone, so that the second process's share of the runs above can be read off.

The submissions are every assignment of four students of the sample class, one of each kind a class has
(strong, average, weak, blank): 24 notebooks, so the five timed runs take about ten minutes on 2 cores.
``BENCH_GRADING_STUDENTS=all`` (or a comma-separated list of student ids) grades others.

Goals: with 2 workers and a cold cache, at least 1.8x faster than plain ``generate_assignment`` +
``autograde``, and at least 1.6x faster than plain ``autograde`` alone; the grader's overhead over plain
execution (sandbox, feedback HTML, gradebook merge, report) under 25% with one worker.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.paths import REPO, SAMPLE_CLASS, env_with_bin

WORKERS = 2
TOTAL_GOAL = 1.8  # vs plain generate_assignment + autograde
AUTOGRADE_GOAL = 1.6  # vs plain autograde alone
OVERHEAD_GOAL = 0.25
STUDENTS = ("ada_lovelace", "grace_hopper", "ken_thompson", "dennis_ritchie")  # strong, average, weak, blank


def chosen_students() -> tuple[str, ...] | None:
    """The students to grade: :data:`STUDENTS`, or ``$BENCH_GRADING_STUDENTS`` (``all``: the whole class)."""
    wanted = os.environ.get("BENCH_GRADING_STUDENTS", "").strip()
    if wanted == "all":
        return None
    return tuple(s.strip() for s in wanted.split(",") if s.strip()) if wanted else STUDENTS


def cpu_seconds() -> float:
    """CPU time of this process and every child it has reaped (workers, kernels, nbgrader commands)."""
    return sum(
        r.ru_utime + r.ru_stime
        for r in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


class Stopwatch:
    """Wall and CPU seconds of a block: CPU time shows the cost when other work shares the cores."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, cpu_seconds() - self.cpu


def _valid_submissions(
    dest: Path, course_root: Path = REPO, students: tuple[str, ...] | None = None
) -> list[tuple[str, str]]:
    """Copy the sample class's gradable submissions (of ``students``, default all) to ``dest``; returns
    (student, assignment) pairs."""
    from autograder.api import check_notebook, discover

    known = {p.name for p in (course_root / "source").iterdir()}
    pairs = []
    for student, assignment, folder in discover(SAMPLE_CLASS):
        nb = folder / f"{assignment}.ipynb"
        if (
            (students is None or student in students)
            and assignment in known
            and nb.is_file()
            and check_notebook(nb) is None
        ):
            shutil.copytree(folder, dest / student / assignment)
            pairs.append((student, assignment))
    return pairs


def _plain_nbgrader(
    subs: Path, assignments: list[str], scratch: Path, course_root: Path = REPO
) -> tuple[Stopwatch, Stopwatch]:
    """Plain ``nbgrader generate_assignment`` (all assignments), then ``nbgrader autograde``, each timed."""
    course = scratch / "plain"
    course.mkdir()
    shutil.copy2(course_root / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(subs, course / "submitted")
    env = env_with_bin()

    def nbgrader(*args, check=True):
        subprocess.run(
            [sys.executable, "-m", "nbgrader", *args, "--force", f"--CourseDirectory.root={course}"],
            cwd=course,
            env=env,
            capture_output=True,
            check=check,
        )

    with Stopwatch() as generate:
        for a in assignments:
            shutil.copytree(course_root / "source" / a, course / "source" / a)
            nbgrader("generate_assignment", a)
    with Stopwatch() as autograde:
        for a in assignments:  # exit status ignored: plain nbgrader gives up on a crashing submission
            nbgrader("autograde", a, check=False)
    return generate, autograde


def _nbclient(subs: Path, pairs: list[tuple[str, str]], scratch: Path) -> Stopwatch:
    import nbformat
    from nbclient import NotebookClient

    with Stopwatch() as watch:
        for student, a in pairs:
            nb = nbformat.read(str(subs / student / a / f"{a}.ipynb"), as_version=4)
            work = scratch / "exec" / student / a
            work.mkdir(parents=True)
            try:
                NotebookClient(
                    nb,
                    timeout=120,
                    kernel_name="python3",
                    allow_errors=True,
                    resources={"metadata": {"path": str(work)}},
                ).execute()
            except Exception:  # a kernel killed by os._exit: plain execution stops there too
                pass
    return watch


def _templates_state(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} if cache.is_dir() else {}


def _grade(
    subs: Path, out: Path, workers: int, cache: Path, course_root: Path = REPO, cluster=None
) -> tuple[Stopwatch, int]:
    """One ``--force`` run (on the local pool, or the Dask ``cluster``), timed, and how many templates it built."""
    from autograder.api import grade_class

    before = _templates_state(cache)
    with Stopwatch() as watch:
        grade_class(
            subs,
            out,
            workers=workers,
            force=True,
            template_cache=cache,
            course_root=course_root,
            log=lambda m: None,
            cluster=cluster,
        )
    after = _templates_state(cache)
    return watch, sum(1 for name, stamp in after.items() if before.get(name) != stamp)


def judge_cost(rounds: int = 20) -> dict[str, float]:
    """Seconds to start a judge and answer its first segment, seconds per later segment (a grid of 64 rows and
    its check), and per notebook the judged segments of each converted source notebook times that."""
    import numpy as np

    from autograder import judge, nbcells
    from course import plain

    code = "checks.check_same_rows(cube, np.zeros((64, 3)) + cube, 'cube')\n"
    data = plain.dumps({"cube": np.random.default_rng(0).random((64, 3))})
    found = {}
    j = judge.Judge(timeout=60)
    try:
        start = time.perf_counter()
        j.run(code, data, ["cube"], True)
        found["start"] = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(rounds):
            j.run(code, data, ["cube"], True)
        found["segment"] = (time.perf_counter() - start) / rounds
    finally:
        j.close()
    for path in sorted((REPO / "source").glob("*/*.ipynb")):
        cells = [c for c in nbcells.read(path).cells if nbcells.is_test_cell(c) and judge.is_judged(c.source)]
        segments = sum(1 for c in cells for s in judge.segments(c.source) if s.in_judge)
        if segments:
            found[path.stem] = found["start"] + segments * found["segment"]
            found[path.stem + " segments"] = segments
    return found


def _judge_lines() -> str:
    cost = judge_cost()
    notebooks = [k for k in cost if k.endswith(" segments")]
    per_notebook = "; ".join(f"{k[:-9]}: {int(cost[k])} check segments, {cost[k[:-9]]:.2f} s" for k in notebooks)
    return (
        f"- The judge (tests judged outside the kernel): {cost['start']:.2f} s to start its process and answer "
        f"the first check (once per worker: a kept judge serves every submission the worker grades, and what "
        f"a check imports, such as 04's TensorFlow, is paid once), {1000 * cost['segment']:.1f} ms per check "
        f"segment after that (its data fetched from the kernel not included); per submission: "
        f"{per_notebook or 'no judged notebook'}.\n"
    )


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        scratch = Path(tmp)
        subs = scratch / "submitted"
        students = chosen_students()
        pairs = _valid_submissions(subs, students=students)
        n = len(pairs)
        if n == 0:
            return "## Grading throughput\n\nNo gradable submissions in the sample class (is source/ empty?).\n"
        assignments = sorted({a for _, a in pairs})
        one, built_one = _grade(subs, scratch / "out1", 1, scratch / "cache1")
        cold, built_cold = _grade(subs, scratch / "out2", WORKERS, scratch / "cache2")
        warm, built_warm = _grade(subs, scratch / "out2", WORKERS, scratch / "cache2")
        generate, autograde = _plain_nbgrader(subs, assignments, scratch)
        execute = _nbclient(subs, pairs, scratch)
    plain = Stopwatch()
    plain.wall, plain.cpu = generate.wall + autograde.wall, generate.cpu + autograde.cpu
    total_ratio, autograde_ratio = plain.wall / cold.wall, autograde.wall / cold.wall
    overhead = one.wall / execute.wall - 1

    def row(label, watch, built="-"):
        return f"| {label} | {watch.wall:.1f} | {watch.wall / n:.2f} | {watch.cpu:.1f} | {built} |"

    rows = [
        row("autograder, `--workers 1 --force`, cold template cache", one, built_one),
        row(f"autograder, `--workers {WORKERS} --force`, cold template cache", cold, built_cold),
        row(f"autograder, `--workers {WORKERS} --force` again, templates cached", warm, built_warm),
        row("plain sequential `nbgrader generate_assignment` + `autograde`", plain, len(assignments)),
        row("plain sequential `nbgrader autograde` alone", autograde),
        row("plain execution with nbclient (no grading)", execute),
    ]
    ok = lambda good: "yes" if good else "**no**"  # noqa: E731
    return (
        "## Grading throughput\n\n"
        f"{n} gradable submissions of the sample class ({', '.join(assignments)}; students: "
        f"{', '.join(students) if students else 'all'}), `python -m bench grading`. "
        "The autograder runs with `--force` (no cached results). CPU s counts every process a run "
        "started (workers, kernels, nbgrader commands): it is what a run costs when other work shares the "
        "cores, where wall time is not comparable.\n\n"
        "| run | wall s | wall s per submission | CPU s | templates built |\n|---|---:|---:|---:|---:|\n"
        + "\n".join(rows)
        + "\n\n"
        f"- `--workers {WORKERS}`, cold cache, vs plain `generate_assignment` + `autograde`: **{total_ratio:.2f}x** "
        f"(goal {TOTAL_GOAL}x; met: {ok(total_ratio >= TOTAL_GOAL)}).\n"
        f"- `--workers {WORKERS}`, cold cache, vs plain `autograde` alone: **{autograde_ratio:.2f}x** "
        f"(goal {AUTOGRADE_GOAL}x; met: {ok(autograde_ratio >= AUTOGRADE_GOAL)}).\n"
        f"- A second `--force` run built {built_warm} template(s) (goal: none; met: {ok(built_warm == 0)}).\n"
        f"- Grading overhead with one worker vs plain execution: **{overhead:.0%}** (goal: under "
        f"{OVERHEAD_GOAL:.0%}; met: {ok(overhead < OVERHEAD_GOAL)}). It covers the sandbox, nbgrader's "
        "two passes, the gradebook, feedback HTML and the report.\n" + _judge_lines()
    )


if __name__ == "__main__":
    print(run())
