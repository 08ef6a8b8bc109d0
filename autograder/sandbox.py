"""How a grading kernel is confined: its own namespaces, nothing of the course visible, capped resources.

The grader (nbgrader, in a worker process) starts kernels through a per-submission kernelspec whose ``argv``
is a generated launcher. Where bubblewrap (``bwrap``, Debian's ``bubblewrap``) can make namespaces, for root
and for an instructor without root alike, the launcher starts the kernel in a bwrap sandbox
(:func:`bwrap_command`):

1. new user (non-root), mount, PID, IPC, network and UTS namespaces: no network at all, no other process
   visible, ``--die-with-parent`` and ``--new-session`` (no terminal to push input into), every capability
   dropped and no further user namespaces (``--disable-userns``);
2. a file system made of ``/usr`` and a few ``/etc`` files read-only, the Python environment, the base
   interpreter and the course's helper packages read-only at their own paths (a checkout under ``/tmp`` or a home
   included), and nothing else: no course root, submissions, output, exchange or home. Every writable place
   (``$HOME``, ``/tmp``, ``/dev/shm``, ``/var/tmp``, ``/run/lock``) is a size-capped tmpfs of its own that dies
   with the job; the sandbox's own root is read-only, and so are the folders leading to an environment under
   ``/tmp`` (a read-only tmpfs of their own, :func:`_mount_tops`). What the grader hands in (guard, data files,
   connection file) is bound read-only; the kernel's ZMQ sockets are in its runtime folder inside its home,
   which the grader reaches through ``/proc/<sandbox init>/root`` (the job's ``home`` link, turned by the
   launcher);
3. paths like a student's lab: ``$HOME`` is ``/home/<student>``, the notebook runs in ``~/<assignment>``, the
   connection file is in ``~/.local/share/jupyter/runtime``, and nothing in the environment names the grader.

As root, each worker slot's kernels also run as a user of their own (:func:`claim_slot`, ``setpriv`` inside the
sandbox: no capabilities, no new privileges); bwrap then runs privileged, without a user namespace. Where
bwrap cannot run (user namespaces off, no bwrap) root falls back to the older launcher (:func:`mount_lines`:
``unshare`` and tmpfs mounts over the hidden folders); without root nothing can confine the kernel and the
grader refuses to run unless told to (``AUTOGRADER_UNCONFINED=1``).

Limits per job: as root a cgroup per job (v2 where the unified hierarchy offers the controllers, else v1) with
``pids.max``, the memory cap with no swap and a CPU quota (``Limits.cpus``); without root a systemd user scope
(``systemd-run --user --scope -p MemoryMax= -p TasksMax= -p CPUQuota=``) where the user has a delegated
slice; else ``prlimit`` caps per process and the scheduler's autogroups (one per session: each job's
``--new-session``) for a fair CPU share. ``AUTOGRADER_NO_CGROUPS=1`` turns the root cgroups off,
``AUTOGRADER_NO_BWRAP=1`` forces the older launcher: for tests of those fallbacks.
:meth:`Capabilities.limits_in_force` says which were in force (``report.html``).
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .description import Course, Located
from .limits import Limits

SANDBOX_USER = "autograder-sandbox"
KERNEL_NAME = "autograder-sandbox"
GUARD = Path(__file__).with_name("guard.py")
GUARD_COPY = ".autograder_guard.py"  # the guard's name in the kernel's home
GUARD_SETTINGS = '_autograder_settings = {"watch": [], "checks": ""}\n'  # guard.py's line the copy fills in


def guard_text(settings: dict) -> str:
    """The kernel's copy of ``guard.py``, with the course's settings (module names: checked, plain literals)."""
    text = GUARD.read_text(encoding="utf-8")
    assert text.count(GUARD_SETTINGS) == 1, "guard.py lost its settings line"
    return text.replace(GUARD_SETTINGS, f"_autograder_settings = {json.dumps(settings)}\n")


NO_CGROUPS_ENV = "AUTOGRADER_NO_CGROUPS"  # set to 1: no per-job cgroups (the per-worker-user fallback)
SLOT_LOCKS = Path("/run/autograder-slots")  # one lock file per worker slot, machine-wide
MAX_SLOTS = 64  # workers beyond this many at once share the plain sandbox user
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_CONTROLLERS = ("pids", "memory", "cpu")
CPU_PERIOD_US = 100_000  # the CPU quota's period: the job may use cpus * this per period
NO_BWRAP_ENV = "AUTOGRADER_NO_BWRAP"  # set to 1: the older root launcher (unshare and mounts) instead of bwrap
UNCONFINED_ENV = "AUTOGRADER_UNCONFINED"  # set to 1: grade even where no sandbox can be made (student code unconfined)
SMALL_TMPFS = 16 * 1024**2  # /var/tmp and /run/lock: private, and small
TOP_TMPFS = 1024**2  # a read-only tmpfs holding only the folders that lead to an environment under /tmp or a home
# /etc files a Python kernel reads (the dynamic linker, time zone); passwd and group are written per job
ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/nsswitch.conf",
    "/etc/mime.types",
    "/etc/fonts",
)
SAFE_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
CGROUP_PARENT = "autograder"
MEMORY_SLACK = 512 * 1024**2  # the job's memory cgroup: the per-process cap plus this (one process: MemoryError first)


@dataclass(frozen=True)
class Capabilities:
    """What this machine lets the grader do; ``warnings`` says what is missing and what that means."""

    user: tuple[int, int] | None  # (uid, gid) of the unprivileged user, or None
    namespaces: bool  # the kernel gets its own mount, network and PID namespaces (bwrap or unshare)
    prlimit: bool
    warnings: tuple[str, ...] = field(default=())
    cgroups: tuple[str, ...] = field(default=())  # controllers ("pids", "memory", "cpu") of the per-job cgroup
    cgroup_version: int = 1  # 1: one v1 hierarchy per controller under cgroup_root; 2: the unified one at cgroup_root
    cgroup_root: str = str(CGROUP_ROOT)
    slot: int | None = None  # this worker's slot: ``user`` is then that slot's own user, no other process's
    bwrap: bool = False  # kernels start in a bubblewrap sandbox (else the older unshare launcher, if namespaces)
    scope: bool = False  # no root: each kernel in a systemd user scope with memory, tasks and CPU caps
    root: bool = True  # the grader runs as root (bwrap privileged, a user per slot) or not (a user namespace)

    def describe(self) -> str:
        if self.bwrap:
            where = (
                "bubblewrap sandbox: own mount, PID, IPC, network and UTS namespaces"
                + ("" if self.root else " in a user namespace")
                + "; only the job's folders writable, "
                "course files, submissions and homes not visible"
            )
        elif self.namespaces:
            where = "unshare sandbox: no network, course files hidden, own PID namespace"
        else:
            where = "NO network/file isolation"
        parts = [
            "unprivileged user per worker"
            if self.user
            else ("the grading user, mapped in its own user namespace" if self.bwrap else "NO separate user"),
            where,
            "memory/CPU caps" if self.prlimit or self.scope else "NO resource caps",
        ]
        if self.cgroups:
            parts.append(
                f"per-job {', '.join(self.cgroups[:-1])} and {self.cgroups[-1]} cgroup (v{self.cgroup_version})"
                if len(self.cgroups) > 1
                else f"per-job {self.cgroups[0]} cgroup (v{self.cgroup_version})"
            )
        elif self.scope:
            parts.append("per-job systemd user scope")
        else:
            parts.append("NO per-job cgroup (process cap per worker)")
        return ", ".join(parts)

    def limits_in_force(self) -> str:
        """One line per kind of limit: what enforces it here (``report.html`` shows it beside ``describe``)."""
        group = f"cgroup v{self.cgroup_version}"
        memory = (
            f"all the job's processes together ({group} memory cap, no swap) and per process (RLIMIT_DATA)"
            if "memory" in self.cgroups
            else "all the job's processes together (systemd MemoryMax, no swap)"
            if self.scope
            else "per process only (RLIMIT_DATA: each of the kernel's processes up to the cap, "
            "not all of them together, and the tmpfs scratch not counted: weaker than a cgroup or a systemd "
            "scope)"
            if self.prlimit
            else "none"
        )
        processes = (
            f"per job ({group} pids.max)"
            if "pids" in self.cgroups
            else "per job (systemd TasksMax)"
            if self.scope
            else "per worker user (RLIMIT_NPROC)"
            if self.user and self.prlimit
            else "shared with the grading user's own processes (RLIMIT_NPROC)"
            if self.prlimit
            else "none"
        )
        cpu = (
            f"a quota per job ({group} cpu)"
            if "cpu" in self.cgroups
            else "a quota per job (systemd CPUQuota)"
            if self.scope
            else "a fair share per job (the scheduler's autogroup of its own session), no quota"
            if self.bwrap and _autogroups()
            else "none beyond the CPU-time cap (RLIMIT_CPU)"
            if self.prlimit
            else "none"
        )
        disk = (
            "every writable place a size-capped tmpfs of its own (in memory, counted in the memory cap where "
            "there is one); no disk"
            if self.bwrap
            else "private /tmp, /dev/shm, /var/tmp and /run/lock size-capped; the kernel's home on disk, capped per "
            "file (RLIMIT_FSIZE)"
            if self.namespaces
            else "per file only (RLIMIT_FSIZE)"
            if self.prlimit
            else "none"
        )
        return f"memory: {memory}; processes: {processes}; CPU: {cpu}; disk: {disk}"


def _autogroups() -> bool:
    """The scheduler groups each session's processes for CPU fairness (``kernel.sched_autogroup_enabled``)."""
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return False


