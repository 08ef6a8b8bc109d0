"""Notebook 06: the training step's tf.function speed-up, and how fast its submissions grade.

- **Speed-up**: the solution's ``make_train_step`` on the notebook's network (64-25-12-10, Adam) and a batch
  of the notebook's size, run eagerly (the Python function inside the ``tf.function``) and as the traced
  graph, alternating round by round in one process so both see the same machine load; median of the rounds.
- **Grading throughput**: ``python -m autograder grade`` on a small folder of built 06 submissions (two
  correct, one with a mistake that breaks the training run, one blank), with ``--workers 1`` and ``2``, both
  ``--force`` and with a warm template cache (built once before timing).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder import nbcells
from autograder.paths import REPO, notebook_path

ASSIGNMENT = "06_tensorflow_intro"
ROUNDS, STEPS = 7, 30
# A student who divides by 255: the model trains but misses the accuracy floor (a realistic partial score).
MISTAKE = {"normalize": "def normalize(image):\n    return tf.reshape(tf.cast(image, tf.float32) / 255.0, [-1])\n"}


def _solution_namespace() -> dict:
    import tensorflow as tf

    from bench.widgets import notebook_solutions

    namespace = notebook_solutions(ASSIGNMENT)
    namespace["tf"] = tf  # the answers use tf at call time; their globals are this namespace
    return namespace


def speedup(batch_size: int = 128) -> tuple[float, float, float]:
    """(eager ms per step, tf.function ms per step, ratio), medians over ROUNDS rounds of STEPS steps."""
    import tensorflow as tf

    from course.data import load_digits_split

    s = _solution_namespace()
    data = load_digits_split()
    X = tf.constant(data.X_train[:batch_size] / 16.0, tf.float32)
    Y = tf.one_hot(data.Y_train[:batch_size], 10)
    steps = {}
    for kind in ("eager", "graph"):
        graph_step = s["make_train_step"](
            s["initialize_parameters"]([64, 25, 12, 10], 1), tf.keras.optimizers.Adam(0.02)
        )
        steps[kind] = graph_step if kind == "graph" else graph_step.python_function
        steps[kind](X, Y)  # warm-up: the graph traces, the eager optimizer builds its slots
    times = {kind: [] for kind in steps}
    for _ in range(ROUNDS):
        for kind, step in steps.items():
            start = time.perf_counter()
            for _ in range(STEPS):
                step(X, Y)
            times[kind].append(1000 * (time.perf_counter() - start) / STEPS)
    eager, graph = statistics.median(times["eager"]), statistics.median(times["graph"])
    return eager, graph, eager / graph


def _build_submissions(folder: Path) -> int:
    release = nbcells.read(notebook_path(REPO, "release", ASSIGNMENT))
    answers = nbcells.solutions(nbcells.read(notebook_path(REPO, "source", ASSIGNMENT)))
    students = {"correct_a": answers, "correct_b": answers, "divides_by_255": {**answers, **MISTAKE}, "blank": {}}
    for student, chosen in students.items():
        target = folder / student / ASSIGNMENT
        target.mkdir(parents=True)
        nbformat.write(nbcells.build_submission(release, chosen), str(target / f"{ASSIGNMENT}.ipynb"))
    return len(students)


def _grade(subs: Path, out: Path, workers: int, cache: Path) -> float:
    command = [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        "--submissions",
        str(subs),
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--force",
        "--quiet",
        "--template-cache",
        str(cache),
    ]
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, env=dict(os.environ))
    return time.perf_counter() - start


def grading(workers: tuple[int, ...] = (1, 2)) -> tuple[int, dict[int, float]]:
    with tempfile.TemporaryDirectory(prefix="bench-tf-") as tmp:
        scratch = Path(tmp)
        n = _build_submissions(scratch / "submitted")
        _grade(scratch / "submitted", scratch / "warm", 1, scratch / "cache")  # builds the template once
        return n, {w: _grade(scratch / "submitted", scratch / f"out{w}", w, scratch / "cache") for w in workers}


def run() -> str:
    eager, graph, ratio = speedup()
    n, seconds = grading()
    rows = "\n".join(f"| {w} | {s:.1f} | {s / n:.1f} |" for w, s in seconds.items())
    return (
        "## TensorFlow (notebook 06)\n\n"
        f"Training step of the notebook's network on a batch of 128 digits, `python -m bench tensorflow`: "
        f"median of {ROUNDS} alternating rounds of {STEPS} steps.\n\n"
        "| eager ms/step | tf.function ms/step | speed-up |\n|---:|---:|---:|\n"
        f"| {eager:.2f} | {graph:.2f} | **{ratio:.1f}x** |\n\n"
        f"Grading {n} built 06 submissions (2 correct, 1 mistake, 1 blank) with `python -m autograder grade "
        "--force` (template cached):\n\n"
        "| workers | total s | s per submission |\n|---:|---:|---:|\n" + rows + "\n"
    )


if __name__ == "__main__":
    print(run())
