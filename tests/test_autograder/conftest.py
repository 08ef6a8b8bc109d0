"""One grading run of the hostile corpus, shared by every test in this folder (module scope keeps it quick)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.api import REPO, grade_class
from autograder.paths import template_cache
from tests.test_autograder import corpus

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TIMEOUT = 4


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(str(path.relative_to(root)).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="session")
def toy_course(tmp_path_factory) -> Path:
    """A course root with the repository's nbgrader_config.py and only the toy assignment."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(FIXTURES / "course" / "source", root / "source")
    return root


@pytest.fixture(scope="session")
def toy_template(toy_course):
    """The toy assignment's gradebook template, built in the session's template cache (the grader reuses it)."""
    from autograder import templates

    folder, template = templates.find(template_cache(), toy_course, "toy")
    return template or templates.build(templates.BuildRequest(str(toy_course), "toy", str(folder)))


@pytest.fixture(scope="session")
def toy_release(toy_template) -> Path:
    return toy_template.release_notebook


@pytest.fixture(scope="session")
def corpus_run(toy_course, toy_release, tmp_path_factory):
    """Build the corpus, grade it once, return (cases, results by student, submissions dir, out dir)."""
    subs = tmp_path_factory.mktemp("submitted")
    out = tmp_path_factory.mktemp("graded")
    secrets = [
        str(toy_course / "source" / "toy" / "toy.ipynb"),
        str(toy_course / "source"),
        str(REPO / "source"),
        str(REPO / "nbgrader_config.py"),
        str(subs / "correct" / "toy" / "toy.ipynb"),
        str(subs),
        str(out),
        "../course/gradebook.db",
        "../course/source/toy/toy.ipynb",
        "../course/autograded",
        "/root/.local",
        "/root/.pyenv/version",
    ]
    if not sandbox.probe().bwrap:  # the unshare launcher's kernel starts in the job folder's home: its parent is
        secrets.append("..")  # the job folder; under bubblewrap the parent is the kernel's own home
    cases = corpus.cases(secrets)
    source = toy_course / "source" / "toy" / "toy.ipynb"
    correct = next(c for c in cases if c.name == "correct")
    for case in cases:
        corpus.write(case, toy_release, source, subs / case.name / "toy")
        if case.name in corpus.HOSTILE:  # sorted right after it, so the two workers grade them side by side
            corpus.write(correct, toy_release, source, subs / f"{case.name}{corpus.BESIDE}" / "toy")
    stray = subs / "stray" / "zz_unknown"
    stray.mkdir(parents=True)
    (stray / "zz_unknown.ipynb").write_text("{}", encoding="utf-8")
    before = tree_digest(subs)
    results = grade_class(
        subs, out, workers=2, timeout=TIMEOUT, course_root=toy_course, memory_mb=1536, log=lambda m: None
    )
    return {"cases": cases, "results": results, "subs": subs, "out": out, "digest": before, "course": toy_course}
