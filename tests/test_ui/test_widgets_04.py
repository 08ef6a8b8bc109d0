"""Notebook 04's two widgets in a real JupyterLab and chromium: each renders, and its picture changes when a
slider moves. With ``COURSE_SCREENSHOT_DIR=docs`` the rendered widgets are saved as the notebook's static
fallback pictures (``docs/04_running_average.png``, ``docs/04_single_example.png``)."""

import pytest

from tests.test_ui.conftest import press_until_the_picture_changes, run_widget, save_widget_screenshot

pytestmark = pytest.mark.slow

NETWORK = (
    "import numpy as np\n"
    "from course.bn_network import train_network\n"
    "from course.data import load_digits_binary\n"
    "digits = load_digits_binary(seed=0)\n"
    "net = train_network(digits.X_train, digits.Y_train, [64, 32, 16, 1], learning_rate=0.3, num_epochs=10,\n"
    "                    mini_batch_size=32, seed=4, snapshot_every=5)\n"
)
RUNNING_AVERAGE = NETWORK + (
    "from course.widgets.running_average import show_running_average\n"
    "def update_running_average(running, batch_value, momentum):  # a finished exercise 1\n"
    "    return momentum * running + (1 - momentum) * batch_value\n"
    "recorded = np.stack([s.Z[0] for s in net.snapshots if s.iteration < 300])\n"
    "unit = int(np.argmax(np.abs(recorded[-1].mean(axis=1))))\n"
    "show_running_average(recorded[:, unit, :], update_running_average, steps=300, seed=4)"
)
SINGLE_EXAMPLE = NETWORK + (
    "from course.widgets.single_example import show_single_example\n"
    "show_single_example(net, digits.X_test, digits.Y_test, index=0)"
)


def render_and_move(page, lab, name: str, source: str, presses: int) -> None:
    """Run ``source``, press ArrowRight ``presses`` times on the widget's first slider, expect a new picture."""
    run_widget(page, lab, name, source)
    press_until_the_picture_changes(page, page.locator(".widget-slider .noUi-handle").first, "ArrowRight", presses)
    save_widget_screenshot(page, f"04_{name}.png")


def test_running_average_widget_moves_with_momentum(page, lab):
    render_and_move(page, lab, "running_average", RUNNING_AVERAGE, presses=3)  # momentum 0.9 -> 0.99


def test_single_example_inspector_moves_with_the_digit(page, lab):
    render_and_move(page, lab, "single_example", SINGLE_EXAMPLE, presses=2)  # test digit 0 -> 2
