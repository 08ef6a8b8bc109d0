"""The sandbox's per-job limits under real grading: a hostile kernel beside a correct one, with 2 workers.

Each test grades two or three toy submissions (``corpus.py``) in one run of its own, because each needs
settings the shared corpus run does not have (cgroups off; a small memory cap).
"""

from __future__ import annotations

import os
import re

import pytest

from autograder import nbcells, sandbox
from autograder.api import grade_class
from tests.test_autograder import corpus

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0 or not sandbox.probe().user, reason="needs root and a sandbox user"),
]


def grade_beside_correct(
    toy_course, toy_release, tmp_path, hostile: corpus.Case, memory_mb: int, timeout: int, neighbours: int = 1
):
    """Grade ``hostile`` and ``neighbours`` correct submissions sorted after it, on 2 workers: the first
    neighbour is graded beside it, the next ones start while it still runs. Returns (hostile's result, the
    neighbours' results, the output folder)."""
    subs, out = tmp_path / "submitted", tmp_path / "graded"
    source = toy_course / "source" / "toy" / "toy.ipynb"
    corpus.write(hostile, toy_release, source, subs / hostile.name / "toy")
    correct = corpus.Case("correct", 7, set())
    for n in range(neighbours):
        corpus.write(correct, toy_release, source, subs / f"{hostile.name}{corpus.BESIDE}{n}" / "toy")
    results = grade_class(
        subs, out, workers=2, timeout=timeout, course_root=toy_course, memory_mb=memory_mb, log=lambda m: None
    )
    return (
        next(r for r in results if r.student_id == hostile.name),
        [r for r in results if r.student_id != hostile.name],
        out,
    )


def assert_unharmed(neighbours):
    for result in neighbours:
        assert (result.status, result.score, result.flags) == ("graded", 7, []), (result.message, result.flags)


LONG_THREAD_BOMB = (  # corpus.THREAD_BOMB's threads, held while the other worker starts kernel after kernel
    corpus.THREAD_BOMB.replace("args=(20,)", "args=(60,)") + "time.sleep(12)\n"
    "def mean_of(values):\n    return float(np.mean(values))\n"
)


def test_without_cgroups_a_thread_bomb_cannot_starve_the_other_worker(toy_course, toy_release, tmp_path, monkeypatch):
    """With one shared sandbox user, RLIMIT_NPROC was one budget for every kernel: while one kernel held ~2,000
    threads, no kernel of the other worker could start (a grader_error each). Each worker's own user gives each
    job its own budget."""
    assert "args=(60,)" in LONG_THREAD_BOMB
    monkeypatch.setenv(sandbox.NO_CGROUPS_ENV, "1")  # the workers inherit it
    sandbox.probe.cache_clear()
    try:
        bomb = corpus.Case("thread_bomb", 7, set(), replace={"mean_of": LONG_THREAD_BOMB})
        bomb, neighbours, out = grade_beside_correct(
            toy_course, toy_release, tmp_path, bomb, memory_mb=1536, timeout=30, neighbours=3
        )
    finally:
        sandbox.probe.cache_clear()
    assert "NO per-job cgroup" in (out / "report.html").read_text()  # the fallback really ran
    assert_unharmed(neighbours)
    assert (bomb.status, bomb.score) == ("graded", 7), bomb.message


MEMORY_MB = 700  # per process (RLIMIT_DATA): one child's 450 MB fits; the job's cgroup gets 700 + 512 MB
CHILD_MB = 450
HOLD_MEMORY = (  # three children holding 450 MB each: 1.35 GB together, over the job's cap
    "import subprocess, sys, time\n"
    f'_hold = \'import time; _b = b"x" * ({CHILD_MB} * 1024**2); print("holding", flush=True); '
    "time.sleep(60)'\n"
    "_children = []\n"
    "for _ in range(3):\n"
    "    _children.append(subprocess.Popen([sys.executable, '-c', _hold], stdout=subprocess.PIPE))\n"
    "    _children[-1].stdout.readline()  # 'holding', or nothing when it died\n"
    "time.sleep(0.5)\n"
    "_resident = sum(int(open(f'/proc/{c.pid}/status').read().split('VmRSS:')[1].split()[0])\n"
    "                for c in _children if c.poll() is None)\n"
    "_resident += int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0])\n"
    "print('MEMORY', [c.poll() for c in _children], _resident // 1024)\n"
    "for _c in _children:\n"
    "    _c.kill()\n"
    "    _c.wait()\n"
)


