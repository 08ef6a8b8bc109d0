"""Notebook 01's widget updates (what one slider move computes), at the sizes the notebook uses."""

from course.widgets.coarse_to_fine import compute_search_rounds
from course.widgets.grid_vs_random import compute_grid_vs_random
from course.widgets.panda_caviar import compute_panda_caviar, view_panda_caviar


def _stand_in_search(objective, ranges, n_per_round, n_rounds, top_k, rng):
    """A cheap search with the contract's shape (the notebook passes the student's coarse_to_fine)."""
    import numpy as np

    box = np.asarray(ranges, dtype=float)
    history, best = [], (None, np.inf)
    for _ in range(n_rounds):
        history.append([tuple(r) for r in box])
        for point in rng.uniform(box[:, 0], box[:, 1], size=(n_per_round, len(box))):
            score = objective(point)
            best = (point, score) if score < best[1] else best
        centre, half = box.mean(axis=1), (box[:, 1] - box[:, 0]) / 4
        box = np.column_stack([centre - half, centre + half])
    return {"best_point": best[0], "best_score": float(best[1]), "ranges_history": history}


_TRAINED = compute_panda_caviar()  # trained once per show call in the notebook; sliders only call the view

CASES = {
    "grid_vs_random: compute_grid_vs_random (budget 100)": lambda: compute_grid_vs_random(100),
    "coarse_to_fine: compute_search_rounds (4 rounds x 20 points, run once per show)": lambda: compute_search_rounds(
        _stand_in_search, n_per_round=20, n_rounds=4, top_k=4
    ),
    "panda_caviar: view_panda_caviar (16 models x 40 epochs)": lambda: view_panda_caviar(_TRAINED, 16, 8),
}
