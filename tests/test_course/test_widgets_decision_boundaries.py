"""course.widgets.decision_boundaries: straight borders without a hidden layer, bent ones with it, snapshots."""

import numpy as np
import pytest

from course.data import make_blobs_2d, make_xor_2d
from course.widgets import decision_boundaries as db


def test_snapshots_are_recorded_at_the_requested_iterations():
    X, labels = make_blobs_2d(90, num_classes=3, seed=0)
    snaps = db.train_snapshots(X, labels, 3, iterations=(0, 10, 50))
    assert snaps.iterations == (0, 10, 50)
    assert snaps.regions.shape == (3, db.GRID, db.GRID) and snaps.regions.dtype == np.int8
    assert snaps.accuracy.shape == snaps.cost.shape == (3,)
    assert snaps.cost[0] > snaps.cost[-1]
    assert snaps.index_of(0) == 0 and snaps.index_of(10) == 1 and snaps.index_of(49) == 1 and snaps.index_of(999) == 2


def test_softmax_regression_separates_blobs_with_straight_borders():
    X, labels = make_blobs_2d(240, num_classes=4, spread=0.5, seed=2)
    snaps = db.train_snapshots(X, labels, 4)
    assert snaps.accuracy[-1] > 0.95
    # Straight borders make every region convex: along any grid row a class occupies one unbroken run.
    for row in snaps.regions[-1]:
        for k in np.unique(row):
            cells = np.flatnonzero(row == k)
            assert cells[-1] - cells[0] + 1 == cells.size


def test_xor_needs_the_hidden_layer():
    X, labels = make_xor_2d(200, num_classes=2, spread=0.3, seed=0)
    linear = db.train_snapshots(X, labels, 2)
    hidden = db.train_snapshots(X, labels, 2, hidden_units=16)
    assert linear.accuracy[-1] < 0.7
    assert hidden.accuracy[-1] > 0.95
    assert hidden.cost[-1] < 0.2 < linear.cost[-1]


def test_regions_of_a_given_classifier_and_the_grid():
    X = np.array([[-1.0, 1.0], [0.0, 2.0]])
    regions, extent = db.regions_of(lambda P: (P[0] > 0).astype(int), X, size=20)
    assert regions.shape == (20, 20)
    assert extent == pytest.approx((-1.6, 1.6, -0.6, 2.6))
    assert (regions[:, :10] == 0).all() and (regions[:, 10:] == 1).all()  # x > 0 on the right half
    with pytest.raises(ValueError, match="expected \\(400,\\)"):
        db.regions_of(lambda P: np.zeros((2, P.shape[1])), X, size=20)


def test_cached_settings_are_trained_once():
    first = db.cached_snapshots("XOR-like", 3, True)
    assert db.cached_snapshots("XOR-like", 3, True) is first
    assert first.hidden_units == db.HIDDEN_UNITS and first.num_classes == 3


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: db.train_snapshots(np.zeros((3, 5)), np.zeros(5, int), 2), "shape \\(2, m\\)"),
        (lambda: db.train_snapshots(np.zeros((2, 5)), np.array([0, 1, 2, 0, 1]), 2), "ints in 0..1"),
        (lambda: db.train_snapshots(np.zeros((2, 5)), np.zeros(5, int), 2, iterations=()), "non-negative"),
        (lambda: db.train_snapshots(np.zeros((2, 5)), np.zeros(5, int), 2, hidden_units=-1), "hidden_units"),
        (lambda: db.dataset_2d("moons", 3), "unknown data set"),
    ],
)
def test_bad_arguments_are_explained(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_viewer_builds_and_updates_headless():
    box = db.show_boundary_viewer()
    data_set, classes, hidden, iteration, picture = box.children
    first = picture.value
    iteration.value = 10
    assert picture.value != first
    classes.value = 5
    hidden.value = True
    data_set.value = "XOR-like"
    iteration.value = 0
    assert picture.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_regions_draws_regions_and_points():
    import matplotlib

    matplotlib.use("Agg")
    X, labels = make_blobs_2d(60, num_classes=3, seed=0)
    snaps = db.train_snapshots(X, labels, 3, iterations=(0, 20))
    ax = db.plot_regions(snaps.regions[-1], snaps.extent, X, labels, 3, title="three blobs")
    assert len(ax.images) == 1 and len(ax.collections) == 1 and ax.get_title() == "three blobs"
