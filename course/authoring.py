"""Instructor tooling: regenerate ``release/`` from ``source/`` with real nbgrader.

``python -m course.authoring`` (what ``make release`` runs) runs nbgrader's ``generate_assignment`` (its Python
API, with the course's own ``nbgrader_config.py``) for every assignment in ``source/`` inside a scratch copy of
the course, then copies the generated notebooks into ``release/``, so the course root never collects a gradebook
or nbgrader's working folders as a side effect. The same function lets the tests regenerate ``release/`` and
compare it with what is committed. Instructor tooling: ``import course`` never imports this module (nor
nbgrader), and nothing in ``course/`` imports the grader (``autograder/``), which imports nothing of ``course/``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent  # the repository root is the nbgrader course directory

__all__ = ["assignments", "generate_release", "normalised", "main"]


def assignments(course_root: Path = COURSE_ROOT) -> list[str]:
    """The assignment names found in ``source/``, in course order."""
    source = course_root / "source"
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())


def generate_release(dest: Path, course_root: Path = COURSE_ROOT, names: list[str] | None = None) -> list[Path]:
    """Run nbgrader on a scratch copy of the course and write the student notebooks under ``dest``.

    Returns the written notebook paths. Raises ``RuntimeError`` with nbgrader's own output on failure.
    """
    names = names or assignments(course_root)
    written = []
    with tempfile.TemporaryDirectory(prefix="course-release-") as scratch:
        root = Path(scratch)
        shutil.copy2(course_root / "nbgrader_config.py", root / "nbgrader_config.py")
        for name in names:
            shutil.copytree(course_root / "source" / name, root / "source" / name)
        for name in names:
            _generate_assignment(root, name)
            target = Path(dest) / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(root / "release" / name, target)
            written.append(target / f"{name}.ipynb")
    return written


def _generate_assignment(course_dir: Path, name: str) -> None:
    """nbgrader's ``generate_assignment`` on ``course_dir`` with its ``nbgrader_config.py``; ``RuntimeError``
    with nbgrader's log when it fails."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    # nbgrader runs ``alembic`` by name when it creates the gradebook: the environment's bin/ must be on PATH
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()
    config.CourseDirectory.root = str(course_dir)
    done = NbGraderAPI(config=config).generate_assignment(name, force=True, create=True)
    if not done["success"] or not (course_dir / "release" / name / f"{name}.ipynb").is_file():
        raise RuntimeError(
            f"nbgrader generate_assignment {name} failed:\n{done.get('log', '')[-3000:]}\n{done.get('error') or ''}"[
                -6000:
            ]
        )


def normalised(path: Path) -> dict:
    """A notebook as JSON with volatile metadata dropped (kernel and language info vary by machine)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for key in ("kernelspec", "language_info", "widgets"):
        nb.get("metadata", {}).pop(key, None)
    for cell in nb.get("cells", []):
        cell.pop("id", None)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.authoring", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="assignments to release (default: all in source/)")
    args = parser.parse_args(argv)
    known = assignments()
    unknown = sorted(set(args.names) - set(known))
    if unknown:
        parser.error(f"no source notebook for {', '.join(unknown)}; known assignments: {', '.join(known)}")
    try:
        for path in generate_release(COURSE_ROOT / "release", names=args.names or None):
            print(f"released {path.relative_to(COURSE_ROOT)}")
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
