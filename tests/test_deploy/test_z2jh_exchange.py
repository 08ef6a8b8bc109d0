"""The exchange on Kubernetes, honest use: release, fetch, submit, collect, feedback through the pods' mounts.

Zero to JupyterHub runs the hub and every user's pod as the same uid (1000); what keeps students apart is which
parts of the exchange volume each pod mounts (``deploy/hub_roles.py``). This test emulates that on one
machine, as root (skipped with the reason otherwise): one real Unix user stands for uid 1000; the hub's
``pre_spawn_hook`` (the hub's own code) lays out the exchange as that user, never as root (so NFS
``root_squash`` would change nothing); each "pod" is a child process in a private mount namespace where a fresh
tmpfs covers ``/srv`` and the volume's folders are bind-mounted where the hook's ``volumeMounts`` say (read-only
where they say so), the volume itself hidden; then nbgrader's exchange runs in it as that user.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from tests.test_deploy.exchange_run import run_exchange
from tests.test_deploy.real_users import as_user, must
from tests.test_deploy.test_z2jh import load_hooks, spawner

COURSE = "dl-tuning"
A = "hw"
EXCHANGE = "/srv/nbgrader/exchange"  # where every pod mounts it (deploy/hub_roles.py)
TAG = os.urandom(2).hex()
JOVYAN = f"x18k{TAG}"  # uid 1000 of every pod, and of the hub
PROF, STUDENTS = "prof", ["ada", "alan"]
CLONE_NEWNS = 0x00020000

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mount namespaces and a real Unix user need root")


def sh(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def pod(volume: Path, mounts: list[dict]):
    """What a pod's filesystem shows of the exchange: only ``mounts`` (kubelet's subPath bind mounts)."""

    def enter():
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNS) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
        sh("mount", "--make-rprivate", "/")
        sh("mount", "-t", "tmpfs", "-o", "mode=0755,size=1m", "pod-srv", "/srv")
        for mount in mounts:
            assert mount["name"] == "exchange", mount
            target = mount["mountPath"]
            os.makedirs(target, exist_ok=True)
            sh("mount", "--bind", str(volume / mount.get("subPath", "")), target)
            if mount.get("readOnly"):
                sh("mount", "-o", "remount,bind,ro", target)
        sh("mount", "-t", "tmpfs", "-o", "size=1m", "hidden", str(volume))

    return enter


def spawn(volume: Path, name: str, group: str) -> list[dict]:
    """The hub's pre_spawn_hook for one user, run as the hub's uid: the pod's exchange volumeMounts."""
    c = load_hooks(volume)
    user = spawner(name, (group,))
    c.KubeSpawner.pre_spawn_hook(user)
    assert not user.init_containers, "nothing runs as root to lay out the exchange"
    return [m for m in user.volume_mounts if m["name"] == "exchange"]


def op(kind: str, course_root: Path, cwd: Path, **settings):
    """One exchange operation as nbgrader's apps run it in a pod."""
    return run_exchange(kind, exchange=EXCHANGE, course_root=course_root, cwd=cwd, assignment=A, **settings)


def student_work(course_root: Path, home: Path, name: str) -> dict:
    """In a student's pod: fetch, answer, submit; and what the pod shows of the exchange."""
    home.mkdir(exist_ok=True)
    op("FetchAssignment", course_root, home)
    (home / A / f"{A}.ipynb").write_text(notebook(f"answers of {name}"))
    op("Submit", course_root, home, CourseDirectory__student_id=name)
    course = Path(EXCHANGE) / COURSE
    seen = {"inbound": sorted(os.listdir(course / "inbound")), "feedback": sorted(os.listdir(course / "feedback"))}
    try:
        (course / "outbound" / A / "planted").write_text("x")
        seen["outbound writable"] = True
    except OSError:
        seen["outbound writable"] = False
    return seen


def student_feedback(course_root: Path, home: Path, name: str) -> str:
    op("FetchFeedback", course_root, home, CourseDirectory__student_id=name)
    [page] = (home / A / "feedback").glob("*/*.html")
    return page.read_text()


def grader_feedback(course_root: Path) -> None:
    """What the grader writes beside each collected submission's secret."""
    for name in STUDENTS:
        folder = course_root / "graded" / "feedback" / name / A
        folder.mkdir(parents=True)
        (folder / f"{A}.html").write_text(f"<p>feedback for {name}</p>")
        for extra in ("timestamp.txt", "submission_secret.txt"):
            shutil.copy(course_root / "submitted" / name / A / extra, folder / extra)


