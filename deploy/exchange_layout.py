"""The private exchange's folders, owners and modes (``python -m deploy.exchange_layout --help``).

nbgrader's default exchange keeps every submission in one world-writable ``inbound/`` folder. This layout gives
each student a folder of their own instead, so that Unix permissions, not unguessable names, keep students apart:

    <root>/                         root:root        0755
    <root>/<course>/                root:root        0755   nobody but root renames or removes its folders
        outbound/                   root:<graders>   2775   instructors release, everyone reads
        inbound/                    root:<graders>   0751   instructors list, students only pass through
        inbound/<student>/          <student>:<graders> 2750  the student writes, instructors read
        feedback/                   root:<graders>   0751
        feedback/<student>/         root:<graders>   2770   instructors write; an ACL ``user:<student>:r-x``
                                                            lets the student (only) list and read it

``<graders>`` is the Unix group of the course's instructors. The set-group-id bit makes everything a student
submits belong to that group, so instructors can collect it while other students cannot even list it. A
student's feedback folder is not hers: she cannot plant anything in it that could redirect what an instructor
writes. Where the filesystem has no POSIX ACLs, the folder is 2771 instead: everyone may pass, nobody but the
instructors may list, and a page is found only by its name, a hash of the student's secret (nbgrader's own
protection for feedback).
Run as root (the hub runs :func:`ensure_student` before each student's server starts); without root the folders
are created with the same modes but owned by the current user, which isolates nobody (a demo or a test).
"""

from __future__ import annotations

import argparse
import errno
import grp
import os
import pwd
import struct
import sys
from pathlib import Path

from deploy.hub_roles import VALID_NAME

# Folder -> (mode, group is the graders' group). Owner: root.
COURSE_FOLDERS = {
    "outbound": (0o2775, True),
    "inbound": (0o0751, True),
    "feedback": (0o0751, True),
}
# Folder -> (mode, owned by the student); the group is the graders'. The rest are root's, with an ACL for her.
STUDENT_FOLDERS = {"inbound": (0o2750, True), "feedback": (0o2770, False)}
FEEDBACK_WITHOUT_ACL = 0o2771


def graders_group(course_id: str) -> str:
    """The default Unix group of a course's instructors: ``<course>-graders``."""
    return f"{course_id}-graders"


def _check_name(kind: str, name: str) -> str:
    if not VALID_NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"{kind} {name!r} must be letters, digits and _ . @ - (no '/', '+', '*' or '..')")
    return name


def _gid(course_id: str, group: str | None) -> int:
    """The gid to give the course's folders: "" means the course's graders group, None means none."""
    if group is None or os.geteuid() != 0:
        return -1
    group = group or graders_group(course_id)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise ValueError(f"the Unix group {group!r} does not exist: create it with `groupadd {group}`") from None


def _make(path: Path, mode: int, uid: int = -1, gid: int = -1) -> None:
    path.mkdir(exist_ok=True)
    if path.is_symlink() or not path.is_dir():
        raise ValueError(f"{path} is not a folder")
    if uid >= 0 or gid >= 0:
        os.chown(path, uid, gid, follow_symlinks=False)
    os.chmod(path, mode, follow_symlinks=False)  # after chown, which clears the set-group-id bit


def ensure_course(root: str | os.PathLike, course_id: str, group: str | None = "") -> Path:
    """Create (or repair) the course's folders in the exchange; return the course folder.

    ``group`` is the instructors' Unix group: "" for ``<course>-graders``, None for none (a demo).
    """
    _check_name("course id", course_id)
    gid = _gid(course_id, group)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    course = root / course_id
    _make(course, 0o755)
    for name, (mode, grader_owned) in COURSE_FOLDERS.items():
        _make(course / name, mode, gid=gid if grader_owned else -1)
    return course


def ensure_student(
    root: str | os.PathLike, course_id: str, student: str, group: str | None = "", owned: bool = True
) -> None:
    """Create (or repair) one student's inbound and feedback folders.

    Run as root with ``owned``, the inbound folder belongs to the student's Unix account and the feedback folder
    to root (repairing one an older layout gave the student); ``owned=False`` (all hub users share one OS
    account) leaves both to the current user.
    """
    _check_name("student id", student)
    course = Path(root) / _check_name("course id", course_id)
    if not (course / "inbound").is_dir():
        raise ValueError(f"{course} is not a course in the exchange: run `python -m deploy.exchange_layout` first")
    gid = _gid(course_id, group)
    uid = -1
    if owned and os.geteuid() == 0:
        try:
            uid = pwd.getpwnam(student).pw_uid
        except KeyError:
            raise ValueError(f"{student!r} is not a Unix user on this machine: create it with useradd") from None
    for name, (mode, students) in STUDENT_FOLDERS.items():
        owner = uid if students or uid < 0 else 0
        _make(course / name / student, mode, uid=owner, gid=gid)
        if not students and uid >= 0 and not _let_read(course / name / student, uid):
            os.chmod(course / name / student, FEEDBACK_WITHOUT_ACL, follow_symlinks=False)


def _let_read(folder: Path, uid: int) -> bool:
    """Give one user list-and-read (r-x) on a folder with a POSIX access ACL (owner and group keep rwx, others
    nothing); False where the filesystem has no ACLs. Written as the kernel's xattr, so no ``setfacl`` needed."""
    none = 0xFFFFFFFF  # ACL_UNDEFINED_ID
    entries = [(0x01, 7, none), (0x02, 5, uid), (0x04, 7, none), (0x10, 7, none), (0x20, 0, none)]
    blob = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)
    try:
        os.setxattr(folder, "system.posix_acl_access", blob, follow_symlinks=False)
    except OSError as error:
        if error.errno in (errno.EOPNOTSUPP, errno.ENOTSUP):
            return False
        raise
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.exchange_layout",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--root", default="/srv/nbgrader/exchange", help="exchange root (default: %(default)s)")
    parser.add_argument("--course", default="dl-tuning", help="course id (default: %(default)s)")
    parser.add_argument("--group", default="", help="instructors' Unix group (default: <course>-graders)")
    parser.add_argument(
        "students",
        nargs="*",
        help="students whose folders to create now (the hub also creates them when a student's server starts)",
    )
    args = parser.parse_args(argv)
    try:
        ensure_course(args.root, args.course, args.group)
        for student in args.students:
            ensure_student(args.root, args.course, student, args.group)
    except (ValueError, PermissionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"exchange ready: {Path(args.root) / args.course} ({len(args.students)} student folders)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
