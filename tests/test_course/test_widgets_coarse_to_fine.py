"""course.widgets.coarse_to_fine: recording a search, and the widget built and driven headless.

The widget runs a search it is given (the student's coarse_to_fine). These tests give it a stand-in that
honours the contract without being a real coarse-to-fine search: fixed boxes shrinking toward a point.
"""

import ipywidgets as widgets
import numpy as np
import pytest

from course.widgets.coarse_to_fine import (
    DEMO_MINIMUM,
    DEMO_RANGES,
    compute_search_rounds,
    demo_loss,
    demo_surface,
    show_coarse_to_fine,
    top_points,
)


def shrinking_stand_in(objective, ranges, n_per_round, n_rounds, top_k, rng):
    """Evaluates n_per_round random points per round in boxes that halve around the centre of `ranges`."""
    box = np.asarray(ranges, dtype=float)
    history, best = [], (None, np.inf)
    for _ in range(n_rounds):
        history.append([tuple(r) for r in box])
        for point in rng.uniform(box[:, 0], box[:, 1], size=(n_per_round, len(box))):
            score = objective(point)
            if score < best[1]:
                best = (point, score)
        centre, half = box.mean(axis=1), (box[:, 1] - box[:, 0]) / 4
        box = np.column_stack([centre - half, centre + half])
    return {"best_point": best[0], "best_score": float(best[1]), "ranges_history": history}


def not_written(*_args):
    raise NotImplementedError()


def test_demo_loss_is_lowest_at_its_valley_floor():
    assert demo_loss(np.array(DEMO_MINIMUM)) == pytest.approx(0.02)
    assert demo_loss([-3.5, -2.8]) > 1.0
    assert demo_loss([-3.0, -1.0], minimum=(-3.0, -1.0)) == pytest.approx(0.02)
    surface = demo_surface(81)
    assert surface.shape == (81, 81)
    assert surface.min() >= 0.02
    with pytest.raises(ValueError, match="resolution"):
        demo_surface(0)


def test_every_call_is_recorded_and_assigned_to_its_round():
    found = compute_search_rounds(shrinking_stand_in, n_per_round=7, n_rounds=3, top_k=2, seed=1)
    assert found.points.shape == (21, 2)
    assert found.scores.shape == (21,)
    np.testing.assert_array_equal(found.rounds, np.repeat([0, 1, 2], 7))
    np.testing.assert_allclose(found.scores, [demo_loss(p) for p in found.points])
    assert found.boxes.shape == (3, 2, 2)
    np.testing.assert_allclose(found.boxes[0], DEMO_RANGES)
    assert found.best_score == pytest.approx(found.scores.min())
    assert np.all(np.diff(found.best_so_far) <= 0)


def test_a_custom_objective_and_ranges_are_used():
    calls = []

    def objective(point):
        calls.append(point)
        return float(np.sum(np.asarray(point) ** 2))

    found = compute_search_rounds(shrinking_stand_in, objective, [(-1, 1), (2, 3)], n_per_round=4, n_rounds=2)
    assert len(calls) == 8
    assert found.points[:, 1].min() >= 2


def test_a_result_that_breaks_the_contract_is_explained():
    def wrong_length(objective, ranges, n_per_round, n_rounds, top_k, rng):
        out = shrinking_stand_in(objective, ranges, n_per_round, n_rounds, top_k, rng)
        out["ranges_history"].append(out["ranges_history"][-1])
        return out

    with pytest.raises(ValueError, match="ranges_history should hold 2 range lists"):
        compute_search_rounds(wrong_length, n_per_round=3, n_rounds=2)
    with pytest.raises(ValueError, match="should return a dict"):
        compute_search_rounds(lambda *args: None, n_per_round=3, n_rounds=2)
    with pytest.raises(ValueError, match="n_rounds"):
        compute_search_rounds(shrinking_stand_in, n_rounds=0)
    with pytest.raises(TypeError, match="search must be a function"):
        compute_search_rounds("coarse_to_fine")


