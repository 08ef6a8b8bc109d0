"""course.widgets.covariate_shift: drift measured from snapshots, and the viewer built and driven headless."""

import numpy as np
import pytest

from course import bn_network
from course.widgets.covariate_shift import compute_covariate_shift, show_covariate_shift


@pytest.fixture(scope="module")
def runs():
    """Two small deep networks on separable data, same start and batches, with and without batch norm."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 160))
    Y = (X[:1] + X[1:2] > 0).astype(float)
    dims = [6, 8, 8, 8, 1]
    return tuple(
        bn_network.train_network(X, Y, dims, batchnorm=flag, learning_rate=0.3, num_epochs=6, mini_batch_size=32,
                                 snapshot_every=5, probe_size=64)
        for flag in (False, True)
    )


def test_shapes_follow_the_snapshots(runs):
    plain, normalised = runs
    view = compute_covariate_shift(plain, normalised, unit=2, points=20)
    s = len(plain.snapshots)
    assert view.iterations.tolist() == [snap.iteration for snap in plain.snapshots]
    assert view.density.shape == (2, s, 3, 20) and view.grid.shape == (2, 20)
    assert view.mean_shift.shape == view.std_ratio.shape == (2, s, 3)
    assert np.allclose(view.density.max(axis=(1, 3)), 1.0)  # each row and layer peaks at 1 over the snapshots


def test_drift_starts_at_zero_and_batch_norm_holds_the_next_layers_input_still(runs):
    view = compute_covariate_shift(*runs)
    assert np.allclose(view.mean_shift[:, 0], 0.0) and np.allclose(view.std_ratio[:, 0], 1.0)
    without, with_bn = view.mean_shift[0, -1].mean(), view.mean_shift[1, -1].mean()
    assert with_bn < 0.5 * without, (with_bn, without)


def test_raw_view_shows_that_Z_itself_still_moves(runs):
    held = compute_covariate_shift(*runs, raw=False).mean_shift[1, -1].mean()
    raw = compute_covariate_shift(*runs, raw=True).mean_shift[1, -1].mean()
    assert raw > held
    # the plain network has nothing to normalise: both views agree on its row
    assert np.allclose(compute_covariate_shift(*runs, raw=True).mean_shift[0],
                       compute_covariate_shift(*runs, raw=False).mean_shift[0])


def test_the_densities_match_the_recorded_values(runs):
    plain, normalised = runs
    view = compute_covariate_shift(plain, normalised, unit=1, points=200)
    values = normalised.snapshots[-1].Z_tilde[0][1]
    grid = view.grid[1]
    peak = grid[np.argmax(view.density[1, -1, 0])]
    assert abs(peak - np.median(values)) < 1.5 * values.std()


@pytest.mark.parametrize("kwargs, error, message", [
    ({"unit": 8}, ValueError, "at most 7"),
    ({"unit": 1.5}, TypeError, "unit must be an int"),
    ({"points": 3}, ValueError, "points must be at least 8"),
])
def test_bad_arguments_are_explained(runs, kwargs, error, message):
    with pytest.raises(error, match=message):
        compute_covariate_shift(*runs, **kwargs)


def test_the_networks_must_come_in_order_and_with_snapshots(runs):
    plain, normalised = runs
    with pytest.raises(ValueError, match="without batch norm first"):
        compute_covariate_shift(normalised, plain)
    bare = bn_network.train_network(np.zeros((6, 4)), np.zeros((1, 4)), plain.layer_dims, batchnorm=False, num_epochs=1)
    with pytest.raises(ValueError, match="snapshot_every"):
        compute_covariate_shift(bare, normalised)


def test_viewer_builds_and_updates_headless(runs):
    box = show_covariate_shift(*runs)
    slider, controls, picture = box.children
    first = picture.value
    slider.value = 0
    assert picture.value != first
    unit, raw = controls.children
    unit.value = 3
    raw.value = True
    slider.value = len(slider.options) - 1
    assert picture.value[:8] == b"\x89PNG\r\n\x1a\n"
