"""Copying a folder a student owns, as an instructor, without ever following what the student put in it.

A student can change her own submission after submitting: swap a notebook for a link to ``source/`` or to
another student's collected work, add a link to ``/dev/zero`` or to ``.``, a FIFO, an unreadable file, a sparse
file of a terabyte. :func:`copy_tree` walks the tree through file descriptors: every entry is ``lstat``-ed
relative to its folder's descriptor, and opened with ``O_NOFOLLOW`` (checked again with ``fstat``: same inode,
still a regular file or folder), so a link at any depth, even one swapped in while the walk runs, is never
followed. Only regular files and folders are copied; everything else is refused with its path and kind, and
caps bound the bytes and entries actually copied (a file's apparent size is checked before it is read).
"""

from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass, field

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_CHUNK = 1 << 20
_KINDS = {
    stat.S_IFLNK: "a link",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


class Refused(Exception):
    """The tree holds something that is not the student's own regular files and folders, or is too large."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Caps:
    max_bytes: int  # all files together
    max_file_bytes: int
    max_entries: int  # files and folders
    max_depth: int = 32


@dataclass
class Copied:
    files: int = 0
    bytes: int = 0
    newest_ctime_ns: int = 0  # the latest change to anything copied: a student cannot set it back
    problems: list[str] = field(default_factory=list)
    stopped: bool = False  # a cap was reached: walk no further


def open_folder(base: str, *parts: str) -> int:
    """A descriptor for ``base/parts...``, refusing a link at every part after ``base`` (trusted: the admin's)."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts:
            if "/" in part or part in ("", ".", ".."):
                raise Refused([f"{part!r} is not a plain folder name"])
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as error:
                raise Refused([f"{part}: {_why(error, part, fd)}"]) from None
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def copy_tree(
    src_fd: int,
    dest: str,
    caps: Caps,
    owner: int | None = None,
    ignore: tuple[str, ...] = (),
    include: tuple[str, ...] = (),
) -> Copied:
    """Copy the folder open at ``src_fd`` into the new folder ``dest`` (which must not exist).

    ``owner``: the uid every entry must belong to (None: anyone's). ``ignore`` / ``include``: nbgrader's
    ``CourseDirectory.ignore`` and ``include`` globs, on names. Raises :class:`Refused` listing what was refused
    (``dest`` is then partly written: the caller removes it); nothing is followed either way.
    """
    copied = Copied()
    _note(copied, os.fstat(src_fd), owner, ".")
    os.mkdir(dest, 0o755)
    _copy_folder(src_fd, dest, "", caps, owner, ignore, include, copied, depth=0)
    if copied.problems:
        raise Refused(copied.problems)
    return copied


def _copy_folder(fd, dest, where, caps, owner, ignore, include, copied, depth):
    if depth > caps.max_depth:
        copied.stopped = True
        return _problem(copied, f"{where}: folders nested deeper than {caps.max_depth}")
    with os.scandir(fd) as entries:
        names = sorted(entry.name for entry in entries)
    for name in names:
        if copied.stopped or len(copied.problems) >= 20:
            return
        path = f"{where}{name}"
        if any(fnmatch.fnmatch(name, glob) for glob in ignore):
            continue
        try:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except OSError as error:
            _problem(copied, f"{path}: {error.strerror}")
            continue
        copied.files += 1
        if copied.files > caps.max_entries:
            copied.stopped = True
            return _problem(copied, f"more than {caps.max_entries} files and folders")
        if stat.S_ISDIR(info.st_mode):
            _copy_child_folder(fd, name, info, dest, path, caps, owner, ignore, include, copied, depth)
        elif stat.S_ISREG(info.st_mode):
            if include and not any(fnmatch.fnmatch(name, glob) for glob in include):
                continue
            _copy_file(fd, name, info, os.path.join(dest, name), path, caps, owner, copied)
        else:
            _problem(copied, f"{path}: {_KINDS.get(stat.S_IFMT(info.st_mode), 'not a regular file')}")


def _copy_child_folder(fd, name, info, dest, path, caps, owner, ignore, include, copied, depth):
    if not _note(copied, info, owner, path):
        return
    if (child := _open_entry(fd, name, _DIR_FLAGS, info, copied, path)) is None:
        return
    try:
        target = os.path.join(dest, name)
        if not copied.problems:
            os.mkdir(target, 0o755)
        _copy_folder(child, target, path + "/", caps, owner, ignore, include, copied, depth + 1)
    finally:
        os.close(child)


def _copy_file(fd, name, info, target, path, caps, owner, copied):
    if not _note(copied, info, owner, path):
        return
    if info.st_size > caps.max_file_bytes:
        return _problem(copied, f"{path}: {info.st_size} bytes, over the {caps.max_file_bytes}-byte limit per file")
    if copied.bytes + info.st_size > caps.max_bytes:
        return _problem(copied, f"{path}: the submission passes the {caps.max_bytes}-byte limit")
    if (source := _open_entry(fd, name, _FILE_FLAGS, info, copied, path)) is None:
        return
    try:
        if copied.problems:
            return  # keep walking to report every problem, but copy nothing more
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        try:
            limit = min(caps.max_file_bytes, caps.max_bytes - copied.bytes)
            while chunk := os.read(source, _CHUNK):
                copied.bytes += len(chunk)
                limit -= len(chunk)
                if limit < 0:  # grew while being read
                    return _problem(copied, f"{path}: grew past the size limit while being copied")
                os.write(out, chunk)
        finally:
            os.close(out)
    except OSError as error:
        _problem(copied, f"{path}: {error.strerror}")
    finally:
        os.close(source)


def _note(copied: Copied, info: os.stat_result, owner: int | None, path: str) -> bool:
    if owner is not None and info.st_uid != owner:
        _problem(copied, f"{path}: owned by uid {info.st_uid}, not the student")
        return False
    copied.newest_ctime_ns = max(copied.newest_ctime_ns, info.st_ctime_ns)
    return True


def _open_entry(fd: int, name: str, flags: int, info: os.stat_result, copied: Copied, path: str) -> int | None:
    """``name`` opened without following a link, and still the entry ``info`` described; None (reported) if not."""
    try:
        opened = os.open(name, flags, dir_fd=fd)
    except OSError as error:
        _problem(copied, f"{path}: {_why(error, name, fd)}")
        return None
    now = os.fstat(opened)
    if (now.st_dev, now.st_ino, stat.S_IFMT(now.st_mode)) != (info.st_dev, info.st_ino, stat.S_IFMT(info.st_mode)):
        os.close(opened)
        _problem(copied, f"{path}: replaced while being copied")
        return None
    copied.newest_ctime_ns = max(copied.newest_ctime_ns, now.st_ctime_ns)
    return opened


def _why(error: OSError, name: str, fd: int) -> str:
    """What stopped an ``O_NOFOLLOW`` open: a link (ELOOP, or ENOTDIR for a folder) or the error itself."""
    try:
        kind = stat.S_IFMT(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode)
    except OSError:
        return error.strerror or str(error)
    if kind in _KINDS:
        return _KINDS[kind]
    return "cannot be read" if isinstance(error, PermissionError) else (error.strerror or str(error))


def _problem(copied: Copied, text: str) -> None:
    copied.problems.append(text)
