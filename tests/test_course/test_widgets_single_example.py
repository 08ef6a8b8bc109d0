"""course.widgets.single_example: batch vs running statistics on one example, the pictures, and the inspector
headless."""

import matplotlib
import numpy as np
import pytest

from course.bn_network import BatchSizeComparison, forward_network, train_network
from course.data import load_digits_binary
from course.widgets.single_example import (
    accuracy_one_at_a_time,
    companion_probabilities,
    compute_single_example,
    plot_accuracy_bars,
    plot_batch_size_comparison,
    plot_companion_spread,
    rescued_examples,
    show_single_example,
)

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def digits():
    return load_digits_binary(seed=0)


@pytest.fixture(scope="module")
def net(digits):
    return train_network(digits.X_train, digits.Y_train, [64, 16, 8, 1], learning_rate=0.3, num_epochs=4, seed=1)


def test_one_example_alone_is_normalised_to_nothing(net, digits):
    data = compute_single_example(net, digits.X_test, digits.Y_test, 5)
    assert data.image.shape == (8, 8) and data.z.shape == data.z_hat_running.shape == (16,)
    assert np.all(data.z_hat_batch == 0.0)
    state = net.states[1]
    expected = (data.z - state["running_mean"][:, 0]) / np.sqrt(state["running_var"][:, 0] + net.eps)
    assert np.allclose(data.z_hat_running, expected)
    assert data.p_running == pytest.approx(forward_network(net, digits.X_test[:, [5]])[0][0, 0])
    assert data.label == int(digits.Y_test[0, 5])


def test_batch_statistics_give_every_example_the_same_probability(net, digits):
    probabilities = {compute_single_example(net, digits.X_test, digits.Y_test, j).p_batch for j in range(10)}
    assert len({round(p, 9) for p in probabilities}) == 1


def test_inspector_rejects_bad_input(net, digits):
    with pytest.raises(ValueError, match="index"):
        compute_single_example(net, digits.X_test, digits.Y_test, digits.X_test.shape[1])
    plain = train_network(digits.X_train, digits.Y_train, [64, 4, 1], batchnorm=False, num_epochs=1)
    with pytest.raises(ValueError, match="batch norm"):
        compute_single_example(plain, digits.X_test, digits.Y_test, 0)


def test_companions_change_the_answer_for_the_same_example(net, digits):
    probabilities = companion_probabilities(net, digits.X_test, [0, 1, 2], batch_size=4, draws=12, seed=3)
    assert probabilities.shape == (3, 12)
    assert np.all((probabilities >= 0) & (probabilities <= 1))
    assert np.ptp(probabilities, axis=1).max() > 0.05  # small batches of mixed requests move the answer
    again = companion_probabilities(net, digits.X_test, [0, 1, 2], batch_size=4, draws=12, seed=3)
    assert np.array_equal(probabilities, again)
    with pytest.raises(ValueError, match="batch_size"):
        companion_probabilities(net, digits.X_test, [0], batch_size=1)


def test_accuracy_one_at_a_time_calls_one_column_at_a_time(digits):
    X, Y = digits.X_test[:, :20], digits.Y_test[:, :20]
    seen = []

    def oracle(x):
        seen.append(x.shape)
        column = int(np.flatnonzero((X == x).all(axis=0))[0])
        return Y[:, [column]]

    assert accuracy_one_at_a_time(oracle, X, Y) == 1.0
    assert seen == [(64, 1)] * 20
    assert accuracy_one_at_a_time(lambda x: np.array([[0.9]]), X, Y) == pytest.approx(Y.mean())


def test_pictures_draw_what_they_are_given(net, digits):
    probabilities = companion_probabilities(net, digits.X_test, range(4), draws=5)
    ax = plot_companion_spread(probabilities, digits.Y_test[0, :4])
    assert len(ax.collections) >= 4 and ax.get_ylim()[1] > 1.0
    ax = plot_accuracy_bars({"batch": 0.46, "running": 0.98}, chance=0.54)
    assert [round(p.get_width(), 6) for p in ax.patches] == [46.0, 98.0]
    assert [t.get_text() for t in ax.texts] == ["46.0%", "98.0%"]


def test_rescued_examples_fail_alone_with_batch_statistics_and_pass_with_running_ones(net, digits):
    rescued = rescued_examples(net, digits.X_test, digits.Y_test)
    assert rescued.size > 0
    for index in rescued[:5]:
        data = compute_single_example(net, digits.X_test, digits.Y_test, int(index))
        assert (data.p_batch > 0.5) != bool(data.label) and (data.p_running > 0.5) == bool(data.label)


def test_batch_size_comparison_draws_two_bars_per_size():
    result = BatchSizeComparison(
        np.array([2, 32]),
        {"batch": np.array([0.5, 0.95]), "layer": np.array([0.93, 0.92])},
        {"batch": np.array([0.52, 0.94]), "layer": np.array([0.9, 0.9])},
    )
    ax = plot_batch_size_comparison(result)
    assert sorted(round(p.get_height(), 6) for p in ax.patches) == [50.0, 92.0, 93.0, 95.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["m = 2", "m = 32"]


def test_inspector_builds_and_updates_headless(net, digits):
    box = show_single_example(net, digits.X_test, digits.Y_test, index=2)
    slider, caption, picture = box.children
    first = picture.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and "test digit #2" in caption.value
    slider.value = 7
    assert picture.value != first and "test digit #7" in caption.value


def test_live_figure_redraws_only_its_animated_artists():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1), dpi=50)
    ax.set(xlim=(0, 1), ylim=(0, 1))
    (line,) = ax.plot([0, 1], [0, 0])
    from course.widgets.live_figure import LiveFigure

    live = LiveFigure(fig, animated=[line])
    empty = live.png()
    line.set_ydata([1, 1])
    moved = live.png()
    assert empty != moved and moved[:4] == b"\x89PNG"
    line.set_ydata([0, 0])
    assert live.png() == empty  # the background comes back untouched, nothing smears
