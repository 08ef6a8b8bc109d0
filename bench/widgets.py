"""Median latency of every visualizer's update: the pure ``compute_*`` a slider calls, and slider-to-picture.

Each notebook's cases live in ``bench/widgets_<NN>.py`` as ``CASES: dict[str, Callable[[], object]]``,
one entry per widget update with the realistic size named in its key. A slider-to-picture case
(``slider_moves``) moves a real slider of a widget built by its ``show_*`` function: the callback computes,
updates the artists and renders the PNG the browser receives, which is what a student waits for.
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


def slider_moves(control, values):
    """A call that moves ``control`` (an ipywidgets slider) to the next of ``values`` each time, cycling."""
    state = {"i": 0}

    def move() -> None:
        state["i"] = (state["i"] + 1) % len(values)
        control.value = values[state["i"]]

    return move


def notebook_solutions(assignment: str) -> dict:
    """Run the answer cells of a source notebook (solution markers are comments) and return their names.

    Benchmarks feed widgets the instructor's answers; ``course/`` holds no solution, so they come from here.
    """
    import json

    import numpy as np

    namespace = {"np": np}
    source = Path(__file__).resolve().parents[1] / "source" / assignment / f"{assignment}.ipynb"
    for cell in json.loads(source.read_text(encoding="utf-8"))["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution") and not meta.get("grade"):
            exec("".join(cell["source"]), namespace)  # noqa: S102 - our own committed notebook
    return namespace


def _render_three_panels() -> None:
    """A full drawing: a 3-panel figure with no animated artists, rendered by LiveFigure on every call."""
    global _FIGURE
    if _FIGURE is None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np

        from course.widgets.live_figure import LiveFigure

        fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
        values = np.random.default_rng(0).random(10_000)
        for ax in axes:
            ax.hist(values, bins=40)
            ax.set_title("histogram")
        _FIGURE = LiveFigure(fig)
    _FIGURE.png()


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
            rows.append(
                f"| {info.name.removeprefix('widgets_')} | {label} | {ms:.2f} "
                f"| {'yes' if ms < GOAL_MS else '**no**'} |"
            )
    ms = median_ms(_render_three_panels, repeats=10)
    rows.append(
        f"| all | LiveFigure.png, full drawing (no animated artists; a new layout costs this once): 12x3.6 in, "
        f"3 panels | {ms:.2f} | {'yes' if ms < GOAL_MS else '**no**'} |"
    )
    table = "\n".join(rows) or "| - | no widget cases found | - | - |"
    return (
        "## Widget update latency\n\n"
        f"Median of 30 calls after one warm-up, `python -m bench widgets`. Goal: under {GOAL_MS:.0f} ms. Rows "
        "named *slider to picture* move a real slider of the widget and include the redraw and PNG encoding "
        "(what a student waits for); the others time the pure `compute_*` a slider calls. The last row is a full "
        "drawing, which a widget pays once per new axes layout.\n\n"
        "| notebook | update | median ms | under goal |\n|---|---|---:|---|\n" + table + "\n"
    )
