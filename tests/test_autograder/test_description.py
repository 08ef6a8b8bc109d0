"""autograder.description: the course a grader grades, read from its nbgrader_config.py (c.CourseDescription)."""

import ast

import pytest
from traitlets.config import Config

from autograder import description, sandbox
from autograder.errors import GradingError
from autograder.paths import REPO


def test_this_course_describes_itself_in_its_nbgrader_config():
    located = description.describe(REPO).locate(REPO)
    assert located.course.checks_module == "course.checks" and located.python_path == ()  # installed: no PYTHONPATH
    assert located.helper_dirs == (str((REPO / "course").resolve()),)
    assert {"check_close", "passed"} <= located.check_names and "CheckError" in located.check_errors


def test_a_course_without_a_description_is_graded_with_the_standard_modules_only(tmp_path):
    located = description.describe(tmp_path).locate(tmp_path)
    assert located.helper_dirs == () and located.check_errors == ("AssertionError",)
    assert located.guard_settings() == {"watch": [], "checks": ""}


def test_a_name_that_is_no_module_is_refused():
    cfg = Config()
    cfg.CourseDescription.helper_packages = ["good", "../escape"]
    with pytest.raises(GradingError, match="not a module name"):
        description.from_config(cfg)


def test_a_helper_package_found_nowhere_is_a_clear_error(tmp_path):
    with pytest.raises(GradingError, match="neither importable here nor a folder"):
        description.Course(helper_packages=("no_such_helpers_here",)).locate(tmp_path)


def test_a_helper_package_of_the_course_root_goes_on_the_kernels_path(tmp_path):
    (tmp_path / "tinyhelp").mkdir()
    (tmp_path / "tinyhelp" / "__init__.py").write_text("")
    (tmp_path / "tinyhelp" / "asserts.py").write_text("class Off(Exception):\n    pass\n\n__all__ = ['Off']\n")
    located = description.Course(helper_packages=("tinyhelp",), checks_module="tinyhelp.asserts").locate(tmp_path)
    assert located.python_path == (str(tmp_path.resolve()),) and located.check_errors == ("AssertionError", "Off")
    assert located.judge_settings()["path"] == [str(tmp_path.resolve())] and located.module_names() == (
        "tinyhelp",
        "asserts",
    )
    again = description.Course(helper_packages=("tinyhelp",), checks_module="tinyhelp.asserts").locate(tmp_path)
    assert again == located  # a worker's second job: the package imported once still needs the course root


def test_the_kernels_guard_gets_the_courses_settings():
    settings = description.describe(REPO).locate(REPO).guard_settings()
    text = sandbox.guard_text(settings)
    ast.parse(text)
    assert f"_autograder_settings = {settings!r}".replace("'", '"') in text
