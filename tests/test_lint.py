"""The codebase is clean under ruff, as configured in ``pyproject.toml`` (``make lint``; ``make format`` fixes
what the formatter owns)."""

import subprocess
import sys

import pytest

from autograder.paths import REPO


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_finds_nothing(command):
    done = subprocess.run([sys.executable, "-m", "ruff", *command, "."], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
