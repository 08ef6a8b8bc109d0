"""Notebook 03's two widgets in a real JupyterLab and chromium: each renders, and its picture changes when a
slider moves. With ``COURSE_SCREENSHOT_DIR=docs`` the screenshots the notebook shows as its static fallback
are refreshed (``docs/03_covariate_shift.png``, ``docs/03_backward_explorer.png``)."""

import pytest

from tests.stand_ins import batchnorm_backward, batchnorm_forward, source_of
from tests.test_ui.conftest import press_until_the_picture_changes, run_widget, save_widget_screenshot

pytestmark = pytest.mark.slow

BACKWARD = "\n".join(
    [
        "from course.widgets.bn_backward import show_backward_explorer",
        source_of(batchnorm_forward, batchnorm_backward),
        "show_backward_explorer(batchnorm_forward, batchnorm_backward)",
    ]
)

COVARIATE = """from course.data import load_digits_binary
from course.widgets.covariate_shift import show_covariate_shift, train_for_covariate_shift
show_covariate_shift(*train_for_covariate_shift(load_digits_binary(), learning_rate=0.3))"""


def test_backward_explorer_redraws_when_the_upstream_example_moves(page, lab):
    run_widget(page, lab, "widget_03_backward", BACKWARD)
    page.get_by_text("agrees with central differences").wait_for(timeout=30_000)
    example = page.locator(".widget-slider .noUi-handle").first
    press_until_the_picture_changes(page, example, "ArrowRight", times=2)  # the gradient on example 2
    save_widget_screenshot(page, "03_backward_explorer.png")


def test_covariate_shift_viewer_redraws_when_the_iteration_moves(page, lab):
    run_widget(page, lab, "widget_03_covariate", COVARIATE)
    iteration = page.locator(".widget-slider .noUi-handle").first
    press_until_the_picture_changes(page, iteration, "ArrowLeft")  # one snapshot before the last
    press_until_the_picture_changes(page, iteration, "ArrowRight")
    save_widget_screenshot(page, "03_covariate_shift.png")
