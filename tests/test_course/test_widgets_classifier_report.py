"""course.widgets.classifier_report: confusion matrix, confident mistakes and calibration, on hand-made cases."""

import numpy as np
import pytest

from course.widgets import classifier_report as report


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    counts = report.confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert counts.sum() == 6 and counts.dtype.kind == "i"


def test_confident_mistakes_are_wrong_and_surest_first():
    probs = np.array([[0.9, 0.2, 0.6, 0.05], [0.1, 0.8, 0.4, 0.95]])  # columns are examples
    true = np.array([1, 1, 1, 0])
    np.testing.assert_array_equal(report.confident_mistakes(probs, true, k=5), [3, 0, 2])
    np.testing.assert_array_equal(report.confident_mistakes(probs, true, k=1), [3])
    assert report.confident_mistakes(probs, np.array([0, 1, 0, 1])).size == 0


def test_calibration_of_a_perfectly_calibrated_toy():
    # 20 examples said 0.85 sure (17 right), 20 said 0.65 sure (13 right): calibrated, gap 0
    top = np.r_[np.full(20, 0.85), np.full(20, 0.65)]
    probs = np.vstack([top, 1 - top])
    true = np.r_[np.zeros(17), np.ones(3), np.zeros(13), np.ones(7)].astype(int)
    result = report.calibration(probs, true, bins=10)
    assert result.gap == pytest.approx(0.0)
    assert result.mean_confidence == pytest.approx(0.75) and result.accuracy_overall == pytest.approx(0.75)
    assert result.count.sum() == 40 and result.count[8] == 20 and result.count[6] == 20
    assert np.isnan(result.accuracy[0])


def test_overconfidence_shows_as_a_gap():
    probs = np.vstack([np.full(10, 0.99), np.full(10, 0.01)])
    true = np.r_[np.zeros(5), np.ones(5)].astype(int)
    assert report.calibration(probs, true).gap == pytest.approx(0.49)


def test_cross_entropy_matches_the_log_of_the_softmax_and_survives_huge_logits():
    logits = np.array([[2.0, 0.0, -1.0], [0.5, 3.0, 1.0], [-1.0, 0.0, 4.0]])  # (C, m), columns are examples
    true = np.array([0, 1, 2])
    probs = np.exp(logits) / np.exp(logits).sum(axis=0)
    assert report.cross_entropy(logits, true) == pytest.approx(-np.mean(np.log(probs[true, [0, 1, 2]])))
    assert report.cross_entropy(logits + 1000.0, true) == pytest.approx(report.cross_entropy(logits, true))
    assert report.cross_entropy(np.array([[0.0], [800.0]]), np.array([0])) == pytest.approx(800.0)


def test_best_temperature_recovers_the_temperature_that_made_the_labels():
    # labels drawn from softmax(z / 2): the likelihood is highest near T = 2, far from T = 1
    rng = np.random.default_rng(0)
    z = 3.0 * rng.standard_normal((4, 4000))
    p = np.exp(z / 2.0) / np.exp(z / 2.0).sum(axis=0)
    true = np.array([rng.choice(4, p=column) for column in p.T])
    chosen = report.best_temperature(z, true, np.arange(0.5, 4.01, 0.25))
    assert chosen == pytest.approx(2.0, abs=0.25)
    assert report.best_temperature(z, true, [1.0]) == 1.0


def test_best_temperature_of_an_underconfident_model_sharpens():
    # always right but only 60% sure: the best T is the smallest offered
    logits = np.vstack([np.full(50, 0.4), np.zeros(50)])
    assert report.best_temperature(logits, np.zeros(50, dtype=int), [0.1, 0.5, 1.0, 2.0]) == 0.1


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: report.best_temperature(np.zeros((2, 3)), np.array([0, 1, 0]), []), "non-empty"),
        (lambda: report.best_temperature(np.zeros((2, 3)), np.array([0, 1, 0]), [1.0, 0.0]), "positive"),
        (lambda: report.cross_entropy(np.zeros((3, 2)), np.array([0, 1, 2])), "m = 3"),
        (lambda: report.confusion_matrix(np.array([0, 3]), np.array([0, 1]), 3), "lie in 0..2"),
        (lambda: report.confusion_matrix(np.array([0.0, 1.0]), np.array([0, 1]), 2), "int labels"),
        (lambda: report.confusion_matrix(np.array([0, 1]), np.array([0]), 2), "differ in length"),
        (lambda: report.confident_mistakes(np.ones((3, 4)), np.array([0, 1])), "m = 2"),
        (lambda: report.calibration(np.ones(4), np.array([0, 1, 0, 1])), "\\(C, m\\)"),
    ],
)
def test_bad_input_is_explained(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_plots_draw_without_a_display():
    import matplotlib

    matplotlib.use("Agg")
    ax = report.plot_confusion(np.array([[3, 1], [0, 4]]))
    assert len(ax.texts) == 3
    axes = report.plot_mistakes(np.random.default_rng(0).random((64, 3)), [1, 2, 3], [7, 5, 8], [0.9, 0.8, 0.7])
    assert axes[0].get_title().startswith("1 read as 7")
    probs = np.vstack([np.full(10, 0.8), np.full(10, 0.2)])
    ax = report.plot_reliability({"T = 1": report.calibration(probs, np.zeros(10, int))})
    assert len(ax.lines) == 2
