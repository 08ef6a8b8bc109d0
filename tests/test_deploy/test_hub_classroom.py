"""The whole classroom on a real JupyterHub on loopback (deploy/jupyterhub, the private exchange).

One instructor and two students, real Unix users made with ``useradd`` when running as root. The instructor
releases 01 from their own server's formgrader; each student fetches it through their own server's assignment
list, fills it (one correct, one with a wrong ``grid_search`` and, with real users, an answer that snoops),
validates and submits; the instructor collects, and ``python -m autograder grade``, run as the instructor's own
Unix user (no root: each kernel in a bubblewrap sandbox in a user namespace), grades what was collected; the
snooping answer reaches nothing; nbgrader releases the feedback through the private exchange, and each student
fetches their own. Then each student tries to reach the other's work, the course's folders, the formgrader and
``source/``: every attempt must fail; and each plants links, a FIFO, a backdated rename and a feedback link in
her own folders, after which collecting again and releasing feedback again change nobody's collected work or
feedback. The hub and everything it started is ended by PID at the end. Without root the workflow runs with
every user as the same OS user and only the permission tests are skipped.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import requests

from deploy.local_hub import COURSE_ID, PASSWORD, LocalHub
from tests.nbtools import (
    cells_by_grade_id,
    is_answer_cell,
    is_written_answer_cell,
    nbgrader_meta,
    notebook_path,
    read,
    solution_code,
)
from tests.variants import variants_for

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "01_tuning_process"
NOTEBOOK = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
# COURSE_HUB_SHARED_USERS=1 runs the without-root variant as root too (every user as this OS user).
REAL_USERS = os.geteuid() == 0 and os.environ.get("COURSE_HUB_SHARED_USERS") != "1"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WRONG = next(v for v in variants_for(ASSIGNMENT) if v.name == "grid_with_arange")


def _names() -> tuple[str, str, str]:
    tag = secrets.token_hex(2)  # fresh accounts each run: never someone's real user
    return f"hubt{tag}-prof", f"hubt{tag}-ada", f"hubt{tag}-alan"


def _filled(fetched: dict, replacements: dict[str, str]) -> dict:
    """The fetched notebook with every answer cell written: the solution, or ``replacements[grade_id]``."""
    notebook = nbformat.from_dict(fetched)
    solutions = cells_by_grade_id(read(notebook_path("source", ASSIGNMENT)))
    for cell in notebook.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in replacements:
            cell.source = replacements[grade_id]
        elif is_answer_cell(cell):
            cell.source = solution_code(solutions[grade_id].source)
        elif is_written_answer_cell(cell):
            cell.source = solutions[grade_id].source
    return notebook


def _exchange_env(hub: LocalHub) -> dict[str, str]:
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(hub.home(hub.instructors[0])),
        "JUPYTER_CONFIG_PATH": str(REPO / "deploy" / "jupyterhub" / "jupyter-config"),
        "COURSE_ROLE": "instructor",
        "COURSE_EXCHANGE_ROOT": str(hub.exchange),
        "LANG": "C.UTF-8",
    }


@pytest.fixture(scope="module")
def classroom():
    if not REAL_USERS:
        print(
            "\n[test_deploy] no real Unix users (not root, or COURSE_HUB_SHARED_USERS=1): every hub user runs "
            "as this OS user; the workflow runs, the permission test is skipped"
        )
    prof, ada, alan = _names()
    state = Path(tempfile.mkdtemp(prefix="course-hub-"))
    hub = LocalHub(state, [prof], [ada, alan], real_users=REAL_USERS, graders_group=f"{prof}-graders")
    started = time.monotonic()
    passed = False
    try:
        hub.prepare()
        hub.start()
        yield SimpleNamespace(
            hub=hub, prof=prof, ada=ada, alan=alan, state=state, started=started, **_run_workflow(hub, prof, ada, alan)
        )
        passed = True
    finally:
        pids = {p.pid for p in hub.processes()}
        alive = hub.stop()
        print(f"\n[test_deploy] classroom took {time.monotonic() - started:.0f} s; ended {len(pids)} processes")
        if passed:
            shutil.rmtree(state, ignore_errors=True)
        else:
            print(f"[test_deploy] kept {state} (the hub's log is jupyterhub.log)")
        assert not alive, f"processes the hub started are still running: {alive}"
        assert not [pid for pid in pids if _running(pid)], "a process the hub started outlived stop()"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0


def _run_workflow(hub: LocalHub, prof: str, ada: str, alan: str) -> dict:
    instructor = hub.login(prof)
    students = {name: hub.login(name) for name in (ada, alan)}
    with ThreadPoolExecutor(3) as pool:  # three servers start at once, as in a class
        list(pool.map(lambda user: user.spawn(), [instructor, *students.values()]))
    instructor.formgrader("release", ASSIGNMENT)

    def work(name: str):
        user = students[name]
        fetched = user.nbgrader("fetch", ASSIGNMENT)
        assert [a["status"] for a in fetched if a["assignment_id"] == ASSIGNMENT] == ["fetched"]
        released = user.read_notebook(NOTEBOOK)
        assert any("YOUR CODE HERE" in "".join(c["source"]) for c in released["cells"]), "fetched the release"
        answers = {} if name == ada else _wrong_and_snooping(hub, prof, ada) if hub.real_users else WRONG.code
        user.write_notebook(NOTEBOOK, _filled(released, answers))
        validation = user.validate(NOTEBOOK)
        user.nbgrader("submit", ASSIGNMENT)
        return validation

    with ThreadPoolExecutor(2) as pool:
        validations = dict(zip(students, pool.map(work, students)))
    listings = {}

    collected = instructor.formgrader("collect", ASSIGNMENT)
    graded, grade = _grade_as_instructor(hub, prof)
    assert grade.returncode == 0, f"autograder grade failed:\n{grade.stdout[-3000:]}\n{grade.stderr[-3000:]}"
    with open(graded / "grades.csv", newline="") as handle:
        grades = {row["student_id"]: row for row in csv.DictReader(handle) if row["assignment"] == ASSIGNMENT}
    with open(graded / "cells.csv", newline="") as handle:
        cells = [row for row in csv.DictReader(handle) if row["assignment"] == ASSIGNMENT]

    # The instructor releases the feedback: nbgrader's release_feedback on what the grader wrote, through the
    # private exchange (deploy/jupyterhub/jupyter-config/nbgrader_config.py picks it).
    release = hub.run_as(
        prof,
        [sys.executable, "-m", "nbgrader", "release_feedback", ASSIGNMENT, f"--CourseDirectory.root={graded}"],
        env=_exchange_env(hub),
        cwd=graded,
    )
    assert release.returncode == 0, f"release_feedback failed:\n{release.stdout}\n{release.stderr}"

    feedback = {}
    for name, user in students.items():
        listings[name] = user.nbgrader("fetch_feedback", ASSIGNMENT)
        pages = [
            p
            for a in user.get("/api/contents/" + ASSIGNMENT + "/feedback").json()["content"]
            for p in user.get("/api/contents/" + a["path"]).json()["content"]
        ]
        assert len(pages) == 1, f"{name} should have fetched exactly one feedback page: {pages}"
        feedback[name] = user.get("/api/contents/" + pages[0]["path"], content=1).json()["content"]
    return {
        "instructor": instructor,
        "students": students,
        "validations": validations,
        "grades": grades,
        "cells": cells,
        "grade_run": grade,
        "feedback": feedback,
        "collected": collected,
        "graded": graded,
        "listings": listings,
    }


def _snooped(hub: LocalHub, prof: str, victim: str) -> tuple[list[str], list[str]]:
    """What the snooping student reaches for while she is graded: (paths to read, files to write)."""
    clone, course = hub.course_clone(), hub.exchange / COURSE_ID
    reads = [
        clone / "source" / NOTEBOOK,
        clone / "source",
        clone / "submitted" / victim / NOTEBOOK,
        clone / "submitted",
        clone / "gradebook.db",
        hub.home(prof),
        hub.home(prof) / ".ssh" / "id_ed25519",
        course / "inbound" / victim,
        course / "inbound",
        hub.state,
        REPO / "source",
        Path("/etc/shadow"),
    ]
    writes = [
        clone / "planted.txt",
        clone / "submitted" / victim / "planted.txt",
        hub.home(prof) / "planted.txt",
        course / "inbound" / "planted.txt",
        REPO / "planted.txt",
    ]
    return [str(p) for p in reads], [str(p) for p in writes]


def _wrong_and_snooping(hub: LocalHub, prof: str, victim: str) -> dict[str, str]:
    """The second student's answers: the wrong ``grid_search``, and a correct ``pick_best_run`` that first tries to
    read the course, the other's submission, the instructor's home and key and the exchange, and to write outside
    its folder, printing what it reached (it reaches nothing while graded, so the answer keeps its points). Only
    with real users: where every hub user is one OS user, her Validate would reach all of it for real."""
    reads, writes = _snooped(hub, prof, victim)
    solutions = cells_by_grade_id(read(notebook_path("source", ASSIGNMENT)))
    # paths in hex and attempts by number: her feedback shows her code and its output, and must not name the other
    snoop = (
        "import os as _os\n"
        f"_reads = [bytes.fromhex(_h).decode() for _h in {[p.encode().hex() for p in reads]!r}]\n"
        f"_writes = [bytes.fromhex(_h).decode() for _h in {[p.encode().hex() for p in writes]!r}]\n"
        "for _i, _p in enumerate(_reads):\n"
        "    try:\n"
        "        _os.listdir(_p) if _os.path.isdir(_p) else open(_p, 'rb').read(1)\n"
        "        print('READ', _i)\n"
        "    except OSError:\n"
        "        print('DENIED', _i)\n"
        "for _i, _p in enumerate(_writes):\n"
        "    try:\n"
        "        open(_p, 'w').write('student was here')\n"
        "        print('WROTE', _i)\n"
        "    except OSError:\n"
        "        print('NOT WRITTEN', _i)\n"
    )
    return {**WRONG.code, "pick_best_run": snoop + solution_code(solutions["pick_best_run"].source)}


def _grade_as_instructor(hub: LocalHub, prof: str) -> tuple[Path, subprocess.CompletedProcess]:
    """``python -m autograder grade`` as the instructor would run it on the hub: their own Unix user (no root, no
    capabilities), from their course clone (no ``course/`` folder there to shadow the installed package), into
    ``graded/`` there, with the template cache in their home (the default, ``~/.cache``). Their ``~/.ssh`` holds a
    key for the snooping student to reach for."""
    clone = hub.course_clone()
    graded = clone / "graded"
    ssh = hub.home(prof) / ".ssh"
    hub.run_as(
        prof,
        [
            "/bin/sh",
            "-c",
            f"umask 077 && mkdir -p {shlex.quote(str(ssh))} && "
            f"echo 'PRIVATE KEY' > {shlex.quote(str(ssh / 'id_ed25519'))}",
        ],
        env=_exchange_env(hub),
    )
    env = {**_exchange_env(hub), "USER": prof, "LOGNAME": prof}
    # nsenter starts in the namespace's root folder: the shell changes to the clone first
    grade = hub.run_as(
        prof,
        [
            "/bin/sh",
            "-c",
            f'cd {shlex.quote(str(clone))} && exec "$@"',
            "sh",
            sys.executable,
            "-m",
            "autograder",
            "grade",
            "--course",
            str(clone),
            "--submissions",
            str(clone / "submitted"),
            "--out",
            str(graded),
            "--workers",
            "2",
            "--quiet",
        ],
        env=env,
        timeout=900,
    )
    return graded, grade


def test_students_get_their_own_scores(classroom):
    ada, alan = classroom.ada, classroom.alan
    grades = classroom.grades
    assert set(grades) == {ada, alan}, f"every submission collected and graded exactly once: {grades}"
    # Written answers wait for the instructor; every autograded cell scores its points, except the wrong
    # grid_search's tests for the second student.
    lost = {
        (row["student_id"], row["grade_id"])
        for row in classroom.cells
        if float(row["score"]) < float(row["max_score"]) and "manual grading" not in row["message"]
    }
    assert {grade_id for student, grade_id in lost if student == ada} == set(), lost
    assert {grade_id for student, grade_id in lost if student == alan} == {"test_grid_search"}, lost
    assert 0 < float(grades[alan]["score"]) < float(grades[ada]["score"]) <= float(grades[ada]["max_score"])
    # Validate ran the notebooks: the correct one passes, the wrong one names a failing test.
    assert classroom.validations[ada]["success"], classroom.validations[ada]
    assert "failed" in str(classroom.validations[alan]["value"]).lower() or "np.arange" in str(
        classroom.validations[alan]["value"]
    ), classroom.validations[alan]
    # Each student's fetched feedback is theirs: their score, not the other's name.
    for name, other in ((ada, alan), (alan, ada)):
        page = classroom.feedback[name]
        score = float(grades[name]["score"])
        assert re.search(rf"\b{score:g}\b|\b{score:.1f}\b|\b{score:.2f}\b", page), f"{name}'s score not in feedback"
        assert other not in page
    assert "BEGIN HIDDEN TESTS" not in classroom.feedback[alan]


def test_the_instructor_grades_without_root_in_bubblewrap(classroom):
    """Issue 20: the grading above ran as the instructor's own Unix user, each kernel in a bubblewrap sandbox in a
    user namespace; the snooping student read and wrote nothing outside her job, and kept her points for it."""
    hub, graded = classroom.hub, classroom.graded
    report = (graded / "report.html").read_text(encoding="utf-8")
    assert "bubblewrap sandbox" in report, report[-3000:]
    if hub.real_users or os.geteuid() != 0:
        assert "in a user namespace" in report, report[-3000:]
        owner = hub.home(classroom.prof).stat().st_uid
        cache = hub.home(classroom.prof) / ".cache" / "dl-tuning-course" / "templates"
        for made in (graded, graded / "grades.csv", graded / "report.html", cache):
            assert made.stat().st_uid == owner, f"{made} is not the instructor's: graded as someone else"
    assert "PermissionError" not in classroom.grade_run.stdout + classroom.grade_run.stderr
    if not hub.real_users:
        return
    [notebook] = (graded / "autograded" / classroom.alan).rglob("*.ipynb")
    printed = "".join(
        o.get("text", "")
        for c in nbformat.read(str(notebook), as_version=4).cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    reads, writes = _snooped(hub, classroom.prof, classroom.ada)
    assert "READ " not in printed and "WROTE " not in printed, printed
    for i, path in enumerate(reads):
        assert f"DENIED {i}\n" in printed, f"the snoop did not try {path}: {printed[-3000:]}"
    for i, path in enumerate(writes):
        assert f"NOT WRITTEN {i}\n" in printed and not Path(path).exists(), path
    flags = {
        row["flag"]
        for row in csv.DictReader(open(graded / "integrity.csv", newline=""))
        if row["student_id"] == classroom.alan
    }
    assert "file_access" in flags, flags


def test_students_have_no_formgrader(classroom):
    alan = classroom.students[classroom.alan]
    assert alan.get("/formgrader").status_code == 404, "the formgrader is an instructor's tool"
    # Nor can a student's token reach the instructor's server.
    reply = requests.get(
        f"{classroom.hub.url}/user/{classroom.prof}/formgrader/api/submissions/{ASSIGNMENT}",
        headers=alan.headers,
        timeout=30,
        allow_redirects=False,
    )
    assert reply.status_code in (302, 403, 404), f"a student opened the instructor's formgrader: {reply.status_code}"


# Each attempt: (what, shell command as the student). Every one must fail for the other student's paths.
def _attempts(hub: LocalHub, victim: str, prof: str) -> list[tuple[str, str]]:
    course = hub.exchange / COURSE_ID
    inbox, feedback = course / "inbound" / victim, course / "feedback" / victim
    submission = next(inbox.iterdir())
    notebook = submission / f"{ASSIGNMENT}.ipynb"
    page = next(feedback.iterdir())
    clone = hub.course_clone()
    q = lambda p: shlex.quote(str(p))  # noqa: E731
    return [
        ("list everyone's submissions", f"ls {q(course / 'inbound')}"),
        ("list the other's submissions", f"ls {q(inbox)}"),
        ("read the other's submission", f"cat {q(notebook)}"),
        ("overwrite the other's submission", f"echo {{}} > {q(notebook)}"),
        ("add a file to the other's submissions", f"touch {q(inbox / 'planted')}"),
        ("delete the other's submission", f"rm -rf {q(submission)}"),
        ("rename the other's submission", f"mv {q(submission)} {q(inbox / 'renamed')}"),
        ("list the other's feedback", f"ls {q(feedback)}"),
        ("read the other's feedback", f"cat {q(page)}"),
        ("overwrite the other's feedback", f"echo x > {q(page)}"),
        ("delete the other's feedback", f"rm -f {q(page)}"),
        ("rename the course folder", f"mv {q(course)} {q(course.with_name('renamed'))}"),
        ("rename the outbound folder", f"mv {q(course / 'outbound')} {q(course / 'renamed')}"),
        ("delete the released assignment", f"rm -rf {q(course / 'outbound' / ASSIGNMENT)}"),
        (
            "change the released assignment",
            f"echo x > {q(course / 'outbound' / ASSIGNMENT / (ASSIGNMENT + '.ipynb'))}",
        ),
        ("delete the inbound folder", f"rm -rf {q(course / 'inbound')}"),
        ("read source/ with the hidden tests", f"cat {q(clone / 'source' / ASSIGNMENT / (ASSIGNMENT + '.ipynb'))}"),
        ("list the instructor's home", f"ls {q(hub.home(prof))}"),
        ("read the gradebook", f"cat {q(clone / 'gradebook.db')}"),
        ("read what was collected", f"ls {q(clone / 'submitted')}"),
    ]


def test_students_cannot_touch_each_others_work(classroom):
    if not classroom.hub.real_users:
        pytest.skip(
            "no Unix users to keep apart (not root, or COURSE_HUB_SHARED_USERS=1): every hub user runs as "
            "this OS user; run as root for the permission part"
        )
    hub, prof = classroom.hub, classroom.prof
    for attacker, victim in ((classroom.alan, classroom.ada), (classroom.ada, classroom.alan)):
        attempts = _attempts(hub, victim, prof)
        # Not vacuous: the owner reaches their own submission and feedback with the same commands.
        for what in ("list the other's submissions", "read the other's submission", "read the other's feedback"):
            command = dict(attempts)[what]
            own = subprocess.run(["runuser", "-u", victim, "--", "/bin/sh", "-c", command], capture_output=True)
            assert own.returncode == 0, f"{victim} cannot {what.replace('the other', 'their own')}: {own.stderr}"
        succeeded = []
        for what, command in attempts:
            result = subprocess.run(
                ["runuser", "-u", attacker, "--", "/bin/sh", "-c", command], capture_output=True, text=True, timeout=30
            )
            if result.returncode == 0:
                succeeded.append(f"{what}: {command}")
        assert not succeeded, f"{attacker} could:\n" + "\n".join(succeeded)
    # The exchange is intact: both submissions and both feedback pages are still there.
    course = hub.exchange / COURSE_ID
    for student in (classroom.ada, classroom.alan):
        assert len(list((course / "inbound" / student).iterdir())) == 1
        assert len(list((course / "feedback" / student).iterdir())) == 1


@pytest.mark.skipif(os.environ.get("SKIP_BROWSER_TESTS") == "1", reason="SKIP_BROWSER_TESTS=1")
def test_formgrader_opens_in_its_own_tab(classroom):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium, or set CHROMIUM=/path")
    from playwright.sync_api import sync_playwright

    hub = classroom.hub
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(f"{hub.url}/hub/login", timeout=60_000)
            page.fill("input[name=username]", classroom.prof)
            page.fill("input[name=password]", PASSWORD)
            page.click("input[type=submit], button[type=submit]")
            page.wait_for_url(re.compile(r".*/user/.*|.*/hub/.*"), timeout=60_000)
            page.goto(f"{hub.url}/user/{classroom.prof}/formgrader/manage_submissions/{ASSIGNMENT}", timeout=60_000)
            table = page.locator("table")
            for student in (classroom.ada, classroom.alan):
                table.get_by_text(student, exact=False).first.wait_for(timeout=60_000)
            assert page.locator("iframe").count() == 0, "the formgrader is a page of its own, not a frame"
        finally:
            browser.close()


def _tree(folder: Path) -> dict[str, bytes | str]:
    """Every path under ``folder`` (links not followed) with its bytes, or its kind."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        if p.is_file() and not p.is_symlink()
        else stat.filemode(p.lstat().st_mode)
        for p in sorted(folder.rglob("*"))
    }


