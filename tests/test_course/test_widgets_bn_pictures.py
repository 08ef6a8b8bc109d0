"""course.widgets.bn_pictures: notebook 03's still pictures."""

import matplotlib
import numpy as np

matplotlib.use("Agg")

from course import bn_network  # noqa: E402
from course.data import load_digits_binary  # noqa: E402
from course.widgets.bn_pictures import (  # noqa: E402
    gradient_descent_path,
    plot_input_normalisation,
    plot_learning_rate_sweep,
    plot_sigmoid_regime,
    steps_to_converge,
)


def test_normalised_inputs_converge_in_far_fewer_steps():
    elongated = steps_to_converge(*gradient_descent_path((1.0, 3.0)))
    round_bowl = steps_to_converge(*gradient_descent_path((1.0, 1.0)))
    assert round_bowl == 1 and elongated > 10
    path, _ = gradient_descent_path((1.0, 3.0))
    assert np.sign(path[1, 1]) != np.sign(path[0, 1])  # the steep direction overshoots: a zig-zag


def test_pictures_draw():
    import matplotlib.pyplot as plt

    axes = plot_input_normalisation()
    assert len(axes) == 2 and "1 step " in axes[1].get_title()
    ax = plot_sigmoid_regime()
    assert len(ax.lines) >= 4
    plt.close("all")


def test_sweep_picture_marks_both_settings():
    import matplotlib.pyplot as plt

    data = load_digits_binary()
    sweep = bn_network.sweep_learning_rates(
        data, learning_rates=[0.01, 0.1, 1.0], layer_dims=[64, 8, 8, 1], num_epochs=2
    )
    left, right = plot_learning_rate_sweep(sweep, curves_at=(0.1,))
    labels = [line.get_label() for line in left.lines]
    assert any("with batch norm" in label for label in labels) and any("without" in label for label in labels)
    assert len(right.lines) == 2
    plt.close("all")
