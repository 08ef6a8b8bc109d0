"""What the grader knows of a course, read from the course's ``nbgrader_config.py`` as nbgrader reads its own.

The grader names no course: a course describes itself with ``c.CourseDescription.<trait> = ...`` beside its
nbgrader settings (this repository's ``nbgrader_config.py`` does, for the ``course`` package). The traits are
:class:`CourseDescription`'s; every one defaults to "nothing of the course", so a course without a description
is graded with builtins, math and numpy guarded and the standard imports allowed, and nothing more.

Two steps, because grading may happen on another machine (``--cluster``):

- :func:`describe` reads the configuration on the instructor's machine into a :class:`Course` (names only,
  cheap to pickle into every job);
- :meth:`Course.locate` finds, on the machine that runs the job, where the helper packages are, and reads the
  checks module's public names and exception classes: a :class:`Located` course, what the sandbox, the guard,
  the judge and the code flags are given.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from traitlets import List, Unicode
from traitlets.config import Configurable

from .errors import GradingError

COURSE_CONFIG = "nbgrader_config.py"
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*\Z")


class CourseDescription(Configurable):
    """The course's part of grading: set in its ``nbgrader_config.py`` as ``c.CourseDescription.<trait>``."""

    helper_packages = List(
        Unicode(),
        help="""Packages the course's notebooks import (its shared helpers). Each is
        made importable, read-only, in every grading kernel and in the judge, and its files are part of every
        job's key and of a cluster worker's code check. Looked up where this Python finds it (an installed or
        editable package), else as a folder of the course root.""",
    ).tag(config=True)
    checks_module = Unicode(
        "",
        help="""The test-helper module the test cells call (a dotted name inside a helper
        package). Its exception classes' messages are what a student reads for a failed test (as
        ``AssertionError``'s are); its public names (``__all__``) are what the ``shadows_checks`` flag watches;
        the kernel's guard puts back any name that held one of its functions; and the judge binds it under its
        last name (``checks`` for ``course.checks``) in every check segment.""",
    ).tag(config=True)
    guarded_modules = List(
        Unicode(),
        help="""Modules whose attributes and functions (``__code__``, defaults) the
        kernel's guard puts back before and after every test cell, besides builtins, math, numpy and the checks
        module.""",
    ).tag(config=True)
    judge_data_module = Unicode(
        "",
        help="""The kernel's side of the judge (tests judged outside the kernel,
        ``### PROBE``/``### CHECK``): a module with ``export(names, namespace)`` returning plain-data text and
        ``loads(text)`` reading it back. Empty: the course has no judged test cells.""",
    ).tag(config=True)
    concepts_module = Unicode(
        "",
        help="""The module whose ``take_record()`` hands the judge a concept question's
        record (answer, whether right, the chosen option's explanation). Empty: no concept questions.""",
    ).tag(config=True)
    allowed_imports = List(
        Unicode(),
        help="""Modules (with their submodules) a notebook may import without the
        ``unusual_import`` flag, besides the helper packages and the standard ones the grader always allows
        (``autograder.integrity.ALLOWED_IMPORTS``: harmless standard library, numpy, matplotlib,
        IPython.display).""",
    ).tag(config=True)


@dataclass(frozen=True)
class Course:
    """A course's description: module names only (see :class:`CourseDescription` for what each one means)."""

    helper_packages: tuple[str, ...] = ()
    checks_module: str = ""
    guarded_modules: tuple[str, ...] = ()
    judge_data_module: str = ""
    concepts_module: str = ""
    allowed_imports: tuple[str, ...] = ()

    @property
    def checks_name(self) -> str:
        """The name a check segment finds the checks module under (its last part)."""
        return self.checks_module.rpartition(".")[2]

    def locate(self, course_root: Path | str) -> Located:
        """Where this machine has the helper packages, and what the checks module holds; :class:`GradingError`
        when a helper package or the checks module cannot be found or imported."""
        dirs, path = [], []
        for name in self.helper_packages:
            found = _package_dir(name)
            if found is None:
                candidate = Path(course_root).resolve() / name
                if not (candidate / "__init__.py").is_file():
                    raise GradingError(
                        f"helper package {name!r} (c.CourseDescription.helper_packages in "
                        f"nbgrader_config.py) is neither importable here nor a folder of {course_root}"
                    )
                found = candidate
                path.append(str(candidate.parent))
            dirs.append(str(found))
        located = Located(self, tuple(dirs), tuple(dict.fromkeys(path)))
        if not self.checks_module:
            return located
        try:
            with located.importable():
                checks = importlib.import_module(self.checks_module)
        except Exception as exc:
            raise GradingError(
                f"the checks module {self.checks_module!r} (c.CourseDescription.checks_module) "
                f"cannot be imported: {type(exc).__name__}: {exc}"
            ) from exc
        names = frozenset(getattr(checks, "__all__", [n for n in vars(checks) if not n.startswith("_")]))
        errors = sorted(
            n
            for n, v in vars(checks).items()
            if isinstance(v, type) and issubclass(v, BaseException) and v.__module__ == checks.__name__
        )
        return Located(self, located.helper_dirs, located.python_path, names, ("AssertionError", *errors))


