"""Median latency of every visualizer's update function (the pure ``compute_*`` a slider calls).

Each notebook's cases live in ``bench/widgets_<NN>.py`` as ``CASES: dict[str, Callable[[], object]]``,
one entry per widget update with the realistic size named in its key.
"""

from __future__ import annotations

import importlib
import pkgutil
import statistics
import time
from pathlib import Path

GOAL_MS = 50.0


def median_ms(call, repeats: int = 30) -> float:
    call()  # warm-up: first-call imports and caches are not what a slider drag feels
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run() -> str:
    rows = []
    here = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if not info.name.startswith("widgets_"):
            continue
        cases = importlib.import_module(f"bench.{info.name}").CASES
        for label, call in cases.items():
            ms = median_ms(call)
            rows.append(f"| {info.name.removeprefix('widgets_')} | {label} | {ms:.2f} | {'yes' if ms < GOAL_MS else '**no**'} |")
    table = "\n".join(rows) or "| - | no widget cases found | - | - |"
    return (
        "## Widget update latency\n\n"
        f"Median of 30 calls after one warm-up, `python -m bench widgets`. Goal: under {GOAL_MS:.0f} ms.\n\n"
        "| notebook | update | median ms | under goal |\n|---|---|---:|---|\n" + table + "\n"
    )
