"""What a student sees in `make lab`: the released notebook, nbgrader's Validate and Assignment List, no
instructor tools, and a widget that moves when its slider is dragged."""

import os
from pathlib import Path

import pytest

from tests.test_ui.conftest import press_until_the_picture_changes, run_widget

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
    run_widget(
        page,
        lab,
        "widget_check",
        (
            "import numpy as np\nfrom course.widgets.log_sampler import show_log_sampler\n"
            "def counts(samples, low, high):  # a finished decade_counts, as a student would pass it\n"
            "    k = np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)\n"
            "    return np.histogram(samples, bins=10.0 ** k)[0]\n"
            "show_log_sampler(counts)"
        ),
    )
    press_until_the_picture_changes(page, page.locator(".widget-slider .noUi-handle").last)  # the sample-count slider
    # The README's picture: `COURSE_SCREENSHOT_DIR=docs .venv/bin/pytest tests/test_ui -k widget` refreshes it.
    shots = os.environ.get("COURSE_SCREENSHOT_DIR")
    if shots:
        page.wait_for_timeout(500)
        page.locator(".jp-OutputArea-output .jupyter-widgets").first.screenshot(
            path=str(Path(shots) / "log_sampler.png")
        )


# --- a new user's first minutes: no news pop-up, and `make lab` starts as root -------------------------------

CONFIGS = Path(__file__).resolve().parents[2] / "jupyter-config"


@pytest.mark.parametrize("who", ["student", "instructor"])
def test_configs_turn_jupyter_news_off(who):
    """Both configurations disable the announcements plugin, the news feed and the update check."""
    import json

    page_config = json.loads((CONFIGS / who / "labconfig" / "page_config.json").read_text())
    assert page_config["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"] is True
    lab_app = json.loads((CONFIGS / who / "jupyter_server_config.json").read_text())["LabApp"]
    assert lab_app["news_url"] is None
    assert lab_app["check_for_updates_class"] == "jupyterlab.NeverCheckForUpdate"


def test_student_lab_shows_no_news_popup(page, lab):
    """The lab tells the page that news are off, and no 'official Jupyter news' toast appears."""
    open_lab(page, lab, NOTEBOOK)
    page.locator(".jp-RenderedMarkdown h3", has_text="What you will learn").wait_for(timeout=30_000)
    assert page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).news.disabled")
    page.wait_for_timeout(3_000)  # the announcements plugin asks a few seconds after start-up
    assert page.get_by_text("official Jupyter news").count() == 0


@pytest.mark.parametrize("target", ["lab", "lab-instructor"])
def test_make_lab_passes_allow_root_exactly_when_root(target):
    """`make lab` as root adds --allow-root (Jupyter refuses root without it); as anyone else it does not."""
    import subprocess

    repo = CONFIGS.parent
    dry = subprocess.run(["make", "-n", "-s", target], cwd=repo, capture_output=True, text=True, check=True).stdout
    command = next(line for line in dry.splitlines() if " lab " in line)
    assert ("--allow-root" in command) == (os.geteuid() == 0), command


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal only happens as root")
def test_make_lab_command_starts_as_root(tmp_path):
    """The exact command `make lab` runs starts a Jupyter server as root (it used to stop at the root check)."""
    import shlex
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.test_ui.conftest import free_port

    repo = CONFIGS.parent
    port = free_port()
    dry = subprocess.run(
        ["make", "-n", "-s", "lab", f"PORT={port}"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    words = shlex.split(next(line for line in dry.splitlines() if " lab " in line))
    env = dict(os.environ)
    while "=" in words[0]:  # leading VAR=value assignments
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    words = [
        sys.executable,
        "-m",
        "jupyterlab",
        *words[2:],
        "--no-browser",
        "--ServerApp.token=",
        f"--ServerApp.root_dir={tmp_path}",
    ]
    words = [w for w in words if not w.startswith("--notebook-dir")]
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        process = subprocess.Popen(words, cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2)
                    break
                except OSError:
                    assert process.poll() is None, log.read_text()[-2000:]
                    assert time.monotonic() < deadline, log.read_text()[-2000:]
                    time.sleep(0.5)
        finally:
            process.terminate()
            process.wait(timeout=15)
    assert "Running as root is not recommended" not in log.read_text()
