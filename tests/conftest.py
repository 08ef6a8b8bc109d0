"""Suite-wide set-up: a private template cache per test session, and the ``slow`` marker where it belongs.

``pytest -m "not slow"`` is the developer's quick check (well under a minute): it leaves out every test that
executes a notebook or runs nbgrader. Most such tests say so themselves (``pytestmark = pytest.mark.slow``);
the rules below catch the rest: tests that use a fixture which grades with nbgrader, and the few tests in
files of mostly quick checks that start nbgrader or jupyter themselves.
"""

from __future__ import annotations

import os

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


@pytest.fixture(scope="session", autouse=True)
def private_template_cache(tmp_path_factory):
    """Grading runs in the tests build their templates in a folder of their own, not the user's cache."""
    if os.environ.get(CACHE_ENV):
        yield
        return
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("template-cache"))
    yield
    del os.environ[CACHE_ENV]
