"""environment.yml (conda, repo2docker, Binder) pins exactly what pyproject.toml pins."""

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    pins = {}
    for requirement in requirements:
        name, version, marker = re.match(r"([\w.-]+)==([\w.]+)\s*(?:;(.*))?", requirement).groups()
        if marker and "!=" in marker:  # the non-Linux TensorFlow line: conda environments are Linux here
            continue
        pins[name.lower()] = version
    return pins


def environment_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "environment.yml").read_text().splitlines():
        match = re.match(r"\s+- ([\w.-]+)==([\w.]+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_environment_yml_matches_pyproject():
    assert environment_pins() == pyproject_pins()


def test_every_dependency_is_pinned_with_a_reason():
    for line in (REPO / "pyproject.toml").read_text().splitlines():
        if re.match(r'\s+"[\w.-]+[=<>]', line):
            assert "==" in line and "#" in line, f"unpinned or unexplained dependency: {line.strip()}"
