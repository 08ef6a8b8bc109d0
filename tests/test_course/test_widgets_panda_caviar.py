"""course.widgets.panda_caviar: real training of both strategies, the cheap view, and the widget headless."""

import ipywidgets as widgets
import numpy as np
import pytest

from course.widgets.panda_caviar import compute_panda_caviar, show_panda_caviar, view_panda_caviar


@pytest.fixture(scope="module")
def trained():
    return compute_panda_caviar(n_models=6, days=4, epochs_per_day=3, seed=1)


def test_shapes_of_what_was_trained(trained):
    assert trained.caviar_curves.shape == (6, 12)
    assert trained.caviar_rates.shape == trained.caviar_hidden.shape == (6,)
    assert trained.panda_curve.shape == (12,)
    assert trained.panda_rates.shape == trained.panda_rollbacks.shape == (4,)
    assert trained.days == 4
    assert len(set(np.round(trained.caviar_rates, 6))) == 6  # every fish has its own learning rate


def test_the_panda_keeper_follows_its_rule(trained):
    rates, undone = trained.panda_rates, trained.panda_rollbacks
    for day in range(1, trained.days):
        ratio = rates[day] / rates[day - 1]
        if undone[day - 1]:
            assert ratio == pytest.approx(0.5)  # after a bad day: half the step
        else:
            assert ratio in (pytest.approx(1.0), pytest.approx(2.0))  # flat day: same, good day: double


def test_default_story_panda_beats_one_fish_and_many_fish_beat_the_panda():
    full = compute_panda_caviar()
    alone = view_panda_caviar(full, machines=1, days=full.days)
    crowd = view_panda_caviar(full, machines=16, days=full.days)
    assert alone.panda_now < alone.caviar_best
    assert crowd.caviar_best < crowd.panda_now


def test_view_selects_without_training(trained):
    view = view_panda_caviar(trained, machines=3, days=2)
    assert view.caviar_curves.shape == (3, 6)
    assert view.panda_curve.shape == (6,)
    assert view.caviar_best == pytest.approx(np.min(trained.caviar_curves[:3, 5]))
    with pytest.raises(ValueError, match="machines"):
        view_panda_caviar(trained, machines=7, days=2)
    with pytest.raises(ValueError, match="days"):
        view_panda_caviar(trained, machines=1, days=0)


@pytest.mark.parametrize("kwargs", [{"n_models": 0}, {"days": 0}, {"start_rate": 0.0}, {"epochs_per_day": 100}])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        compute_panda_caviar(**kwargs)


def test_show_builds_and_updates_with_a_picker():
    picks = []

    def picker(curves):
        picks.append(curves.shape)
        return curves.shape[0] - 1

    box = show_panda_caviar(picker, n_models=4, days=3)
    machines, day = box.children[0].children
    machines.value, day.value = 2, 1
    assert picks[-1] == (2, 5)
    assert "picks run 1" in box.children[1].value


def test_show_explains_a_picker_that_is_not_written():
    def not_written(curves):
        raise NotImplementedError()

    box = show_panda_caviar(not_written, n_models=3, days=2)
    assert isinstance(box.children[1], widgets.HTML)
    assert "Write" in box.children[1].value


def uniform_search(ranges, n_points, rng):
    """A correct random_search, as a student would pass it."""
    bounds = np.asarray(ranges, dtype=float)
    return rng.uniform(bounds[:, 0], bounds[:, 1], size=(n_points, len(bounds)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_with_all_machines_caviar_beats_the_panda(seed):
    """Notebook 01's claim, for several seeds and with settings drawn by a random_search as the notebook does."""
    from course.widgets.panda_caviar import CAVIAR_RANGES

    settings = uniform_search(CAVIAR_RANGES, 16, np.random.default_rng(seed))
    trained = compute_panda_caviar(seed=seed, settings=settings)
    view = view_panda_caviar(trained, 16, trained.days)
    assert view.caviar_best < view.panda_now


def test_show_draws_settings_from_the_students_random_search():
    box = show_panda_caviar(lambda curves: 0, uniform_search)
    assert "Your random_search drew" in box.children[1].value
    box.children[0].children[0].value = 3
    broken = show_panda_caviar(None, lambda *a: np.zeros((2, 2)))
    assert "outside the ranges" in broken.children[1].value or "shape" in broken.children[1].value
