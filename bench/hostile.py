"""The grader's own memory and time while a hostile submission floods or bombs (``python -m bench hostile``).

Each hostile case of the toy assignment (``tests/test_autograder/fixtures/course``, 7 of 8 points for a correct
submission) is graded beside a correct one with ``--workers 2``, in a run of its own, after a baseline run of
two correct submissions:

- a display-output flood: ~200 MB of ``display_data`` (not stdout), which once was kept three times over;
- a stdout flood of the same size;
- widget state: 20 widgets of 40 MB each (comm messages, which nbclient keeps for the notebook's metadata);
- a thread bomb (as many threads as the kernel may start, held while the notebook runs).

For each run: the peak resident memory of the grader's processes (this process, which collects results and
writes the outputs, and the largest worker, which runs nbgrader; kernels are not counted), the wall time, and
the correct neighbour's score. Peaks are the kernel's high-water marks (``VmHWM``): this process's mark is
reset before each run (``/proc/self/clear_refs``), each run starts fresh workers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from autograder import nbcells
from autograder.paths import REPO

COURSE = REPO / "tests" / "test_autograder" / "fixtures" / "course"
FLOOD_MB = 200
TIMEOUT = 120  # seconds per cell: the floods take a while to cross the kernel's socket
MEMORY_MB = 1536
CORRECT_MEAN = "def mean_of(values):\n    return float(np.mean(values))\n"
CASES = {  # label -> the ``mean_of`` answer (None: the baseline, two correct submissions)
    "baseline: two correct submissions": None,
    f"display-output flood, {FLOOD_MB} x 1 MB `display_data`": (
        "from IPython.display import display\n"
        f"for _i in range({FLOOD_MB}):\n"
        "    display({'text/plain': str(_i) + 'd' * 1_000_000}, raw=True)\n" + CORRECT_MEAN
    ),
    f"stdout flood, {FLOOD_MB} x 1 MB lines": (
        "import sys\n"
        f"for _i in range({FLOOD_MB}):\n"
        "    sys.stdout.write(str(_i) + 's' * 1_000_000 + chr(10))\n" + CORRECT_MEAN
    ),
    "widget state, 20 x 40 MB `ipywidgets.Text`": (
        "import ipywidgets\n"
        "for _i in range(20):\n"
        "    display(ipywidgets.Text(value=str(_i) + 'w' * 40_000_000))\n" + CORRECT_MEAN
    ),
    "thread bomb, ~2,000 waiting threads": (
        "import threading\n"
        "threading.stack_size(65536)\n"
        "_never, _waiting = threading.Event(), []\n"
        "while len(_waiting) < 3000:\n"
        "    try:\n"
        "        _waiting.append(threading.Thread(target=_never.wait, daemon=True))\n"
        "        _waiting[-1].start()\n"
        "    except RuntimeError:  # the kernel's process cap\n"
        "        break\n" + CORRECT_MEAN
    ),
}
BESIDE = "hostile~beside"  # sorts right after "hostile": the two workers take them together


def _hwm_kib(pid: int | str, field: str = "VmHWM") -> int:
    """A process's peak resident memory so far (KiB; ``field="VmRSS"``: resident now), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith(f"{field}:")), 0)


def _reset_own_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident size
        return True
    except OSError:
        return False


def _children() -> list[str]:
    """PIDs of this process's direct children (the grading workers; kernels are their descendants)."""
    me, found = str(os.getpid()), []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == me:
                found.append(entry.name)
        except (OSError, IndexError):
            continue
    return found


@contextlib.contextmanager
def worker_peaks(interval: float = 0.1):
    """Yields {pid: peak resident KiB} of this process's children, kept up to date while the block runs."""
    peaks, stop = {}, threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for pid in _children():
                peaks[pid] = max(peaks.get(pid, 0), _hwm_kib(pid))
            stop.wait(interval)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield peaks
    finally:
        stop.set()
        thread.join()


def _release(course: Path, cache: Path) -> Path:
    from autograder import templates

    folder, template = templates.find(cache, course, "toy")
    return (template or templates.build(templates.BuildRequest(str(course), "toy", str(folder)))).release_notebook


