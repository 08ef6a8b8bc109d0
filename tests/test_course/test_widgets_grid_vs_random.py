"""course.widgets.grid_vs_random: the pure compute function, and the widget built and driven headless."""

import numpy as np
import pytest

from course.widgets.grid_vs_random import (
    BUDGETS,
    EPS_EXPONENT_RANGE,
    LR_EXPONENT_RANGE,
    compute_grid_vs_random,
    loss_surface,
    show_grid_vs_random,
    toy_loss,
)


@pytest.mark.parametrize("budget", BUDGETS)
def test_both_layouts_spend_the_budget_inside_the_square(budget):
    view = compute_grid_vs_random(budget)
    for points in (view.grid_points, view.random_points):
        assert points.shape == (budget, 2)
        assert points[:, 0].min() >= LR_EXPONENT_RANGE[0] and points[:, 0].max() <= LR_EXPONENT_RANGE[1]
        assert points[:, 1].min() >= EPS_EXPONENT_RANGE[0] and points[:, 1].max() <= EPS_EXPONENT_RANGE[1]
    side = int(round(np.sqrt(budget)))
    assert view.grid_distinct == side  # the grid repeats each learning rate `side` times
    assert view.random_distinct == budget  # random points never repeat one
    assert view.grid_best == pytest.approx(view.grid_losses.min())
    assert view.random_best == pytest.approx(view.random_losses.min())


def test_random_points_grow_with_the_budget_instead_of_reshuffling():
    small, large = compute_grid_vs_random(9, seed=4), compute_grid_vs_random(49, seed=4)
    np.testing.assert_array_equal(large.random_points[:9], small.random_points)


def test_only_the_learning_rate_matters_in_the_toy_loss():
    surface = loss_surface(50)
    assert surface.shape == (50, 50)
    spread_along_eps = np.ptp(surface, axis=0).max()
    spread_along_lr = np.ptp(surface, axis=1).min()
    assert spread_along_eps < 0.01 < 0.5 < spread_along_lr
    assert toy_loss(-1.55, -8.0) < 0.11


def test_random_beats_the_grid_on_average_over_seeds():
    wins = [
        compute_grid_vs_random(25, seed=s).random_best < compute_grid_vs_random(25, seed=s).grid_best
        for s in range(20)
    ]
    assert sum(wins) >= 15


@pytest.mark.parametrize("budget, error", [(10, ValueError), (1, ValueError), (121, ValueError), (25.0, TypeError)])
def test_bad_budgets_are_refused(budget, error):
    with pytest.raises(error, match="budget"):
        compute_grid_vs_random(budget)


def test_loss_surface_refuses_a_tiny_resolution():
    with pytest.raises(ValueError, match="resolution"):
        loss_surface(1)


def test_show_builds_and_updates_headless():
    box = show_grid_vs_random()
    slider = box.children[0]
    for budget in (4, 100, 36):
        slider.value = budget
    assert slider.value == 36


def test_random_wins_on_average_but_not_always():
    from course.widgets.grid_vs_random import compute_best_by_budget

    averaged = compute_best_by_budget(200)
    assert averaged.budgets.tolist() == list(BUDGETS)
    assert np.all(
        averaged.random_mean < averaged.grid_mean
    )  # what the picture claims  # what the picture's curve claims
    assert np.any(averaged.random_wins < 1.0)  # ... and the grid is sometimes lucky
