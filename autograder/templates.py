"""Gradebook templates, cached by content in one folder every grading run shares.

A template is what ``nbgrader generate_assignment`` makes of ``source/<assignment>`` in a scratch course:
``source/``, ``release/`` and a ``gradebook.db`` whose assignment, notebook and cell rows every job of that
assignment copies (so the writer can merge the jobs' gradebooks). Its folder is named by the hash of all it
depends on (:func:`template_key`), so a template is built once per version of the source, whatever ``--out``
and with or without ``--force``; missing ones are built by the worker pool (:func:`build`), next to the
submissions. Builds land under a temporary name and are renamed into place, so two runs sharing the cache
never see half a template. ``template.json`` records what the grader reads without opening nbgrader.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import limits, nbcells, pool
from .nbgrader_ops import COURSE_CONFIG, GRADER_SETTINGS, generate_assignment, grader_config, seed_gradebook

INFO = "template.json"
BUILDING = ".building-"  # prefix of a template still being generated


@dataclass(frozen=True)
class Template:
    """A built template: where it is and what the grader needs to know about it."""

    assignment: str
    path: str
    max_score: float
    exercises: tuple[str, ...]  # answer cells in notebook order (the report groups test cells by them)
    digest: str  # hash of its gradebook: a job graded against this template has it in its cache key

    @property
    def gradebook(self) -> Path:
        return Path(self.path) / "gradebook.db"

    @property
    def source_notebook(self) -> Path:
        return Path(self.path) / "source" / self.assignment / f"{self.assignment}.ipynb"

    @property
    def release_notebook(self) -> Path:
        return Path(self.path) / "release" / self.assignment / f"{self.assignment}.ipynb"

    @classmethod
    def load(cls, folder: Path) -> Template | None:
        """The template in ``folder``, or ``None`` when there is no complete one."""
        try:
            data = json.loads((folder / INFO).read_text(encoding="utf-8"))
            template = cls(**{**data, "path": str(folder), "exercises": tuple(data["exercises"])})
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return template if template.gradebook.is_file() else None


@dataclass(frozen=True)
class BuildRequest:
    """One template to build in a worker (paths as strings: it pickles cheaply)."""

    course_root: str
    assignment: str
    dest: str


def _hash_tree(h, root: Path, files) -> None:
    for path in sorted(files):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes() if path.is_file() else b"<missing>")


def template_key(course_root: Path, assignment: str) -> str:
    """Hash of the assignment's source folder, the course's and the grader's nbgrader settings, this module and
    nbgrader's version: everything a template depends on."""
    import nbgrader

    h = hashlib.sha256(f"{assignment}\0nbgrader {nbgrader.__version__}\0".encode())
    source = Path(course_root) / "source" / assignment
    _hash_tree(h, source, [p for p in source.rglob("*") if p.is_file()])
    _hash_tree(h, Path(course_root), [Path(course_root) / COURSE_CONFIG])
    _hash_tree(h, GRADER_SETTINGS.parent, [GRADER_SETTINGS, Path(__file__).resolve()])
    return h.hexdigest()[:16]


def folder_for(cache: Path, course_root: Path, assignment: str) -> Path:
    return Path(cache) / f"{assignment}-{template_key(course_root, assignment)}"


def find(cache: Path, course_root: Path, assignment: str) -> tuple[Path, Template | None]:
    """The folder ``assignment``'s template belongs in, and the template when it is already built."""
    folder = folder_for(cache, course_root, assignment)
    template = Template.load(folder)
    if template is not None:
        os.utime(folder / INFO)  # last use, for :func:`prune`
    return folder, template


def build(request: BuildRequest) -> Template:
    """Generate the template in a worker; returns the one already there when another run finished first."""
    dest = Path(request.dest)
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    done = Template.load(dest)
    if done is not None:
        return done
    work = Path(tempfile.mkdtemp(prefix=f"{BUILDING}{request.assignment}-", dir=dest.parent))
    try:
        _generate(Path(request.course_root), request.assignment, work)
        try:
            os.rename(work, dest)
        except OSError:  # another run renamed its build into place first, or a broken folder is in the way
            if Template.load(dest) is None:
                shutil.rmtree(dest, ignore_errors=True)
                os.rename(work, dest)
        built = Template.load(dest)
        if built is None:
            raise RuntimeError(f"the template of {request.assignment} vanished from {dest} after it was built")
        return built
    finally:
        shutil.rmtree(work, ignore_errors=True)


@dataclass(frozen=True)
class BuildTask(pool.Task):
    """A pool task: build one assignment's template (:func:`build`); it ends in a :class:`Template` or a fault."""

    arg: BuildRequest
    run: Callable[[BuildRequest], Template] = field(default_factory=lambda: build, init=False, repr=False)
    # a factory, not a default: a default stays a class attribute, read as a method that pickles by name


def _generate(course_root: Path, assignment: str, work: Path) -> None:
    from nbgrader.api import Gradebook

    os.chmod(work, 0o700)  # hidden tests and solutions: the grading user only
    shutil.copytree(course_root / "source" / assignment, work / "source" / assignment)
    seed_gradebook(work / "gradebook.db")
    generate_assignment(work, assignment, grader_config(course_root, work, limits.DEFAULT_CELL_TIMEOUT))
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:
        max_score = float(gb.find_assignment(assignment).max_score)
    exercises = tuple(nbcells.answer_ids(nbcells.read(work / "source" / assignment / f"{assignment}.ipynb")))
    digest = hashlib.sha256((work / "gradebook.db").read_bytes()).hexdigest()[:16]
    info = {k: v for k, v in asdict(Template(assignment, "", max_score, exercises, digest)).items() if k != "path"}
    (work / INFO).write_text(json.dumps(info, indent=1), encoding="utf-8")


def prune(cache: Path, keep: set[Path], max_age_days: float = limits.TEMPLATE_UNUSED_DAYS) -> list[Path]:
    """Remove templates (and abandoned builds) no run has used for ``max_age_days``; returns what went."""
    if not Path(cache).is_dir():
        return []
    cutoff = time.time() - max_age_days * 86400
    removed = []
    for folder in Path(cache).iterdir():
        if folder in keep or not folder.is_dir():
            continue
        stamp = folder / INFO if (folder / INFO).exists() else folder
        if stamp.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
