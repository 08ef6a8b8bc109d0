"""``python -m autograder feedback``: hand the feedback ``grade`` wrote to students through nbgrader's exchange.

It runs nbgrader's ``release_feedback`` with ``graded/`` as the course directory, so each student's
``nbgrader fetch_feedback`` (or the Assignments tab of JupyterLab) finds it. nbgrader matches feedback to a
submission by the ``submission_secret.txt`` the exchange stored with it: submissions that did not come
through the exchange (a zip, a folder) have none and are reported, not released; hand their HTML files out
directly from ``graded/feedback/``.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import GradingError
from .nbgrader_ops import course_config
from .paths import REPO, put_env_bin_on_path


def feedback_config(course_root: Path = REPO):
    """nbgrader's settings as ``nbgrader`` itself would load them: every ``nbgrader_config.py`` on the Jupyter
    config path (``JUPYTER_CONFIG_PATH``, the user's, the system's: where a hub sets ``Exchange.root`` and
    ``course_id``), then the course's own on top."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config.loader import Config, PyFileConfigLoader

    cfg = Config()
    for folder in reversed(jupyter_config_path()):  # lowest priority first
        if (Path(folder) / "nbgrader_config.py").is_file():
            cfg.merge(PyFileConfigLoader("nbgrader_config.py", path=folder).load_config())
    cfg.merge(course_config(course_root))
    return cfg


def release_feedback(
    out: Path,
    assignments=None,
    students=None,
    exchange_root: Path | None = None,
    course_id: str | None = None,
    course_root: Path = REPO,
) -> list[Path]:
    """Release every ``out/feedback/<student>/<assignment>/*.html`` that has a submission secret."""
    from nbgrader.apps import NbGraderAPI

    put_env_bin_on_path()  # nbgrader runs `alembic` by name
    feedback = Path(out) / "feedback"
    if not feedback.is_dir():
        raise GradingError(f"{feedback} does not exist: run `python -m autograder grade --out {out}` first")
    cfg = feedback_config(course_root)
    cfg.CourseDirectory.root = str(Path(out).resolve())
    if exchange_root is not None:
        cfg.Exchange.root = str(Path(exchange_root).resolve())
    if course_id:
        cfg.CourseDirectory.course_id = course_id
    root = Path(cfg.Exchange.root)
    if not root.exists():  # an admin's exchange keeps its owner and mode: never loosened here
        root.mkdir(parents=True)
        os.chmod(root, 0o1777)  # a new exchange as nbgrader documents it: everyone writes, sticky
    api = NbGraderAPI(config=cfg)
    released = []
    for folder in sorted(feedback.glob("*/*")):
        student, assignment = folder.parent.name, folder.name
        if (assignments and assignment not in assignments) or (students and student not in students):
            continue
        if not (folder / "submission_secret.txt").exists() or not (folder / "timestamp.txt").exists():
            print(
                f"skipped {student}/{assignment}: not submitted through the exchange (no submission_secret.txt); "
                f"give the student {folder / (assignment + '.html')} directly"
            )
            continue
        done = api.release_feedback(assignment, student)
        if not done["success"]:
            raise GradingError(
                f"nbgrader release_feedback {assignment} --student {student} failed: "
                f"{done.get('error') or done.get('log', '')[-2000:]}"
            )
        released.append(folder)
    return released
