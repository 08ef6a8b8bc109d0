"""Where things are: the repository, the bundled sample class, the defaults, the shared template cache.

A leaf module (standard library only), so anything may import it without a cycle or a side effect.
:func:`env_with_bin` / :func:`put_env_bin_on_path` are the one place that makes the environment's own
``bin/`` findable: nbgrader runs ``alembic`` by name when it creates a gradebook, and ``.venv/bin/python``
started without activating the venv would not find it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

AUTOGRADER_DIR = Path(__file__).resolve().parent
REPO = AUTOGRADER_DIR.parent
SAMPLE_CLASS = AUTOGRADER_DIR / "sample_class" / "submitted"
DEFAULT_OUT = Path("graded")
DEFAULT_WORKERS = os.cpu_count() or 1
CACHE_ENV = "AUTOGRADER_CACHE"  # overrides where gradebook templates are kept


def notebook_path(root: Path, kind: str, assignment: str) -> Path:
    """``root/<kind>/<assignment>/<assignment>.ipynb`` (``kind`` is ``source``, ``release``, ...)."""
    return Path(root) / kind / assignment / f"{assignment}.ipynb"


def template_cache(environ: dict[str, str] | None = None) -> Path:
    """The folder every grading run shares for its gradebook templates (``$AUTOGRADER_CACHE`` when set).

    It defaults to the user's cache folder, which the sandbox hides from student code with the home folder.
    """
    environ = os.environ if environ is None else environ
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV]).expanduser().resolve()
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser().resolve() / "dl-tuning-course" / "templates"


def env_bin() -> str:
    """The ``bin/`` folder of the running interpreter's environment."""
    return str(Path(sys.executable).parent)


def env_with_bin(environ: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of ``environ`` (default: this process's) whose ``PATH`` starts with :func:`env_bin`."""
    environ = dict(os.environ if environ is None else environ)
    parts = [p for p in environ.get("PATH", "").split(os.pathsep) if p]
    if env_bin() not in parts:
        environ["PATH"] = os.pathsep.join([env_bin(), *parts])
    return environ


def put_env_bin_on_path() -> None:
    """Make this process (and what it starts) find the environment's programs; called by every entry point."""
    os.environ["PATH"] = env_with_bin()["PATH"]
