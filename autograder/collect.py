"""``--zip DIR``: turn LMS download archives into nbgrader's submitted layout with ``nbgrader zip_collect``.

``DIR`` holds one folder per assignment, ``DIR/<assignment>/*.zip`` (or loose files), as an LMS exports
them. Each file's name must match :data:`NAMED_REGEXP` (nbgrader's ``FileNameCollectorPlugin.named_regexp``):
the Blackboard-style ``<anything>_<student_id>_attempt_<timestamp>_<assignment>.ipynb`` by default (student
ids without ``_``: the name is split on it); set
``AUTOGRADER_ZIP_REGEXP`` for another LMS. The collected copy lives in the run's scratch folder; ``DIR``
itself is only read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

from .errors import GradingError
from .paths import env_with_bin

NAMED_REGEXP = os.environ.get(
    "AUTOGRADER_ZIP_REGEXP",
    r".*?_?(?P<student_id>[A-Za-z0-9.\-]+)_attempt_[0-9\-]+_(?P<file_id>[^/_][^/]*\.ipynb)$",
)


def collect_zips(zip_dir: Path, course_root: Path, dest: Path, log: Callable[[str], None] = print) -> Path:
    """Run ``nbgrader zip_collect`` for every ``zip_dir/<assignment>/``; returns the ``submitted`` folder."""
    if not zip_dir.is_dir():
        raise GradingError(f"--zip folder {zip_dir} does not exist: it should hold <assignment>/*.zip")
    folders = sorted(p for p in zip_dir.iterdir() if p.is_dir())
    if not folders:
        raise GradingError(f"--zip folder {zip_dir} has no <assignment>/ folders with archives in them")
    dest.mkdir(parents=True, mode=0o700)
    shutil.copy2(course_root / "nbgrader_config.py", dest / "nbgrader_config.py")
    for folder in folders:
        archive = dest / "downloaded" / folder.name / "archive"
        shutil.copytree(folder, archive)
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "zip_collect", folder.name, "--force",
             f"--FileNameCollectorPlugin.named_regexp={NAMED_REGEXP}", f"--CourseDirectory.root={dest}"],
            cwd=dest, capture_output=True, text=True, env=env_with_bin(),
        )
        if done.returncode != 0:
            raise GradingError(f"nbgrader zip_collect {folder.name} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        skipped = [line for line in done.stderr.splitlines() if "Skipped" in line or "did not match" in line]
        for line in skipped:
            log(f"warning: zip_collect skipped a file: {line.strip()}")
    submitted = dest / "submitted"
    submitted.mkdir(exist_ok=True)
    return submitted
