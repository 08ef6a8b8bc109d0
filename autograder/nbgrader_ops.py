"""Running nbgrader: the course's settings, the grader's on top, and ``generate_assignment`` in one place.

The gradebook templates (:mod:`autograder.templates`) and the tests generate assignments through
:func:`generate_assignment`, with nbgrader's Python API in this process (``course.authoring``, ``make release``,
calls nbgrader's API itself: the course does not import the grader).
:func:`run_cli` is for the tests that grade with plain ``nbgrader`` commands, as an instructor would.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from . import limits
from .description import COURSE_CONFIG, course_config  # noqa: F401 - the course's settings, here for nbgrader
from .paths import AUTOGRADER_DIR, env_with_bin, put_env_bin_on_path

GRADER_SETTINGS = AUTOGRADER_DIR / "nbgrader_settings.py"


def cell_timeout(course_root: Path) -> int:
    """Seconds per cell the course allows (``Execute.timeout``), or :data:`limits.DEFAULT_CELL_TIMEOUT`."""
    cfg = course_config(course_root)
    for section in ("Execute", "ExecutePreprocessor"):
        if section in cfg and "timeout" in cfg[section]:
            return int(cfg[section].timeout)
    return limits.DEFAULT_CELL_TIMEOUT


def grader_config(course_root: Path, job_course: Path, timeout: int):
    """The course's settings, then the grader's (``nbgrader_settings.py``), then this job's course and timeout."""
    from traitlets.config.loader import Config, PyFileConfigLoader

    from .feedback import FEEDBACK_PREPROCESSORS, FeedbackExporter

    cfg = Config()
    cfg.merge(course_config(course_root))
    cfg.merge(PyFileConfigLoader(GRADER_SETTINGS.name, path=str(GRADER_SETTINGS.parent)).load_config())
    cfg.CourseDirectory.root = str(job_course)
    cfg.CourseDirectory.db_assignments = []
    cfg.CourseDirectory.db_students = []
    for section in ("Execute", "ExecutePreprocessor", "SandboxExecute"):
        cfg[section].timeout = timeout
    cfg.Execute.error_on_timeout = {
        "ename": "CellTimeoutError",
        "evalue": f"the cell ran longer than {timeout} s and was interrupted (an infinite loop?)",
        "traceback": [f"CellTimeoutError: the cell ran longer than {timeout} s and was interrupted"],
    }
    cfg.SandboxExecute.notebook_deadline = limits.notebook_deadline(timeout)
    cfg.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
    cfg.GenerateFeedback.exporter_class = FeedbackExporter
    return cfg


def generate_assignment(course_dir: Path, assignment: str, config=None) -> Path:
    """``nbgrader generate_assignment`` on ``course_dir/source/<assignment>``; returns the released notebook.

    ``config`` defaults to ``course_dir``'s own ``nbgrader_config.py``; ``CourseDirectory.root`` is always
    ``course_dir``. Raises ``RuntimeError`` with nbgrader's log when it fails.
    """
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import Config

    put_env_bin_on_path()  # nbgrader runs `alembic` by name when it creates the gradebook
    cfg = Config()
    cfg.merge(course_config(course_dir) if config is None else config)
    cfg.CourseDirectory.root = str(course_dir)
    done = NbGraderAPI(config=cfg).generate_assignment(assignment, force=True, create=True)
    released = Path(course_dir) / "release" / assignment / f"{assignment}.ipynb"
    if not done["success"] or not released.is_file():
        raise RuntimeError(
            f"nbgrader generate_assignment {assignment} failed:\n{done.get('log', '')[-3000:]}"
            f"\n{done.get('error') or ''}"[-6000:]
        )
    return released


_REVISION = re.compile(r"^(down_)?revision\s*=\s*['\"]?(\w+|None)['\"]?", re.M)


@functools.lru_cache(maxsize=1)
def alembic_head() -> str:
    """The newest revision of nbgrader's gradebook schema, read from its migration scripts.

    nbgrader asks for it when it creates a gradebook by running ``alembic heads`` in a subprocess, which
    imports alembic and every migration: 2-3 s per new gradebook. The revisions form a chain; the head is the
    one no other revision points back to (a test compares this with ``alembic heads``).
    """
    import nbgrader

    revisions, parents = set(), set()
    for script in (Path(nbgrader.__file__).parent / "alembic" / "versions").glob("*.py"):
        found = dict((bool(down), value) for down, value in _REVISION.findall(script.read_text(encoding="utf-8")))
        if False in found:
            revisions.add(found[False])
            parents.add(found.get(True, "None"))
    heads = sorted(revisions - parents)
    if len(heads) != 1:
        raise RuntimeError(f"nbgrader's migrations have {len(heads)} heads ({heads}): cannot stamp a gradebook")
    return heads[0]


def seed_gradebook(path: Path) -> None:
    """Create ``path`` as an empty gradebook already stamped with :func:`alembic_head`, so that nbgrader, finding
    a database with tables, adds its own tables without running ``alembic`` (a no-op when ``path`` exists)."""
    if Path(path).exists():
        return
    with contextlib.closing(sqlite3.connect(path)) as con, con:
        con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        con.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (alembic_head(),))


def run_cli(course_dir: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    """``nbgrader <args>`` as a command in ``course_dir``; ``RuntimeError`` with its output when it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course_dir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env_with_bin(),
    )
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done