def test_show_builds_and_steps_through_the_rounds():
    box = show_coarse_to_fine(shrinking_stand_in, n_rounds=4)
    slider = box.children[0]
    for value in (2, 4, 1):
        slider.value = value
    assert slider.max == 4


def test_show_with_a_real_objective_colours_points_by_score():
    box = show_coarse_to_fine(
        shrinking_stand_in,
        lambda p: float(np.sum(np.square(p))),
        [(-1, 1), (-1, 1)],
        labels=("a", "b"),
        n_per_round=5,
        n_rounds=3,
    )
    box.children[0].value = 3


@pytest.mark.parametrize(
    "search, words", [(not_written, "Write coarse_to_fine above"), (lambda *a: 1 / 0, "ZeroDivisionError")]
)
def test_show_explains_a_missing_or_failing_search(search, words):
    note = show_coarse_to_fine(search)
    assert isinstance(note, widgets.HTML)
    assert words in note.value


def margin_search(objective, ranges, n_per_round, n_rounds, top_k, rng):
    """A real coarse-to-fine search whose zoom_in is looked up by name, as in the notebook."""
    current, history, best = [tuple(r) for r in ranges], [], (None, np.inf)
    for r in range(n_rounds):
        history.append(current)
        points = rng.uniform([lo for lo, _ in current], [hi for _, hi in current], size=(n_per_round, len(current)))
        scores = np.array([objective(p) for p in points])
        if scores.min() < best[1]:
            best = (points[scores.argmin()], float(scores.min()))
        if r < n_rounds - 1:
            current = zoom_in(points, scores, current, top_k)
    return {"best_point": best[0], "best_score": best[1], "ranges_history": history}


def zoom_in(points, scores, ranges, top_k, margin=0.1):
    top = points[np.argsort(scores)[:top_k]]
    low, high = top.min(axis=0), top.max(axis=0)
    pad = margin * (high - low)
    return [(max(a, l - p), min(b, h + p)) for (a, b), l, h, p in zip(ranges, low, high, pad)]


def test_the_margin_reaches_the_searchs_own_zoom_in_and_is_restored():
    narrow = compute_search_rounds(margin_search, n_rounds=3, margin=0.0)
    wide = compute_search_rounds(margin_search, n_rounds=3, margin=0.5)

    def widths(found):
        return np.prod(found.boxes[1, :, 1] - found.boxes[1, :, 0])

    assert widths(wide) > widths(narrow)
    assert margin_search.__globals__["zoom_in"] is zoom_in


def test_top_points_are_the_rounds_lowest_scores():
    found = compute_search_rounds(margin_search, n_per_round=10, n_rounds=2, top_k=3)
    best = top_points(found, 0, 3)
    first = found.scores[:10]
    np.testing.assert_allclose(np.sort([demo_loss(p) for p in best]), np.sort(first)[:3])


def test_with_no_margin_the_boxes_can_lock_the_minimum_out():
    """What the notebook asks the student to see: margin 0 loses the valley floor that margin 0.5 keeps."""

    def inside(box):
        return box[0, 0] <= DEMO_MINIMUM[0] <= box[0, 1] and box[1, 0] <= DEMO_MINIMUM[1] <= box[1, 1]

    locked = compute_search_rounds(margin_search, seed=3, margin=0.0)
    assert not inside(locked.boxes[-1])
    kept = compute_search_rounds(margin_search, seed=3, margin=0.5)
    assert kept.best_score < locked.best_score


def test_show_reruns_with_the_margin_and_minimum_sliders():
    box = show_coarse_to_fine(margin_search)
    margin, where = box.children[1].children
    margin.value = 0.0
    where.value = -3.5
    assert "true minimum (+) is at -3.5" in box.children[2].value
    box.children[0].value = 4
