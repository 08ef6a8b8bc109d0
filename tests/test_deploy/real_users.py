"""Running test code as a real Unix user: a forked child that has dropped root (the tests that need it run as
root and skip with the reason otherwise)."""

from __future__ import annotations

import os
import pickle
import pwd
import signal


def as_user(name: str, fn, *args, before=None, timeout: int = 300, **kwargs):
    """``fn(*args, **kwargs)`` in a child process running as ``name`` (its groups, home and a 022 umask): what it
    returned, or ``("error", message)`` for what it raised. ``before()`` runs first in the child, still as root
    (say, to set up a mount namespace). A child still running after ``timeout`` seconds is killed (SIGALRM), and
    reported as ``("error", "timed out ...")``."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            signal.alarm(timeout)
            if before is not None:
                before()
            user = pwd.getpwnam(name)
            os.setgroups(os.getgrouplist(name, user.pw_gid))
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
            os.environ["HOME"] = user.pw_dir
            os.umask(0o022)
            payload = pickle.dumps(("ok", fn(*args, **kwargs)))
        except BaseException as error:  # noqa: BLE001 - reported to the parent
            payload = pickle.dumps(("error", f"{type(error).__name__}: {error}"))
        with os.fdopen(write, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as source:
        data = source.read()
    os.waitpid(pid, 0)
    if not data:
        return ("error", f"timed out after {timeout} s, or died")
    status, value = pickle.loads(data)
    return ("error", value) if status == "error" else value


def must(result):
    assert not (isinstance(result, tuple) and result and result[0] == "error"), result
    return result
