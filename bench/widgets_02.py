"""Widget updates of notebook 02 at the largest sample size a slider offers (10,000 samples), and slider to picture.

The samplers take the student's functions; here they get the instructor's solutions, read from the source
notebook (course/ holds no solution, so there is nowhere else to import them from).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from bench.widgets import notebook_solutions, slider_moves  # noqa: E402
from course.widgets.beta_sampler import SAMPLE_COUNTS as BETA_COUNTS  # noqa: E402
from course.widgets.beta_sampler import compute_beta_samples, show_beta_sampler  # noqa: E402
from course.widgets.log_sampler import SAMPLE_COUNTS, compute_log_samples, show_log_sampler  # noqa: E402

_S = notebook_solutions("02_log_scale_sampling")
_LOG = show_log_sampler(_S["decade_counts"])
_BETA = show_beta_sampler(_S["sample_beta"], _S["effective_window"], _S["decade_counts"])

CASES = {
    "compute_log_samples (10,000 samples, 4 decades, solution decade_counts)": lambda: compute_log_samples(
        1e-4, 1.0, 10_000, counter=_S["decade_counts"]
    ),
    "compute_log_samples (10,000 samples, 8 decades, solution decade_counts)": lambda: compute_log_samples(
        1e-6, 1e2, 10_000, counter=_S["decade_counts"]
    ),
    "compute_beta_samples (10,000 samples, solution sample_beta + effective_window)": lambda: compute_beta_samples(
        0.9, 0.999, 10_000, sampler=_S["sample_beta"], window=_S["effective_window"], counter=_S["decade_counts"]
    ),
    "log_sampler: slider to picture (samples slider, 100 to 10,000)": slider_moves(
        _LOG.children[1], list(SAMPLE_COUNTS)
    ),
    "log_sampler: slider to picture (range slider, 4 ranges of 1 to 8 decades)": slider_moves(
        _LOG.children[0], [(-4.0, 0.0), (-6.0, 2.0), (0.0, 1.0), (-5.0, -1.0)]
    ),
    "beta_sampler: slider to picture (samples slider, 100 to 10,000)": slider_moves(
        _BETA.children[1], list(BETA_COUNTS)
    ),
    "beta_sampler: slider to picture (range slider, 4 ranges)": slider_moves(
        _BETA.children[0], [(0.9, 0.999), (0.5, 0.99), (0.99, 0.9999), (0.0, 0.9)]
    ),
}
