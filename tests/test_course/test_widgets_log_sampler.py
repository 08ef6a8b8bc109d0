"""course.widgets.log_sampler: the pure compute function, and the widget built and driven headless."""

import numpy as np
import pytest

from course import checks
from course.widgets.log_sampler import call_student, compute_log_samples, show_log_sampler


def fake_counter(samples, low, high):
    """Stands in for the student's decade_counts: a recognisable answer of the right shape."""
    k = int(np.ceil(np.log10(high))) - int(np.floor(np.log10(low)))
    return np.arange(k) + len(samples)


def not_written(*_args):
    raise NotImplementedError()


def test_both_samples_share_the_same_draws_and_stay_in_range():
    data = compute_log_samples(1e-4, 1.0, 5_000, seed=3)
    for samples in (data.linear, data.logarithmic):
        assert samples.shape == (5_000,)
        assert samples.min() >= 1e-4 and samples.max() <= 1.0
    # the same uniform draw gives the same rank in both samples
    assert np.array_equal(np.argsort(data.linear), np.argsort(data.logarithmic))


def test_linear_sampling_wastes_the_budget_and_log_sampling_does_not():
    data = compute_log_samples(1e-4, 1.0, 20_000, seed=1)
    assert 0.88 < data.top_share[0] < 0.92  # about 90% of a linear sample sits in [0.1, 1]
    assert 0.23 < data.top_share[1] < 0.27  # a quarter for four decades
    checks.check_uniform(np.log10(data.logarithmic), -4.0, 0.0, "log10 of the log-uniform samples", bins=4)


def test_histograms_count_every_sample_once():
    data = compute_log_samples(2e-3, 50.0, 1_000, seed=0, bins=25)
    assert data.lin_edges.shape == data.log_edges.shape == (26,)
    assert data.lin_hist.shape == data.log_hist.shape == (2, 25)
    assert (data.lin_hist.sum(axis=1) == 1_000).all()
    assert (data.log_hist.sum(axis=1) == 1_000).all()
    assert np.allclose(np.diff(np.log(data.log_edges)), np.log(50.0 / 2e-3) / 25)


@pytest.mark.parametrize(
    "low, high, edges",
    [
        (1e-4, 1.0, [1e-4, 1e-3, 1e-2, 1e-1, 1.0]),
        (3e-5, 0.2, [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]),
        (0.2, 0.5, [0.1, 1.0]),
    ],
)
def test_decade_edges_follow_the_contract(low, high, edges):
    data = compute_log_samples(low, high, 100, counter=fake_counter)
    assert np.allclose(data.decade_edges, edges)
    assert data.decades.shape == (2, len(edges) - 1)
    assert data.note == ""


def test_decade_bars_are_the_students_counts():
    data = compute_log_samples(1e-4, 1.0, 300, counter=fake_counter)
    assert np.array_equal(data.decades, [[300, 301, 302, 303]] * 2)


@pytest.mark.parametrize(
    "counter, fragment",
    [
        (None, "Pass your decade_counts"),
        (not_written, "Write decade_counts above"),
        (lambda s, lo, hi: 1 / 0, "raised ZeroDivisionError"),
        (lambda s, lo, hi: np.zeros(3), "expected (4,)"),
    ],
)
def test_missing_or_broken_counter_gives_a_note_not_an_error(counter, fragment):
    data = compute_log_samples(1e-4, 1.0, 100, counter=counter)
    assert data.decades is None
    assert fragment in data.note


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (-1.0, 1.0), (1.0, 1.0), (2.0, 1.0), (1e-3, np.inf)])
def test_bad_range_is_a_value_error(low, high):
    with pytest.raises(ValueError, match="0 < low < high"):
        compute_log_samples(low, high, 10)


@pytest.mark.parametrize(
    "n, error, message",
    [
        (0, ValueError, "n must be at least 1"),
        (-5, ValueError, "n must be at least 1"),
        (2.5, TypeError, "n must be an int"),
        (True, TypeError, "n must be an int"),
    ],
)
def test_bad_sample_count_is_explained(n, error, message):
    with pytest.raises(error, match=message):
        compute_log_samples(1e-3, 1.0, n)


def test_call_student_passes_results_through_and_explains_failures():
    assert call_student("f", lambda: 42) == (42, "")
    result, note = call_student("decade_counts", not_written)
    assert result is None and "decade_counts" in note


@pytest.mark.parametrize("counter", [fake_counter, not_written, None])
def test_widget_builds_and_updates_headless(counter):
    box = show_log_sampler(counter)
    exponents, count = box.children[0], box.children[1]
    exponents.value = (-6.0, 2.0)
    count.value = 10_000
    exponents.value = (-1.0, -1.0)  # both handles on one tick must not break the update
    exponents.value = (-2.5, 0.5)


def test_the_uniform_top_share_stays_near_90_percent_while_its_bottom_decades_empty():
    """What the notebook's 'things to try' claims: widening the range starves the bottom, not the top."""
    for exponents in [(-4, 0), (-6, 0), (-6, 2)]:
        low, high = 10.0 ** exponents[0], 10.0 ** exponents[1]
        data = compute_log_samples(low, high, 20_000, seed=2)
        decades = exponents[1] - exponents[0]
        assert 0.88 < data.top_share[0] < 0.92
        assert data.bottom_share[0] < 0.002
        assert abs(data.bottom_share[1] - 1 / decades) < 0.02
    one = compute_log_samples(1.0, 10.0, 20_000, seed=2)  # one decade: the log sampler still differs
    assert abs(np.mean(one.logarithmic <= 2.0) - np.log10(2.0)) < 0.02
    assert abs(np.mean(one.linear <= 2.0) - 1 / 9) < 0.02
