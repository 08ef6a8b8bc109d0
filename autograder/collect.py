"""``--zip DIR``: turn LMS download archives into nbgrader's submitted layout, naming nobody the LMS did not.

``DIR`` holds one folder per assignment, ``DIR/<assignment>/*.zip`` (or loose files), as an LMS exports them.
Each name is read with the LMS's own documented pattern for a class download:

* Canvas: ``<name>[_LATE]_<user id>_<submission id>_<file>``: the student is the numeric Canvas user id;
* Moodle: ``<Full Name>_<participant id>_assignsubmission_<plugin>_<file>``, or that prefix as a folder
  (Moodle writes the full name with its ``_`` as spaces): the student is the participant id;
* Blackboard Learn: ``<Assignment Name>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>[_<file>]``: both the
  assignment name and the username may hold ``_``, so the split is taken from the attempt's receipt
  (``...attempt_<time>.txt``: ``Name: Full Name (username)``), else from an assignment name that the folder's
  other names (a receipt's ``Assignment:`` line, or a name with a single ``_``) show, else from the one prefix
  every name of the folder shares. A name still open to two readings is never guessed: it is flagged
  (``ambiguous_name``) and not graded.

``AUTOGRADER_ZIP_REGEXP`` (nbgrader's ``FileNameCollectorPlugin.named_regexp`` syntax, ``student_id`` and
``file_id`` groups) replaces all of them for another LMS. The LMS's own part of a name comes first and is
matched first, so a student's uploaded file name, which follows it, never changes whose file it is.

Who a file belongs to comes only from a name the LMS wrote, never from inside a student's upload. A loose file
or a member of a class archive is matched by its own file name (a Moodle folder is the LMS's); a member that is
itself an archive (a student's upload) yields at most one notebook, for the student its own name names; a
top-level archive whose own name names a student is that student's, whatever its members are called. A second
submission for the same student and assignment is skipped and flagged (``duplicate_submission``). Archive
members are read one at a time, never more than :data:`MAX_MEMBER_BYTES` each, and one that inflates more than
:data:`MAX_RATIO` times past :data:`RATIO_FROM_BYTES` is refused (``refused_upload``): a 1.6 MB upload once
inflated to 1.5 GiB in the grader's main process. Members with absolute paths or ``..`` are never extracted.
The notebook is saved as ``<assignment>.ipynb`` when its name is that with an LMS's or browser's copy suffix
(``toy-1.ipynb``, ``toy (2).ipynb``). ``DIR`` itself is only read; the collected copy lives in the run's
scratch folder.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import GradingError
from .results import Flag, encodable

NAMED_REGEXP = os.environ.get("AUTOGRADER_ZIP_REGEXP")  # an instructor's own pattern replaces the LMS ones
CANVAS = re.compile(r"^(?P<name>[a-z0-9\-]+?)(?:_LATE)?_(?P<student_id>\d+)_(?P<submission>\d+)_(?P<file_id>.+)$")
MOODLE = re.compile(r"^(?P<name>[^_/]+)_(?P<student_id>\d+)_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<file_id>.*))?$")
BLACKBOARD = re.compile(r"^(?P<prefix>.+?)_attempt_(?P<time>[0-9][0-9\-]*?)(?:_(?P<file_id>.+))?$")
MAX_MEMBER_BYTES = 64 * 1024**2  # a notebook bigger than this is not a submission
RATIO_FROM_BYTES = 8 * 1024**2  # past this size, a member that inflates more than MAX_RATIO times is a bomb
MAX_RATIO = 100
RECEIPT_BYTES = 64 * 1024
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+\-]*$")
_COPY_SUFFIX = re.compile(r"(?:-\d+| \(\d+\))$")  # Canvas's "-1" for a resubmission, a browser's " (1)"


@dataclass(frozen=True)
class Name:
    """What one LMS file name says: the student (None while a Blackboard name has several readings), the
    readings ``(assignment name, username)`` of a Blackboard name, and the file's own name."""

    student: str | None
    file_id: str
    readings: tuple[tuple[str, str], ...] = ()
    receipt_key: str = ""  # ``<prefix>_attempt_<time>``: its receipt is that name + ``.txt``