@dataclass(frozen=True)
class Located:
    """A course located on the machine that grades: its helper packages' folders and how to import them."""

    course: Course
    helper_dirs: tuple[str, ...] = ()  # each helper package's folder: bound read-only into the kernel's sandbox
    python_path: tuple[str, ...] = ()  # folders to put on PYTHONPATH (helpers found only in the course root)
    check_names: frozenset[str] = frozenset()  # the checks module's public names
    check_errors: tuple[str, ...] = ("AssertionError",)  # exceptions whose message alone is the student's message

    @contextlib.contextmanager
    def importable(self):
        """This process finds the helper packages for the duration (the checks module read by the grader)."""
        added = [p for p in self.python_path if p not in sys.path]
        sys.path[:0] = added
        try:
            yield
        finally:
            for p in added:
                sys.path.remove(p)

    def guard_settings(self) -> dict:
        """What the kernel's guard watches beyond builtins, math and numpy (``autograder/guard.py``)."""
        course = self.course
        watch = [*course.guarded_modules, *([course.checks_module] if course.checks_module else [])]
        return {"watch": list(dict.fromkeys(watch)), "checks": course.checks_module}

    def judge_settings(self) -> dict:
        """What the judge process imports (``autograder/judge.py``), and from where."""
        course = self.course
        return {
            "checks": course.checks_module,
            "data": course.judge_data_module,
            "concepts": course.concepts_module,
            "path": list(self.python_path),
        }

    def module_names(self) -> tuple[str, ...]:
        """Local names a notebook may use for the course's modules: the helper packages and the checks module's
        last name (``course``, ``checks``); rebinding an attribute of one is a ``monkeypatch`` flag."""
        names = [*self.course.helper_packages, *([self.course.checks_name] if self.course.checks_module else [])]
        return tuple(dict.fromkeys(names))

    def allowed_imports(self) -> frozenset[str]:
        return frozenset(self.course.allowed_imports) | frozenset(self.course.helper_packages)


def _package_dir(name: str) -> Path | None:
    """The folder this Python's import system finds package ``name`` in, asking its finders afresh (never
    ``sys.modules``: a worker that imported a course-root package once must still know it needs the course root),
    and without the folder the grader was started in; None when none finds it."""
    paths = [p for p in sys.path if p not in ("", os.getcwd())]
    for finder in sys.meta_path:
        try:
            if finder is importlib.machinery.PathFinder:
                spec = finder.find_spec(name, paths)
            elif hasattr(finder, "find_spec"):
                spec = finder.find_spec(name, None)
            else:
                continue
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            return Path(list(spec.submodule_search_locations)[0]).resolve()
    return None


def from_config(config) -> Course:
    """The :class:`Course` a traitlets ``Config`` describes; :class:`GradingError` for a name that is not one."""
    traits = CourseDescription(config=config)
    course = Course(
        tuple(traits.helper_packages),
        traits.checks_module,
        tuple(traits.guarded_modules),
        traits.judge_data_module,
        traits.concepts_module,
        tuple(traits.allowed_imports),
    )
    names = [
        *course.helper_packages,
        *course.guarded_modules,
        *course.allowed_imports,
        *(n for n in (course.checks_module, course.judge_data_module, course.concepts_module) if n),
    ]
    bad = [n for n in names if not _DOTTED.match(n)]
    if bad:
        raise GradingError(f"c.CourseDescription in nbgrader_config.py names {bad[0]!r}, which is not a module name")
    return course


def course_config(course_root: Path | str):
    """The course's ``nbgrader_config.py`` as a traitlets ``Config`` (empty when the course has none)."""
    from traitlets.config.loader import Config, PyFileConfigLoader

    if not (Path(course_root) / COURSE_CONFIG).exists():
        return Config()
    return PyFileConfigLoader(COURSE_CONFIG, path=str(course_root)).load_config()


def describe(course_root: Path | str) -> Course:
    """The course described by ``course_root/nbgrader_config.py`` (an empty :class:`Course` without one)."""
    return from_config(course_config(course_root))