def _own_folder_attacks(hub: LocalHub, attacker: str, other: str, prof: str) -> str:
    """Shell, as the attacker after submitting: everything she can do to what she owns (issue 18)."""
    course = hub.exchange / COURSE_ID
    inbox = course / "inbound" / attacker
    clone = hub.course_clone()
    q = lambda p: shlex.quote(str(p))  # noqa: E731
    newer = q(inbox / f"{attacker}+{ASSIGNMENT}+2099-01-01 00:00:00.000000 UTC")
    page = f"{ASSIGNMENT}.ipynb"
    return " ; ".join(
        [
            f"sub=$(ls -d {q(inbox)}/*+* | head -n1)",
            f'rm -f "$sub/{page}" && ln -s {q(clone / "source" / ASSIGNMENT / page)} "$sub/{page}"',
            f'ln -s {q(clone / "submitted" / other / ASSIGNMENT / page)} "$sub/other.ipynb"',
            'ln -s /dev/zero "$sub/big.bin"',
            'ln -s . "$sub/loop"',
            'mkfifo "$sub/pipe"',
            'echo "2000-01-01 00:00:00.000000 UTC" > "$sub/timestamp.txt"',
            f'mv "$sub" {newer}',  # newer by name, so that collect --update takes it
            f"mkdir -p {q(inbox / (attacker + '+' + ASSIGNMENT + '+not-a-date'))}",
            f"ln -s {q(hub.home(prof) / '.ssh' / 'authorized_keys')} "
            f"{q(course / 'feedback' / attacker / 'x.html.tmp')}",
            "true",
        ]
    )