def notebook(text: str) -> str:
    return json.dumps(
        {
            "cells": [{"cell_type": "markdown", "metadata": {}, "source": text}],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


@pytest.fixture
def cluster():
    base = Path(tempfile.mkdtemp(prefix=f"x18k-{TAG}-", dir="/tmp"))
    base.chmod(0o755)
    path = os.environ["PATH"]
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{path}"  # nbgrader runs alembic
    subprocess.run(["useradd", "-M", "-d", str(base / "home"), JOVYAN], check=True, capture_output=True)
    try:
        volume = base / "volume"  # the ReadWriteMany volume: its provisioner gives the root to the pods' uid
        volume.mkdir()
        shutil.chown(volume, JOVYAN)
        course_root = base / "home" / PROF / COURSE  # the instructor's home volume
        (course_root / "release" / A).mkdir(parents=True)
        (course_root / "release" / A / f"{A}.ipynb").write_text(notebook("released"))
        with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}", COURSE):
            pass  # made as root: nbgrader runs alembic to create one
        for name in STUDENTS:
            (base / "home" / name).mkdir(parents=True)
        sh("chown", "-R", JOVYAN, str(base / "home"))
        _warm_imports(base)
        yield base, volume, course_root
    finally:
        subprocess.run(["userdel", JOVYAN], capture_output=True)
        os.environ["PATH"] = path
        shutil.rmtree(base, ignore_errors=True)


def _warm_imports(base: Path) -> None:
    """One cycle as root, outside any pod, on a scratch copy: the pods' children then find every module nbgrader
    imports lazily already loaded (pyenv's files under /root are unreadable to other users)."""
    scratch = base / "warm"
    (scratch / "exchange" / COURSE).mkdir(parents=True)
    for folder in ("outbound", "inbound/ada", "feedback/ada"):
        (scratch / "exchange" / COURSE / folder).mkdir(parents=True)
    root = scratch / "course"
    shutil.copytree(base / "home" / PROF / COURSE / "release", root / "release")
    home = scratch / "ada"
    home.mkdir()
    settings = {"Exchange__root": str(scratch / "exchange")}
    op("ReleaseAssignment", root, root, CourseDirectory__groupshared=True, **settings)
    op("FetchAssignment", root, home, **settings)
    op("Submit", root, home, CourseDirectory__student_id="ada", **settings)
    op("Collect", root, root, **settings)
    shutil.rmtree(scratch)


def test_the_honest_cycle_through_the_pods_mounts(cluster):
    base, volume, course_root = cluster
    mounts = {PROF: must(as_user(JOVYAN, spawn, volume, PROF, f"formgrade-{COURSE}"))}
    for name in STUDENTS:
        mounts[name] = must(as_user(JOVYAN, spawn, volume, name, f"nbgrader-{COURSE}"))
    instructor = pod(volume, mounts[PROF])

    must(
        as_user(
            JOVYAN,
            op,
            "ReleaseAssignment",
            course_root,
            course_root,
            before=instructor,
            CourseDirectory__groupshared=True,
        )
    )
    for name in STUDENTS:
        seen = must(
            as_user(JOVYAN, student_work, course_root, base / "home" / name, name, before=pod(volume, mounts[name]))
        )
        assert seen == {"inbound": [name], "feedback": [name], "outbound writable": False}, seen

    must(as_user(JOVYAN, op, "Collect", course_root, course_root, before=instructor))
    for name in STUDENTS:
        assert f"answers of {name}" in (course_root / "submitted" / name / A / f"{A}.ipynb").read_text()
    must(as_user(JOVYAN, grader_feedback, course_root))
    graded = course_root / "graded"
    must(as_user(JOVYAN, op, "ReleaseFeedback", graded, graded, before=instructor, CourseDirectory__root=str(graded)))
    for name in STUDENTS:
        page = must(
            as_user(
                JOVYAN, student_feedback, course_root, base / "home" / name, name, before=pod(volume, mounts[name])
            )
        )
        assert page == f"<p>feedback for {name}</p>"

    # Everything on the volume is the pods' uid's: nothing needed root (NFS root_squash would have refused it).
    owners = {path.lstat().st_uid for path in volume.rglob("*")}
    assert owners == {int(subprocess.check_output(["id", "-u", JOVYAN]))}, owners
