"""autograder.paths: the template cache's place and the environment's bin/ on PATH."""

import os
import sys
from pathlib import Path

from autograder import paths


def test_the_cache_env_variable_wins(tmp_path):
    assert paths.template_cache({"AUTOGRADER_CACHE": str(tmp_path)}) == tmp_path.resolve()


def test_the_cache_follows_xdg_then_home(tmp_path):
    assert paths.template_cache({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "dl-tuning-course" / "templates"
    assert paths.template_cache({}).is_relative_to(Path.home())


def test_env_bin_comes_first_once():
    env = paths.env_with_bin({"PATH": "/usr/bin:/bin"})
    assert env["PATH"].split(os.pathsep) == [str(Path(sys.executable).parent), "/usr/bin", "/bin"]
    assert paths.env_with_bin(env)["PATH"] == env["PATH"]


def test_notebook_path():
    assert paths.notebook_path(Path("/c"), "release", "a1") == Path("/c/release/a1/a1.ipynb")
