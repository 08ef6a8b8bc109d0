"""Notebook 05's widgets in a real JupyterLab and chromium: the softmax explorer and the boundary viewer render,
and their pictures change when a slider is moved by keyboard. With ``COURSE_SCREENSHOT_DIR=docs`` the rendered
widgets are saved (small, palette PNG) as the notebook's static pictures, ``docs/05_softmax_explorer.png`` and
``docs/05_boundary_viewer.png``."""

import os
from pathlib import Path

import nbformat
import pytest

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


def run_widget(page, lab, name: str, source: str):
    """Write ``source`` as a one-cell notebook in the workspace, open it, run it, and return the widget's picture."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.write(nb, str(lab["workspace"] / f"{name}.ipynb"))
    page.goto(f"{lab['url']}/lab/tree/{name}.ipynb?reset&token={lab['token']}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-editor").first.click(timeout=60_000)
    page.keyboard.press("Control+Enter")
    picture = page.locator(".jupyter-widgets img").first
    try:
        picture.wait_for(timeout=90_000)
    except Exception:
        page.screenshot(path=str(lab["workspace"].parent / f"05_{name}_failure.png"))
        raise
    return picture


def press_and_wait_for_a_new_picture(page, handle, key: str, times: int) -> None:
    before = page.locator(".jupyter-widgets img").first.get_attribute("src")
    handle.focus()
    for _ in range(times):
        page.keyboard.press(key)
    page.wait_for_function(
        "([before]) => { const img = document.querySelector('.jupyter-widgets img'); "
        "return img && img.getAttribute('src') !== before; }",
        arg=[before], timeout=30_000,
    )


def save_screenshot(page, name: str) -> None:
    shots = os.environ.get("COURSE_SCREENSHOT_DIR")
    if not shots:
        return
    from PIL import Image

    page.wait_for_timeout(1000)  # let the last key press's picture arrive
    path = Path(shots) / f"05_{name}.png"
    page.locator(".jp-OutputArea-output .jupyter-widgets").first.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    assert path.stat().st_size < 150_000, f"{path} is {path.stat().st_size} bytes: keep it under 150 KB"


def test_softmax_explorer_redraws_when_a_score_moves(page, lab):
    run_widget(page, lab, "softmax_explorer", EXPLORER)
    handle = page.locator(".widget-slider .noUi-handle").nth(2)  # the score of class 2, the dog
    press_and_wait_for_a_new_picture(page, handle, "ArrowRight", 8)  # -1 -> 3, as in the lectures
    save_screenshot(page, "softmax_explorer")


def test_boundary_viewer_redraws_when_the_iteration_moves(page, lab):
    run_widget(page, lab, "boundary_viewer", VIEWER)
    handle = page.locator(".widget-slider .noUi-handle").last  # the iteration slider
    press_and_wait_for_a_new_picture(page, handle, "ArrowLeft", 5)
    save_screenshot(page, "boundary_viewer")
