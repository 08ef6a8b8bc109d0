"""``--zip DIR``: turn LMS download archives into nbgrader's submitted layout, naming nobody the LMS did not.

``DIR`` holds one folder per assignment, ``DIR/<assignment>/*.zip`` (or loose files), as an LMS exports
them. Each name the LMS wrote must match :data:`NAMED_REGEXP` (nbgrader's ``FileNameCollectorPlugin.named_regexp``
syntax): the Blackboard-style ``<anything>_<student_id>_attempt_<timestamp>_<assignment>.ipynb`` by default
(student ids without ``_``: the name is split on it); set ``AUTOGRADER_ZIP_REGEXP`` for another LMS.

Who a file belongs to comes only from a name the LMS wrote, never from inside a student's upload. nbgrader's
``zip_collect`` unpacks archives inside archives and matches the paths it finds there, so a student who
uploaded a zip holding ``..._<classmate>_attempt_..._toy.ipynb`` could stop the batch (a duplicate) or be
graded as the classmate. Here a loose file or a member of a class archive is matched by its own file name (no
folder part); a member that is itself an archive (a student's upload) yields at most one notebook, for the
student its own name matches; a top-level archive whose own name matches is one student's, whatever its
members are called. A second submission for the same student and assignment is skipped and flagged
(``duplicate_submission``); the batch goes on. Members with absolute paths or ``..`` are never extracted.
``DIR`` itself is only read; the collected copy lives in the run's scratch folder.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Callable

from .errors import GradingError
from .results import Flag

NAMED_REGEXP = os.environ.get(
    "AUTOGRADER_ZIP_REGEXP",
    r".*?_?(?P<student_id>[A-Za-z0-9.\-]+)_attempt_[0-9\-]+_(?P<file_id>[^/_][^/]*\.ipynb)$",
)
MAX_MEMBER_BYTES = 64 * 1024**2  # a notebook bigger than this is not a submission (and no zip bomb fills the disk)
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+\-]*$")


def owner(name: str, regexp: str = NAMED_REGEXP) -> tuple[str, str] | None:
    """``(student_id, file_id)`` from a file name the LMS wrote (``.zip`` read as ``.ipynb``), or None."""
    base = PurePosixPath(name.replace("\\", "/")).name
    if base.lower().endswith(".zip"):
        base = base[:-4] + ".ipynb"
    found = re.match(regexp, base)
    if not found or "student_id" not in found.groupdict():
        return None
    student = found.group("student_id")
    file_id = PurePosixPath(found.groupdict().get("file_id") or base).name
    if not _SAFE_ID.match(student or "") or not file_id.endswith(".ipynb") or file_id.startswith("."):
        return None
    return student, file_id


def _notebooks_of_upload(data: bytes) -> list[tuple[str, bytes]]:
    """The ``.ipynb`` members of a student's own archive (names inside it decide nothing)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [(m.filename, zf.read(m)) for m in zf.infolist() if _safe_member(m)
                    and m.filename.endswith(".ipynb") and not m.is_dir()]
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return []


def _safe_member(m: zipfile.ZipInfo) -> bool:
    parts = PurePosixPath(m.filename.replace("\\", "/")).parts
    return bool(parts) and not m.filename.startswith(("/", "\\")) and ".." not in parts \
        and m.file_size <= MAX_MEMBER_BYTES and "__MACOSX" not in parts


def _entries(path: Path, log) -> list[tuple[tuple[str, str], bytes, str]]:
    """((student, file_id), bytes, where) for everything one top-level file of an assignment folder yields."""
    named = owner(path.name)
    if not path.name.lower().endswith(".zip"):
        if named is None:
            log(f"warning: skipped {path.name}: its name does not match the LMS pattern")
            return []
        return [(named, path.read_bytes(), path.name)]
    if named is not None:  # one student's archive: all of it is theirs, whatever its members are called
        books = _notebooks_of_upload(path.read_bytes())
        if len(books) != 1:
            log(f"warning: {path.name} holds {len(books)} notebooks; the first is {named[0]}'s submission")
        return [(named, data, f"{path.name}:{name}") for name, data in books[:1]]
    found = []
    try:
        with zipfile.ZipFile(path) as zf:
            for m in zf.infolist():
                if m.is_dir():
                    continue
                if not _safe_member(m):
                    log(f"warning: skipped {path.name}:{m.filename}: unsafe path or too big")
                    continue
                who = owner(m.filename)
                if who is None:
                    log(f"warning: skipped {path.name}:{m.filename}: its name does not match the LMS pattern")
                elif m.filename.lower().endswith(".zip"):  # a student's upload: theirs alone, one notebook
                    books = _notebooks_of_upload(zf.read(m))
                    found += [(who, data, f"{path.name}:{m.filename}:{name}") for name, data in books[:1]]
                else:
                    found.append((who, zf.read(m), f"{path.name}:{m.filename}"))
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        log(f"warning: skipped {path.name}: not a readable zip ({exc})")
    return found


def collect_zips(zip_dir: Path, dest: Path, log: Callable[[str], None] = print,
                 flags: dict | None = None) -> Path:
    """Collect every ``zip_dir/<assignment>/`` into ``dest/submitted``; returns that folder. Duplicates are
    skipped and, when ``flags`` is given, recorded there as ``(student, assignment) -> [Flag]``."""
    if not zip_dir.is_dir():
        raise GradingError(f"--zip folder {zip_dir} does not exist: it should hold <assignment>/*.zip")
    folders = sorted(p for p in zip_dir.iterdir() if p.is_dir() and not p.is_symlink())
    if not folders:
        raise GradingError(f"--zip folder {zip_dir} has no <assignment>/ folders with archives in them")
    submitted = dest / "submitted"
    submitted.mkdir(parents=True, mode=0o700)
    flags = {} if flags is None else flags
    for folder in folders:
        seen: dict[str, str] = {}
        for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink()):
            for (student, file_id), data, where in _entries(path, log):
                if student in seen:
                    detail = f"{where} is a second submission (kept {seen[student]})"
                    flags.setdefault((student, folder.name), []).append(Flag("duplicate_submission", detail))
                    log(f"warning: {student}/{folder.name}: {detail}")
                    continue
                seen[student] = where
                target = submitted / student / folder.name
                target.mkdir(parents=True)
                (target / file_id).write_bytes(data)
    return submitted
