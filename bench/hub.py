"""Hub capacity (``python -m bench hub``): a class arriving at once, and what one student's TensorFlow costs.

1. A real hub on loopback (deploy/local_hub.py; real Unix users as root) with one instructor and
   ``STUDENTS`` students. The instructor releases 01; then every student logs in, starts a server and fetches
   the assignment at the same moment (one thread each), then submits. The instructor collects and
   ``python -m autograder grade`` grades what was collected. Reported: p50/p95 of spawn and fetch times, the
   peak memory of the hub's whole process tree, and whether every submission was collected and graded exactly
   once.
2. Notebook 06 (``source/06_tensorflow_intro``, with its solutions) executed in a kernel with the hub's
   per-user settings (one thread for TensorFlow and BLAS): the kernel's peak memory and CPU seconds. Added to a
   single-user server's own memory, that is one student's footprint, from which the table sizes nodes.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

from deploy.local_hub import LocalHub

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01_tuning_process"
STUDENTS = 20
TF_NOTEBOOK = REPO / "source" / "06_tensorflow_intro" / "06_tensorflow_intro.ipynb"
NODES = [(4, 16), (8, 32), (16, 64)]  # (vCPU, GiB) node sizes to size a class for
CLASS = 300
SYSTEM_RESERVE_GIB = 1.5  # kubelet, the OS and the cluster's daemons on each node
CPU_GUARANTEE = 0.25  # deploy/z2jh/values.yaml: a notebook 06 run is ~20 CPU s; training bursts use the limit (1)
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class PeakMemory:
    """Samples the summed RSS of the hub's process tree in a thread until stopped."""

    def __init__(self, hub: LocalHub):
        self.hub, self.peak, self.servers = hub, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            total, servers = 0, 0
            for process in self.hub.processes():
                try:
                    total += process.memory_info().rss
                    servers += "jupyterhub-singleuser" in " ".join(process.cmdline())
                except psutil.Error:
                    pass
            self.peak, self.servers = max(self.peak, total), max(self.servers, servers)
            self._stop.wait(0.5)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def class_arrives(students: int = STUDENTS) -> dict:
    real = os.geteuid() == 0
    tag = os.urandom(2).hex()
    prof = f"hubb{tag}-prof"
    names = [f"hubb{tag}-s{i:02d}" for i in range(students)]
    state = Path(tempfile.mkdtemp(prefix="course-hub-bench-"))
    hub = LocalHub(state, [prof], names, real_users=real, graders_group=f"{prof}-graders")
    try:
        hub.prepare()
        hub.start()
        instructor = hub.login(prof)
        instructor.spawn()
        instructor.formgrader("release", ASSIGNMENT)
        users = [hub.login(name) for name in names]  # logins first: the burst is spawning and fetching
        barrier = threading.Barrier(students)

        def arrive(user):
            barrier.wait()
            spawn = user.spawn(timeout=600)
            start = time.monotonic()
            user.nbgrader("fetch", ASSIGNMENT)
            fetch = time.monotonic() - start
            user.nbgrader("submit", ASSIGNMENT)
            return spawn, fetch

        with PeakMemory(hub) as memory, ThreadPoolExecutor(students) as pool:
            started = time.monotonic()
            timings = list(pool.map(arrive, users))
            burst = time.monotonic() - started
        per_server = _server_rss(hub)
        instructor.formgrader("collect", ASSIGNMENT)
        collected = sorted(p.name for p in (hub.course_clone() / "submitted").iterdir())
        graded_dir = state / "graded"
        grade = subprocess.run(
            [
                sys.executable,
                "-m",
                "autograder",
                "grade",
                "--submissions",
                str(hub.course_clone() / "submitted"),
                "--out",
                str(graded_dir),
                "--quiet",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        rows = (graded_dir / "grades.csv").read_text().splitlines()[1:] if grade.returncode == 0 else []
        graded = sorted(row.split(",")[0] for row in rows if f",{ASSIGNMENT}," in row)
        return {
            "real": real,
            "students": students,
            "burst": burst,
            "spawn": [t[0] for t in timings],
            "fetch": [t[1] for t in timings],
            "peak_mib": memory.peak / 2**20,
            "servers": memory.servers,
            "server_mib": per_server,
            "collected_ok": collected == sorted(names),
            "graded_ok": graded == sorted(names),
            "grade_error": "" if grade.returncode == 0 else grade.stderr[-500:],
        }
    finally:
        hub.stop()
        subprocess.run(["rm", "-rf", str(state)], check=False)


def _server_rss(hub: LocalHub) -> float:
    """Median RSS in MiB of one idle single-user server (no kernel running)."""
    sizes = [p.memory_info().rss / 2**20 for p in hub.processes() if "jupyterhub-singleuser" in " ".join(p.cmdline())]
    return statistics.median(sizes) if sizes else float("nan")


PROBE = "import resource; r = resource.getrusage(resource.RUSAGE_SELF); print(r.ru_maxrss, r.ru_utime + r.ru_stime)"
STAND_IN = """
import numpy as np, tensorflow as tf
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype("float32")
model = tf.keras.Sequential([tf.keras.Input((64,)), tf.keras.layers.Dense(64, activation="relu"),
                             tf.keras.layers.Dense(10)])
model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
model.fit(X, y, epochs=20, batch_size=64, verbose=0)
"""


def tensorflow_student() -> dict:
    """Execute notebook 06 (or a stand-in TF training) in a one-thread kernel: peak MiB, CPU s, wall s."""
    import nbformat
    from nbclient import NotebookClient

    if TF_NOTEBOOK.exists():
        notebook, what = nbformat.read(TF_NOTEBOOK, as_version=4), "notebook 06 (source, with solutions)"
    else:
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(STAND_IN)])
        what = "a stand-in TensorFlow training (notebook 06 was missing)"
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    saved = {key: os.environ.get(key) for key in THREAD_ENV}
    os.environ.update(THREAD_ENV)  # the kernel inherits them, as a hub user's kernel does
    try:
        client = NotebookClient(
            notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(TF_NOTEBOOK.parent)}}
        )
        start = time.monotonic()
        client.execute()
        wall = time.monotonic() - start
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    peak_kib, cpu = notebook.cells[-1].outputs[0]["text"].split()
    return {"what": what, "peak_mib": int(peak_kib) / 1024, "cpu_s": float(cpu), "wall_s": wall}


