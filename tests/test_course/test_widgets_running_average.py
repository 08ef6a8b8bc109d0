"""course.widgets.running_average: the batch-statistics stream, the student's average replayed, and the widget
headless."""

import numpy as np
import pytest

from course.widgets.running_average import (
    BATCH_SIZES,
    MOMENTUM_TICKS,
    batch_statistics_stream,
    caption_text,
    compute_running_average,
    show_running_average,
)


def keras_update(running, batch_value, momentum):
    """Stands in for a finished update_running_average (Keras' meaning of momentum)."""
    return momentum * running + (1 - momentum) * batch_value


def not_written(*_args):
    raise NotImplementedError()


def broken(*_args):
    raise KeyError("running_mean")


VALUES = np.random.default_rng(0).normal(3.0, 0.5, size=500)


def test_stream_draws_whole_batches_from_the_values():
    means, variances, pop_mean, pop_var = batch_statistics_stream(VALUES, 25, 40, seed=1)
    assert means.shape == variances.shape == pop_mean.shape == pop_var.shape == (40,)
    assert np.allclose(pop_mean, VALUES.mean()) and np.allclose(pop_var, VALUES.var())
    # every epoch is a permutation cut in 20 batches of 25: the mean of an epoch's batch means is the mean
    assert np.isclose(means[:20].mean(), VALUES.mean())
    assert (variances > 0).all()


def test_a_batch_of_one_has_zero_variance():
    means, variances, _, _ = batch_statistics_stream(VALUES, 1, 30)
    assert np.all(variances == 0) and np.all(np.isin(means, VALUES))


def test_snapshot_rows_are_spread_evenly_over_the_steps():
    snapshots = np.stack([np.full(50, 1.0), np.full(50, 2.0), np.full(50, 3.0), np.full(50, 4.0)])
    means, _, pop_mean, _ = batch_statistics_stream(snapshots, 5, 20)
    assert np.array_equal(pop_mean, np.repeat([1.0, 2.0, 3.0, 4.0], 5))
    assert np.array_equal(means, pop_mean)


def test_running_average_replays_the_students_function_from_zeros_and_ones():
    data = compute_running_average(VALUES, 0.9, 32, steps=100, update=keras_update)
    mean, var = 0.0, 1.0
    for t in range(100):
        mean = 0.9 * mean + 0.1 * data.batch_means[t]
        var = 0.9 * var + 0.1 * data.batch_vars[t]
        assert np.isclose(data.running_mean[t], mean) and np.isclose(data.running_var[t], var)
    assert data.window == pytest.approx(10.0)
    assert data.start_weight == pytest.approx(0.9**100)
    assert data.note == ""


def test_bias_correction_removes_the_start_exactly():
    constant = np.full(64, 3.0)
    data = compute_running_average(constant, 0.99, 8, steps=50, update=keras_update)
    assert data.running_mean[0] == pytest.approx(0.03)  # 1% of the way from 0 after one step
    assert np.allclose(data.corrected_mean, 3.0) and np.allclose(data.corrected_var, 0.0, atol=1e-12)
    assert data.running_var[-1] == pytest.approx(0.99**50)  # the ones start, still there


@pytest.mark.parametrize("m", [1, 2, 4, 8, 32])
def test_the_running_variance_settles_at_m_minus_1_over_m_of_the_population(m):
    """Notebook 04, section 2: batch variances divide by m, so on average they are (m - 1) / m of the
    population's variance, and an average of them keeps that factor however long its window."""
    population = np.random.default_rng(1).normal(0.0, 1.0, size=512)
    settled = []
    for seed in range(20):
        data = compute_running_average(population, 0.9, m, steps=300, seed=seed, update=keras_update)
        settled.append(data.running_var[100:].mean())  # the ones start has faded: 0.9**100 = 3e-5
    ratio = np.mean(settled) / population.var()
    # sampling without replacement from 512 values adds the factor 512 / 511
    assert ratio == pytest.approx((m - 1) / m * 512 / 511, abs=0.03)
    np.testing.assert_allclose(data.biased_target, (m - 1) / m * population.var())
    assert f"(m - 1) / m = <b>{(m - 1) / m:.3g}</b>" in caption_text(data)


def test_batch_weights_and_start_weight_add_up_to_one():
    for momentum in (0.0, 0.5, 0.9, 0.99):
        data = compute_running_average(VALUES, momentum, 16, steps=200)
        assert data.batch_weights.sum() + data.start_weight == pytest.approx(1.0)
        assert data.batch_weights[-1] == pytest.approx(1 - momentum)


def test_momentum_one_never_moves_and_has_no_correction():
    data = compute_running_average(VALUES, 1.0, 16, steps=20, update=keras_update)
    assert np.all(data.running_mean == 0.0) and np.all(data.running_var == 1.0)
    assert data.corrected_mean is None and np.isinf(data.window)
    assert "never moves" in caption_text(data)


@pytest.mark.parametrize(
    "update, fragment",
    [
        (None, "Pass your update_running_average"),
        (not_written, "Write update_running_average above"),
        (lambda r, b, m: np.zeros(3), "returned shape (3,)"),
        (broken, "raised KeyError"),
    ],
)
def test_missing_or_broken_student_function_gives_a_note(update, fragment):
    data = compute_running_average(VALUES, 0.9, 16, steps=10, update=update)
    assert fragment in data.note
    assert data.running_mean is None and data.batch_means.shape == (10,)


@pytest.mark.parametrize("momentum", [-0.1, 1.5, np.nan])
def test_bad_momentum_is_a_value_error(momentum):
    with pytest.raises(ValueError, match="momentum"):
        compute_running_average(VALUES, momentum, 16)


def test_bad_values_and_sizes_are_rejected():
    with pytest.raises(ValueError, match="finite"):
        compute_running_average(np.array([1.0, np.nan]), 0.9, 1)
    with pytest.raises(ValueError, match="batch_size"):
        compute_running_average(VALUES, 0.9, 501)
    with pytest.raises(TypeError, match="batch_size"):
        compute_running_average(VALUES, 0.9, 2.5)


def test_caption_states_the_window_and_the_start():
    text = caption_text(compute_running_average(VALUES, 0.99, 16, steps=100))
    assert "about 100 batches" in text and "37%" in text  # 0.99**100 = 0.366


def test_ticks_are_valid():
    assert list(MOMENTUM_TICKS) == sorted(MOMENTUM_TICKS) and 0.9 in MOMENTUM_TICKS and max(MOMENTUM_TICKS) < 1
    assert list(BATCH_SIZES) == sorted(BATCH_SIZES) and BATCH_SIZES[0] == 1


@pytest.mark.parametrize("update", [keras_update, not_written, None])
def test_widget_builds_and_updates_headless(update):
    snapshots = np.stack([VALUES[:256] + k * 0.01 for k in range(10)])
    box = show_running_average(snapshots, update, steps=100)
    momentum, batch, caption, picture = box.children
    first = picture.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    momentum.value = 0.99
    assert picture.value != first and "about 100 batches" in caption.value
    batch.value = 1
    assert "batches of 1" in caption.value
    assert max(batch.options) == 256  # no batch larger than the recorded examples