def parse(name: str, regexp: str | None = NAMED_REGEXP) -> Name | None:
    """What an LMS file name says (``.zip`` read as ``.ipynb``), or None when it names nobody."""
    base = PurePosixPath(name.replace("\\", "/")).name
    if base.lower().endswith(".zip"):
        base = base[:-4] + ".ipynb"
    if regexp:
        found = re.match(regexp, base)
        if not found or "student_id" not in found.groupdict():
            return None
        file_id = PurePosixPath(found.groupdict().get("file_id") or base).name
        return _checked(Name(found.group("student_id"), file_id))
    for pattern in (MOODLE, CANVAS):
        found = pattern.match(base)
        if found:
            return _checked(Name(found.group("student_id"), found.group("file_id") or ""))
    found = BLACKBOARD.match(base)
    if not found:
        return None
    tokens = found.group("prefix").split("_")
    readings = tuple(
        ("_".join(tokens[:k]), "_".join(tokens[k:]))
        for k in range(1, len(tokens))
        if _SAFE_ID.match("_".join(tokens[k:]))
    )
    if not readings:
        return None
    student = readings[0][1] if len(readings) == 1 else None
    key = f"{found.group('prefix')}_attempt_{found.group('time')}"
    return _checked(Name(student, found.group("file_id") or "", readings, key))


def _checked(named: Name) -> Name | None:
    if named.student is not None and not _SAFE_ID.match(named.student):
        return None
    if not named.file_id.endswith(".ipynb") or named.file_id.startswith("."):
        return None
    return named


def owner(name: str, regexp: str | None = NAMED_REGEXP) -> tuple[str, str] | None:
    """``(student_id, file_id)`` when the name alone settles who it is, else None."""
    named = parse(name, regexp)
    return (named.student, named.file_id) if named and named.student else None


def receipt_user(text: str) -> tuple[str | None, str | None]:
    """(username, assignment name) from a Blackboard receipt's first ``Name: ... (username)`` and ``Assignment:``
    lines (the LMS writes those before anything the student typed)."""
    user = assignment = None
    for line in text.splitlines()[:6]:
        if line.startswith("Name:") and user is None:
            found = re.search(r"\(([^()]+)\)\s*$", line)
            user = found.group(1).strip() if found else None
        elif line.startswith("Assignment:") and assignment is None:
            assignment = line.partition(":")[2].strip()
    return user, assignment


@dataclass
class Entry:
    named: Name
    where: str
    open: Callable[[], io.BufferedIOBase | None]  # the notebook's bytes, capped; None when refused
    problem: str = ""


def _size_problem(m: zipfile.ZipInfo) -> str:
    if m.file_size > MAX_MEMBER_BYTES:
        return f"{m.filename} is {m.file_size} bytes unpacked (the cap is {MAX_MEMBER_BYTES})"
    if m.file_size > RATIO_FROM_BYTES and m.file_size > MAX_RATIO * max(1, m.compress_size):
        return f"{m.filename} inflates {m.file_size // max(1, m.compress_size)} times (a zip bomb?)"
    return ""


def _safe_member(m: zipfile.ZipInfo) -> bool:
    parts = PurePosixPath(m.filename.replace("\\", "/")).parts
    return bool(parts) and not m.filename.startswith(("/", "\\")) and ".." not in parts and "__MACOSX" not in parts


def _first_notebook(zf: zipfile.ZipFile) -> tuple[zipfile.ZipInfo | None, int]:
    """The first ``.ipynb`` member of a student's own archive (names inside it decide nothing), and how many."""
    books = [m for m in zf.infolist() if _safe_member(m) and m.filename.endswith(".ipynb") and not m.is_dir()]
    return (books[0] if books else None), len(books)


def _upload(read_outer: Callable[[], io.BufferedIOBase], log, where: str) -> Callable:
    """An opener for the one notebook of a student's own archive, read without unpacking the rest."""

    def opener():
        with read_outer() as outer:
            spooled = io.BytesIO(_read_capped(outer, MAX_MEMBER_BYTES))
        try:
            zf = zipfile.ZipFile(spooled)
            member, count = _first_notebook(zf)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            return None
        if member is None:
            log(f"warning: {where} holds no notebook")
            return None
        if count > 1:
            log(f"warning: {where} holds {count} notebooks; the first, {member.filename}, is the submission")
        problem = _size_problem(member)
        if problem:
            log(f"warning: {where}: {problem}: refused")
            return None
        return zf.open(member)

    return opener


