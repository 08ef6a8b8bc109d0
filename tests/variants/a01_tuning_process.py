"""Notebook 01: plausible mistakes (each must lose its exercise's points, and only those) and other correct answers."""

from tests.variants import Correct, Wrong, concept_answers

_PRIORITY_WRONG_TIER = """
TUNING_PRIORITY = {
    "learning_rate": 1, "momentum_beta": 2, "mini_batch_size": 3, "hidden_units": 2, "num_layers": 3,
    "learning_rate_decay": 3, "adam_beta1": 4, "adam_beta2": 4, "adam_epsilon": 4,
}
"""

_PRIORITY_EVERYTHING_FIRST = """
TUNING_PRIORITY = {name: 1 for name in ["learning_rate", "momentum_beta", "mini_batch_size", "hidden_units",
                   "num_layers", "learning_rate_decay", "adam_beta1", "adam_beta2", "adam_epsilon"]}
"""

_PRIORITY_BY_TIER = """
import numpy as np
tiers = [["learning_rate"], ["momentum_beta", "mini_batch_size", "hidden_units"],
         ["num_layers", "learning_rate_decay"], ["adam_beta1", "adam_beta2", "adam_epsilon"]]
TUNING_PRIORITY = {name: np.int64(rank) for rank, names in enumerate(tiers, start=1) for name in names}
"""

_RANGES_CHECK = """
    bounds = np.asarray(ranges, dtype=float)
    if bounds.ndim != 2 or bounds.shape[1] != 2 or len(bounds) == 0:
        raise ValueError("ranges must be (low, high) pairs")
    if (bounds[:, 0] >= bounds[:, 1]).any():
        raise ValueError("low must be below high")
"""

_GRID_ARANGE = (
    """
def grid_search(ranges, points_per_axis):
"""
    + _RANGES_CHECK
    + """
    if points_per_axis < 1:
        raise ValueError("need at least one point per axis")
    axes = [np.arange(low, high, (high - low) / points_per_axis) for low, high in bounds]
    mesh = np.meshgrid(*axes)
    return np.stack([m.ravel() for m in mesh], axis=1)
"""
)

_GRID_ZIP = (
    """
def grid_search(ranges, points_per_axis):
"""
    + _RANGES_CHECK
    + """
    if points_per_axis < 1:
        raise ValueError("need at least one point per axis")
    axes = [np.linspace(low, high, points_per_axis) for low, high in bounds]
    return np.array(list(zip(*axes)))
"""
)

_GRID_NO_CHECKS = """
def grid_search(ranges, points_per_axis):
    axes = [np.linspace(low, high, points_per_axis) for low, high in ranges]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])
"""

_GRID_PRODUCT = """
import itertools

def grid_search(ranges, points_per_axis):
    if not isinstance(points_per_axis, int) or points_per_axis <= 0:
        raise ValueError("points_per_axis must be a positive int")
    values = []
    for low, high in ranges:
        if not low < high:
            raise ValueError(f"range ({low}, {high}) is empty")
        step = (high - low) / (points_per_axis - 1) if points_per_axis > 1 else 0.0
        values.append([low + i * step for i in range(points_per_axis)])
    return np.array(list(itertools.product(*values)), dtype=float)
"""

_RANDOM_UNSCALED = (
    """
def random_search(ranges, n_points, rng):
"""
    + _RANGES_CHECK
    + """
    if n_points < 1:
        raise ValueError("n_points must be positive")
    return rng.random((n_points, len(bounds)))
"""
)

_RANDOM_GLOBAL = (
    """
def random_search(ranges, n_points, rng):
"""
    + _RANGES_CHECK
    + """
    if n_points < 1:
        raise ValueError("n_points must be positive")
    return np.random.uniform(bounds[:, 0], bounds[:, 1], size=(n_points, len(bounds)))
"""
)

_RANDOM_SHARED_DRAW = (
    """
def random_search(ranges, n_points, rng):
"""
    + _RANGES_CHECK
    + """
    if n_points < 1:
        raise ValueError("n_points must be positive")
    u = rng.random((n_points, 1))
    return bounds[:, 0] + (bounds[:, 1] - bounds[:, 0]) * u
"""
)

_RANDOM_NO_CHECKS = """
def random_search(ranges, n_points, rng):
    bounds = np.asarray(ranges, dtype=float)
    u = rng.random((n_points, len(bounds)))
    return bounds[:, 0] + (bounds[:, 1] - bounds[:, 0]) * u
"""

