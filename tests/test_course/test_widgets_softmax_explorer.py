"""course.widgets.softmax_explorer: the explorer's numbers, and the widget driven headless."""

import io

import numpy as np
import pytest

from course.widgets.softmax_explorer import compute_softmax_view, show_softmax_explorer


def column_softmax(Z):
    """Stands in for the student's softmax (course/ holds no solution, so the test writes its own)."""
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def naive_softmax(Z):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(Z) / np.exp(Z).sum(axis=0)


def not_written(Z):
    raise NotImplementedError()


def test_the_lectures_worked_example():
    view = compute_softmax_view([5, 2, -1, 3], softmax=column_softmax)
    np.testing.assert_allclose(view.probabilities, [0.842, 0.042, 0.002, 0.114], atol=5e-4)
    assert view.total == pytest.approx(1.0) and view.note == ""
    np.testing.assert_array_equal(view.hardmax, [1, 0, 0, 0])
    assert view.column_max == 5.0
    assert view.log_sum_exp == pytest.approx(np.log(np.exp([5, 2, -1, 3]).sum()))
    np.testing.assert_allclose(view.exp_shifted, np.exp(np.array([0, -3, -6, -2])))


@pytest.mark.parametrize("temperature", [0.1, 1.0, 10.0])
def test_temperature_keeps_the_winner_and_changes_the_confidence(temperature):
    view = compute_softmax_view([1.0, 2.0, 0.5, -1.0], temperature, softmax=column_softmax)
    assert int(np.argmax(view.probabilities)) == 1
    np.testing.assert_array_equal(view.hardmax, [0, 1, 0, 0])
    np.testing.assert_allclose(view.scores, np.array([1.0, 2.0, 0.5, -1.0]) / temperature)


def test_low_temperature_approaches_hardmax_and_high_approaches_uniform():
    cold = compute_softmax_view([1.0, 2.0, 0.5, -1.0], 0.1, softmax=column_softmax)
    hot = compute_softmax_view([1.0, 2.0, 0.5, -1.0], 10.0, softmax=column_softmax)
    assert cold.probabilities.max() > 0.99
    assert np.ptp(hot.probabilities) < 0.1


def test_an_offset_of_1000_breaks_the_naive_formula_only():
    view = compute_softmax_view([5, 2, -1, 3], offset=1000.0, softmax=column_softmax)
    assert np.isnan(view.naive).all()
    np.testing.assert_allclose(
        view.probabilities, compute_softmax_view([5, 2, -1, 3], softmax=column_softmax).probabilities
    )
    assert view.column_max == 1005.0


@pytest.mark.parametrize(
    "softmax, fragment",
    [
        (None, "Pass your softmax"),
        (not_written, "Write softmax above"),
        (lambda Z: 1 / 0, "raised ZeroDivisionError"),
        (lambda Z: np.ones(4), "into shape (4,)"),
        (lambda Z: np.exp(Z), "sum to"),
    ],
)
def test_missing_or_broken_softmax_gives_a_note(softmax, fragment):
    view = compute_softmax_view([0.5, 0.1, -0.2, 0.3], softmax=softmax)
    assert fragment in view.note


def test_an_overflowing_softmax_is_named():
    view = compute_softmax_view([5, 2, -1, 3], offset=1000.0, softmax=naive_softmax)
    assert "subtract the column's maximum" in view.note


@pytest.mark.parametrize(
    "logits, temperature, message",
    [
        ([1, 2, 3], 1.0, "four finite numbers"),
        ([1, 2, 3, np.nan], 1.0, "four finite numbers"),
        ([1, 2, 3, 4], 0.0, "temperature must be a positive"),
        ([1, 2, 3, 4], -1.0, "temperature must be a positive"),
    ],
)
def test_bad_arguments_are_value_errors(logits, temperature, message):
    with pytest.raises(ValueError, match=message):
        compute_softmax_view(logits, temperature)


@pytest.mark.parametrize("softmax", [column_softmax, naive_softmax, not_written, None])
def test_widget_builds_and_updates_headless(softmax):
    from PIL import Image

    box = show_softmax_explorer(softmax)
    *sliders, temperature, offset, picture = box.children
    first = picture.value
    sliders[2].value = 6.0
    assert picture.value != first
    temperature.value = 0.1
    offset.value = True
    temperature.value = 10.0
    image = Image.open(io.BytesIO(picture.value))
    assert image.format == "PNG" and image.size[0] > 300


def test_blitted_refresh_matches_a_full_redraw():
    """The background is reused, yet every refresh shows exactly what a full draw of the figure would."""
    from PIL import Image

    box = show_softmax_explorer(column_softmax)
    box.children[0].value = -3.0
    blitted = np.asarray(Image.open(io.BytesIO(box.children[-1].value)).convert("RGB"), dtype=int)
    # a fresh explorer built at the same setting draws everything in one full pass
    fresh = show_softmax_explorer(column_softmax, start=(-3.0, 2.0, -1.0, 3.0))
    full = np.asarray(Image.open(io.BytesIO(fresh.children[-1].value)).convert("RGB"), dtype=int)
    assert blitted.shape == full.shape
    assert np.mean(np.abs(blitted - full) > 8) < 0.002


def test_output_layers_picture_shows_one_unit_then_c_units():
    import matplotlib

    matplotlib.use("Agg")
    from course.widgets.softmax_explorer import plot_output_layers

    logistic, softmax_panel = plot_output_layers(n_inputs=3, scores=(5.0, 2.0, -1.0, 3.0))
    assert len(logistic.lines) == 3 and len(softmax_panel.lines) == 12  # every input wired to every unit
    texts = " ".join(t.get_text() for t in softmax_panel.texts)
    assert "0.842" in texts and "0.114" in texts and "softmax" in texts
    assert "P(y = 1 | x)" in " ".join(t.get_text() for t in logistic.texts)