def sizing(per_student_mib: float, cpu_share: float) -> list[tuple[str, int, int]]:
    """(node, students per node, nodes for CLASS): every student at their measured peak memory at once, and
    ``cpu_share`` guaranteed vCPU each."""
    rows = []
    for cpus, gib in NODES:
        by_memory = int((gib - SYSTEM_RESERVE_GIB) * 1024 // per_student_mib)
        by_cpu = int(cpus // cpu_share)
        per_node = max(1, min(by_memory, by_cpu))
        rows.append((f"{cpus} vCPU / {gib} GiB", per_node, -(-CLASS // per_node)))
    return rows


def run() -> str:
    arrival = class_arrives()
    tf = tensorflow_student()
    student_mib = arrival["server_mib"] + tf["peak_mib"]
    load = os.getloadavg()
    lines = [
        "## Hub capacity",
        "",
        f"{arrival['students']} students spawning and fetching at once on {os.cpu_count()} cores "
        f"({'real Unix users' if arrival['real'] else 'one shared OS user'}; load average "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} after the run):",
        "",
        "| measure | p50 | p95 | max |",
        "| --- | --- | --- | --- |",
    ]
    for key in ("spawn", "fetch"):
        values = arrival[key]
        lines.append(
            f"| {key} (s) | {percentile(values, 0.5):.1f} | {percentile(values, 0.95):.1f} | {max(values):.1f} |"
        )
    lines += [
        "",
        f"- whole burst (all spawned, fetched and submitted): {arrival['burst']:.0f} s",
        f"- peak memory of the hub and everything it started: {arrival['peak_mib']:.0f} MiB for "
        f"{arrival['servers']} servers; one idle server {arrival['server_mib']:.0f} MiB",
        f"- nothing lost: every submission collected exactly once: {arrival['collected_ok']}; graded exactly "
        f"once: {arrival['graded_ok']} {arrival['grade_error']}",
        f"- one student running {tf['what']} with one thread: kernel peak {tf['peak_mib']:.0f} MiB, "
        f"{tf['cpu_s']:.0f} CPU s in {tf['wall_s']:.0f} s; with the server, {student_mib:.0f} MiB",
        "",
        f"Sizing for a class of {CLASS}: every student at that peak ({student_mib:.0f} MiB) at once, "
        f"{CPU_GUARANTEE} vCPU guaranteed each, {SYSTEM_RESERVE_GIB} GiB reserved per node:",
        "",
        "| node | students per node | nodes for the class |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {node} | {per} | {count} |" for node, per, count in sizing(student_mib, CPU_GUARANTEE)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