def _read_capped(stream, cap: int) -> bytes:
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise ValueError(f"more than {cap} bytes")
    return data


def _entries(path: Path, log, opened: list) -> Iterator[Entry]:
    """Everything one top-level file of an assignment folder yields, each read only when written (a class
    archive stays open, in ``opened``, until its folder is done)."""
    named = parse(path.name)
    if not path.name.lower().endswith(".zip"):
        if named is None:
            log(f"warning: skipped {path.name}: its name does not match an LMS's pattern")
            return
        too_big = path.stat().st_size > MAX_MEMBER_BYTES
        yield Entry(
            named,
            path.name,
            lambda: None if too_big else path.open("rb"),
            f"{path.name} is larger than {MAX_MEMBER_BYTES} bytes" if too_big else "",
        )
        return
    if named is not None:  # one student's archive: all of it is theirs, whatever its members are called
        yield Entry(named, path.name, _upload(lambda: path.open("rb"), log, path.name))
        return
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        log(f"warning: skipped {path.name}: not a readable zip ({exc})")
        return
    opened.append(zf)
    receipts = {}
    for m in zf.infolist():
        stem = PurePosixPath(m.filename).name[:-4]
        if (
            m.filename.endswith(".txt")
            and m.file_size <= RECEIPT_BYTES
            and _safe_member(m)
            and (found := BLACKBOARD.match(stem))
            and not found.group("file_id")
        ):
            receipts[stem] = m
    for m in zf.infolist():
        if m.is_dir() or (m.filename.endswith(".txt") and PurePosixPath(m.filename).name[:-4] in receipts):
            continue
        if not _safe_member(m):
            log(f"warning: skipped {path.name}:{m.filename}: unsafe path")
            continue
        who = _member_name(m.filename)
        if who is None:
            log(f"warning: skipped {path.name}:{m.filename}: its name does not match an LMS's pattern")
            continue
        if who.receipt_key in receipts:
            who = _with_receipt(who, zf.read(receipts[who.receipt_key]).decode("utf-8", "replace"))
        where = f"{path.name}:{m.filename}"
        problem = _size_problem(m)
        if m.filename.lower().endswith(".zip"):  # a student's upload: theirs alone, one notebook
            yield Entry(who, where, _upload(lambda m=m: zf.open(m), log, where), problem)
        else:
            yield Entry(who, where, lambda m=m: zf.open(m), problem)


def _member_name(filename: str) -> Name | None:
    """A class archive member's owner: its own file name, or Moodle's ``<prefix>_assignsubmission_file/`` folder."""
    named = parse(filename)
    parts = PurePosixPath(filename.replace("\\", "/")).parts
    if named is None and len(parts) >= 2 and not NAMED_REGEXP:
        folder = MOODLE.match(parts[-2])
        if folder and parts[-1].endswith(".ipynb"):
            named = _checked(Name(folder.group("student_id"), parts[-1]))
    return named


def _with_receipt(named: Name, text: str) -> Name:
    user, assignment = receipt_user(text)
    for reading in named.readings:
        if reading[1] == user or (assignment and reading[0] == assignment):
            return Name(reading[1], named.file_id, (reading,), named.receipt_key)
    return named


def resolve(names: list[Name]) -> list[Name]:
    """Each Blackboard name with several readings settled by the folder's other names, where they settle it: an
    assignment name that a settled name shows, else the one prefix every name shares. Unsettled ones stay None."""
    known = {n.readings[0][0] for n in names if n.student is not None and len(n.readings) == 1}
    resolved = []
    for n in names:
        if n.student is None and known:
            fits = [r for r in n.readings if r[0] in known]
            n = Name(fits[0][1], n.file_id, (fits[0],), n.receipt_key) if len(fits) == 1 else n
        resolved.append(n)
    open_ = [n for n in resolved if n.student is None]
    prefixes = {r[0] for n in open_ for r in n.readings}
    shared = [p for p in prefixes if all(any(r[0] == p for r in n.readings) for n in resolved if n.readings)]
    if open_ and len(shared) == 1 and len({n.receipt_key for n in resolved if n.readings}) > 1:
        resolved = [
            Name(
                next(r[1] for r in n.readings if r[0] == shared[0]),
                n.file_id,
                tuple(r for r in n.readings if r[0] == shared[0]),
                n.receipt_key,
            )
            if n.student is None
            else n
            for n in resolved
        ]
    return resolved


