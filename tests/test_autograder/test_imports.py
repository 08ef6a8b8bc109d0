"""How the packages depend on each other: no cycle inside autograder/, nothing outside tests/ imports tests,
and importing the grader neither starts nbgrader nor changes the environment."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.paths import REPO

PRODUCT = ("autograder", "course", "bench")


def imports_of(path: Path, package: str) -> set[str]:
    """Modules ``path`` imports (absolute names; relative imports resolved against ``package``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return found


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_nothing_outside_tests_imports_tests():
    offenders = []
    for package in PRODUCT:
        for path in sorted((REPO / package).rglob("*.py")):
            package_name = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
            if any(m == "tests" or m.startswith("tests.") for m in imports_of(path, package_name)):
                offenders.append(str(path.relative_to(REPO)))
    assert not offenders, f"product code imports the test suite: {offenders}"


def test_no_import_cycle_inside_autograder():
    modules = {module_name(p): p for p in (REPO / "autograder").rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = {m for m in imports_of(path, package) if m in modules and m != name and m != "autograder"}

    def cycle_from(start, node, trail):
        for nxt in graph[node]:
            if nxt == start:
                return trail + [nxt]
            if nxt not in trail:
                found = cycle_from(start, nxt, trail + [nxt])
                if found:
                    return found
        return None

    cycles = [c for c in (cycle_from(m, m, [m]) for m in sorted(graph)) if c]
    assert not cycles, f"import cycles: {cycles[:3]}"


def test_importing_the_grader_has_no_side_effects():
    code = (
        "import os, sys; before = os.environ['PATH']; import autograder, autograder.api, autograder.cli, "
        "autograder.runner, autograder.writer; print(os.environ['PATH'] == before, 'nbgrader' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
        cwd=REPO,
    )
    assert out.stdout.split() == ["True", "False"], out.stderr


def imported_by_name(path: Path) -> set[str]:
    """Module names ``path`` imports by a string: ``importlib.import_module("x")``, ``__import__("x")``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            name = ast.unparse(node.func)
            if name in ("__import__", "importlib.import_module", "import_module"):
                found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("package, other", [("autograder", "course"), ("course", "autograder")])
def test_the_grader_and_the_course_do_not_import_each_other(package, other):
    """The grader names no course (it reads the course's ``nbgrader_config.py``, autograder/description.py),
    and the course reaches nbgrader through nbgrader's own API, never through the grader."""
    offenders = []
    for path in sorted((REPO / package).rglob("*.py")):
        package_name = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
        names = imports_of(path, package_name) | imported_by_name(path)
        bad = sorted(m for m in names if m == other or m.startswith(other + "."))
        if bad:
            offenders.append(f"{path.relative_to(REPO)}: {', '.join(bad)}")
    assert not offenders, f"{package}/ imports {other}: {offenders}"
