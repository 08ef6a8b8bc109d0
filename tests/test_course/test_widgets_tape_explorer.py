"""course.widgets.tape_explorer: the pure compute function, and the widget built and driven headless."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from course.widgets.tape_explorer import FUNCTIONS, compute_tape_view, show_tape_explorer  # noqa: E402
from tests.stand_ins import gradient_of, second_derivative  # noqa: E402


def not_written(f, x):
    raise NotImplementedError()


def unwatched(f, x):
    with tf.GradientTape() as tape:
        y = f(tf.constant(x))
    return tape.gradient(y, tf.constant(x))


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("x0", [-2.0, 0.3, 1.7])
def test_students_derivatives_match_the_exact_ones(name, x0):
    view = compute_tape_view(name, x0, gradient_of=gradient_of, second_derivative=second_derivative)
    assert view.note == ""
    assert view.first == pytest.approx(view.exact_first, rel=1e-4, abs=1e-5)
    assert view.second == pytest.approx(view.exact_second, rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_exact_derivatives_agree_with_finite_differences(name):
    _, f, d1, d2 = FUNCTIONS[name]
    x, h = np.linspace(-2.5, 2.5, 11), 1e-4
    assert np.allclose(d1(x), (f(x + h) - f(x - h)) / (2 * h), atol=1e-6)
    assert np.allclose(d2(x), (d1(x + h) - d1(x - h)) / (2 * h), atol=1e-6)


def test_tangent_and_parabola_touch_the_curve_at_x0():
    view = compute_tape_view("sin(x)", 0.8, gradient_of=gradient_of, second_derivative=second_derivative, points=401)
    i = int(np.argmin(np.abs(view.xs - 0.8)))
    near = np.abs(view.xs - 0.8) < 0.3
    assert view.tangent[i] == pytest.approx(view.ys[i], abs=1e-2)
    # the parabola follows the curve more closely than the tangent near x0
    assert np.abs(view.parabola - view.ys)[near].max() < np.abs(view.tangent - view.ys)[near].max()
    assert view.f0 == pytest.approx(np.sin(0.8))


@pytest.mark.parametrize(
    "first, second, fragment",
    [
        (None, None, "Pass your gradient_of"),
        (not_written, second_derivative, "Write gradient_of above"),
        (gradient_of, not_written, "Write second_derivative above"),
        (unwatched, second_derivative, "did the tape watch x"),
        (lambda f, x: 1 / 0, second_derivative, "raised ZeroDivisionError"),
        (lambda f, x: np.ones(3), second_derivative, "expected one number"),
    ],
)
def test_missing_or_broken_student_code_gives_a_note(first, second, fragment):
    view = compute_tape_view("x**3 - 2x", 1.0, gradient_of=first, second_derivative=second)
    assert fragment in view.note
    assert view.parabola is None
    assert (view.tangent is None) == (first is not gradient_of)  # a working gradient_of still draws its tangent


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="unknown function"):
        compute_tape_view("tan(x)", 0.0)
    with pytest.raises(ValueError, match="x0 must lie in"):
        compute_tape_view("sin(x)", 7.0)
    with pytest.raises(ValueError, match="points must be an int"):
        compute_tape_view("sin(x)", 0.0, points=1)


@pytest.mark.parametrize("first, second", [(gradient_of, second_derivative), (not_written, not_written), (None, None)])
def test_widget_builds_and_updates_headless(first, second):
    box = show_tape_explorer(first, second)
    menu, point, image = box.children
    before = image.value
    point.value = -2.5
    assert image.value != before
    for name in FUNCTIONS:
        menu.value = name
    point.value = 3.0
