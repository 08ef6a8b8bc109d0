"""Median latency of every visualizer's update function (the pure ``compute_*`` a slider calls).

Each notebook's cases live in ``bench/widgets_<NN>.py`` as ``CASES: dict[str, Callable[[], object]]``,
one entry per widget update with the realistic size named in its key.
"""

from __future__ import annotations

import importlib
import io
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


def _render_three_panels() -> None:
    """What a slider move costs on top of its compute: matplotlib drawing and encoding the whole figure."""
    global _FIGURE
    if _FIGURE is None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np

        _FIGURE, axes = plt.subplots(1, 3, figsize=(12, 3.6))
        values = np.random.default_rng(0).random(10_000)
        for ax in axes:
            ax.hist(values, bins=40)
            ax.set_title("histogram")
    buffer = io.BytesIO()
    _FIGURE.savefig(buffer, format="png")


_FIGURE = None


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
    ms = median_ms(_render_three_panels, repeats=10)
    rows.append(f"| all | LiveFigure.refresh: a 12x3.6 in, 3-panel figure rendered to PNG | {ms:.2f} | {'yes' if ms < GOAL_MS else '**no**'} |")
    table = "\n".join(rows) or "| - | no widget cases found | - | - |"
    return (
        "## Widget update latency\n\n"
        f"Median of 30 calls after one warm-up, `python -m bench widgets`. Goal: under {GOAL_MS:.0f} ms for the "
        "update function (the pure `compute_*` a slider calls). The last row is the redraw every widget adds on "
        "top: matplotlib rasterising the figure, which is what a student waits for after releasing a slider.\n\n"
        "| notebook | update | median ms | under goal |\n|---|---|---:|---|\n" + table + "\n"
    )