def _notebook_name(file_id: str, assignment: str) -> str:
    """``<assignment>.ipynb`` for the assignment's notebook under an LMS's or browser's copy suffix."""
    stem = file_id[:-6]
    return f"{assignment}.ipynb" if _COPY_SUFFIX.sub("", stem) == assignment else file_id


@dataclass(frozen=True)
class Collected:
    """What :func:`collect_zips` made: the submissions folder, and the students' flags from collecting."""

    folder: Path
    flags: dict[tuple[str, str], list[Flag]]  # (student, assignment) -> flags (an ambiguous name: its LMS prefix)


def collect_zips(zip_dir: Path, dest: Path, log: Callable[[str], None] = print) -> Collected:
    """Collect every ``zip_dir/<assignment>/`` into ``dest/submitted``. Duplicates, ambiguous names and refused
    members are skipped and flagged in the result."""
    if not zip_dir.is_dir():
        raise GradingError(f"--zip folder {zip_dir} does not exist: it should hold <assignment>/*.zip")
    folders = sorted(p for p in zip_dir.iterdir() if p.is_dir() and not p.is_symlink())
    if not folders:
        raise GradingError(f"--zip folder {zip_dir} has no <assignment>/ folders with archives in them")
    submitted = dest / "submitted"
    submitted.mkdir(parents=True, mode=0o700)
    flags: dict[tuple[str, str], list[Flag]] = {}

    def flag(student: str, assignment: str, found: Flag) -> None:
        flags.setdefault((encodable(student), assignment), []).append(Flag(found.flag, encodable(found.detail)))
        log(encodable(f"warning: {student}/{assignment}: {found.detail}"))

    for folder in folders:
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink())
        opened: list[zipfile.ZipFile] = []
        try:
            _collect_folder(folder, [e for path in files for e in _entries(path, log, opened)], submitted, flag)
        finally:
            for zf in opened:
                zf.close()
    return Collected(submitted, flags)


def _collect_folder(folder: Path, entries: list[Entry], submitted: Path, flag) -> None:
    """Write one assignment folder's notebooks, each student's first; flag what is ambiguous, twice or refused."""
    names = resolve([e.named for e in entries])
    seen: dict[str, str] = {}
    for entry, named in zip(entries, names):
        if named.student is None:
            readings = " or ".join(f"{user!r} (assignment {a!r})" for a, user in named.readings)
            flag(
                named.receipt_key.partition("_attempt_")[0],
                folder.name,
                Flag(
                    "ambiguous_name",
                    f"{entry.where} could be {readings}: not graded; rename it <assignment>_<username>_attempt_...",
                ),
            )
            continue
        student = named.student
        if student in seen:
            flag(
                student,
                folder.name,
                Flag("duplicate_submission", f"{entry.where} is a second submission (kept {seen[student]})"),
            )
            continue
        stream = None if entry.problem else entry.open()
        if stream is None:
            flag(
                student,
                folder.name,
                Flag("refused_upload", f"{entry.where}: {entry.problem or 'no readable notebook'}"),
            )
            continue
        seen[student] = entry.where
        target = submitted / student / folder.name
        target.mkdir(parents=True)
        try:
            with stream, (target / _notebook_name(named.file_id, folder.name)).open("wb") as out:
                _copy_capped(stream, out, MAX_MEMBER_BYTES)
        except (ValueError, OSError, zipfile.BadZipFile, RuntimeError) as exc:
            shutil.rmtree(target)
            flag(student, folder.name, Flag("refused_upload", f"{entry.where}: not unpacked ({exc})"))


def _copy_capped(source, target, cap: int) -> None:
    copied = 0
    while chunk := source.read(1024 * 1024):
        copied += len(chunk)
        if copied > cap:
            raise ValueError(f"more than {cap} bytes unpacked")
        target.write(chunk)
