"""autograder.templates: keys follow the content, a built template is found again, stale ones are pruned.

The quick tests fake a built template (its ``template.json`` and a gradebook file); the slow one checks that a
grading run with ``force=True`` reuses the template the corpus run built.
"""

import json
import os
import shutil
import time

import pytest

from autograder import templates
from tests.test_autograder.conftest import FIXTURES

FIXTURE = FIXTURES / "course"


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(FIXTURE, root)
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    return root


def fake_build(folder, assignment="toy"):
    folder.mkdir(parents=True)
    (folder / "gradebook.db").write_bytes(b"db")
    info = {"assignment": assignment, "max_score": 8.0, "exercises": ["double"], "digest": "abc"}
    (folder / templates.INFO).write_text(json.dumps(info))


def test_the_key_changes_with_the_source_and_the_course_settings(course):
    key = templates.template_key(course, "toy")
    assert templates.template_key(course, "toy") == key
    (course / "source" / "toy" / "data.csv").write_text("1,2\n")
    with_data = templates.template_key(course, "toy")
    assert with_data != key
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.Execute.timeout = 5\n")
    assert templates.template_key(course, "toy") != with_data


def test_the_key_does_not_depend_on_where_the_course_is(course, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.copytree(course, moved)
    assert templates.template_key(moved, "toy") == templates.template_key(course, "toy")


def test_find_returns_a_built_template_and_marks_its_use(course, tmp_path):
    cache = tmp_path / "cache"
    folder, template = templates.find(cache, course, "toy")
    assert template is None and folder.parent == cache and folder.name.startswith("toy-")
    fake_build(folder)
    os.utime(folder / templates.INFO, (0, 0))
    again, template = templates.find(cache, course, "toy")
    assert again == folder
    assert (template.max_score, template.exercises, template.digest) == (8.0, ("double",), "abc")
    assert template.release_notebook == folder / "release" / "toy" / "toy.ipynb"
    assert (folder / templates.INFO).stat().st_mtime > time.time() - 60


def test_an_incomplete_template_is_not_found(tmp_path):
    fake_build(tmp_path / "t")
    (tmp_path / "t" / "gradebook.db").unlink()
    assert templates.Template.load(tmp_path / "t") is None
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / templates.INFO).write_text("{not json")
    assert templates.Template.load(tmp_path / "u") is None


def test_prune_removes_only_long_unused_templates(tmp_path):
    for name in ("old", "recent", "in_use"):
        fake_build(tmp_path / name)
    old = time.time() - 40 * 86400
    os.utime(tmp_path / "old" / templates.INFO, (old, old))
    os.utime(tmp_path / "in_use" / templates.INFO, (old, old))
    removed = templates.prune(tmp_path, keep={tmp_path / "in_use"})
    assert removed == [tmp_path / "old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in_use", "recent"]


def test_prune_of_a_missing_cache_is_a_no_op(tmp_path):
    assert templates.prune(tmp_path / "nothing", keep=set()) == []


@pytest.mark.slow
def test_force_regrades_without_rebuilding_the_template(corpus_run, toy_template, tmp_path):
    from autograder.api import grade_class
    from autograder.paths import template_cache

    subs = tmp_path / "subs"
    shutil.copytree(corpus_run["subs"] / "correct", subs / "correct")
    before = sorted((p.name, p.stat().st_mtime_ns) for p in template_cache().iterdir())
    results = grade_class(
        subs, tmp_path / "out", workers=1, timeout=4, course_root=corpus_run["course"], force=True, log=lambda m: None
    )
    assert [(r.status, r.cached, r.score) for r in results] == [("graded", False, 7.0)]
    assert sorted((p.name, p.stat().st_mtime_ns) for p in template_cache().iterdir()) == before
    assert (toy_template.gradebook.parent / templates.INFO).exists()


def test_the_alembic_head_is_the_one_alembic_reports():
    import subprocess
    import sys

    from nbgrader.dbutil import _temp_alembic_ini

    from autograder.nbgrader_ops import alembic_head

    with _temp_alembic_ini("sqlite:////nonexistent/gradebook.db") as ini:
        done = subprocess.run(
            [sys.executable, "-m", "alembic", "-c", ini, "heads"], capture_output=True, text=True, check=True
        )
    assert done.stdout.split()[0] == alembic_head()


def test_a_seeded_gradebook_is_a_complete_nbgrader_gradebook_made_without_alembic(tmp_path, monkeypatch):
    import nbgrader.api
    from nbgrader.api import Gradebook

    from autograder.nbgrader_ops import alembic_head, seed_gradebook

    def no_subprocess():
        raise AssertionError("nbgrader ran alembic")

    monkeypatch.setattr(nbgrader.api, "get_alembic_version", no_subprocess)
    seed_gradebook(tmp_path / "gradebook.db")
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        gb.add_assignment("toy")
        assert [a.name for a in gb.assignments] == ["toy"]
    import sqlite3

    con = sqlite3.connect(tmp_path / "gradebook.db")
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(alembic_head(),)]
    assert {"assignment", "notebook", "grade_cells", "grade"} <= {
        r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    con.close()
