"""Notebook 01's widget updates (what one slider move computes), at the sizes the notebook uses."""

from course.widgets.coarse_to_fine import compute_search_rounds
from course.widgets.grid_vs_random import compute_grid_vs_random
from course.widgets.panda_caviar import compute_panda_caviar, view_panda_caviar
# a cheap search with the contract's shape (the notebook passes the student's coarse_to_fine)
from tests.test_course.test_widgets_coarse_to_fine import shrinking_stand_in


_TRAINED = compute_panda_caviar()  # trained once per show call in the notebook; sliders only call the view

CASES = {
    "grid_vs_random: compute_grid_vs_random (budget 100)": lambda: compute_grid_vs_random(100),
    "coarse_to_fine: compute_search_rounds (4 rounds x 20 points, run once per show)": lambda: compute_search_rounds(
        shrinking_stand_in, n_per_round=20, n_rounds=4, top_k=4
    ),
    "panda_caviar: view_panda_caviar (16 models x 40 epochs)": lambda: view_panda_caviar(_TRAINED, 16, 8),
}