def test_what_students_plant_in_their_own_folders_changes_nothing(classroom):
    """After the whole cycle each student plants links, a FIFO, a backdated rename and a feedback link in what she
    owns; the instructor collects again and re-releases feedback: both are refused, nothing else changes."""
    if not classroom.hub.real_users:
        pytest.skip("no Unix users to keep apart (not root, or COURSE_HUB_SHARED_USERS=1)")
    hub, prof = classroom.hub, classroom.prof
    clone, course = hub.course_clone(), hub.exchange / COURSE_ID
    submitted, feedback = _tree(clone / "submitted"), _tree(course / "feedback")
    subprocess.run(["runuser", "-u", prof, "--", "mkdir", "-p", "-m", "700", str(hub.home(prof) / ".ssh")], check=True)
    for attacker, other in ((classroom.ada, classroom.alan), (classroom.alan, classroom.ada)):
        subprocess.run(
            ["runuser", "-u", attacker, "--", "/bin/sh", "-c", _own_folder_attacks(hub, attacker, other, prof)],
            capture_output=True,
            timeout=60,
        )

    # nsenter starts in the namespace's root folder: change to the clone, whose nbgrader_config.py names the course.
    collect = hub.run_as(
        prof,
        [
            "/bin/sh",
            "-c",
            f"cd {shlex.quote(str(clone))} && exec {shlex.quote(sys.executable)} "
            f"-m nbgrader collect --update {ASSIGNMENT}",
        ],
        env=_exchange_env(hub),
        timeout=300,
    )
    output = collect.stdout + collect.stderr
    assert collect.returncode != 0, f"collect must report the refused submissions:\n{output[-3000:]}"
    for name in (classroom.ada, classroom.alan):
        assert f"{name}:" in output and "a link" in output, output[-3000:]
    assert _tree(clone / "submitted") == submitted, "every collected submission is unchanged"
    release = hub.run_as(
        prof,
        [
            sys.executable,
            "-m",
            "nbgrader",
            "release_feedback",
            ASSIGNMENT,
            f"--CourseDirectory.root={classroom.graded}",
        ],
        env=_exchange_env(hub),
        cwd=classroom.graded,
    )
    assert release.returncode == 0, f"release_feedback failed:\n{release.stdout}\n{release.stderr}"
    assert _tree(course / "feedback") == feedback, "every student's feedback is unchanged"
    assert not (hub.home(prof) / ".ssh" / "authorized_keys").exists()
