"""A real JupyterLab (the student configuration of `make lab`) driven by Debian's chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TOKEN = "course-ui-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if os.environ.get("SKIP_BROWSER_TESTS") == "1":
        pytest.skip("SKIP_BROWSER_TESTS=1")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium, or set CHROMIUM=/path")
    return CHROMIUM


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab on a student workspace seeded from release/, with the student Jupyter configuration."""
    from course.workspace import seed_workspace

    workspace = tmp_path_factory.mktemp("workspace")
    seed_workspace(REPO / "release", workspace)
    config_dir = tmp_path_factory.mktemp("jupyter-config")
    shutil.copytree(REPO / "jupyter-config" / "student", config_dir, dirs_exist_ok=True)
    port = free_port()
    log = open(workspace.parent / "lab.log", "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={workspace}",
            "--allow-root",
        ],
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(config_dir)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"JupyterLab did not start: {(workspace.parent / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.5)
    yield {"url": url, "token": TOKEN, "workspace": workspace}
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def page(chromium_path, lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        yield page
        browser.close()


# --- helpers for the widget tests of each notebook (tests/test_ui/test_widgets_*.py) ----------------------------


def run_widget(page, lab, name: str, source: str):
    """Write ``source`` as a one-cell notebook ``<name>.ipynb`` in the workspace, open it, run it, and return
    the locator of the widget's picture once it is there (a screenshot of the page is kept if it never comes)."""
    import nbformat

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
        page.screenshot(path=str(lab["workspace"].parent / f"{name}_failure.png"))
        raise
    return picture


def press_until_the_picture_changes(page, handle, key: str = "ArrowRight", times: int = 1) -> None:
    """Focus a slider ``handle``, press ``key`` ``times`` times, and wait until the widget's picture is new."""
    before = page.locator(".jupyter-widgets img").first.get_attribute("src")
    handle.focus()
    for _ in range(times):
        page.keyboard.press(key)
    page.wait_for_function(
        "([before]) => { const img = document.querySelector('.jupyter-widgets img'); "
        "return img && img.getAttribute('src') !== before; }",
        arg=[before],
        timeout=30_000,
    )


def save_widget_screenshot(page, filename: str) -> None:
    """With ``COURSE_SCREENSHOT_DIR`` set, save the first widget as a small palette PNG there (a notebook's
    static fallback picture, kept under 150 KB so that it can live inside the notebook)."""
    import os
    from pathlib import Path as _Path

    from PIL import Image

    shots = os.environ.get("COURSE_SCREENSHOT_DIR")
    if not shots:
        return
    page.wait_for_timeout(1000)  # the last key press's picture
    path = _Path(shots) / filename
    page.locator(".jp-OutputArea-output .jupyter-widgets").first.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    assert path.stat().st_size < 150_000, f"{path} is {path.stat().st_size} bytes: keep it under 150 KB"
