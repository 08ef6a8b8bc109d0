"""course.plots: every helper draws on the axes it returns, headless."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course import plots  # noqa: E402


def test_style_applies():
    plots.apply_style()
    assert matplotlib.rcParams["axes.spines.top"] is False


def test_learning_curves_marks_diverged_runs():
    curves = np.array([[1.0, 0.5, 0.4], [1.0, np.inf, np.nan]])
    ax = plots.plot_learning_curves(curves, highlight=0)
    assert len(ax.lines) == 3  # two curves and one divergence marker
    assert ax.lines[0].get_linewidth() > ax.lines[1].get_linewidth()


def test_points_2d_one_colour_per_class():
    X = np.random.default_rng(0).normal(size=(2, 20))
    ax = plots.plot_points_2d(X, np.arange(20) % 2, title="two classes")
    assert len(ax.collections) == 2 and ax.get_title() == "two classes"
    with pytest.raises(ValueError, match="examples in columns"):
        plots.plot_points_2d(X.T, np.arange(20) % 2)


def test_heatmap_extent():
    ax = plots.plot_heatmap(np.zeros((4, 5)), (0, 1), (-2, 2), xlabel="a", colorbar_label="loss")
    assert ax.images[0].get_extent() == [0, 1, -2, 2] and ax.get_xlabel() == "a"


def test_scores_by_hyperparameter_uses_the_sampling_scale():
    configs = [
        {"lr": 10.0**-k, "beta": 1 - 10.0**-j, "units": u, "act": a}
        for k, j, u, a in [(1, 1, 4, "tanh"), (2, 2, 8, "relu"), (3, 3, 16, "tanh")]
    ]
    scales = {"lr": "log", "beta": "beta", "units": "int", "act": "choice"}
    axes = plots.plot_scores_by_hyperparameter(configs, [0.5, np.nan, 0.2], scales)
    assert [ax.get_xscale() for ax in axes] == ["log", "logit", "linear", "linear"]
    assert [t.get_text() for t in axes[3].get_xticklabels()] == ["'relu'", "'tanh'"]
    assert axes[0].get_xlabel() == "lr (log)"


def test_scores_by_hyperparameter_rejects_mismatched_input():
    with pytest.raises(ValueError, match="one score per configuration"):
        plots.plot_scores_by_hyperparameter([{"a": 1.0}], [1.0, 2.0], {"a": "log"})
    with pytest.raises(ValueError, match="unknown scale"):
        plots.plot_scores_by_hyperparameter([{"a": 1.0}], [1.0], {"a": "normal"})


def test_plot_sweep_spans_draws_diverged_runs_as_crosses_not_gaps():
    from course.plots import plot_sweep_spans

    ax = plot_sweep_spans({"learning_rate": [0.5, 0.2, np.nan], "momentum": [0.3, 0.35]})
    crosses = [c for c in ax.collections if c.get_label() == "diverged"]
    assert len(crosses) == 1 and len(crosses[0].get_offsets()) == 1
    assert [t.get_text() for t in ax.get_yticklabels()] == ["learning_rate", "momentum"]
    assert ax.get_xscale() == "log"