_RANDOM_PER_COLUMN = """
def random_search(ranges, n_points, rng):
    if int(n_points) != n_points or n_points < 1:
        raise ValueError("n_points must be a positive whole number")
    columns = []
    for low, high in ranges:
        if low >= high:
            raise ValueError(f"({low}, {high}) is not a range")
        columns.append(low + (high - low) * rng.random(int(n_points)))
    return np.stack(columns, axis=1)
"""

_ZOOM_TEMPLATE = """
def zoom_in(points, scores, ranges, top_k, margin=0.1):
    points = np.asarray(points, dtype=float)
    scores = np.asarray(scores, dtype=float)
    bounds = np.asarray(ranges, dtype=float)
    if len(points) != len(scores):
        raise ValueError("one score per point")
    if not 1 <= top_k <= len(scores):
        raise ValueError("top_k out of range")
    if margin < 0:
        raise ValueError("margin must be >= 0")
    best = points[ORDER[:top_k]]
    low, high = best.min(axis=0), best.max(axis=0)
    pad = PAD
    LIMITS
    return [(float(a), float(b)) for a, b in zip(low, high)]
"""


def _zoom(order="np.argsort(scores)", pad="margin * (high - low)", clip=True):
    limits = (
        "low, high = np.maximum(low - pad, bounds[:, 0]), np.minimum(high + pad, bounds[:, 1])"
        if clip
        else "low, high = low - pad, high + pad"
    )
    return _ZOOM_TEMPLATE.replace("ORDER", order).replace("PAD", pad).replace("LIMITS", limits)


_ZOOM_PER_AXIS = """
def zoom_in(points, scores, ranges, top_k, margin=0.1):
    points = np.asarray(points, dtype=float)
    scores = np.asarray(scores, dtype=float)
    if points.shape[0] != scores.shape[0]:
        raise ValueError("points and scores disagree on the number of runs")
    if top_k < 1 or top_k > len(scores) or margin < 0:
        raise ValueError("need 1 <= top_k <= n and margin >= 0")
    keep = np.argpartition(scores, top_k - 1)[:top_k]
    new_ranges = []
    for j, (low, high) in enumerate(ranges):
        column = points[keep, j]
        width = column.max() - column.min()
        new_ranges.append((max(low, column.min() - margin * width), min(high, column.max() + margin * width)))
    return new_ranges
"""

_C2F_TEMPLATE = """
def coarse_to_fine(objective, ranges, n_per_round, n_rounds, top_k, rng):
    if n_rounds < 1 or n_per_round < 1 or not 2 <= top_k <= n_per_round:
        raise ValueError("need positive counts and 2 <= top_k <= n_per_round")
    current = list(ranges)
    history = []
    best_point, best_score = None, BEST_START
    for r in range(n_rounds):
        history.append(current)
        points = random_search(current, n_per_round, rng)
        scores = np.array([objective(p) for p in points])
        i = int(PICK(scores))
        if scores[i] COMPARE best_score:
            best_point, best_score = points[i], float(scores[i])
        ZOOM
    return {"best_point": best_point, "best_score": best_score, "ranges_history": history}
"""


def _c2f(
    zoom="if r < n_rounds - 1:\n            current = zoom_in(points, scores, current, top_k)",
    pick="np.argmin",
    compare="<",
    start="np.inf",
):
    return (
        _C2F_TEMPLATE.replace("ZOOM", zoom)
        .replace("PICK", pick)
        .replace("COMPARE", compare)
        .replace("BEST_START", start)
    )


_C2F_NO_CHECKS = _c2f().replace(
    """    if n_rounds < 1 or n_per_round < 1 or not 2 <= top_k <= n_per_round:
        raise ValueError("need positive counts and 2 <= top_k <= n_per_round")
""",
    "",
)

