"""What a student sees in `make lab`: the released notebook, nbgrader's Validate and Assignment List, no
instructor tools, and a widget that moves when its slider is dragged."""

import os
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow

NOTEBOOK = "01_tuning_process/01_tuning_process.ipynb"


def open_lab(page, lab, path: str):
    page.goto(f"{lab['url']}/lab/tree/{path}?reset&token={lab['token']}")  # reset: no tabs from earlier tests
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)


def test_released_notebook_opens_with_validate_button(page, lab):
    open_lab(page, lab, NOTEBOOK)
    page.locator(".jp-RenderedMarkdown h3", has_text="What you will learn").wait_for(timeout=30_000)
    assert page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate").count() == 1


def test_nbgrader_menu_has_student_tools_only(page, lab):
    open_lab(page, lab, NOTEBOOK)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    items = page.locator(".lm-Menu-itemLabel").all_inner_texts()
    assert "Assignment List" in items
    assert not any(item.startswith("Formgrader") for item in items), items
    assert "Course List" not in items


def test_create_assignment_toolbar_is_absent(page, lab):
    open_lab(page, lab, NOTEBOOK)
    page.get_by_text("View", exact=True).first.click()
    assert page.get_by_text("Create Assignment").count() == 0


def test_server_turns_the_formgrader_off(lab):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{lab['url']}/formgrader/api/assignments?token={lab['token']}")
    assert error.value.code == 404
    query = f"token={lab['token']}&course_id=dl-tuning"
    with urllib.request.urlopen(f"{lab['url']}/assignments?{query}") as response:
        assert response.status == 200  # the student's assignment list answers


def test_a_widget_redraws_when_its_slider_moves(page, lab):
    """The log sampler of notebook 02 renders in the browser and its picture changes with the slider."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import numpy as np\nfrom course.widgets.log_sampler import show_log_sampler\n"
        "def counts(samples, low, high):  # a finished decade_counts, as a student would pass it\n"
        "    k = np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)\n"
        "    return np.histogram(samples, bins=10.0 ** k)[0]\n"
        "show_log_sampler(counts)"
    )])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.write(nb, str(lab["workspace"] / "widget_check.ipynb"))
    open_lab(page, lab, "widget_check.ipynb")
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)  # the kernel is connected
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-editor").first.click(timeout=60_000)
    page.keyboard.press("Control+Enter")
    picture = page.locator(".jupyter-widgets img").first
    try:
        picture.wait_for(timeout=60_000)
    except Exception:
        page.screenshot(path=str(lab["workspace"].parent / "widget_failure.png"))
        raise
    before = picture.get_attribute("src")
    handle = page.locator(".widget-slider .noUi-handle").last  # the sample-count slider
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([before]) => { const img = document.querySelector('.jupyter-widgets img'); "
        "return img && img.getAttribute('src') !== before; }",
        arg=[before], timeout=30_000,
    )
    assert page.locator(".jupyter-widgets img").first.get_attribute("src") != before
    # The README's picture: `COURSE_SCREENSHOT_DIR=docs .venv/bin/pytest tests/test_ui -k widget` refreshes it.
    shots = os.environ.get("COURSE_SCREENSHOT_DIR")
    if shots:
        page.wait_for_timeout(500)
        page.locator(".jp-OutputArea-output .jupyter-widgets").first.screenshot(path=str(Path(shots) / "log_sampler.png"))
