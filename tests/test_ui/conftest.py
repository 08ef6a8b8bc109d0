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
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={workspace}", "--allow-root"],
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(config_dir)},
        stdout=log, stderr=subprocess.STDOUT,
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
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        yield page
        browser.close()
