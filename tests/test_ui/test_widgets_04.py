"""Notebook 04's two widgets in a real JupyterLab and chromium: each renders, and its picture changes when a
slider moves. With ``COURSE_SCREENSHOT_DIR=docs`` the rendered widgets are saved as the notebook's static
fallback pictures (``docs/04_running_average.png``, ``docs/04_single_example.png``)."""

import os
from pathlib import Path

import nbformat
import pytest

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


def open_lab(page, lab, path: str):
    page.goto(f"{lab['url']}/lab/tree/{path}?reset&token={lab['token']}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)


def render_and_move(page, lab, name: str, source: str, presses: int) -> None:
    """Run ``source`` in a fresh notebook, wait for the widget's picture, press ArrowRight ``presses`` times on
    its first slider and check that the picture changed; save a screenshot when asked to."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.write(nb, str(lab["workspace"] / f"{name}.ipynb"))
    open_lab(page, lab, f"{name}.ipynb")
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-editor").first.click(timeout=60_000)
    page.keyboard.press("Control+Enter")
    picture = page.locator(".jupyter-widgets img").first
    try:
        picture.wait_for(timeout=90_000)
    except Exception:
        page.screenshot(path=str(lab["workspace"].parent / f"{name}_failure.png"))
        raise
    before = picture.get_attribute("src")
    handle = page.locator(".widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([before]) => { const img = document.querySelector('.jupyter-widgets img'); "
        "return img && img.getAttribute('src') !== before; }",
        arg=[before], timeout=30_000,
    )
    assert page.locator(".jupyter-widgets img").first.get_attribute("src") != before
    shots = os.environ.get("COURSE_SCREENSHOT_DIR")
    if shots:
        page.wait_for_timeout(1000)  # the last key press's picture
        path = Path(shots) / f"04_{name}.png"
        page.locator(".jp-OutputArea-output .jupyter-widgets").first.screenshot(path=str(path))
        _shrink(path)


def _shrink(path: Path) -> None:
    """Quantise the screenshot to a palette so that it stays small inside the notebook (well under 150 KB)."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def test_running_average_widget_moves_with_momentum(page, lab):
    render_and_move(page, lab, "running_average", RUNNING_AVERAGE, presses=3)  # momentum 0.9 -> 0.99


def test_single_example_inspector_moves_with_the_digit(page, lab):
    render_and_move(page, lab, "single_example", SINGLE_EXAMPLE, presses=2)  # test digit 0 -> 2
