"""Shared helpers for the notebooks of the deep-learning tuning course.

Importing ``course`` has no side effects: submodules are imported by the notebooks that need them
(``from course import checks``, ``from course.widgets.log_sampler import show_log_sampler``).

- ``course.checks``: assertions for test cells, one sentence per mistake.
- ``course.concepts``: concept questions (kinds, form checks, key checks); never a key.
- ``course.data``: generated and shipped data sets, seeded and validated.
- ``course.models``: small numpy networks used as real objectives (never a graded answer).
- ``course.plots``: the course figure style and shared plotting helpers.
- ``course.widgets``: the visualizers, one module each (``compute_*`` pure, ``show_*`` wiring).

No graded function of any notebook is defined here: students write those.
"""

__version__ = "0.1.0"

__all__ = ["checks", "concepts", "data", "models", "plots", "widgets", "__version__"]
