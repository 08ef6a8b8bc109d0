"""course.widgets.beta_sampler: the pure compute function, and the widget built and driven headless."""

import numpy as np
import pytest

from course.widgets.beta_sampler import BETA_TICKS, compute_beta_samples, show_beta_sampler


def fake_sampler(low, high, size, rng):
    """Stands in for the student's sample_beta: all draws at the top of the range."""
    return np.full(size, high)


def fake_window(beta):
    """Stands in for the student's effective_window: a recognisable answer of the right shape."""
    return np.asarray(beta, dtype=float) * 0 + 50.0


def not_written(*_args):
    raise NotImplementedError()


def test_uniform_sample_is_uniform_in_beta_and_inside_the_range():
    data = compute_beta_samples(0.9, 0.999, 10_000, seed=2)
    assert data.uniform.shape == (10_000,)
    assert data.uniform.min() >= 0.9 and data.uniform.max() <= 0.999
    assert data.beta_hist[0].sum() == 10_000
    assert data.student is None and data.windows is None


def test_students_functions_feed_the_second_row_and_the_windows():
    data = compute_beta_samples(0.9, 0.999, 500, sampler=fake_sampler, window=fake_window)
    assert np.array_equal(data.student, np.full(500, 0.999))
    assert data.windows.shape == (2, 500) and (data.windows == 50.0).all()
    assert data.beta_hist[1, -1] == 500  # all at high: the last bin (right edge included)
    assert data.note == ""


def test_window_histogram_is_log_spaced_between_the_windows_of_the_bounds():
    data = compute_beta_samples(0.9, 0.999, 100, window=lambda b: 1 / (1 - np.asarray(b)), bins=20)
    assert np.isclose(data.window_edges[0], 10.0) and np.isclose(data.window_edges[-1], 1000.0)
    assert np.allclose(np.diff(np.log10(data.window_edges)), 2 / 20)
    assert data.window_hist[0].sum() == 100
    # uniform beta leaves most windows short: far fewer than half reach 100 values
    assert data.in_top_tenth[0] < 0.2 and np.isnan(data.in_top_tenth[1])


@pytest.mark.parametrize(
    "sampler, window, fragment",
    [
        (None, None, "Pass your sample_beta"),
        (not_written, fake_window, "Write sample_beta above"),
        (fake_sampler, not_written, "Write effective_window above"),
        (lambda lo, hi, n, rng: np.zeros(3), fake_window, "expected (100,)"),
        (fake_sampler, lambda b: np.zeros(2), "into shape (2,)"),
        (fake_sampler, lambda b: b / 0, ""),  # numpy warns, returns inf: drawn, no note needed
    ],
)
def test_missing_or_broken_student_functions_give_notes(sampler, window, fragment):
    with np.errstate(divide="ignore", invalid="ignore"):
        data = compute_beta_samples(0.5, 0.99, 100, sampler=sampler, window=window)
    assert fragment in data.note
    assert data.uniform.shape == (100,)


@pytest.mark.parametrize("low, high", [(-0.1, 0.9), (0.9, 0.9), (0.99, 0.9), (0.9, 1.0), (0.9, np.nan)])
def test_bad_range_is_a_value_error(low, high):
    with pytest.raises(ValueError, match="0 <= low < high < 1"):
        compute_beta_samples(low, high, 10)


def test_ticks_are_valid_betas_in_order():
    assert list(BETA_TICKS) == sorted(BETA_TICKS) and BETA_TICKS[0] >= 0 and BETA_TICKS[-1] < 1


@pytest.mark.parametrize("functions", [(fake_sampler, fake_window), (not_written, not_written), (None, None)])
def test_widget_builds_and_updates_headless(functions):
    box = show_beta_sampler(*functions)
    beta_range, count = box.children[0], box.children[1]
    beta_range.index = (0, len(BETA_TICKS) - 1)
    count.value = 10_000
    beta_range.index = (4, 5)


def test_the_windows_are_counted_per_decade_with_the_students_decade_counts():
    def counts(samples, low, high):
        k = np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)
        return np.histogram(samples, bins=10.0**k)[0]

    def log_beta(low, high, size, rng):
        return 1 - 10 ** rng.uniform(np.log10(1 - high), np.log10(1 - low), size)

    def window(beta):
        return 1 / (1 - np.asarray(beta, dtype=float))

    data = compute_beta_samples(0.9, 0.999, 6_000, sampler=log_beta, window=window, counter=counts)
    np.testing.assert_allclose(data.decade_edges, [10.0, 100.0, 1000.0])
    assert data.window_decades.shape == (2, 2)
    assert data.window_decades[0, 0] > 0.85 * 6_000  # uniform beta: short windows
    assert abs(data.window_decades[1, 0] - 3_000) < 300  # log 1 - beta: half per decade
    missing = compute_beta_samples(0.9, 0.999, 100, sampler=log_beta, window=window)
    assert missing.window_decades is None
    show_beta_sampler(log_beta, window, counts).children[1].value = 3_000
