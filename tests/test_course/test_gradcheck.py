"""The gradient checker agrees with known derivatives, restores its input and catches a wrong gradient."""

import numpy as np
import pytest

from course import checks
from course.gradcheck import check_gradient, numeric_gradient, numeric_gradient_of_output, relative_error


def test_numeric_gradient_of_a_quadratic_matches_the_formula():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 3))
    x = rng.standard_normal((3, 1))
    before = x.copy()
    grad = numeric_gradient(lambda v: (v.T @ A @ v).item(), x)
    assert relative_error(grad, (A + A.T) @ before) < 1e-9
    np.testing.assert_array_equal(x, before)  # restored


def test_gradient_of_output_weights_by_upstream():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4))
    upstream = rng.standard_normal((2, 4))
    grad = numeric_gradient_of_output(np.tanh, x, upstream)
    assert relative_error(grad, upstream * (1 - np.tanh(x) ** 2)) < 1e-8


def test_relative_error_is_scale_free_and_zero_for_zeros():
    a = np.array([1.0, 2.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(1e6 * a, 1e6 * (a + 1e-3)) == pytest.approx(relative_error(a, a + 1e-3))
    with pytest.raises(ValueError):
        relative_error(np.zeros(2), np.zeros(3))


def test_check_gradient_fails_a_wrong_gradient_with_a_sentence():
    x = np.linspace(-1, 1, 5)
    numeric = numeric_gradient(lambda v: float(np.sum(v**3)), x)
    assert check_gradient(3 * x**2, numeric, "dx") < 1e-7
    with pytest.raises(checks.CheckError, match="relative error"):
        check_gradient(2 * x**2, numeric, "dx")
    with pytest.raises(checks.CheckError, match="shape"):
        check_gradient((3 * x**2)[None, :], numeric, "dx")


def test_numeric_gradient_rejects_integer_input():
    with pytest.raises(TypeError, match="float"):
        numeric_gradient(lambda v: 0.0, np.arange(3))
