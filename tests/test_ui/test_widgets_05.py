"""Notebook 05's widgets in a real JupyterLab and chromium: the softmax explorer and the boundary viewer render,
and their pictures change when a slider is moved by keyboard. With ``COURSE_SCREENSHOT_DIR=docs`` the rendered
widgets are saved as the notebook's static pictures, ``docs/05_softmax_explorer.png`` and
``docs/05_boundary_viewer.png``."""

import pytest

from tests.test_ui.conftest import press_until_the_picture_changes, run_widget, save_widget_screenshot

pytestmark = pytest.mark.slow

EXPLORER = (
    "import numpy as np\n"
    "from course.widgets.softmax_explorer import show_softmax_explorer\n"
    "def softmax(Z):  # a finished exercise 1, as a student would pass it\n"
    "    E = np.exp(Z - Z.max(axis=0, keepdims=True))\n"
    "    return E / E.sum(axis=0, keepdims=True)\n"
    "show_softmax_explorer(softmax)"
)
VIEWER = "from course.widgets.decision_boundaries import show_boundary_viewer\nshow_boundary_viewer()"


def test_softmax_explorer_redraws_when_a_score_moves(page, lab):
    run_widget(page, lab, "softmax_explorer", EXPLORER)
    dog = page.locator(".widget-slider .noUi-handle").nth(2)  # the score of class 2: -1 -> 3, as in the lectures
    press_until_the_picture_changes(page, dog, "ArrowRight", 8)
    save_widget_screenshot(page, "05_softmax_explorer.png")


def test_boundary_viewer_redraws_when_the_iteration_moves(page, lab):
    run_widget(page, lab, "boundary_viewer", VIEWER)
    iteration = page.locator(".widget-slider .noUi-handle").last
    press_until_the_picture_changes(page, iteration, "ArrowLeft", 5)
    save_widget_screenshot(page, "05_boundary_viewer.png")