@pytest.mark.skipif("memory" not in sandbox.probe().cgroups, reason="needs a per-job memory cgroup")
def test_the_memory_cap_holds_for_all_of_a_kernels_processes_together(toy_course, toy_release, tmp_path):
    """``--memory-mb`` is per process: three children under it each once held 2.7 GiB together. The job's memory
    cgroup caps them together: one child is killed, the kernel lives on and is graded, the neighbour unharmed."""
    case = corpus.Case(
        "memory_children",
        7,
        set(),
        replace={"mean_of": HOLD_MEMORY + "def mean_of(values):\n    return float(np.mean(values))\n"},
    )
    result, neighbours, out = grade_beside_correct(
        toy_course, toy_release, tmp_path, case, memory_mb=MEMORY_MB, timeout=30
    )  # three children start: slow under load
    assert_unharmed(neighbours)
    [graded] = (out / "autograded" / "memory_children").rglob("*.ipynb")
    printed = "".join(o.get("text", "") for c in nbcells.read(graded).cells for o in c.get("outputs", []))
    assert (result.status, result.score) == ("graded", 7), (result.cells, printed)
    # flagged for starting processes (the static check) and for the child the memory cgroup killed
    assert {"process_control", "memory_limit"} <= {f.flag for f in result.flags}, result.flags
    codes, resident_mb = re.search(r"MEMORY (\[.*?\]) (\d+)", printed).groups()
    assert "-9" in codes, printed  # at least one child killed: all three never held their memory at once
    cap_mb = MEMORY_MB + sandbox.MEMORY_SLACK // 1024**2
    assert int(resident_mb) < cap_mb and 3 * CHILD_MB > cap_mb, printed


QUOTA_PROBE = (  # four busy children for 3 s: the CPU time they got, per second of wall time
    "import os, resource, time\n"
    "_start = time.time()\n"
    "_kids = []\n"
    "for _ in range(4):\n"
    "    _pid = os.fork()\n"
    "    if _pid == 0:\n"
    "        while time.time() < _start + 3:\n"
    "            pass\n"
    "        os._exit(0)\n"
    "    _kids.append(_pid)\n"
    "for _pid in _kids:\n"
    "    os.waitpid(_pid, 0)\n"
    "_used = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print('CPU PER SECOND', round((_used.ru_utime + _used.ru_stime) / (time.time() - _start), 2))\n"
    "def mean_of(values):\n"
    "    return float(np.mean(values))\n"
)


@pytest.mark.skipif("cpu" not in sandbox.probe().cgroups, reason="needs a per-job cpu cgroup")
def test_a_jobs_busy_processes_get_one_cpu_together(toy_course, toy_release, tmp_path):
    """Root's per-job cpu cgroup: four busy processes together get at most ``Limits.cpus`` (one CPU) however many
    cores are free, and the correct neighbour keeps its score (its time, without root, is checked in
    tests/test_autograder/test_nonroot_grading.py)."""
    busy = corpus.Case("busy", 7, set(), replace={"mean_of": QUOTA_PROBE})
    result, neighbours, out = grade_beside_correct(toy_course, toy_release, tmp_path, busy, memory_mb=1536, timeout=30)
    assert_unharmed(neighbours)
    assert "cpu cgroup" in (out / "report.html").read_text()
    [graded] = (out / "autograded" / "busy").rglob("*.ipynb")
    printed = "".join(o.get("text", "") for c in nbcells.read(graded).cells for o in c.get("outputs", []))
    assert float(re.search(r"CPU PER SECOND ([\d.]+)", printed).group(1)) <= 1.15, printed
