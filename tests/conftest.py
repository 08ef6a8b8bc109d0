"""Suite-wide set-up: a private template cache per test session, and the ``slow`` marker where it belongs.

``pytest -m "not slow"`` is the developer's quick check (well under a minute): it leaves out every test that
executes a notebook or runs nbgrader. Most such tests say so themselves (``pytestmark = pytest.mark.slow``);
the rules below catch the rest: tests that use a fixture which grades with nbgrader, and the few tests in
files of mostly quick checks that start nbgrader or jupyter themselves.
"""

from __future__ import annotations

import os
import re

import pytest

from autograder.paths import CACHE_ENV

SLOW_FIXTURES = {"corpus_run", "toy_release", "toy_template"}  # each runs nbgrader (tests/test_autograder/conftest.py)
SLOW_TESTS = {
    "test_release_is_what_nbgrader_generates",  # tests/test_notebooks/test_authoring.py: nbgrader on each notebook
    "test_student_config_turns_instructor_tools_off",  # tests/test_course/test_package.py: starts jupyter 4 times
}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or item.originalname in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


# How `make test` spreads the suite over two xdist workers (`-n 2 --dist loadscope` with this scheduler).
# Tests that share an expensive session fixture stay on one worker: the grader's corpus (tests/test_autograder/)
# and the JupyterLab server (tests/test_ui/). A test parametrized by assignment is grouped by file *and*
# assignment, so the six notebooks' nbgrader batches (a module fixture caching one batch per assignment)
# spread over both workers. Every other file is a group of its own.
SHARED_FOLDERS = ("tests/test_autograder/", "tests/test_ui/")
ASSIGNMENT_PARAM = re.compile(r"\[(\d\d_[a-z0-9_]+?)(?:-[^\]]*)?\]$")


def scheduling_group(nodeid: str) -> str:
    path = nodeid.split("::")[0]
    folder = next((f for f in SHARED_FOLDERS if path.startswith(f)), None)
    if folder:
        return folder
    match = ASSIGNMENT_PARAM.search(nodeid)
    return f"{path}[{match.group(1)}]" if match else path


@pytest.hookimpl(optionalhook=True)  # the hook exists only when pytest-xdist is loaded
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class AssignmentScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scheduling_group(nodeid)

    return AssignmentScheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def private_template_cache(tmp_path_factory):
    """Grading runs in the tests build their templates in a folder of their own, not the user's cache."""
    if os.environ.get(CACHE_ENV):
        yield
        return
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("template-cache"))
    yield
    del os.environ[CACHE_ENV]