def slot_user(slot: int | None) -> str:
    """The sandbox user of a worker slot (``None``: the one shared by processes without a slot)."""
    return SANDBOX_USER if slot is None else f"{SANDBOX_USER}-{slot}"


def _ensure_user(name: str = SANDBOX_USER) -> tuple[int, int] | None:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        if not shutil.which("useradd"):
            return None
        done = subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                "--user-group",
                name,
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode not in (0, 9):  # 9: created meanwhile by a parallel run
            return None
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            return None
    return entry.pw_uid, entry.pw_gid


_slot: tuple[int, int] | None = None  # (slot, the locked file's descriptor), held until this process exits


def claim_slot(locks: Path = SLOT_LOCKS) -> int | None:
    """Take the lowest worker slot no other process on this machine holds (a worker calls this before its first
    :func:`probe`). Two grading runs on one machine never share a slot, so a slot's user only ever runs one
    job's kernel at a time. The lock dies with the process: a dead worker's slot is free again, and whatever
    its kernels left running as the slot's user is killed by the next worker to take it."""
    global _slot
    if _slot is None and os.geteuid() == 0:
        try:
            locks.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return None
        for n in range(MAX_SLOTS):
            try:
                fd = os.open(locks / f"{n}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                return None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            _slot = (n, fd)
            try:  # a worker that died held this slot: its kernels may still run, unwatched
                entry = pwd.getpwnam(slot_user(n))
            except KeyError:
                break
            _kill_everything_of(entry.pw_uid, entry.pw_gid)
            break
    return _slot[0] if _slot else None


def _bwrap_works(is_root: bool) -> bool:
    """bwrap can make this process's sandbox: a user namespace too where this process is not root."""
    if os.environ.get(NO_BWRAP_ENV, "") not in ("", "0") or not shutil.which("bwrap"):
        return False
    userns = [] if is_root else ["--unshare-user", "--disable-userns"]
    done = subprocess.run(
        [
            "bwrap",
            *userns,
            "--unshare-ipc",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-uts",
            "--die-with-parent",
            "--new-session",
            "--ro-bind",
            "/",
            "/",
            "--size",
            "65536",
            "--tmpfs",
            "/tmp",
            "--",
            "/bin/sh",
            "-c",
            "true",
        ],
        capture_output=True,
    )
    return done.returncode == 0


def _scope_works(limits: Limits) -> bool:
    """A systemd user manager with a delegated slice runs a scope with memory, tasks and CPU caps."""
    if not shutil.which("systemd-run"):
        return False
    try:
        done = subprocess.run([*scope_prefix(limits), "/bin/true"], capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def scope_prefix(limits: Limits) -> list[str]:
    """``systemd-run`` in a transient user scope that caps the kernel's memory (no swap), tasks and CPU."""
    return [
        "systemd-run",
        "--user",
        "--scope",
        "--quiet",
        "--collect",
        "-p",
        f"MemoryMax={limits.memory_bytes + MEMORY_SLACK}",
        "-p",
        "MemorySwapMax=0",
        "-p",
        f"TasksMax={limits.processes}",
        "-p",
        f"CPUQuota={round(limits.cpus * 100)}%",
        "--",
    ]


@functools.lru_cache(maxsize=1)
def probe() -> Capabilities:
    """Find out once per process which confinement steps work here (in a worker: for its slot's user)."""
    warnings = []
    is_root = os.geteuid() == 0
    slot = _slot[0] if _slot else None
    user = _ensure_user(slot_user(slot)) if is_root and shutil.which("setpriv") else None
    if user is None and slot is not None:
        slot, user = None, _ensure_user() if is_root and shutil.which("setpriv") else None
    bwrap = _bwrap_works(is_root)
    if user is None and not bwrap:
        warnings.append(
            "student code runs as the grading user: it can read every file that user can (run the grader as "
            "root on Linux with setpriv and useradd to give kernels their own unprivileged user)"
        )
    namespaces = bwrap
    if not bwrap and shutil.which("bwrap") and os.environ.get(NO_BWRAP_ENV, "") in ("", "0"):
        warnings.append(
            "bwrap cannot make namespaces here (user namespaces are off: "
            "kernel.unprivileged_userns_clone or user.max_user_namespaces)"
            + (": falling back to the unshare launcher" if is_root else "")
        )
    if not bwrap and is_root and shutil.which("unshare"):
        done = subprocess.run(
            ["unshare", "-m", "-n", "-p", "-f", "--mount-proc", "--", "sh", "-c", "mount -t tmpfs tmpfs /mnt && true"],
            capture_output=True,
        )
        namespaces = done.returncode == 0
    if not namespaces:
        warnings.append(
            "no sandbox (needs bwrap with user namespaces, or root and unshare): student code keeps network "
            "access and can read every file the grading user can, such as source/ and hidden tests"
        )
    has_prlimit = shutil.which("prlimit") is not None
    if not has_prlimit:
        warnings.append("prlimit not found: kernels run without memory and CPU caps")
    version, cgroups, cgroup_root = (0, (), CGROUP_ROOT)
    if is_root and os.environ.get(NO_CGROUPS_ENV, "") not in ("", "0"):
        warnings.append(f"cgroups turned off by {NO_CGROUPS_ENV}")
    elif is_root:
        version, cgroups, cgroup_root = probe_cgroups(CGROUP_ROOT)
    scope = not is_root and bwrap and _scope_works(Limits())
    if "pids" not in cgroups and not scope:
        warnings.append(
            "no per-job pids cgroup (cgroup v2 with the pids controller, or a v1 pids hierarchy, as "
            "root; or a systemd user scope): a kernel's process cap is shared with the other jobs of "
            "its " + ("worker" if is_root else "grading user")
        )
    return Capabilities(
        user=user,
        namespaces=namespaces,
        prlimit=has_prlimit,
        warnings=tuple(warnings),
        cgroups=cgroups,
        cgroup_version=version or 1,
        cgroup_root=str(cgroup_root),
        slot=slot,
        bwrap=bwrap,
        scope=scope,
        root=is_root,
    )


def refuse_unconfined(caps: Capabilities) -> str | None:
    """Why grading must not start (no sandbox at all and no explicit ``AUTOGRADER_UNCONFINED=1``), or None."""
    if caps.namespaces or os.environ.get(UNCONFINED_ENV, "") not in ("", "0"):
        return None
    return (
        "no sandbox can be made here (bwrap needs user namespaces on; the older launcher needs root): student "
        "code would run with the grader's own rights. Turn user namespaces on (deploy/README.md, grading on "
        f"the hub), or set {UNCONFINED_ENV}=1 to grade unconfined anyway"
    )


def _words(path: Path) -> set[str]:
    """The names in a cgroup list file (``cgroup.controllers``, ``cgroup.subtree_control``)."""
    try:
        return {w.lstrip("+") for w in path.read_text().split()}
    except OSError:
        return set()


def _v1_works(root: Path, controller: str) -> bool:
    """A cgroup v1 hierarchy for ``controller`` (a mounted one: v1 groups have ``tasks``) where this process can
    make a child group."""
    if not (root / controller / "tasks").is_file():
        return False
    try:
        (root / controller / CGROUP_PARENT).mkdir(exist_ok=True)
        probe_dir = root / controller / CGROUP_PARENT / f"probe-{os.getpid()}"
        probe_dir.mkdir(exist_ok=True)
        probe_dir.rmdir()
        return True
    except OSError:
        return False


def _v2_controllers(unified: Path) -> tuple[str, ...]:
    """The wanted controllers the unified hierarchy at ``unified`` gives our groups: enabled for the children of
    its root and of ``CGROUP_PARENT`` (a group's controllers are those its parent passes down), then a child made."""
    wanted = [c for c in CGROUP_CONTROLLERS if c in _words(unified / "cgroup.controllers")]
    if not wanted:
        return ()
    try:
        for group in (unified, unified / CGROUP_PARENT):
            group.mkdir(exist_ok=True)
            if not set(wanted) <= _words(group / "cgroup.subtree_control"):
                (group / "cgroup.subtree_control").write_text(" ".join("+" + c for c in wanted))
        probe_dir = unified / CGROUP_PARENT / f"probe-{os.getpid()}"
        probe_dir.mkdir(exist_ok=True)
        probe_dir.rmdir()
    except OSError:
        return ()
    return tuple(wanted)


def probe_cgroups(root: Path = CGROUP_ROOT) -> tuple[int, tuple[str, ...], Path]:
    """(version, controllers, where) of the per-job cgroups this process can make under ``root``: v2 (``root``
    itself, or ``root/unified`` on a hybrid machine) where it offers at least as many of ``pids`` and ``memory``
    (then ``cpu``) as v1 does, else v1 (``root/<controller>``); ``(0, (), root)`` where neither has ``pids`` or
    ``memory``."""
    unified = next((u for u in (root, root / "unified") if (u / "cgroup.controllers").is_file()), None)
    v2 = _v2_controllers(unified) if unified else ()
    v1 = tuple(c for c in CGROUP_CONTROLLERS if _v1_works(root, c))

    def worth(controllers) -> tuple[int, int]:  # pids and memory first: a CPU quota alone is no job group
        return len({"pids", "memory"} & set(controllers)), len(controllers)

    if worth(v2)[0] and worth(v2) >= worth(v1):
        return 2, v2, unified
    return (1, v1, root) if worth(v1)[0] else (0, (), root)


def job_cgroups(job_dir: Path, caps: Capabilities) -> list[Path]:
    """The job's cgroup folders, named after its scratch folder: one per controller (v1), or one (v2)."""
    root = Path(caps.cgroup_root)
    if caps.cgroup_version == 2:
        return [root / CGROUP_PARENT / job_dir.name] if caps.cgroups else []
    return [root / c / CGROUP_PARENT / job_dir.name for c in caps.cgroups]


def _cap_files(caps: Capabilities, limits: Limits, path: Path) -> list[tuple[str, str, bool]]:
    """(file, value, required) for a job cgroup: every process and thread of the kernel together, all its memory
    together, and no swap beyond that where the kernel accounts swap (the optional files)."""
    memory, controllers = str(limits.memory_bytes + MEMORY_SLACK), caps.cgroups
    quota = str(max(1000, round(limits.cpus * CPU_PERIOD_US)))
    if caps.cgroup_version == 2:
        return (
            ([("pids.max", str(limits.processes), True)] if "pids" in controllers else [])
            + ([("memory.max", memory, True), ("memory.swap.max", "0", False)] if "memory" in controllers else [])
            + ([("cpu.max", f"{quota} {CPU_PERIOD_US}", True)] if "cpu" in controllers else [])
        )
    controller = path.parent.parent.name
    if controller == "pids":
        return [("pids.max", str(limits.processes), True)]
    if controller == "cpu":
        return [("cpu.cfs_period_us", str(CPU_PERIOD_US), False), ("cpu.cfs_quota_us", quota, True)]
    # memory+swap may never be below memory: raise memory first
    return [("memory.limit_in_bytes", memory, True), ("memory.memsw.limit_in_bytes", memory, False)]


def oom_kills(job_dir: Path, caps: Capabilities) -> int:
    """How many of the job's processes its memory cgroup killed (``oom_kill`` in v1's ``memory.oom_control`` or
    v2's ``memory.events``); 0 where there is no memory cgroup or the kernel does not count them."""
    name = "memory.events" if caps.cgroup_version == 2 else "memory.oom_control"
    for path in job_cgroups(job_dir, caps):
        if caps.cgroup_version == 1 and path.parent.parent.name != "memory":
            continue
        try:
            lines = (path / name).read_text().splitlines()
        except OSError:
            continue
        counts = [int(line.split()[1]) for line in lines if line.startswith("oom_kill ") and line.split()[1].isdigit()]
        if counts:
            return counts[0]
    return 0


def make_cgroups(job_dir: Path, limits: Limits, caps: Capabilities) -> list[Path]:
    """Create the job's cgroups with their caps; returns their folders (the launcher joins each)."""
    made = []
    for path in job_cgroups(job_dir, caps):
        path.mkdir(parents=True, exist_ok=True)
        for name, value, required in _cap_files(caps, limits, path):
            if required or (path / name).exists():
                (path / name).write_text(value)
        made.append(path)
    return made


def _alive(pid: int) -> bool:
    """``pid`` exists and is not a zombie (a zombie holds nothing but its exit status)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :][:1] not in ("Z", "X")


def _uid_processes(uid: int) -> list[int]:
    """Live processes whose real uid is ``uid``, in every PID namespace."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            real = next((line.split()[1] for line in status.splitlines() if line.startswith("Uid:")), None)
            if real == str(uid) and _alive(int(entry.name)):
                found.append(int(entry.name))
    return found


def _kill_all_as(uid: int, gid: int) -> None:
    """``kill(-1, SIGKILL)`` from a child that became ``uid``: every process of that user but the child itself."""
    try:
        child = os.fork()
    except OSError:
        return
    if child == 0:  # only system calls here, then out: nothing of the parent's state runs in the child
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(child, 0)


def _kill_everything_of(uid: int, gid: int) -> int:
    """SIGKILL every process of ``uid``; returns how many were alive. ``kill(-1)`` run as that user reaches all of
    them at once, so one that keeps forking cannot outrun a kill by PID."""
    left = _uid_processes(uid)
    found = len(left)
    for _ in range(50):
        if not left:
            break
        _kill_all_as(uid, gid)
        for pid in left:  # in case that one could not fork
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
        left = _uid_processes(uid)
    return found


def release_cgroups(job_dir: Path, caps: Capabilities) -> int:
    """End the job: kill every process left in its cgroups (v2: ``cgroup.kill`` where present) and, where the
    worker has a user of its own, every process of that user; remove its cgroups. Returns how many processes
    were still alive."""
    left = 0
    for path in job_cgroups(job_dir, caps):
        if not path.exists():
            continue
        if (path / "cgroup.kill").exists():
            try:
                (path / "cgroup.kill").write_text("1")
            except OSError:
                pass
        for _ in range(50):
            try:
                pids = [int(x) for x in (path / "cgroup.procs").read_text().split() if _alive(int(x))]
            except OSError:
                break
            if not pids:
                break
            left = max(left, len(pids))
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        try:
            path.rmdir()
        except OSError:
            pass
    if caps.slot is not None and caps.user:
        left = max(left, _kill_everything_of(*caps.user))
    return left


def _python_trees(helpers: Sequence[str] = ()) -> list[Path]:
    """Directories a kernel must be able to read: the venv, the base interpreter, the course's helper packages."""
    trees = {Path(sys.prefix), Path(sys.base_prefix), *map(Path, helpers)}
    trees.add(Path(os.path.realpath(sys.executable)).parent.parent)
    return sorted(t.resolve() for t in trees)


def _inside(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _outermost(paths: list[Path]) -> list[Path]:
    paths = sorted({p.resolve() for p in paths if p.exists()})
    return [p for p in paths if not any(q != p and _inside(p, q) for q in paths)]


def kernel_env(home: Path, python_path: Sequence[str] = (), threads: dict[str, str] | None = None) -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's (``NBGRADER_EXECUTION`` included) gets through;
    ``threads``: the thread pools' sizes (:attr:`Limits.thread_env <autograder.limits.Limits.thread_env>`)."""
    return {
        **(threads or {}),
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_RUNTIME_DIR": str(home),
        "IPYTHONDIR": str(home / ".ipython"),
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "VIRTUAL_ENV": sys.prefix,
        **_python_path(python_path),
    }


def _python_path(python_path: Sequence[str]) -> dict[str, str]:
    """``PYTHONPATH`` for helper packages that only the course root holds (an installed one needs none)."""
    return {"PYTHONPATH": os.pathsep.join(python_path)} if python_path else {}


def kernel_command(home: Path, limits: Limits, caps: Capabilities, python_path: Sequence[str] = ()) -> list[str]:
    """``ipykernel`` with the guard, in a scrubbed environment, as the sandbox user, under ``prlimit`` caps."""
    command = [
        "env",
        "-i",
        *(f"{k}={v}" for k, v in kernel_env(home, python_path, limits.thread_env).items()),
        sys.executable,
        "-m",
        "ipykernel_launcher",
        "-f",
        str(home / "kernel.json"),
        f"--IPKernelApp.exec_files={json.dumps([str(home / GUARD_COPY)])}",
    ]
    if caps.user:
        uid, gid = caps.user
        command = [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={gid}",
            "--clear-groups",
            "--no-new-privs",
            "--inh-caps=-all",
            "--bounding-set=-all",
            *command,
        ]
    if caps.prlimit:
        # RLIMIT_NPROC counts every process of the sandbox uid on the machine: with a per-job pids cgroup, that
        # cap (pids.max) replaces it; without, the worker's own user keeps one job's threads from starving another's
        nproc = [] if "pids" in caps.cgroups else [f"--nproc={limits.processes}"]
        command = [
            "prlimit",
            f"--data={limits.memory_bytes}",
            f"--cpu={limits.cpu_seconds}",
            *nproc,
            f"--fsize={limits.file_bytes}",
            "--",
            *command,
        ]
    return command


def mount_lines(job_dir: Path, hidden: list[Path], helpers: Sequence[str] = ()) -> list[str]:
    """Shell lines (run inside the new mount namespace) that hide ``hidden`` and root's home under empty
    tmpfs mounts, keeping the Python trees inside them reachable by moving bind mounts back on top."""
    hold = job_dir / "hold"
    hidden_roots = _outermost(hidden + [Path(pwd.getpwuid(os.getuid()).pw_dir)])
    keeps = [t for t in _outermost(_python_trees(helpers)) if any(_inside(t, h) for h in hidden_roots)]
    lines = []
    for i, keep in enumerate(keeps):
        (hold / str(i)).mkdir(parents=True)
        lines.append(f"mount --rbind {shlex.quote(str(keep))} {hold / str(i)}")
    for h in hidden_roots:
        lines.append(f"mount -t tmpfs -o mode=0755,size=1m autograder-hidden {shlex.quote(str(h))}")
    for i, keep in enumerate(keeps):
        lines.append(f"mkdir -p {shlex.quote(str(keep))}")
        lines.append(f"mount --move {hold / str(i)} {shlex.quote(str(keep))}")
    return lines


def private_tmp_lines(job_dir: Path, limits: Limits, helpers: Sequence[str] = ()) -> list[str]:
    """Shell lines giving the kernel its own empty ``/dev/shm``, ``/tmp``, ``/var/tmp`` and ``/run/lock`` (tmpfs
    that die with its mount namespace: files a kernel once left there outlived the grading), with the job's
    folder and the Python environment kept at their paths when they lie under ``/tmp``."""
    size = f"mode=1777,size={limits.file_bytes}"
    lines = [f"mount -t tmpfs -o {size} autograder-shm /dev/shm"]
    for place in ("/var/tmp", "/run/lock"):  # the machine's otherwise: a file left there outlived the batch
        if Path(place).is_dir() and not Path(place).is_symlink():
            lines.append(f"mount -t tmpfs -o mode=1777,size={SMALL_TMPFS} autograder-tmp {place}")
    # the job's folder and an environment under /tmp keep their paths: moved aside while /tmp is replaced
    keep = _outermost([p for p in [job_dir, *_python_trees(helpers)] if _inside(p.resolve(), Path("/tmp"))])
    for i, path in enumerate(keep):
        lines.append(f"mkdir /dev/shm/.keep{i} && mount --rbind {shlex.quote(str(path))} /dev/shm/.keep{i}")
    lines.append(f"mount -t tmpfs -o {size} autograder-tmp /tmp")
    for i, path in enumerate(keep):
        lines.append(
            f"mkdir -p {shlex.quote(str(path))} && mount --move /dev/shm/.keep{i} {shlex.quote(str(path))}"
            f" && rmdir /dev/shm/.keep{i}"
        )
    return lines


def kernel_user(student: str) -> str:
    """The kernel's user name (and ``/home/<name>``): the student's id where it is a plain Unix name."""
    return student if SAFE_NAME.fullmatch(student) else "student"


@dataclass(frozen=True)
class Inside:
    """The kernel's paths inside the bwrap sandbox: those of a student's lab on the hub."""

    user: str
    assignment: str
    helpers: tuple[str, ...] = ()  # the course's helper packages, bound read-only at their own paths
    python_path: tuple[str, ...] = ()  # PYTHONPATH for those only the course root holds

    @property
    def home(self) -> str:
        return f"/home/{self.user}"

    @property
    def work(self) -> str:  # where the notebook runs: ~/<assignment>, as nbgrader's fetch leaves it
        name = self.assignment if SAFE_NAME.fullmatch(self.assignment.lower()) else "assignment"
        return f"{self.home}/{name}"

    @property
    def runtime(self) -> str:  # Jupyter's runtime folder: the connection file and the ZMQ sockets
        return f"{self.home}/.local/share/jupyter/runtime"

    @property
    def shared(self) -> str:  # what the grader hands in, read-only: the guard, data files, its connection file
        return f"{self.runtime}/.grader"


def lab_env(inside: Inside, threads: dict[str, str] | None = None) -> dict[str, str]:
    """A bwrap kernel's whole environment: what a lab kernel has, and nothing that names the grader; ``threads``:
    the thread pools' sizes (:attr:`Limits.thread_env <autograder.limits.Limits.thread_env>`)."""
    return {
        **(threads or {}),
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": inside.home,
        "USER": inside.user,
        "LOGNAME": inside.user,
        "SHELL": "/bin/bash",
        "LANG": "C.UTF-8",
        **_python_path(inside.python_path),
    }


def _system_binds() -> list[str]:
    """bwrap arguments for the read-only system: ``/usr``, the top-level links into it (or folders), /etc files."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--perms", "0755", "--dir", "/etc"]  # bwrap would make it 0700: the slot's user must read in it
    for path in ETC_FILES:
        args += ["--ro-bind-try", path, path]
    return args


def bwrap_command(job_dir: Path, limits: Limits, caps: Capabilities, inside: Inside) -> list[str]:
    """``bwrap`` with the kernel's whole file system and namespaces (see the module's docstring); the command
    that follows it runs inside."""
    scratch = str(limits.scratch_bytes)
    # as root bwrap needs its capabilities until setpriv (inside) becomes the slot's user and drops them all
    confine = (
        ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
        if not caps.root
        else []
        if caps.user
        else ["--cap-drop", "ALL"]
    )
    args = [
        "bwrap",
        *confine,
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        socket.gethostname(),
        *_system_binds(),
        "--ro-bind",
        str(job_dir / "passwd"),
        "/etc/passwd",
        "--ro-bind",
        str(job_dir / "group"),
        "/etc/group",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
    ]
    places = (
        ("/dev/shm", scratch, "1777"),
        ("/tmp", scratch, "1777"),
        ("/var/tmp", str(SMALL_TMPFS), "1777"),
        ("/run/lock", str(SMALL_TMPFS), "1777"),
        (inside.home, scratch, "0700"),
    )
    trees = [t for t in _outermost(_python_trees(inside.helpers)) if not _inside(t, Path("/usr"))]
    # bwrap makes missing parent folders 0700: the slot's user could not pass through them
    made = {"/", "/usr", "/proc", "/dev", "/etc", *(p for p, _, _ in places)}

    def parents(paths) -> list[str]:
        new = [str(p) for path in paths for p in reversed(Path(path).parents) if str(p) not in made]
        made.update(new)
        return [a for p in dict.fromkeys(new) for a in ("--perms", "0755", "--dir", p)]

    args += parents(p for p, _, _ in places)
    for place, size, mode in places:
        args += ["--perms", mode, "--size", size, "--tmpfs", place]
    # after the tmpfs mounts: an environment under /tmp or a home stays visible on top of them. The folders that
    # lead to it inside such a writable place get a small tmpfs of their own, remounted read-only once the
    # environment is bound in: folders bwrap made there would be the kernel's (its uid owns them), to write in
    tops = _mount_tops(trees, [Path(p) for p, _, _ in places])
    made.update(tops)
    for top in tops:
        args += ["--perms", "0755", "--size", str(TOP_TMPFS), "--tmpfs", top]
    args += parents(trees)
    for tree in trees:
        args += ["--ro-bind", str(tree), str(tree)]
    for top in tops:
        args += ["--remount-ro", top]
    # the sandbox's own root (the folders bwrap made for the mounts) read-only: only the tmpfs mounts are writable
    return args + [
        "--ro-bind",
        str(job_dir / SHARED),
        inside.shared,
        "--dir",
        inside.work,
        "--remount-ro",
        "/",
        "--chdir",
        inside.work,
        "--info-fd",
        "3",
    ]


def _mount_tops(trees: list[Path], writable: list[Path]) -> list[str]:
    """For each tree below a writable place (``/tmp``, the home) but not directly in it, the place's child that
    leads to it (``/tmp/ci/repo/.venv``: ``/tmp/ci``): bwrap would make that folder, and those below it, in the
    job's writable tmpfs."""
    tops = []
    for tree in trees:
        for place in writable:
            if tree != place and _inside(tree, place) and len(tree.relative_to(place).parts) > 1:
                tops.append(str(place / tree.relative_to(place).parts[0]))
    return list(dict.fromkeys(tops))


GRADER_CONNECTION = ".grader-connection.json"  # in the shared folder: the connection file as the grader wrote it
REWRITE_IP = (
    "import json, sys; source, ip, target = sys.argv[1:]; info = json.load(open(source)); "
    "info['ip'] = ip; json.dump(info, open(target, 'w'), indent=1)"
)


def _bwrap_inner(home: Path, caps: Capabilities, inside: Inside, threads: dict[str, str] | None = None) -> str:
    """The shell line run inside the sandbox: data files into the work folder, the connection file rewritten to
    the sockets' inside path, then the kernel (as root: first the slot's user, every capability dropped)."""
    data = [
        shlex.quote(f"{inside.shared}/{p.name}")
        for p in sorted(home.iterdir())
        if p.is_file() and p.name != GUARD_COPY
    ]
    connection = f"{inside.runtime}/kernel-{os.urandom(8).hex()}.json"
    kernel = [
        "env",
        "-i",
        *(f"{k}={v}" for k, v in lab_env(inside, threads).items()),
        sys.executable,
        "-m",
        "ipykernel_launcher",
        "-f",
        connection,
        f"--IPKernelApp.exec_files={json.dumps([f'{inside.shared}/{GUARD_COPY}'])}",
    ]
    rewrite = " ".join(shlex.quote(a) for a in [sys.executable, "-I", "-c", REWRITE_IP])
    # "$1": the name of the grader's connection file, which holds the sockets' path outside the sandbox
    steps = (
        (f"cp -p {' '.join(data)} {shlex.quote(inside.work)}/ && " if data else "")
        + f'{rewrite} "{inside.shared}/$1" {shlex.quote(inside.runtime + "/ipc")} {shlex.quote(connection)} && exec '
        + " ".join(shlex.quote(a) for a in kernel)
    )
    if not caps.user:
        return steps
    uid, gid = caps.user
    drop = [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={gid}",
        "--clear-groups",
        "--no-new-privs",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "/bin/sh",
        "-c",
        steps,
        "sh",
    ]
    owned = [
        inside.home,
        *(f"{inside.home}/{sub}" for sub in (".local", ".local/share", ".local/share/jupyter")),
        inside.runtime,
        inside.work,
    ]
    return (
        f"chown {uid}:{gid} {' '.join(shlex.quote(p) for p in owned)} && exec "
        + " ".join(shlex.quote(a) for a in drop)
        + ' "$1"'
    )


def _write_identity(job_dir: Path, inside: Inside, caps: Capabilities) -> None:
    """The sandbox's ``/etc/passwd`` and ``/etc/group``: root and the kernel's user, as in a lab container."""
    uid, gid = caps.user if caps.user else (os.getuid(), os.getgid())
    (job_dir / "passwd").write_text(
        f"root:x:0:0:root:/root:/bin/bash\n{inside.user}:x:{uid}:{gid}::{inside.home}:/bin/bash\n", encoding="utf-8"
    )
    (job_dir / "group").write_text(f"root:x:0:\n{inside.user}:x:{gid}:\n", encoding="utf-8")


def _bwrap_launcher(job_dir: Path, home: Path, limits: Limits, caps: Capabilities, inside: Inside) -> list[str]:
    """The launcher's last lines: limits, then bwrap around the inner shell line, in the background while the
    ``home`` link is turned to the sandbox's runtime folder (where the kernel makes its sockets)."""
    _write_identity(job_dir, inside, caps)
    command = bwrap_command(job_dir, limits, caps, inside) + [
        "--",
        "/bin/sh",
        "-c",
        _bwrap_inner(home, caps, inside, limits.thread_env),
        "sh",
    ]
    if caps.prlimit:
        nproc = [] if "pids" in caps.cgroups or caps.scope else [f"--nproc={limits.processes}"]
        command = [
            "prlimit",
            f"--data={limits.memory_bytes}",
            f"--cpu={limits.cpu_seconds}",
            *nproc,
            f"--fsize={limits.file_bytes}",
            "--",
            *command,
        ]
    if caps.scope:
        command = scope_prefix(limits) + command
    quoted = " ".join(shlex.quote(a) for a in command)
    # the grader's connection file (anywhere: jupyter_client's temporary file) copied where the kernel can read it
    copy, info = shlex.quote(str(job_dir / SHARED / GRADER_CONNECTION)), shlex.quote(str(job_dir / "bwrap-info.json"))
    link, next_link = shlex.quote(str(home)), shlex.quote(f"{home}.next")
    return [
        f'cp "$conn" {copy}',
        *([f"chown {caps.user[0]}:{caps.user[1]} {copy}"] if caps.user else []),
        f"{quoted} {GRADER_CONNECTION} 3>{info} >{shlex.quote(str(job_dir / 'kernel.log'))} 2>&1 &",
        "child=$!",
        # the sockets are in the sandbox's own tmpfs: the grader reaches them through /proc/<its init>/root
        f"until grep -q child-pid {info} 2>/dev/null || ! kill -0 $child 2>/dev/null; do sleep 0.01; done",
        f"""pid=$(sed -n 's/.*"child-pid": *\\([0-9]*\\).*/\\1/p' {info})""",
        f'ln -sfn "/proc/$pid/root{inside.runtime}" {next_link} && mv -T {next_link} {link}',
        "wait $child",
    ]


def write_kernelspec(
    job_dir: Path,
    home: Path,
    hidden: list[Path],
    limits: Limits,
    caps: Capabilities,
    student: str = "student",
    assignment: str = "assignment",
    course: Located | None = None,
) -> Path:
    """Write ``job_dir/kernels/<KERNEL_NAME>/kernel.json`` and its launcher; returns the kernels' parent dir.

    ``home`` is the folder the grader fills for the kernel (the guard and the assignment's data files; with
    bwrap a link, see :func:`prepare_home`); ``hidden`` are folders the older launcher hides (bwrap shows nothing it is
    not given). ``course`` (its helper packages, what the guard watches) comes from the course's
    ``nbgrader_config.py``; None grades with builtins, math and numpy only. Nothing here runs yet: jupyter_client
    starts the launcher.
    """
    spec_dir = job_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    course = course or Located(Course())
    (home / GUARD_COPY).write_text(guard_text(course.guard_settings()), encoding="utf-8")
    join_cgroups = [
        f"echo $$ > {shlex.quote(str(path / 'cgroup.procs'))}" for path in make_cgroups(job_dir, limits, caps)
    ]
    if caps.bwrap:
        inside = Inside(kernel_user(student), assignment, course.helper_dirs, course.python_path)
        start = _bwrap_launcher(job_dir, home, limits, caps, inside)
    else:
        start = _unshare_launcher(job_dir, home, hidden, limits, caps, course)
    launcher = job_dir / "launch.sh"
    launcher.write_text(
        "\n".join(
            [
                "#!/bin/sh",
                "# Generated by autograder.sandbox: start one confined grading kernel.",
                "set -e",
                *join_cgroups,  # the kernel and everything it starts stay in the job's cgroups
                'conn="$1"; shift',
                *start,
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    spec = {
        "argv": ["/bin/sh", str(launcher), "{connection_file}"],
        "display_name": "Python 3 (autograder sandbox)",
        "language": "python",
        "interrupt_mode": "message",  # the launcher chain would swallow a SIGINT sent from outside
        "metadata": {"debugger": False},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return job_dir


def _unshare_launcher(
    job_dir: Path, home: Path, hidden: list[Path], limits: Limits, caps: Capabilities, course: Located
) -> list[str]:
    """The older root launcher (no bwrap): ``inner.sh`` hides folders with mounts, then the kernel as the slot's
    user."""
    inner = [f'cp "$conn" {shlex.quote(str(home / "kernel.json"))}']
    if caps.user:
        uid, gid = caps.user
        inner.append(f"chown -R {uid}:{gid} {shlex.quote(str(home))}")
    if caps.namespaces:
        inner += mount_lines(job_dir, hidden, course.helper_dirs)
        inner += private_tmp_lines(job_dir, limits, course.helper_dirs)
    inner.append(f"cd {shlex.quote(str(home))}")
    # Not exec: the kernel must not be PID 1 of its namespace (PID 1 ignores signals it has no handler for).
    quoted = " ".join(shlex.quote(a) for a in kernel_command(home, limits, caps, course.python_path))
    inner.append(f'{quoted} "$@" >{shlex.quote(str(job_dir / "kernel.log"))} 2>&1')
    inner_script = job_dir / "inner.sh"
    inner_script.write_text('set -e\nconn="$1"; shift\n' + "\n".join(inner) + "\n", encoding="utf-8")
    enter = "unshare -m -n -p -f --mount-proc --kill-child -- " if caps.namespaces else ""
    return [f'exec {enter}/bin/sh {inner_script} "$conn" "$@"']


SHARED = "shared"  # in the job's folder: what a bwrap kernel gets read-only (guard, data files, connection file)


def prepare_home(home: Path, caps: Capabilities) -> None:
    """The folder the grader fills for the kernel: created empty, owned by the sandbox user, closed to everyone
    else. With bwrap ``home`` is a link: first to ``shared/`` (bound read-only into the sandbox), then, once the
    sandbox runs, to its runtime folder in the kernel's own size-capped home, where its sockets are (the
    launcher turns it): nothing the kernel can write lies outside the sandbox's tmpfs mounts."""
    folder = home.with_name(SHARED) if caps.bwrap else home
    folder.mkdir(mode=0o700)
    if caps.user:
        os.chown(folder, *caps.user)
    if caps.bwrap:
        home.symlink_to(SHARED)


__all__ = [
    "Limits",
    "Capabilities",
    "probe",
    "refuse_unconfined",
    "bwrap_command",
    "kernel_user",
    "probe_cgroups",
    "claim_slot",
    "slot_user",
    "write_kernelspec",
    "prepare_home",
    "kernel_command",
    "mount_lines",
    "job_cgroups",
    "make_cgroups",
    "release_cgroups",
    "oom_kills",
]
