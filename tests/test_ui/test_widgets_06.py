"""Notebook 06's tape explorer in a real JupyterLab and chromium: it renders, and moving x0 redraws it.

With ``COURSE_SCREENSHOT_DIR=docs`` the rendered widget is saved as ``docs/06_tape_explorer.png``, the static
picture shown at the top of the notebook.
"""

import pytest

from tests.stand_ins import gradient_of, second_derivative, source_of
from tests.test_ui.conftest import press_until_the_picture_changes, run_widget, save_widget_screenshot

pytestmark = pytest.mark.slow

CODE = "\n".join(
    [
        "from course.widgets.tape_explorer import show_tape_explorer",
        source_of(gradient_of, second_derivative),
        "show_tape_explorer(gradient_of, second_derivative)",
    ]
)


def test_tape_explorer_redraws_when_x0_moves(page, lab):
    run_widget(page, lab, "tape_explorer_check", CODE)  # waits out TensorFlow's import too
    assert page.locator(".widget-dropdown select").count() == 1
    x0 = page.locator(".widget-slider .noUi-handle").last
    press_until_the_picture_changes(page, x0, "ArrowRight", 3)
    save_widget_screenshot(page, "06_tape_explorer.png")
