"""autograder.api's steps before any grading: settings, discovery, sorting out folders that cannot be graded."""

import json
from pathlib import Path

import nbformat
import pytest

from autograder import api
from autograder.errors import GradingError
from autograder.limits import Limits
from tests.test_autograder.conftest import FIXTURES
from tests.test_autograder.notebooks import RELEASE

FIXTURE = FIXTURES / "course"


def settings(**overrides):
    args = dict(course_root=FIXTURE, out=None, workers=None, timeout=None, memory_mb=None, force=False, cache=None)
    return api.check_settings(**{**args, **overrides})


def test_defaults_come_from_one_place(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOGRADER_CACHE", str(tmp_path))
    s = settings()
    assert s.out == Path("graded").resolve() and s.workers >= 1 and s.limits == Limits()
    assert s.timeout == 120  # the fixture course has no nbgrader_config.py: the grader's default
    assert s.template_cache == tmp_path and s.job_cache == s.out / ".cache" / "jobs"


def test_the_course_timeout_is_read_from_its_config(tmp_path):
    (tmp_path / "source").mkdir()
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.Execute.timeout = 7\n")
    assert settings(course_root=tmp_path).timeout == 7


def test_memory_cap_in_megabytes():
    assert settings(memory_mb=512).limits.memory_bytes == 512 * 1024**2


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"workers": 0}, "--workers"),
        ({"workers": 1.5}, "--workers"),
        ({"timeout": -1}, "--timeout"),
        ({"course_root": Path("/nonexistent/course")}, "no source/ folder"),
    ],
)
def test_bad_settings_are_grading_errors(overrides, words):
    with pytest.raises(GradingError, match=words):
        settings(**overrides)


def test_out_inside_the_submissions_is_refused(tmp_path):
    (tmp_path / "subs").mkdir()
    with pytest.raises(GradingError, match="never modified"):
        api._submissions_folder(tmp_path / "subs", None, settings(out=tmp_path / "subs" / "o"), tmp_path, print)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_discover_lists_student_assignment_folders_sorted_without_hidden_ones(tmp_path):
    for folder in ("bob/toy", "ada/toy", "ada/zz", ".git/x", "ada/.ipynb_checkpoints"):
        (tmp_path / folder).mkdir(parents=True)
    write(tmp_path / "notes.txt", "a file, not a student")
    assert [(s, a) for s, a, _ in api.discover(tmp_path)] == [("ada", "toy"), ("ada", "zz"), ("bob", "toy")]


@pytest.mark.parametrize(
    "text, words",
    [
        ("{ not json", "not valid JSON"),
        ('{"cells": "nope"}', "not a Jupyter notebook"),
        (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}}), "not a Jupyter notebook"),
        ("[" * 100_000, "too deeply"),  # once an uncaught RecursionError that stopped the batch (exit 1, no CSVs)
        ('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}", "too deeply"),
    ],
)
def test_check_notebook_says_what_is_wrong(tmp_path, text, words):
    assert words in api.check_notebook(write(tmp_path / "toy.ipynb", text))


def test_a_real_notebook_passes(tmp_path):
    path = tmp_path / "toy.ipynb"
    nbformat.write(RELEASE, str(path))
    assert api.check_notebook(path) is None


def test_folders_are_sorted_out_by_what_is_wrong(tmp_path):
    nbformat.write(RELEASE, str(write(tmp_path / "ada" / "toy" / "toy.ipynb", "")))
    write(tmp_path / "bob" / "toy" / "homework_final.ipynb", "{}")
    write(tmp_path / "cy" / "toy" / "toy.ipynb", "{ broken")
    (tmp_path / "dan" / "zz").mkdir(parents=True)
    batch = api.Batch(settings(), (), tmp_path, None, {}, lambda r: None)
    early = api._sort_out(api.discover(tmp_path), batch)
    assert [(r.student_id, r.status) for r in early] == [("dan", "unknown_assignment")]
    assert "known: toy" in early[0].message
    problems = {s.student_id: (s.problem, s.detail) for s in batch.waiting["toy"]}
    assert problems["ada"] == (None, "")
    assert problems["bob"] == ("missing", "expected toy.ipynb, found homework_final.ipynb")
    assert problems["cy"][0] == "invalid" and "not valid JSON" in problems["cy"][1]


def test_links_to_another_notebook_or_folder_are_refused(tmp_path):
    """A notebook linked to the instructor's source or a classmate's copy was once graded as root."""
    subs, elsewhere = tmp_path / "subs", tmp_path / "elsewhere"
    nbformat.write(RELEASE, str(write(subs / "ada" / "toy" / "toy.ipynb", "")))
    nbformat.write(RELEASE, str(write(elsewhere / "toy" / "toy.ipynb", "")))
    (subs / "bob" / "toy").mkdir(parents=True)
    (subs / "bob" / "toy" / "toy.ipynb").symlink_to(subs / "ada" / "toy" / "toy.ipynb")
    (subs / "cy").mkdir()
    (subs / "cy" / "toy").symlink_to(elsewhere / "toy")
    (subs / "dan").symlink_to(elsewhere)
    batch = api.Batch(settings(), (), tmp_path, None, {}, lambda r: None)
    api._sort_out(api.discover(subs), batch)
    problems = {s.student_id: (s.problem, s.detail) for s in batch.waiting["toy"]}
    assert problems["ada"] == (None, "")
    for student in ("bob", "cy", "dan"):
        assert problems[student][0] == "symlink" and "symbolic link" in problems[student][1], student
