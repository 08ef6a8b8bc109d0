"""course.checks: each helper passes correct values quietly (one line) and fails with one clear sentence."""

import numpy as np
import pytest

from course import checks


class AlwaysEqual:
    """What a hostile answer returns to pass bare ``==`` asserts."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


def test_passed_prints_one_line(capsys):
    checks.passed("grid_search covers every combination")
    out = capsys.readouterr()
    assert out.out.count("\n") == 1 and "grid_search" in out.out and out.err == ""


def test_check_type_accepts_and_rejects():
    checks.check_type(3, int, "n")
    with pytest.raises(AssertionError, match="`n` should be a int, but it is a str"):
        checks.check_type("3", int, "n")
    with pytest.raises(AssertionError, match="bool"):
        checks.check_type(True, int, "n")


def test_check_shape_names_transpose():
    checks.check_shape(np.zeros((2, 3)), (2, 3), "Z")
    with pytest.raises(AssertionError, match=r"has shape \(3, 2\), expected \(2, 3\): it looks transposed"):
        checks.check_shape(np.zeros((3, 2)), (2, 3), "Z")
    with pytest.raises(AssertionError, match="should be an array of numbers"):
        checks.check_shape(None, (2, 3), "Z")


def test_check_close_reports_first_difference():
    checks.check_close([1.0, 2.0], [1.0, 2.0 + 1e-9], "x")
    with pytest.raises(AssertionError, match=r"differs .* at 1 of 2 entries \(first at index \(1,\)"):
        checks.check_close([1.0, 2.5], [1.0, 2.0], "x")
    with pytest.raises(AssertionError, match="contains NaN"):
        checks.check_close([np.nan], [1.0], "x")
    with pytest.raises(AssertionError, match="is 3, expected 2: did you"):
        checks.check_close(3.0, 2.0, "cost", hint="did you average over m")


def test_check_close_rejects_always_equal_objects():
    with pytest.raises(AssertionError):
        checks.check_close(AlwaysEqual(), [1.0, 2.0], "x")


def test_check_equal_compares_types_first():
    checks.check_equal({"a": 1}, {"a": 1}, "d")
    checks.check_equal(np.int64(3), 3, "n")
    with pytest.raises(AssertionError, match="should be a dict"):
        checks.check_equal(AlwaysEqual(), {"a": 1}, "d")
    with pytest.raises(AssertionError, match="is 4, expected 3"):
        checks.check_equal(4, 3, "n")


def test_check_in_range_counts_outliers():
    checks.check_in_range([0.0, 0.5, 1.0], 0, 1, "p")
    with pytest.raises(AssertionError, match=r"1 of 3 values of `p` fall outside \[0, 1\)"):
        checks.check_in_range([0.0, 0.5, 1.0], 0, 1, "p", inclusive=False)


def test_check_probability_columns_explains_axis():
    Z = np.random.default_rng(0).random((3, 4))
    checks.check_probability_columns(Z / Z.sum(axis=0), "A")
    with pytest.raises(AssertionError, match="did you normalise over axis 0"):
        checks.check_probability_columns(Z / Z.sum(axis=1, keepdims=True), "A")
    with pytest.raises(AssertionError, match="overflow"):
        checks.check_probability_columns(np.full((2, 2), np.nan), "A")


def test_check_monotone():
    checks.check_monotone([3, 2, 2, 1], "cost", increasing=False)
    with pytest.raises(AssertionError, match="should decrease, but goes from 2 to 5 at position 1"):
        checks.check_monotone([3, 2, 5], "cost", increasing=False)


def test_check_raises():
    def bad():
        raise ValueError("no")

    checks.check_raises(bad, ValueError, "low > high")
    with pytest.raises(AssertionError, match="low > high should raise ValueError, but nothing was raised"):
        checks.check_raises(lambda: None, ValueError, "low > high")
    with pytest.raises(AssertionError, match="but it raised ZeroDivisionError"):
        checks.check_raises(lambda: 1 / 0, ValueError, "low > high")


def test_check_uniform_accepts_uniform_and_rejects_skew():
    rng = np.random.default_rng(1)
    checks.check_uniform(rng.uniform(2, 5, 5000), 2, 5, "x")
    with pytest.raises(AssertionError, match="not uniform"):
        checks.check_uniform(2 + 3 * rng.random(5000) ** 2, 2, 5, "x")
    with pytest.raises(ValueError):
        checks.check_uniform([2.5] * 10, 2, 5, "x")


def test_check_decade_balance():
    checks.check_decade_balance([250, 240, 260, 250], "samples")
    with pytest.raises(AssertionError, match="decade 3 holds 90%"):
        checks.check_decade_balance([30, 30, 40, 900], "samples")


def test_check_true_requires_a_real_bool():
    checks.check_true(np.bool_(True), "fine")
    with pytest.raises(AssertionError, match="must hold"):
        checks.check_true(AlwaysEqual(), "must hold")


def test_check_same_rows_ignores_order_and_names_a_missing_row():
    expected = np.array([[0.0, 1.0], [0.0, 2.0], [1.0, 1.0], [1.0, 2.0]])
    got = checks.check_same_rows(expected[::-1] + 1e-12, expected, "grid")
    assert got.shape == (4, 2)
    with pytest.raises(AssertionError, match=r"`grid` is missing 1 of the 4 expected rows \(for example \[1., 2.\]\)"):
        checks.check_same_rows(expected[[0, 1, 2, 2]], expected, "grid")
    with pytest.raises(AssertionError, match="has shape"):
        checks.check_same_rows(expected[:3], expected, "grid")
    with pytest.raises(AssertionError, match="should be an array of numbers"):
        checks.check_same_rows(AlwaysEqual(), expected, "grid")


def test_check_same_rows_reports_a_stray_row_when_rows_repeat():
    expected = np.array([[0.0], [1.0], [1.0]])
    with pytest.raises(AssertionError, match="unexpected rows"):
        checks.check_same_rows([[0.0], [1.0], [5.0]], expected, "points")


def test_check_close_or_mistake_names_the_matching_mistake():
    expected = [0.2, 0.5]
    checks.check_close_or_mistake([0.2, 0.5], expected, "box")
    mistakes = [([0.8, 0.9], "keep the lowest scores"), ([0.1, 0.6], "clip the box")]
    with pytest.raises(AssertionError, match="clip the box"):
        checks.check_close_or_mistake([0.1, 0.6], expected, "box", mistakes=mistakes)
    with pytest.raises(AssertionError, match="generic advice"):
        checks.check_close_or_mistake([0.3, 0.3], expected, "box", mistakes=mistakes, hint="generic advice")
    with pytest.raises(AssertionError, match="has shape"):
        checks.check_close_or_mistake([0.1], expected, "box", mistakes=mistakes)


def test_check_frequencies_passes_a_fair_draw_and_names_a_lopsided_one():
    rng = np.random.default_rng(0)
    checks.check_frequencies([int(v) for v in rng.integers(2, 5, 600)], [2, 3, 4], "layers")
    checks.check_frequencies([["a", None, 7][i] for i in rng.integers(0, 3, 600)], ["a", None, 7], "choice")
    half_weight_ends = [int(round(rng.uniform(2, 4))) for _ in range(600)]
    with pytest.raises(checks.CheckError, match=r"`layers` took the value 3 in \d+ of 600 draws, expected about 200"):
        checks.check_frequencies(half_weight_ends, [2, 3, 4], "layers")
    with pytest.raises(ValueError, match="needs at least two options"):
        checks.check_frequencies([1] * 100, [1], "x")


def test_check_close_shape_hint_replaces_the_columns_are_examples_hint():
    with pytest.raises(checks.CheckError, match="one pair per axis") as error:
        checks.check_close(np.zeros((2, 3)), np.zeros((3, 2)), "box", shape_hint="one pair per axis")
    assert "columns are examples" not in str(error.value)