_C2F_ALL_POINTS = """
def coarse_to_fine(objective, ranges, n_per_round, n_rounds, top_k, rng):
    for count in (n_per_round, n_rounds, top_k - 1):
        if count < 1:
            raise ValueError("counts must be positive, and top_k at least 2")
    if top_k > n_per_round:
        raise ValueError("top_k must not exceed n_per_round")
    box = [tuple(r) for r in ranges]
    history = []
    all_points = np.empty((0, len(box)))
    all_scores = np.empty(0)
    for r in range(n_rounds):
        history.append(box)
        new = random_search(box, n_per_round, rng)
        all_points = np.vstack([all_points, new])
        all_scores = np.append(all_scores, [objective(p) for p in new])
        if r + 1 < n_rounds:
            box = zoom_in(all_points, all_scores, box, top_k)
    i = int(np.argmin(all_scores))
    return dict(best_point=all_points[i], best_score=float(all_scores[i]), ranges_history=history)
"""

_C2F_ORIGINAL_CLIP = """
def coarse_to_fine(objective, ranges, n_per_round, n_rounds, top_k, rng):
    if min(n_per_round, n_rounds, top_k - 1) < 1 or top_k > n_per_round:
        raise ValueError("counts must be positive, with 2 <= top_k <= n_per_round")
    original = [(float(lo), float(hi)) for lo, hi in ranges]
    box, history, tried, losses = original, [], [], []
    for _ in range(n_rounds):
        history.append(box)
        pts = random_search(box, n_per_round, rng)
        sc = [float(objective(p)) for p in pts]
        tried.extend(pts)
        losses.extend(sc)
        box = zoom_in(pts, sc, original, top_k)
    best = int(np.argmin(losses))
    return {"best_point": np.asarray(tried[best]), "best_score": losses[best], "ranges_history": history}
"""

_PICK_TEMPLATE = """
def pick_best_run(curves):
    curves = np.asarray(curves, dtype=float)
    BODY
"""

_PICK_LAST_COLUMN = _PICK_TEMPLATE.replace("BODY", "return int(np.argmin(curves[:, -1]))")
_PICK_LOWEST_POINT = _PICK_TEMPLATE.replace(
    "BODY",
    """healthy = np.isfinite(curves).all(axis=1)
    if not healthy.any():
        raise ValueError("all runs diverged")
    return int(np.argmin(np.where(healthy, curves.min(axis=1), np.inf)))""",
)
_PICK_ONLY_NAN = _PICK_TEMPLATE.replace(
    "BODY",
    """healthy = ~np.isnan(curves).any(axis=1)
    if not healthy.any():
        raise ValueError("all runs diverged")
    return int(np.argmin(np.where(healthy, curves[:, -1], np.inf)))""",
)
_PICK_NO_ERROR = _PICK_TEMPLATE.replace(
    "BODY",
    """healthy = np.isfinite(curves).all(axis=1)
    return int(np.argmin(np.where(healthy, curves[:, -1], np.inf)))""",
)
_PICK_IN_PLACE = """
def pick_best_run(curves):
    broken = ~np.isfinite(curves).all(axis=1)
    if broken.all():
        raise ValueError("all runs diverged")
    curves[broken, -1] = np.inf
    return int(np.argmin(curves[:, -1]))
"""
_PICK_LOOP = """
def pick_best_run(curves):
    best, best_loss = None, float("inf")
    for index, run in enumerate(np.asarray(curves, dtype=float)):
        if np.all(np.isfinite(run)) and run[-1] < best_loss:
            best, best_loss = index, run[-1]
    if best is None:
        raise ValueError("every run diverged")
    return np.int64(best)
"""

