"""The private exchange against a hostile student, with real Unix users (root only; the reason is printed if not).

One instructor (in the graders' group) and three students, made with ``useradd`` for this module. Each test lays
out a fresh exchange as the admin would, the instructor releases, every student fetches and submits as herself;
then one student changes what she owns (her submission after submitting, her inbox, her feedback folder under
the older layout) and the instructor collects or releases feedback. Every exchange operation runs in a child
process that has become that user (``fork`` + ``setuid``), as nbgrader's command would run for them.
"""

from __future__ import annotations

import datetime
import grp
import hashlib
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import notebook_hash, parse_utc

from deploy.exchange_layout import ensure_course, ensure_student
from tests.test_deploy.exchange_run import run_exchange
from tests.test_deploy.real_users import as_user, must

COURSE = "dl-tuning"
A = "hw"  # a one-notebook assignment: what is in it does not matter to the exchange
TAG = os.urandom(2).hex()
PROF, STUDENTS, GRADERS = f"x18p{TAG}", [f"x18s{TAG}{i}" for i in range(3)], f"x18g{TAG}"

if os.geteuid() != 0:
    print("\n[test_exchange_hostile] skipped: real Unix users need root")
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="real Unix users (useradd, setuid) need root")


# --- users, and running code as one of them ------------------------------------------------------------------
@pytest.fixture(scope="module")
def base():
    folder = Path(tempfile.mkdtemp(prefix=f"x18-{TAG}-", dir="/tmp"))
    folder.chmod(0o755)
    made = []
    path = os.environ["PATH"]
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{path}"  # nbgrader runs alembic
    try:
        subprocess.run(["groupadd", GRADERS], check=True)
        for name in [PROF, *STUDENTS]:
            extra = ["-G", GRADERS] if name == PROF else []
            subprocess.run(
                ["useradd", "-m", "-d", str(folder / "home" / name), "-K", "HOME_MODE=0700", *extra, name],
                check=True,
                capture_output=True,
            )
            made.append(name)
        _warm_imports(folder)
        yield folder
    finally:
        for name in made:
            subprocess.run(["userdel", name], capture_output=True)
        subprocess.run(["groupdel", GRADERS], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
        os.environ["PATH"] = path


# --- the exchange, as nbgrader's apps run it --------------------------------------------------------------------
def exchange_op(kind: str, case: Path, cwd: Path, **settings):
    return run_exchange(
        kind, exchange=case / "exchange", course_root=course_root(case), cwd=cwd, assignment=A, **settings
    )


def course_root(case: Path) -> Path:
    return case / "home" / PROF / case.name


def student_home(case: Path, name: str) -> Path:
    return case / "home" / name / case.name


def notebook(text: str) -> str:
    return json.dumps(
        {
            "cells": [{"cell_type": "markdown", "metadata": {}, "source": text}],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def _warm_imports(folder: Path) -> None:
    """Run one honest cycle as root first: the children then find every module nbgrader imports lazily already
    loaded (the interpreter's own files may be unreadable to other users, e.g. pyenv under /root)."""
    case = folder / "warm"
    for name in [PROF, *STUDENTS]:
        (case / "home" / name).mkdir(parents=True)
    _lay_out(case, owned=False)
    exchange_op("ReleaseAssignment", case, course_root(case), CourseDirectory__groupshared=True)
    home = student_home(case, STUDENTS[0])
    home.mkdir()
    exchange_op("FetchAssignment", case, home)
    exchange_op("Submit", case, home, CourseDirectory__student_id=STUDENTS[0])
    exchange_op("Collect", case, course_root(case))
    _feedback_pages(case, [STUDENTS[0]])
    exchange_op(
        "ReleaseFeedback", case, course_root(case) / "graded", CourseDirectory__root=str(course_root(case) / "graded")
    )
    exchange_op("FetchFeedback", case, home, CourseDirectory__student_id=STUDENTS[0])
    exchange_op("List", case, home, ExchangeList__cached=True, CourseDirectory__student_id=STUDENTS[0])
    shutil.rmtree(case)


def _lay_out(case: Path, owned: bool = True, duedate: datetime.datetime | None = None) -> None:
    """The admin's layout, the instructor's course with ``release/hw`` and a gradebook (made as root: nbgrader
    runs alembic to create one)."""
    ensure_course(case / "exchange", COURSE, group=GRADERS if owned else None)
    for name in STUDENTS:
        ensure_student(case / "exchange", COURSE, name, group=GRADERS if owned else None, owned=owned)
    root = course_root(case)
    (root / "release" / A).mkdir(parents=True)
    (root / "release" / A / f"{A}.ipynb").write_text(notebook("released"))
    (root / "source" / A).mkdir(parents=True)
    (root / "source" / A / f"{A}.ipynb").write_text(notebook("SOLUTIONS AND HIDDEN TESTS"))
    # A copy of one empty gradebook: creating one runs alembic, a second or more per test on a loaded machine.
    template = case.parent / "gradebook-template.db"
    if not template.exists():
        with Gradebook(f"sqlite:///{template}", COURSE):
            pass
    shutil.copy(template, root / "gradebook.db")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE) as gradebook:
        gradebook.update_or_create_assignment(A, duedate=duedate)
    if owned:
        subprocess.run(["chown", "-R", f"{PROF}:{PROF}", str(root)], check=True)


def _feedback_pages(case: Path, students) -> None:
    """What the grader writes: ``graded/feedback/<student>/hw/hw.html`` beside the submission's two files."""
    root = course_root(case)
    for name in students:
        folder = root / "graded" / "feedback" / name / A
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{A}.html").write_text(f"<p>feedback for {name}</p>")
        for extra in ("timestamp.txt", "submission_secret.txt"):
            shutil.copy(root / "submitted" / name / A / extra, folder / extra)


@pytest.fixture
def case(base, request):
    """A fresh exchange where every student has submitted her own notebook; returns the case folder."""
    case = base / f"case-{hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:10]}"
    for name in [PROF, *STUDENTS]:
        (case / "home" / name).mkdir(parents=True)
        shutil.chown(case / "home" / name, name, name)
        (case / "home" / name).chmod(0o700)
    case.chmod(0o755)
    (case / "home").chmod(0o755)
    _lay_out(case, duedate=getattr(request, "param", None))
    must(as_user(PROF, exchange_op, "ReleaseAssignment", case, course_root(case), CourseDirectory__groupshared=True))
    for name in STUDENTS:
        home = student_home(case, name)
        must(as_user(name, _fetch_and_answer, case, home, name))
        must(as_user(name, exchange_op, "Submit", case, home))
    return case


def _fetch_and_answer(case: Path, home: Path, name: str):
    home.mkdir()
    exchange_op("FetchAssignment", case, home)
    (home / A / f"{A}.ipynb").write_text(notebook(f"answers of {name}"))


def submission_of(case: Path, name: str) -> Path:
    [folder] = (case / "exchange" / COURSE / "inbound" / name).iterdir()
    return folder


def collected(case: Path, name: str) -> Path:
    return course_root(case) / "submitted" / name / A


def snapshot(folder: Path, skip: tuple[Path, ...] = ()) -> dict[str, str]:
    """Every path under ``folder`` (links not followed) with its kind and content hash."""
    seen = {}
    for path in sorted(folder.rglob("*")):
        if any(path == s or s in path.parents for s in skip):
            continue
        info = path.lstat()
        if stat.S_ISREG(info.st_mode):
            seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            seen[str(path)] = stat.filemode(info.st_mode)
    return seen


def collect(case: Path, **settings):
    return as_user(PROF, exchange_op, "Collect", case, course_root(case), **settings)


# --- honest use -------------------------------------------------------------------------------------------------
def test_the_honest_cycle_with_real_users(case):
    exchange = case / "exchange" / COURSE
    must(collect(case))
    for name in STUDENTS:
        assert f"answers of {name}" in (collected(case, name) / f"{A}.ipynb").read_text()
        claimed = parse_utc(submission_of(case, name).name.split("+")[2])
        recorded = parse_utc((collected(case, name) / "timestamp.txt").read_text())
        assert abs((recorded - claimed).total_seconds()) < 2, "an honest submission keeps its time"
        folder = exchange / "feedback" / name
        info = folder.stat()
        assert (info.st_uid, grp.getgrgid(info.st_gid).gr_name, stat.S_IMODE(info.st_mode)) == (0, GRADERS, 0o2770)
        assert submission_of(case, name).stat().st_uid == pwd.getpwnam(name).pw_uid
    subprocess.run(["chown", "-R", f"{PROF}:{PROF}", str(course_root(case))], check=True)
    as_user(PROF, _feedback_pages, case, STUDENTS)
    must(
        as_user(
            PROF,
            exchange_op,
            "ReleaseFeedback",
            case,
            course_root(case) / "graded",
            CourseDirectory__root=str(course_root(case) / "graded"),
        )
    )
    for name in STUDENTS:
        home = student_home(case, name)
        listing = must(as_user(name, exchange_op, "List", case, home, ExchangeList__cached=True))
        assert listing[0]["submissions"][0]["has_exchange_feedback"] is True
        must(as_user(name, exchange_op, "FetchFeedback", case, home))
        [page] = (home / A / "feedback").glob("*/*.html")
        assert page.read_text() == f"<p>feedback for {name}</p>"
    # A student lists and reads her feedback folder (its ACL) but cannot write into it; nobody else may enter it.
    own = exchange / "feedback" / STUDENTS[0]
    [page] = must(as_user(STUDENTS[0], os.listdir, own))
    assert as_user(STUDENTS[0], Path.write_text, own / "planted", "x")[0] == "error"
    assert as_user(STUDENTS[1], os.listdir, own)[0] == "error"
    assert as_user(STUDENTS[1], Path.read_text, own / page)[0] == "error", "not even knowing the page's name"


# --- collect: what one student plants in her own submission ----------------------------------------------------
def _plant(case: Path, attack: str):
    """Run as the attacking student: change her own submission after submitting."""
    folder = submission_of(case, STUDENTS[0])
    book = folder / f"{A}.ipynb"
    prof_course = course_root(case)
    if attack == "notebook links to source/":
        book.unlink()
        book.symlink_to(prof_course / "source" / A / f"{A}.ipynb")
    elif attack == "notebook links to another's collected notebook":
        book.unlink()
        book.symlink_to(collected(case, STUDENTS[1]) / f"{A}.ipynb")
    elif attack == "folder link to source/":
        (folder / "data").symlink_to(prof_course / "source")
    elif attack == "link to /dev/zero":
        (folder / "big.bin").symlink_to("/dev/zero")
    elif attack == "link loop":
        (folder / "a").symlink_to(".")
        (folder / "b").symlink_to(".")
    elif attack == "nested link":
        (folder / "deep" / "deeper").mkdir(parents=True)
        (folder / "deep" / "deeper" / "x.ipynb").symlink_to(prof_course / "source" / A / f"{A}.ipynb")
    elif attack == "dangling link":
        (folder / "gone").symlink_to(folder / "nothing-here")
    elif attack == "FIFO":
        os.mkfifo(folder / "pipe")
    elif attack == "unreadable file":
        book.chmod(0)
    elif attack == "unreadable folder":
        (folder / "locked").mkdir()
        (folder / "locked" / "x").write_text("x")
        (folder / "locked").chmod(0)
    elif attack == "sparse file over the size cap":
        with open(folder / "sparse.bin", "wb") as handle:
            handle.truncate(101 * 1000 * 1000)
    elif attack == "hard links over the byte cap":
        (folder / "one.bin").write_bytes(b"x" * 30_000)
        for i in range(4):
            os.link(folder / "one.bin", folder / f"again{i}.bin")
    elif attack == "too many files":
        for i in range(60):
            (folder / f"f{i}.txt").write_text("x")
    elif attack == "unreadable inbox":
        folder.parent.chmod(0o700)
    elif attack == "submission folder is a link":
        shutil.rmtree(folder)
        folder.symlink_to(prof_course / "source" / A)
    else:
        raise AssertionError(attack)


ATTACKS = {  # attack -> what collect's error must say
    "notebook links to source/": "a link",
    "notebook links to another's collected notebook": "a link",
    "folder link to source/": "data: a link",
    "link to /dev/zero": "big.bin: a link",
    "link loop": "a link",
    "nested link": "deep/deeper/x.ipynb: a link",
    "dangling link": "gone: a link",
    "FIFO": "pipe: a FIFO",
    "unreadable file": "cannot be read",
    "unreadable folder": "locked: cannot be read",
    "sparse file over the size cap": "over the 100000000-byte limit per file",
    "hard links over the byte cap": "50000-byte limit",
    "too many files": "more than 40 files and folders",
    "submission folder is a link": "a link",
    "unreadable inbox": "her inbox cannot be read",
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_collect_copies_only_her_own_regular_files(case, attack):
    attacker, others = STUDENTS[0], STUDENTS[1:]
    caps = (
        {"CourseDirectory__max_dir_size": 50, "PrivateCollect__max_files": 40}
        if attack in ("hard links over the byte cap", "too many files")
        else {}
    )
    first = "another's collected" in attack
    if first:  # the victim's notebook must already be collected for the link to point at it
        must(collect(case, **caps))
        before = (collected(case, attacker) / f"{A}.ipynb").read_text()
    must(as_user(attacker, _plant, case, attack))
    if first:  # and her submission must look newer, so that --update takes it
        folder = submission_of(case, attacker)
        later = folder.name.split("+")
        later[2] = "2099-01-01 00:00:00.000000 UTC"
        must(as_user(attacker, os.rename, folder, folder.with_name("+".join(later))))
    home = case / "home" / PROF
    untouched = snapshot(home, skip=(course_root(case) / "submitted",))

    result = collect(case, **({"ExchangeCollect__update": True} if first else {}), **caps)

    assert isinstance(result, tuple) and result[0] == "error", "a refused submission makes collect fail"
    message = result[1]
    assert f"{attacker}:" in message and ATTACKS[attack] in message, message
    assert not any(f"{name}:" in message for name in others), message
    for name in others:  # the rest of the class is collected, each with her own notebook
        assert (collected(case, name) / f"{A}.ipynb").read_text() == notebook(f"answers of {name}")
    if first:
        assert (collected(case, attacker) / f"{A}.ipynb").read_text() == before, "her earlier copy is kept"
    else:
        assert not collected(case, attacker).exists(), "nothing of a refused submission is collected"
    assert snapshot(home, skip=(course_root(case) / "submitted",)) == untouched
    assert not [p for p in (course_root(case) / "submitted").rglob("*") if ".collecting-" in p.name]
    leaked = [
        p for p in (course_root(case) / "submitted").rglob("*") if p.is_file() and b"SOLUTIONS" in p.read_bytes()
    ]
    assert not leaked, leaked
    size = sum(p.lstat().st_size for p in (course_root(case) / "submitted").rglob("*"))
    assert size < 1_000_000, f"collect copied {size} bytes"


def test_a_folder_name_without_a_date_is_skipped(case):
    attacker = STUDENTS[0]
    inbox = case / "exchange" / COURSE / "inbound" / attacker
    must(as_user(attacker, shutil.copytree, submission_of(case, attacker), inbox / f"{attacker}+{A}+not-a-date"))
    must(collect(case))  # ignored with a warning; her real submission and everyone else's are collected
    for name in STUDENTS:
        assert (collected(case, name) / f"{A}.ipynb").read_text() == notebook(f"answers of {name}")


def _plant_in_every_file(case: Path) -> None:
    folder = submission_of(case, STUDENTS[0])
    (folder / "submission_secret.txt").unlink()
    os.mkfifo(folder / "submission_secret.txt")
    (folder / f"{A}.ipynb").unlink()
    (folder / f"{A}.ipynb").symlink_to("/dev/zero")
    inbox = folder.parent
    (inbox / f"{STUDENTS[0]}+{A}+").mkdir()  # a name nbgrader's pattern matches and cannot parse
    (inbox / f"{STUDENTS[0]}+{A}+2099-01-01 00:00:00.000000 UTC").symlink_to(course_root(case) / "source" / A)


def test_the_instructors_inbound_listing_reads_nothing_she_planted(case):
    must(as_user(STUDENTS[0], _plant_in_every_file, case))
    listing = must(
        as_user(PROF, exchange_op, "List", case, course_root(case), ExchangeList__inbound=True, timeout=120)
    )
    by_student = {info["student_id"]: info for info in listing}
    assert set(by_student) == set(STUDENTS)
    for name in STUDENTS[1:]:
        [submission] = by_student[name]["submissions"]
        assert [n["notebook_id"] for n in submission["notebooks"]] == [A]
    [hers] = by_student[STUDENTS[0]]["submissions"]
    assert hers["notebooks"] == [] and hers["has_exchange_feedback"] is False


# --- backdating -------------------------------------------------------------------------------------------------
DUE = datetime.datetime.utcnow() - datetime.timedelta(hours=1)  # every submission in these tests is late


def _backdate(case: Path) -> None:
    folder = submission_of(case, STUDENTS[0])
    claimed = "2000-01-01 00:00:00.000000 UTC"
    parts = folder.name.split("+")
    parts[2] = claimed
    (folder / "timestamp.txt").write_text(claimed)
    folder.rename(folder.with_name("+".join(parts)))


@pytest.mark.parametrize("case", [DUE], indirect=True)
def test_backdating_a_late_submission_changes_nothing(case):
    must(as_user(STUDENTS[0], _backdate, case))
    assert "2000-01-01" in submission_of(case, STUDENTS[0]).name
    must(collect(case, ExchangeCollect__before_duedate=True))
    for name in STUDENTS:
        recorded = parse_utc((collected(case, name) / "timestamp.txt").read_text())
        assert recorded > DUE, f"{name}'s late submission is collected as late: {recorded}"
        assert abs((recorded - datetime.datetime.utcnow()).total_seconds()) < 600
    # nbgrader's autograde reads the time this way, and computes the late penalty from it.
    coursedir = CourseDirectory(root=str(course_root(case)))
    assert coursedir.get_existing_timestamp(str(collected(case, STUDENTS[0]))) > DUE


def test_changing_a_submission_after_the_deadline_makes_it_late(case):
    time.sleep(1.5)
    due = datetime.datetime.utcnow()
    with Gradebook(f"sqlite:///{course_root(case) / 'gradebook.db'}", COURSE) as gradebook:
        gradebook.update_or_create_assignment(A, duedate=due)
    time.sleep(1.5)
    book = submission_of(case, STUDENTS[0]) / f"{A}.ipynb"
    must(as_user(STUDENTS[0], book.write_text, notebook("answers written after the deadline")))
    must(collect(case))
    assert parse_utc((collected(case, STUDENTS[0]) / "timestamp.txt").read_text()) > due
    assert parse_utc((collected(case, STUDENTS[1]) / "timestamp.txt").read_text()) < due, "untouched: on time"


# --- release_feedback -------------------------------------------------------------------------------------------
def _page_name(case: Path, name: str) -> str:
    secret = (collected(case, name) / "submission_secret.txt").read_text()
    return f"{notebook_hash(secret=secret, notebook_id=A)}.html"


def _older_layout(case: Path, name: str) -> Path:
    """The layout before this fix: the student owned her feedback folder (2770)."""
    folder = case / "exchange" / COURSE / "feedback" / name
    os.chown(folder, pwd.getpwnam(name).pw_uid, grp.getgrnam(GRADERS).gr_gid)
    folder.chmod(0o2770)
    return folder


def _release(case: Path):
    subprocess.run(["chown", "-R", f"{PROF}:{PROF}", str(course_root(case))], check=True)
    must(as_user(PROF, _feedback_pages, case, STUDENTS))
    return as_user(
        PROF,
        exchange_op,
        "ReleaseFeedback",
        case,
        course_root(case) / "graded",
        CourseDirectory__root=str(course_root(case) / "graded"),
    )


def _plant_tmp_links(folder: Path, page: str, prof_home: Path, victim_page: Path) -> None:
    (folder / f"{page}.tmp").symlink_to(prof_home / ".ssh" / "authorized_keys")
    (folder / f"{page}-tmp.html").symlink_to(prof_home / ".ssh" / "authorized_keys")
    (folder / page).symlink_to(victim_page)


def test_a_student_cannot_plant_in_her_feedback_folder(case):
    must(collect(case))
    attacker = STUDENTS[0]
    folder = case / "exchange" / COURSE / "feedback" / attacker
    tried = as_user(attacker, os.symlink, "/etc/passwd", folder / f"{_page_name(case, attacker)}.tmp")
    assert tried[0] == "error" and "Permission denied" in tried[1]


def test_release_feedback_never_writes_through_her_links(case):
    """Under the older layout (her folder): planted ``.tmp`` and page links redirect nothing."""
    must(collect(case))
    attacker, victim = STUDENTS[0], STUDENTS[1]
    folder = _older_layout(case, attacker)
    prof_home = case / "home" / PROF
    must(as_user(PROF, os.mkdir, prof_home / ".ssh", 0o700))  # as an instructor who logs in with ssh has
    victim_page = case / "exchange" / COURSE / "feedback" / victim / _page_name(case, victim)
    must(as_user(attacker, _plant_tmp_links, folder, _page_name(case, attacker), prof_home, victim_page))
    home_before = snapshot(prof_home, skip=(course_root(case) / "graded",))
    outside = snapshot(case, skip=(case / "exchange", prof_home))

    must(_release(case))

    assert not (prof_home / ".ssh" / "authorized_keys").exists(), "the instructor's home is untouched"
    assert snapshot(prof_home, skip=(course_root(case) / "graded",)) == home_before
    assert snapshot(case, skip=(case / "exchange", prof_home)) == outside
    assert victim_page.read_text() == f"<p>feedback for {victim}</p>"
    page = folder / _page_name(case, attacker)
    assert not page.is_symlink() and page.read_text() == f"<p>feedback for {attacker}</p>"
    assert stat.S_IMODE(page.stat().st_mode) == 0o644


@pytest.mark.parametrize("attack", ["a folder where the page goes", "her folder made unwritable"])
def test_one_students_feedback_folder_stops_nobody(case, attack):
    must(collect(case))
    attacker = STUDENTS[0]
    folder = _older_layout(case, attacker)
    if attack == "a folder where the page goes":
        must(as_user(attacker, os.mkdir, folder / _page_name(case, attacker)))
        must(as_user(attacker, os.mkdir, folder / _page_name(case, attacker) / "sub"))
    else:
        must(as_user(attacker, os.chmod, folder, 0o2500))

    result = _release(case)

    assert result[0] == "error" and f"{attacker}:" in result[1], result
    for name in STUDENTS[1:]:
        page = case / "exchange" / COURSE / "feedback" / name / _page_name(case, name)
        assert page.read_text() == f"<p>feedback for {name}</p>"
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")], "no temporary file left behind"


# --- the layout -------------------------------------------------------------------------------------------------
def test_the_hub_repairs_a_feedback_folder_the_student_owned(case):
    attacker = STUDENTS[0]
    folder = _older_layout(case, attacker)
    ensure_student(case / "exchange", COURSE, attacker, group=GRADERS)  # what the hub runs before each spawn
    info = folder.stat()
    assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (0, 0o2770)
    assert as_user(attacker, Path.write_text, folder / "planted", "x")[0] == "error"
    assert must(as_user(attacker, os.listdir, folder)) == []


def test_without_acls_a_feedback_folder_is_passable_only(case, monkeypatch):
    import errno

    import deploy.exchange_layout as layout

    def no_acls(*args, **kwargs):
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")

    attacker = STUDENTS[0]
    folder = case / "exchange" / COURSE / "feedback" / attacker
    os.removexattr(folder, "system.posix_acl_access")  # as on a filesystem that never had one
    monkeypatch.setattr(layout.os, "setxattr", no_acls)
    ensure_student(case / "exchange", COURSE, attacker, group=GRADERS)
    assert (folder.stat().st_uid, stat.S_IMODE(folder.stat().st_mode)) == (0, 0o2771)
    assert as_user(STUDENTS[1], os.listdir, folder)[0] == "error"
    assert as_user(attacker, Path.write_text, folder / "planted", "x")[0] == "error"
    assert as_user(attacker, os.listdir, folder)[0] == "error", "she opens her pages by name (their hash)"
