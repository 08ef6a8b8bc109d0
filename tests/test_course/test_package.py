"""The helper package holds no solution, imports without side effects, and the Jupyter configs split roles."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.spec import ALL_GRADED_NAMES

COURSE = Path(__file__).resolve().parents[2] / "course"
REPO = COURSE.parent


def defined_names(path: Path) -> set[str]:
    """Functions and classes at any depth, and module-level assignments (locals may reuse a name)."""
    tree = ast.parse(path.read_text())
    names = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


@pytest.mark.parametrize("path", sorted(COURSE.rglob("*.py")), ids=lambda p: str(p.relative_to(COURSE)))
def test_no_graded_name_is_defined_in_course(path):
    clash = defined_names(path) & set(ALL_GRADED_NAMES)
    assert not clash, f"{path.name} defines graded names {sorted(clash)}: solutions never live in course/"


def test_import_has_no_side_effects():
    code = (
        "import sys, course; "
        "print(sorted(m for m in sys.modules if m.startswith(('course', 'tensorflow', 'matplotlib'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['course']" and out.stderr == ""


def _extensions(config_dir: str, *command: str) -> str:
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(REPO / "jupyter-config" / config_dir)}
    jupyter = Path(sys.executable).with_name("jupyter")
    return (
        subprocess.run([str(jupyter), *command], capture_output=True, text=True, env=env).stdout
        + subprocess.run([str(jupyter), *command], capture_output=True, text=True, env=env).stderr
    )


def test_student_config_turns_instructor_tools_off():
    labconfig = json.loads((REPO / "jupyter-config/student/labconfig/page_config.json").read_text())
    assert (
        labconfig["disabledExtensions"].items()
        >= {  # (the news announcements are off too)
            "@jupyter/nbgrader:formgrader": True,
            "@jupyter/nbgrader:create-assignment": True,
            "@jupyter/nbgrader:course-list": True,
        }.items()
    )
    listing = _extensions("student", "labextension", "list")
    assert "@jupyter/nbgrader:formgrader" in listing.split("Disabled extensions:")[1]
    server = json.loads((REPO / "jupyter-config/student/jupyter_server_config.json").read_text())
    enabled = server["ServerApp"]["jpserver_extensions"]
    assert enabled["nbgrader.server_extensions.formgrader"] is False
    assert enabled["nbgrader.server_extensions.validate_assignment"] is True
    assert enabled["nbgrader.server_extensions.assignment_list"] is True
