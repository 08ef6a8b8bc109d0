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
        bn_network.train_network(
            X,
            Y,
            dims,
            batchnorm=flag,
            learning_rate=0.3,
            num_epochs=6,
            mini_batch_size=32,
            snapshot_every=5,
            probe_size=64,
        )
        for flag in (False, True)
    )


def test_shapes_follow_the_snapshots(runs):
    plain, normalised = runs
    view = compute_covariate_shift(plain, normalised, unit=2, points=20)
    s = len(plain.snapshots)
    assert view.iterations.tolist() == [snap.iteration for snap in plain.snapshots]
    assert view.density.shape == (2, s, 3, 20) and view.grid.shape == (2, 20)
    assert view.mean_shift.shape == view.std_ratio.shape == view.raw_shift.shape == (2, s, 3)
    assert view.active.shape == view.dead.shape == (2, s, 3)
    assert np.allclose(view.density.max(axis=(1, 3)), 1.0)  # each row and layer peaks at 1 over the snapshots
    assert np.array_equal(view.grid[0], view.grid[1])  # one value axis for both panels


def test_the_batch_norm_rows_relu_input_drift_is_beta_by_construction(runs):
    """Snapshots are taken in train mode on the probe batch, so each unit's mean there is its beta: the drift
    of the ReLU input of the batch-norm row is |beta| / gamma_0 (beta starts at 0), whatever the weights did."""
    plain, normalised = runs
    view = compute_covariate_shift(plain, normalised)
    final = normalised.snapshots[-1]
    assert final.iteration == 30  # 6 epochs of 5 steps: the last snapshot holds the final parameters
    beta = np.stack([normalised.params[f"beta{l}"][:, 0] for l in (1, 2, 3)])
    np.testing.assert_allclose(np.stack([z.mean(axis=1) for z in final.Z_tilde]), beta, atol=1e-12)
    first_std = np.stack([z.std(axis=1) for z in normalised.snapshots[0].Z_tilde])
    np.testing.assert_allclose(first_std, 1.0, atol=1e-3)  # gamma_0 = 1, up to eps
    np.testing.assert_allclose(view.mean_shift[1, -1], (np.abs(beta) / first_std).mean(axis=1), rtol=1e-9)


def test_raw_drift_and_firing_are_measured_from_the_recorded_Z(runs):
    plain, normalised = runs
    view = compute_covariate_shift(plain, normalised)
    np.testing.assert_allclose(view.raw_shift[0], view.mean_shift[0])  # the plain network's Z is its ReLU input
    np.testing.assert_allclose(view.raw_shift[1], compute_covariate_shift(plain, normalised, raw=True).mean_shift[1])
    Z = normalised.snapshots[-1].Z_tilde[1]
    assert view.active[1, -1, 1] == pytest.approx(np.mean(Z > 0))
    assert view.dead[1, -1, 1] == pytest.approx(np.mean(~(Z > 0).any(axis=1)))
    assert np.all((view.active >= 0) & (view.active <= 1)) and np.all((view.dead >= 0) & (view.dead <= 1))


def test_drift_starts_at_zero_and_the_raw_Z_of_batch_norm_drifts_less(runs):
    view = compute_covariate_shift(*runs)
    assert np.allclose(view.mean_shift[:, 0], 0.0) and np.allclose(view.std_ratio[:, 0], 1.0)
    without, with_bn = view.raw_shift[0, -1].mean(), view.raw_shift[1, -1].mean()
    assert with_bn < 0.5 * without, (with_bn, without)  # measured: nothing normalises Z itself


def test_raw_view_shows_that_Z_itself_still_moves(runs):
    held = compute_covariate_shift(*runs, raw=False).mean_shift[1, -1].mean()
    raw = compute_covariate_shift(*runs, raw=True).mean_shift[1, -1].mean()
    assert raw > held
    # the plain network has nothing to normalise: both views agree on its row
    assert np.allclose(
        compute_covariate_shift(*runs, raw=True).mean_shift[0], compute_covariate_shift(*runs, raw=False).mean_shift[0]
    )


def test_the_densities_match_the_recorded_values(runs):
    plain, normalised = runs
    view = compute_covariate_shift(plain, normalised, unit=1, points=200)
    values = normalised.snapshots[-1].Z_tilde[0][1]
    grid = view.grid[1]
    peak = grid[np.argmax(view.density[1, -1, 0])]
    assert abs(peak - np.median(values)) < 1.5 * values.std()


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"unit": 8}, ValueError, "at most 7"),
        ({"unit": 1.5}, TypeError, "unit must be an int"),
        ({"points": 3}, ValueError, "points must be at least 8"),
    ],
)
def test_bad_arguments_are_explained(runs, kwargs, error, message):
    with pytest.raises(error, match=message):
        compute_covariate_shift(*runs, **kwargs)


def test_the_networks_must_come_in_order_and_with_snapshots(runs):
    plain, normalised = runs
    with pytest.raises(ValueError, match="without batch norm first"):
        compute_covariate_shift(normalised, plain)
    bare = bn_network.train_network(
        np.zeros((6, 4)), np.zeros((1, 4)), plain.layer_dims, batchnorm=False, num_epochs=1
    )
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
