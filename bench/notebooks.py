"""Wall time to execute each source notebook headless, and the peak memory of its kernel.

The notebook runs in a fresh ``python3`` kernel through nbclient, exactly as the tests and nbgrader run
it. Peak memory is the kernel's own maximum resident set size, read by one extra cell appended at the end
(``resource.getrusage``), so it counts the kernel and nothing else.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

SOURCE = Path(__file__).resolve().parents[1] / "source"
GOAL_SECONDS = {"01_tuning_process": 15.0, "02_log_scale_sampling": 15.0}
GOAL_SECONDS["04_batchnorm_test_time"] = 30.0  # TensorFlow import for the Keras parity section included
GOAL_SECONDS["06_tensorflow_intro"] = 30.0  # TensorFlow import, three short trainings, two Keras fits
GOAL_SECONDS["05_softmax_regression"] = 15.0  # two 1000-step digit trainings, five small 2-D ones, two widgets
GOAL_SECONDS["03_batchnorm_from_scratch"] = 30.0  # issue 10: under 30 s with kernel start; aims at ~15 s
PEAK_CELL = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def measure(path: Path) -> tuple[float, float]:
    """(seconds to execute, kernel peak RSS in MiB) for one notebook."""
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_CELL))
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    peak_kib = int(nb.cells[-1].outputs[0]["text"].strip())
    return seconds, peak_kib / 1024


def run(repeats: int = 3) -> str:
    rows = []
    for path in sorted(SOURCE.glob("*/*.ipynb")):
        runs = [measure(path) for _ in range(repeats)]
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        goal = GOAL_SECONDS.get(path.stem)
        verdict = "-" if goal is None else ("yes" if seconds < goal else "**no**")
        goal_text = "-" if goal is None else f"{goal:.0f}"
        rows.append(f"| {path.stem} | {seconds:.1f} | {goal_text} | {verdict} | {peak:.0f} |")
    return (
        "## Notebook execution\n\n"
        f"Each source notebook executed headless with nbclient, median of {repeats} runs (kernel start "
        "included), `python -m bench notebooks`.\n\n"
        "| notebook | seconds | goal s | under goal | kernel peak MiB |\n|---|---:|---:|---|---:|\n"
        + "\n".join(rows)
        + "\n"
    )
