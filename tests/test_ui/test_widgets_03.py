"""Notebook 03's two widgets in a real JupyterLab and chromium: each renders, and its picture changes when a
slider moves. With ``COURSE_SCREENSHOT_DIR=docs`` the screenshots the notebook shows as its static fallback
are refreshed (``docs/03_covariate_shift.png``, ``docs/03_backward_explorer.png``)."""

import os
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow

BACKWARD = '''import numpy as np
from course.widgets.bn_backward import show_backward_explorer
def batchnorm_forward(Z, gamma, beta, eps=1e-5):  # a finished answer, as a student would pass it
    mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_hat + beta, (Z_hat, 1 / np.sqrt(var + eps), gamma)
def batchnorm_backward(dZ_tilde, cache):
    Z_hat, inv_std, gamma = cache
    d = dZ_tilde * gamma
    dZ = inv_std * (d - d.mean(axis=1, keepdims=True) - Z_hat * (d * Z_hat).mean(axis=1, keepdims=True))
    return dZ, (dZ_tilde * Z_hat).sum(axis=1, keepdims=True), dZ_tilde.sum(axis=1, keepdims=True)
show_backward_explorer(batchnorm_forward, batchnorm_backward)'''

COVARIATE = '''from course.data import load_digits_binary
from course.widgets.covariate_shift import show_covariate_shift, train_for_covariate_shift
show_covariate_shift(*train_for_covariate_shift(load_digits_binary(), learning_rate=0.3))'''


def run_widget(page, lab, name: str, code: str):
    """Write a one-cell notebook, open it, run the cell and return the locator of the widget's picture."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.write(nb, str(lab["workspace"] / name))
    page.goto(f"{lab['url']}/lab/tree/{name}?reset&token={lab['token']}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-editor").first.click(timeout=60_000)
    page.keyboard.press("Control+Enter")
    picture = page.locator(".jupyter-widgets img").first
    try:
        picture.wait_for(timeout=90_000)
    except Exception:
        page.screenshot(path=str(lab["workspace"].parent / f"{name}_failure.png"))
        raise
    return picture


def press_on_slider(page, index: int, key: str):
    handle = page.locator(".widget-slider .noUi-handle").nth(index)
    handle.focus()
    page.keyboard.press(key)


def picture_changes(page, before: str):
    page.wait_for_function(
        "([before]) => { const img = document.querySelector('.jupyter-widgets img'); "
        "return img && img.getAttribute('src') !== before; }",
        arg=[before], timeout=30_000,
    )


def save_screenshot(page, filename: str):
    """The widget's screenshot, reduced to 64 colours (a third of the bytes: it is embedded in the notebook)."""
    shots = os.environ.get("COURSE_SCREENSHOT_DIR")
    if shots:
        from PIL import Image

        page.wait_for_timeout(500)
        path = Path(shots) / filename
        page.locator(".jp-OutputArea-output .jupyter-widgets").first.screenshot(path=str(path))
        Image.open(path).convert("RGB").quantize(64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def test_backward_explorer_redraws_when_the_upstream_example_moves(page, lab):
    picture = run_widget(page, lab, "widget_03_backward.ipynb", BACKWARD)
    page.get_by_text("agrees with central differences").wait_for(timeout=30_000)
    before = picture.get_attribute("src")
    press_on_slider(page, 0, "ArrowRight")  # upstream gradient on the next example
    press_on_slider(page, 0, "ArrowRight")
    picture_changes(page, before)
    save_screenshot(page, "03_backward_explorer.png")


def test_covariate_shift_viewer_redraws_when_the_iteration_moves(page, lab):
    picture = run_widget(page, lab, "widget_03_covariate.ipynb", COVARIATE)
    before = picture.get_attribute("src")
    press_on_slider(page, 0, "ArrowLeft")  # one snapshot earlier than the last
    picture_changes(page, before)
    press_on_slider(page, 0, "ArrowRight")
    page.wait_for_timeout(300)
    save_screenshot(page, "03_covariate_shift.png")
