"""Widget updates of notebook 02 at the largest sample size a slider offers (10,000 samples).

The samplers take the student's functions; here they get the instructor's solutions, read from the source
notebook (course/ holds no solution, so there is nowhere else to import them from).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from course.widgets.beta_sampler import compute_beta_samples
from course.widgets.log_sampler import compute_log_samples

SOURCE = Path(__file__).resolve().parents[1] / "source" / "02_log_scale_sampling" / "02_log_scale_sampling.ipynb"


def _solutions() -> dict:
    """Run the answer cells of the source notebook (solution markers are comments) and return their names."""
    namespace = {"np": np}
    notebook = json.loads(SOURCE.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution") and not meta.get("grade"):
            exec("".join(cell["source"]), namespace)  # noqa: S102 - our own committed notebook
    return namespace


_S = _solutions()

CASES = {
    "compute_log_samples (10,000 samples, 4 decades, solution decade_counts)":
        lambda: compute_log_samples(1e-4, 1.0, 10_000, counter=_S["decade_counts"]),
    "compute_log_samples (10,000 samples, 8 decades, solution decade_counts)":
        lambda: compute_log_samples(1e-6, 1e2, 10_000, counter=_S["decade_counts"]),
    "compute_beta_samples (10,000 samples, solution sample_beta + effective_window)":
        lambda: compute_beta_samples(0.9, 0.999, 10_000, sampler=_S["sample_beta"], window=_S["effective_window"]),
}
