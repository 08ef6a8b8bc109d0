"""course.widgets.bn_backward: the three paths add up to the true gradient, and the explorer runs headless."""

import numpy as np
import pytest

from course.widgets.bn_backward import compute_backward_paths, draw_bn_graph, show_backward_explorer
from tests.stand_ins import batchnorm_backward as backward
from tests.stand_ins import batchnorm_forward as forward


def constants_backward(dZ_tilde, cache):
    """The classic mistake: mean and variance treated as constants."""
    Z_hat, inv_std, gamma = cache
    return gamma * inv_std * dZ_tilde, None, None


def not_written(*_args):
    raise NotImplementedError()


@pytest.mark.parametrize("m, example", [(2, 0), (8, 3), (16, 15)])
def test_the_three_paths_add_up_to_central_differences(m, example):
    data = compute_backward_paths(m, example)
    assert data.paths.shape == (3, m) and data.total.shape == (m,)
    np.testing.assert_allclose(data.total, data.numeric, atol=1e-8)
    # the direct path reaches the chosen example only; the mean path reaches every example equally
    assert np.count_nonzero(data.paths[0]) == 1 and data.paths[0, example] > 0
    assert np.allclose(data.paths[1], data.paths[1, 0])


@pytest.mark.parametrize("example", range(8))
def test_the_variance_paths_sign_follows_the_bars_own_z_hat(example):
    """Notebook 03, section 5: bar i of the variance path has the sign of -z_hat_i * z_hat_k; moving the
    gradient to an example on the other side of the mean flips every bar."""
    data = compute_backward_paths(8, example)
    z_hat = (data.z - data.z.mean()) / data.z.std()
    np.testing.assert_array_equal(np.sign(data.paths[2]), -np.sign(z_hat) * np.sign(z_hat[example]))
    other_side = int(np.flatnonzero(np.sign(z_hat) != np.sign(z_hat[example]))[0])
    np.testing.assert_array_equal(np.sign(compute_backward_paths(8, other_side).paths[2]), -np.sign(data.paths[2]))


def test_batch_paths_shrink_with_the_batch():
    small, large = compute_backward_paths(4, 0), compute_backward_paths(16, 0)
    assert abs(large.paths[1, 0]) < abs(small.paths[1, 0])


def test_a_correct_backward_agrees_and_a_wrong_one_does_not():
    good = compute_backward_paths(8, 2, forward=forward, backward=backward)
    assert good.note == "" and good.error < 1e-8
    wrong = compute_backward_paths(8, 2, forward=forward, backward=constants_backward)
    assert wrong.error > 1e-2
    np.testing.assert_allclose(wrong.student, wrong.paths[0], atol=1e-12)  # only the direct path


@pytest.mark.parametrize(
    "fwd, bwd, fragment",
    [
        (None, None, "Pass your batchnorm_forward"),
        (forward, not_written, "Write batchnorm_backward above"),
        (forward, lambda d, c: (np.zeros(3), None, None), "expected (1, 8)"),
        (forward, lambda d, c: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_missing_or_broken_student_code_gives_a_note(fwd, bwd, fragment):
    data = compute_backward_paths(8, 0, forward=fwd, backward=bwd)
    assert data.student is None and fragment in data.note and np.isnan(data.error)


@pytest.mark.parametrize(
    "m, example, error", [(1, 0, ValueError), (17, 0, ValueError), (4, 4, ValueError), (4.0, 0, TypeError)]
)
def test_bad_arguments_are_refused(m, example, error):
    with pytest.raises(error):
        compute_backward_paths(m, example)


def test_graph_draws_every_node():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    draw_bn_graph(ax, highlight=2)
    labels = [t for t in ax.texts if t.get_text()]
    arrows = [t for t in ax.texts if not t.get_text()]  # annotate() arrows are text artists without text
    assert len(labels) == 9 and len(arrows) == 10
    plt.close(fig)


@pytest.mark.parametrize("fwd, bwd", [(forward, backward), (None, None), (forward, not_written)])
def test_explorer_builds_and_updates_headless(fwd, bwd):
    box = show_backward_explorer(fwd, bwd)
    example, batch, picture, caption = box.children
    first = picture.value
    example.value = 5
    assert picture.value != first
    batch.value = 3  # shrinks the example slider's range with it
    assert example.max == 2
    assert "z_hat = " in caption.value and "the sign of" in caption.value
    batch.value = 16
    example.value = 15
    assert ("agrees" in caption.value) == (bwd is backward)