VARIANTS = [
    # TUNING_PRIORITY
    Wrong(
        "priority_batch_size_third",
        "TUNING_PRIORITY",
        _PRIORITY_WRONG_TIER,
        message="TUNING_PRIORITY['mini_batch_size']",
    ),
    Wrong(
        "priority_everything_first",
        "TUNING_PRIORITY",
        _PRIORITY_EVERYTHING_FIRST,
        message="TUNING_PRIORITY['momentum_beta']",
    ),
    Correct("priority_built_by_tier", "TUNING_PRIORITY", _PRIORITY_BY_TIER),
    # grid_search
    Wrong("grid_with_arange", "grid_search", _GRID_ARANGE, message="np.arange"),
    Wrong("grid_zips_axes", "grid_search", _GRID_ZIP, message="zip()"),
    Wrong("grid_without_checks", "grid_search", _GRID_NO_CHECKS, message="should raise ValueError"),
    Correct("grid_with_product", "grid_search", _GRID_PRODUCT),
    # random_search
    Wrong(
        "random_not_scaled", "random_search", _RANDOM_UNSCALED, message="fall outside", also_loses=("coarse_to_fine",)
    ),
    Wrong("random_ignores_rng", "random_search", _RANDOM_GLOBAL, message="a second call with the same seed"),
    Wrong(
        "random_one_draw_per_row",
        "random_search",
        _RANDOM_SHARED_DRAW,
        message="move together",
        also_loses=("coarse_to_fine",),
    ),
    Wrong("random_without_checks", "random_search", _RANDOM_NO_CHECKS, message="should raise ValueError"),
    Correct("random_column_by_column", "random_search", _RANDOM_PER_COLUMN),
    # zoom_in
    Wrong(
        "zoom_keeps_highest",
        "zoom_in",
        _zoom(order="np.argsort(scores)[::-1]"),
        message="keep the LOWEST",
        also_loses=("coarse_to_fine",),
    ),
    Wrong("zoom_not_clipped", "zoom_in", _zoom(clip=False), message="not clipped", also_loses=("coarse_to_fine",)),
    Wrong(
        "zoom_margin_of_range",
        "zoom_in",
        _zoom(pad="margin * (bounds[:, 1] - bounds[:, 0])"),
        message="not of the whole range",
    ),
    Correct("zoom_axis_by_axis", "zoom_in", _ZOOM_PER_AXIS),
    # coarse_to_fine
    Wrong(
        "c2f_history_too_long",
        "coarse_to_fine",
        _c2f(
            zoom="current = zoom_in(points, scores, current, top_k)\n        if r == n_rounds - 1:\n            history.append(current)"
        ),
        message="do not add the box",
    ),
    Wrong("c2f_never_zooms", "coarse_to_fine", _c2f(zoom="pass"), message="the ranges do not shrink"),
    Wrong(
        "c2f_keeps_highest",
        "coarse_to_fine",
        _c2f(pick="np.argmax", compare=">", start="-np.inf"),
        message="keep the lowest loss",
    ),
    Wrong("c2f_without_checks", "coarse_to_fine", _C2F_NO_CHECKS, message="should raise ValueError"),
    Wrong(
        "c2f_accepts_top_k_1",
        "coarse_to_fine",
        _c2f().replace("not 2 <= top_k", "not 1 <= top_k"),
        message="check that top_k is at least 2",
    ),
    Correct("c2f_zooms_on_all_points", "coarse_to_fine", _C2F_ALL_POINTS),
    Correct("c2f_clips_to_original", "coarse_to_fine", _C2F_ORIGINAL_CLIP),
    # pick_best_run
    Wrong("pick_last_column_only", "pick_best_run", _PICK_LAST_COLUMN, message="leave it out"),
    Wrong("pick_lowest_point", "pick_best_run", _PICK_LOWEST_POINT, message="not its lowest point"),
    Wrong("pick_ignores_inf", "pick_best_run", _PICK_ONLY_NAN, message="inf means diverged"),
    Wrong("pick_never_refuses", "pick_best_run", _PICK_NO_ERROR, message="should raise ValueError"),
    Wrong("pick_changes_curves", "pick_best_run", _PICK_IN_PLACE, message="do not change curves"),
    Correct("pick_with_a_loop", "pick_best_run", _PICK_LOOP),
    # concept questions (the first wrong answer is the class's common misconception: autograder/sample_class)
    *concept_answers(
        "priority",
        ('"B"', '" b "'),
        {
            '"a"': "only as long as the range someone swept",
            '"c"': "cannot show interactions",
            '"d"': "have no bars at all",
        },
    ),
    *concept_answers(
        "random_or_grid",
        ('"C"', '"(c)"'),
        {
            '"a"': "20 of the runs teach you almost nothing new",
            '"b"': "collapse onto 5 values",
            '"d"': "Random points win on average, not every time",
        },
    ),
    *concept_answers(
        "retest",
        ('"cba"', '"A, B, C"', '{"c", "b", "a"}'),
        {
            '"abce"': "a value does not expire by itself",
            '"abcd"': "ideas travel between fields",
            '"ab"': "each change to the model changes the problem",
            '"e"': "more data, and data that drifts",
        },
    ),
    *concept_answers(
        "panda_or_caviar",
        ('"B"',),
        {
            '"a"': "caviar is out of reach",
            '"c"': "needs nobody at the curve",
            '"d"': "a single blind guess",
        },
    ),
]
