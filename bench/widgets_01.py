"""Notebook 01's widget updates at the sizes the notebook uses: what one slider move computes, and slider to picture.

The widgets get the instructor's answers (read from the source notebook), as a student's finished work.
"""

import matplotlib

matplotlib.use("Agg")

from bench.widgets import notebook_solutions, slider_moves  # noqa: E402
from course.widgets.coarse_to_fine import compute_search_rounds, show_coarse_to_fine  # noqa: E402
from course.widgets.grid_vs_random import BUDGETS, compute_grid_vs_random, show_grid_vs_random  # noqa: E402
from course.widgets.panda_caviar import compute_panda_caviar, show_panda_caviar, view_panda_caviar  # noqa: E402

_S = notebook_solutions("01_tuning_process")
_TRAINED = compute_panda_caviar()  # trained once per show call in the notebook; sliders only call the view
_GRID = show_grid_vs_random()
_C2F = show_coarse_to_fine(_S["coarse_to_fine"])
_PANDA = show_panda_caviar(_S["pick_best_run"], _S["random_search"])

CASES = {
    "grid_vs_random: compute_grid_vs_random (budget 100)": lambda: compute_grid_vs_random(100),
    "coarse_to_fine: compute_search_rounds (4 rounds x 20 points, run once per show)": lambda: compute_search_rounds(
        _S["coarse_to_fine"], n_per_round=20, n_rounds=4, top_k=4
    ),
    "panda_caviar: view_panda_caviar (16 models x 40 epochs)": lambda: view_panda_caviar(_TRAINED, 16, 8),
    "grid_vs_random: slider to picture (budget slider, 9 stops)": slider_moves(_GRID.children[0], list(BUDGETS)),
    "coarse_to_fine: slider to picture (round slider, 4 rounds)": slider_moves(_C2F.children[0], [1, 2, 3, 4]),
    "coarse_to_fine: slider to picture (margin slider: re-runs the search)": slider_moves(
        _C2F.children[1].children[0], [0.0, 0.1, 0.3, 0.5]
    ),
    "panda_caviar: slider to picture (machines slider, 1 to 16)": slider_moves(
        _PANDA.children[0].children[0], list(range(1, 17))
    ),
    "panda_caviar: slider to picture (day slider, 1 to 8)": slider_moves(
        _PANDA.children[0].children[1], list(range(1, 9))
    ),
}