def _write_submission(course: Path, release: Path, folder: Path, mean_of: str | None) -> None:
    """The release with the solution's answers, ``mean_of``'s replaced when given."""
    import nbformat

    source = nbcells.read(course / "source" / "toy" / "toy.ipynb")
    answers = {nbcells.grade_id(c): nbcells.solution_code(c.source) for c in source.cells if nbcells.is_answer_cell(c)}
    if mean_of:
        answers["mean_of"] = mean_of
    folder.mkdir(parents=True)
    nbformat.write(nbcells.build_submission(nbcells.read(release), answers), str(folder / "toy.ipynb"))


def _grade_pair(course: Path, release: Path, cache: Path, scratch: Path, answer: str | None) -> dict:
    """Grade one hostile submission (or a correct one) beside a correct one; the run's figures."""
    from autograder.api import grade_class

    subs, out = scratch / "submitted", scratch / "graded"
    _write_submission(course, release, subs / "hostile" / "toy", answer)
    _write_submission(course, release, subs / BESIDE / "toy", None)
    reset = _reset_own_peak()
    resident = _hwm_kib("self", "VmRSS")  # what this process held already (make bench: TensorFlow, ...)
    start = time.perf_counter()
    with worker_peaks() as workers:
        results = grade_class(
            subs,
            out,
            workers=2,
            timeout=TIMEOUT,
            memory_mb=MEMORY_MB,
            course_root=course,
            template_cache=cache,
            force=True,
            log=lambda m: None,
        )
    wall = time.perf_counter() - start
    by_student = {r.student_id: r for r in results}
    return {
        "wall": wall,
        "parent": _hwm_kib("self") / 1024,
        "parent_before": resident / 1024,
        "parent_reset": reset,
        "worker": max(workers.values(), default=0) / 1024,
        "hostile": by_student["hostile"],
        "neighbour": by_student[BESIDE],
    }


def _outcome(result) -> str:
    flags = ", ".join(sorted({f.flag for f in result.flags})) or "no flag"
    return f"{result.status} {result.score:g}/{result.max_score:g} ({flags})"


def run() -> str:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        scratch = Path(tmp)
        course = scratch / "course"
        shutil.copytree(COURSE, course)
        shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
        cache = scratch / "templates"
        release = _release(course, cache)
        for n, (label, answer) in enumerate(CASES.items()):
            print(f"[bench] hostile: {label}", flush=True)
            run_dir = scratch / f"run{n}"
            run_dir.mkdir()
            figures = _grade_pair(course, release, cache, run_dir, answer)
            rows.append((label, figures))
            shutil.rmtree(run_dir, ignore_errors=True)
    reset_note = (
        ""
        if all(f["parent_reset"] for _, f in rows)
        else (" This process's peak could not be reset between runs here, so its column only grows.")
    )
    table = "\n".join(
        f"| {label} | {f['parent_before']:.0f} | {f['parent'] - f['parent_before']:.0f} | {f['worker']:.0f} | "
        f"{f['wall']:.1f} | {_outcome(f['neighbour'])} | "
        f"{_outcome(f['hostile'])} |"
        for label, f in rows
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        "## The grader under hostile submissions\n\n"
        f"`python -m bench hostile`: each case graded beside a correct submission of the toy assignment with "
        f"`--workers 2 --force --memory-mb {MEMORY_MB}`, {TIMEOUT} s per cell, one run per case (load average at "
        f"the end: {load}). Resident memory of the grader's own processes, in MiB: the parent (results, CSVs, "
        f"report: what it held before the run, which includes whatever ran before in the same process, and how much "
        f"its peak rose during the run) and the largest worker's peak (nbgrader, feedback); kernels are not "
        f"counted.{reset_note}\n\n"
        "| case | parent before MiB | parent rise MiB | worker peak MiB | wall s | correct neighbour | hostile "
        "submission |\n|---|---:|---:|---:|---:|---|---|\n" + table + "\n"
    )


if __name__ == "__main__":
    print(run())
