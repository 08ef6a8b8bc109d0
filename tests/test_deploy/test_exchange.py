"""The private exchange's plugins and folders, in-process (the hub test runs them as real users)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest
from nbgrader.exchange import ExchangeError

from deploy.exchange_layout import ensure_course, ensure_student
from deploy.exchange_layout import main as layout_main
from deploy.grades_export import export
from tests.test_deploy.exchange_run import run_exchange

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "01_tuning_process"
COURSE = "dl-tuning"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def course(tmp_path, monkeypatch):
    """An exchange with two students' folders, an instructor's course with 01 released, and two homes."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # alembic
    exchange = tmp_path / "exchange"
    ensure_course(exchange, COURSE, group=None)
    for student in ("ada", "alan"):
        ensure_student(exchange, COURSE, student, group=None, owned=False)
        (tmp_path / student).mkdir()
    root = tmp_path / "instructor"
    shutil.copytree(REPO / "release" / ASSIGNMENT, root / "release" / ASSIGNMENT)
    return tmp_path


def run(kind: str, base: Path, cwd: Path, **settings):
    """One exchange operation on the fixture's exchange and instructor's course."""
    return run_exchange(
        kind, exchange=base / "exchange", course_root=base / "instructor", cwd=cwd, assignment=ASSIGNMENT, **settings
    )


def test_layout_modes(tmp_path):
    exchange = tmp_path / "exchange"
    assert (
        layout_main(
            ["--root", str(exchange), "--course", COURSE, "--group", ""]
            if os.geteuid() != 0
            else ["--root", str(exchange), "--course", COURSE, "--group", "root"]
        )
        == 0
    )
    course = exchange / COURSE
    assert mode(course) == 0o755
    assert mode(course / "outbound") == 0o2775
    assert mode(course / "inbound") == 0o751 and mode(course / "feedback") == 0o751
    ensure_student(exchange, COURSE, "ada", group=None, owned=False)
    assert mode(course / "inbound" / "ada") == 0o2750 and mode(course / "feedback" / "ada") == 0o2770


@pytest.mark.parametrize("name", ["../x", "a/b", "a+b", "*", ".hidden", "", "ada\n", "ada\nbob"])
def test_layout_refuses_names_that_escape(tmp_path, name):
    ensure_course(tmp_path, COURSE, group=None)
    with pytest.raises(ValueError, match="student id"):
        ensure_student(tmp_path, COURSE, name, group=None, owned=False)


def test_layout_reports_a_missing_group(tmp_path, capsys):
    if os.geteuid() != 0:
        pytest.skip("groups are only looked up as root")
    assert layout_main(["--root", str(tmp_path), "--course", COURSE, "--group", "no-such-group-xyz"]) == 2
    assert "groupadd no-such-group-xyz" in capsys.readouterr().err


def test_the_whole_cycle_keeps_each_student_in_their_folder(course):
    run("ReleaseAssignment", course, course / "instructor", CourseDirectory__groupshared=True)
    released = course / "exchange" / COURSE / "outbound" / ASSIGNMENT
    assert (released / f"{ASSIGNMENT}.ipynb").is_file()

    for student in ("ada", "alan"):
        home = course / student
        run("FetchAssignment", course, home)
        assert (home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
        run("Submit", course, home, CourseDirectory__student_id=student)
        [submission] = (course / "exchange" / COURSE / "inbound" / student).iterdir()
        assert submission.name.startswith(f"{student}+{ASSIGNMENT}+")
        assert mode(submission) == 0o750, "never world-writable like nbgrader's default 0777"
        assert {p.name: mode(p) for p in submission.iterdir()} == {
            f"{ASSIGNMENT}.ipynb": 0o640,
            "timestamp.txt": 0o640,
            "submission_secret.txt": 0o640,
        }
    assert not [p for p in (course / "exchange" / COURSE / "inbound").iterdir() if p.is_file()]

    inbound = run("List", course, course / "instructor", ExchangeList__inbound=True)
    assert [(a["student_id"], a["course_id"], len(a["submissions"])) for a in inbound] == [
        ("ada", COURSE, 1),
        ("alan", COURSE, 1),
    ]

    # A folder planted in one student's inbox under another's name is not collected.
    planted = course / "exchange" / COURSE / "inbound" / "alan" / f"ada+{ASSIGNMENT}+2099-01-01 00:00:00.000000 UTC"
    shutil.copytree(next((course / "exchange" / COURSE / "inbound" / "ada").iterdir()), planted)
    run("Collect", course, course / "instructor")
    submitted = course / "instructor" / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["ada", "alan"]
    assert (submitted / "ada" / ASSIGNMENT / "timestamp.txt").read_text() != "2099-01-01 00:00:00.000000 UTC"
    shutil.rmtree(planted)

    # Feedback: what the grader writes (feedback/<student>/<assignment>/ with the submission's secret).
    for student in ("ada", "alan"):
        folder = course / "graded" / "feedback" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.html").write_text(f"<p>feedback for {student}</p>")
        for name in ("timestamp.txt", "submission_secret.txt"):
            shutil.copy(submitted / student / ASSIGNMENT / name, folder / name)
    run("ReleaseFeedback", course, course / "graded", CourseDirectory__root=str(course / "graded"))
    for student in ("ada", "alan"):
        [page] = (course / "exchange" / COURSE / "feedback" / student).iterdir()
        assert student in page.read_text()
    assert not [p for p in (course / "exchange" / COURSE / "feedback").iterdir() if p.is_file()]

    for student, other in (("ada", "alan"), ("alan", "ada")):
        home = course / student
        listing = run("List", course, home, ExchangeList__cached=True, CourseDirectory__student_id=student)
        assert listing[0]["submissions"][0]["has_exchange_feedback"] is True
        run("FetchFeedback", course, home, CourseDirectory__student_id=student)
        [page] = (home / ASSIGNMENT / "feedback").glob("*/*.html")
        assert student in page.read_text() and other not in page.read_text()


def test_submit_without_a_folder_says_whom_to_ask(course):
    run("ReleaseAssignment", course, course / "instructor", CourseDirectory__groupshared=True)
    home = course / "ada"
    run("FetchAssignment", course, home)
    with pytest.raises(ExchangeError, match="ask your hub's admin"):
        run("Submit", course, home, CourseDirectory__student_id="grace")


def test_grades_export_layouts():
    rows = [
        {"student_id": "ada", "assignment": "01", "score": "28", "max_score": "30"},
        {"student_id": "alan", "assignment": "01", "score": "25.5", "max_score": "30"},
        {"student_id": "ada", "assignment": "02", "score": "10", "max_score": "12"},
    ]
    canvas = list(csv.reader(io.StringIO(export(rows, "canvas"))))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01", "02"]
    assert canvas[1][0] == "Points Possible" and canvas[1][5:] == ["30", "12"]
    assert canvas[3] == ["alan", "", "", "alan", "", "25.5", "0"]
    moodle = list(csv.reader(io.StringIO(export(rows, "moodle"))))
    assert moodle == [["Username", "01", "02"], ["ada", "28", "10"], ["alan", "25.5", "0"]]
    with pytest.raises(ValueError, match="columns"):
        export([{"name": "ada"}], "moodle")
