"""Notebook 06's tape explorer in a real JupyterLab and chromium: it renders, and moving x0 redraws it.

With ``COURSE_SCREENSHOT_DIR=docs`` the rendered widget is saved as ``docs/06_tape_explorer.png``, the static
picture shown at the top of the notebook.
"""

import os
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow

CODE = '''import tensorflow as tf
from course.widgets.tape_explorer import show_tape_explorer

def gradient_of(f, x):  # finished answers, as a student passes them
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)

def second_derivative(f, x):
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as outer:
        outer.watch(x)
        first = gradient_of(f, x)
    return outer.gradient(first, x)

show_tape_explorer(gradient_of, second_derivative)'''


def test_tape_explorer_redraws_when_x0_moves(page, lab):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CODE)])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.write(nb, str(lab["workspace"] / "tape_explorer_check.ipynb"))
    page.goto(f"{lab['url']}/lab/tree/tape_explorer_check.ipynb?reset&token={lab['token']}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-editor").first.click(timeout=60_000)
    page.keyboard.press("Control+Enter")
    picture = page.locator(".jupyter-widgets img").first
    try:
        picture.wait_for(timeout=90_000)  # TensorFlow's import comes first
    except Exception:
        page.screenshot(path=str(lab["workspace"].parent / "tape_explorer_failure.png"))
        raise
    assert page.locator(".widget-dropdown select").count() == 1
    before = picture.get_attribute("src")
    handle = page.locator(".widget-slider .noUi-handle").last  # the x0 slider
    handle.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([before]) => { const img = document.querySelector('.jupyter-widgets img'); "
        "return img && img.getAttribute('src') !== before; }",
        arg=[before], timeout=30_000,
    )
    assert page.locator(".jupyter-widgets img").first.get_attribute("src") != before
    shots = os.environ.get("COURSE_SCREENSHOT_DIR")
    if shots:
        page.wait_for_timeout(800)
        page.locator(".jp-OutputArea-output .jupyter-widgets").first.screenshot(path=str(Path(shots) / "06_tape_explorer.png"))
