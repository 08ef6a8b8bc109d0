"""How a grading kernel is confined: an unprivileged user, no network, no course files, capped resources.

The grader (nbgrader, in a worker process) starts kernels through a per-submission kernelspec whose ``argv``
is a generated shell script. As root on Linux that script

1. enters new mount, network and PID namespaces (``unshare -m -n -p -f --mount-proc``): the kernel has no
   network interface but loopback-less ``lo`` (every connect fails with ENETUNREACH) and sees only its own
   processes (not the other kernels running in parallel, nor their command lines);
2. hides, inside that mount namespace, the course root (``source/``, ``release/``, the gradebook, ``tests/``,
   the sample class), the submissions folder, the output folder and root's home under empty tmpfs mounts,
   then bind-mounts back only what Python needs: the virtual environment, the base interpreter and the
   ``course`` helper package;
3. drops to an unprivileged user made with ``useradd`` (``setpriv``: no capabilities, no new privileges,
   no supplementary groups) with ``prlimit`` caps on data memory, CPU seconds, processes and file size.
   Each worker process takes a machine-wide slot (:func:`claim_slot`) and kernels of slot N run as
   ``autograder-sandbox-N``: jobs of one slot run one at a time, so a per-uid cap is that job's alone, and
   whatever that user still runs when a job ends is killed;
4. runs ``ipykernel`` in a scratch home that holds only the kernel's connection file and the assignment's
   data files, with a scrubbed environment (``NBGRADER_EXECUTION`` and every other variable removed).

ZMQ uses Unix sockets (``KernelManager.transport = "ipc"``) in that home, so the kernel needs no network.
Where a step is impossible (not root, no ``unshare``), :func:`probe` says which and the grader warns once.

Each job also gets its own cgroup where root can make one: cgroup v2 where the unified hierarchy offers the
``pids`` and ``memory`` controllers, else the v1 ``pids`` and ``memory`` hierarchies. It caps every process
and thread of the kernel together (``pids.max``, replacing the per-uid ``RLIMIT_NPROC``) and all their memory
together. ``AUTOGRADER_NO_CGROUPS=1`` in the grader's environment turns cgroups off (the per-worker users
and ``RLIMIT_NPROC`` remain): for tests of that fallback, or a machine whose cgroups misbehave.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .limits import Limits

SANDBOX_USER = "autograder-sandbox"
KERNEL_NAME = "autograder-sandbox"
GUARD = Path(__file__).with_name("guard.py")
GUARD_COPY = ".autograder_guard.py"  # the guard's name in the kernel's home
NO_CGROUPS_ENV = "AUTOGRADER_NO_CGROUPS"  # set to 1: no per-job cgroups (the per-worker-user fallback)
SLOT_LOCKS = Path("/run/autograder-slots")  # one lock file per worker slot, machine-wide
MAX_SLOTS = 64  # workers beyond this many at once share the plain sandbox user
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_CONTROLLERS = ("pids", "memory")
CGROUP_PARENT = "autograder"
MEMORY_SLACK = 512 * 1024**2  # the job's memory cgroup: the per-process cap plus this (one process: MemoryError first)


@dataclass(frozen=True)
class Capabilities:
    """What this machine lets the grader do; ``warnings`` says what is missing and what that means."""

    user: tuple[int, int] | None  # (uid, gid) of the unprivileged user, or None
    namespaces: bool  # unshare -m -n -p works
    prlimit: bool
    warnings: tuple[str, ...] = field(default=())
    cgroups: tuple[str, ...] = field(default=())  # controllers ("pids", "memory") of the per-job cgroup
    cgroup_version: int = 1  # 1: one v1 hierarchy per controller under cgroup_root; 2: the unified one at cgroup_root
    cgroup_root: str = str(CGROUP_ROOT)
    slot: int | None = None  # this worker's slot: ``user`` is then that slot's own user, no other process's

    def describe(self) -> str:
        parts = [
            "unprivileged user per worker" if self.user else "NO separate user",
            "no network, course files hidden, own PID namespace" if self.namespaces else "NO network/file isolation",
            "memory/CPU caps" if self.prlimit else "NO resource caps",
        ]
        if self.cgroups:
            parts.append(f"per-job {' and '.join(self.cgroups)} cgroup (v{self.cgroup_version})")
        else:
            parts.append("NO per-job cgroup (process cap per worker)")
        return ", ".join(parts)


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
            ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell",
             "/usr/sbin/nologin", "--user-group", name],
            capture_output=True, text=True,
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


@functools.lru_cache(maxsize=1)
def probe() -> Capabilities:
    """Find out once per process which confinement steps work here (in a worker: for its slot's user)."""
    warnings = []
    is_root = os.geteuid() == 0
    slot = _slot[0] if _slot else None
    user = _ensure_user(slot_user(slot)) if is_root and shutil.which("setpriv") else None
    if user is None and slot is not None:
        slot, user = None, _ensure_user() if is_root and shutil.which("setpriv") else None
    if user is None:
        warnings.append(
            "student code runs as the grading user: it can read every file that user can (run the grader as "
            "root on Linux with setpriv and useradd to give kernels their own unprivileged user)"
        )
    namespaces = False
    if is_root and shutil.which("unshare"):
        done = subprocess.run(
            ["unshare", "-m", "-n", "-p", "-f", "--mount-proc", "--", "sh", "-c",
             "mount -t tmpfs tmpfs /mnt && true"], capture_output=True,
        )
        namespaces = done.returncode == 0
    if not namespaces:
        warnings.append(
            "no mount/network namespaces (needs root and unshare): student code keeps network access and can "
            "read world-readable course files such as source/ and hidden tests"
        )
    has_prlimit = shutil.which("prlimit") is not None
    if not has_prlimit:
        warnings.append("prlimit not found: kernels run without memory and CPU caps")
    version, cgroups, cgroup_root = (0, (), CGROUP_ROOT)
    if is_root and os.environ.get(NO_CGROUPS_ENV, "") not in ("", "0"):
        warnings.append(f"cgroups turned off by {NO_CGROUPS_ENV}")
    elif is_root:
        version, cgroups, cgroup_root = probe_cgroups(CGROUP_ROOT)
    if "pids" not in cgroups:
        warnings.append("no per-job pids cgroup (cgroup v2 with the pids controller, or a v1 pids hierarchy, as "
                        "root): a kernel's process cap is shared with the other jobs of its worker, one at a time")
    return Capabilities(user=user, namespaces=namespaces, prlimit=has_prlimit, warnings=tuple(warnings),
                        cgroups=cgroups, cgroup_version=version or 1, cgroup_root=str(cgroup_root), slot=slot)


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
    as v1 does, else v1 (``root/<controller>``); ``(0, (), root)`` where neither works."""
    unified = next((u for u in (root, root / "unified") if (u / "cgroup.controllers").is_file()), None)
    v2 = _v2_controllers(unified) if unified else ()
    v1 = tuple(c for c in CGROUP_CONTROLLERS if _v1_works(root, c))
    if v2 and len(v2) >= len(v1):
        return 2, v2, unified
    return (1, v1, root) if v1 else (0, (), root)


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
    if caps.cgroup_version == 2:
        return ([("pids.max", str(limits.processes), True)] if "pids" in controllers else []) + (
            [("memory.max", memory, True), ("memory.swap.max", "0", False)] if "memory" in controllers else [])
    controller = path.parent.parent.name
    if controller == "pids":
        return [("pids.max", str(limits.processes), True)]
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
    return stat[stat.rindex(")") + 2:][:1] not in ("Z", "X")


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


def _python_trees() -> list[Path]:
    """Directories a kernel must be able to read: the venv, the base interpreter, installed packages."""
    import course

    trees = {Path(sys.prefix), Path(sys.base_prefix), Path(course.__file__).resolve().parent}
    trees.add(Path(os.path.realpath(sys.executable)).parent.parent)
    return sorted(t.resolve() for t in trees)


def _inside(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _outermost(paths: list[Path]) -> list[Path]:
    paths = sorted({p.resolve() for p in paths if p.exists()})
    return [p for p in paths if not any(q != p and _inside(p, q) for q in paths)]


def kernel_env(home: Path) -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's (``NBGRADER_EXECUTION`` included) gets through."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home), "LANG": "C.UTF-8", "MPLBACKEND": "agg", "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_RUNTIME_DIR": str(home), "IPYTHONDIR": str(home / ".ipython"),
        "MPLCONFIGDIR": str(home / ".matplotlib"), "VIRTUAL_ENV": sys.prefix,
    }


def kernel_command(home: Path, limits: Limits, caps: Capabilities) -> list[str]:
    """``ipykernel`` with the guard, in a scrubbed environment, as the sandbox user, under ``prlimit`` caps."""
    command = [
        "env", "-i", *(f"{k}={v}" for k, v in kernel_env(home).items()),
        sys.executable, "-m", "ipykernel_launcher", "-f", str(home / "kernel.json"),
        f"--IPKernelApp.exec_files={json.dumps([str(home / GUARD_COPY)])}",
    ]
    if caps.user:
        uid, gid = caps.user
        command = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--no-new-privs",
                   "--inh-caps=-all", "--bounding-set=-all", *command]
    if caps.prlimit:
        # RLIMIT_NPROC counts every process of the sandbox uid on the machine: with a per-job pids cgroup, that
        # cap (pids.max) replaces it; without, the worker's own user keeps one job's threads from starving another's
        nproc = [] if "pids" in caps.cgroups else [f"--nproc={limits.processes}"]
        command = ["prlimit", f"--data={limits.memory_bytes}", f"--cpu={limits.cpu_seconds}",
                   *nproc, f"--fsize={limits.file_bytes}", "--", *command]
    return command


def mount_lines(job_dir: Path, hidden: list[Path]) -> list[str]:
    """Shell lines (run inside the new mount namespace) that hide ``hidden`` and root's home under empty
    tmpfs mounts, keeping the Python trees inside them reachable by moving bind mounts back on top."""
    hold = job_dir / "hold"
    hidden_roots = _outermost(hidden + [Path(pwd.getpwuid(os.getuid()).pw_dir)])
    keeps = [t for t in _outermost(_python_trees()) if any(_inside(t, h) for h in hidden_roots)]
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


def private_tmp_lines(job_dir: Path, limits: Limits) -> list[str]:
    """Shell lines giving the kernel its own empty ``/dev/shm`` and ``/tmp`` (tmpfs that die with its mount
    namespace: files a kernel once left there outlived the grading), with the job's folder kept at its path
    when it lies under ``/tmp`` (moved aside on the new ``/dev/shm`` while ``/tmp`` is replaced)."""
    size = f"mode=1777,size={limits.file_bytes}"
    lines = [f"mount -t tmpfs -o {size} autograder-shm /dev/shm"]
    job = shlex.quote(str(job_dir))
    if _inside(job_dir.resolve(), Path("/tmp")):
        lines += [f"mkdir /dev/shm/.job && mount --rbind {job} /dev/shm/.job",
                  f"mount -t tmpfs -o {size} autograder-tmp /tmp",
                  f"mkdir -p {job} && mount --move /dev/shm/.job {job} && rmdir /dev/shm/.job"]
    else:
        lines.append(f"mount -t tmpfs -o {size} autograder-tmp /tmp")
    return lines


def write_kernelspec(
    job_dir: Path, home: Path, hidden: list[Path], limits: Limits, caps: Capabilities
) -> Path:
    """Write ``job_dir/kernels/<KERNEL_NAME>/kernel.json`` and its launcher; returns the kernels' parent dir.

    ``home`` becomes the kernel's working directory and ``$HOME``; ``hidden`` are folders the kernel must
    not see (course root, submissions, output). Nothing here runs yet: jupyter_client starts the launcher.
    """
    spec_dir = job_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    shutil.copy2(GUARD, home / GUARD_COPY)
    inner = [f"cp \"$conn\" {shlex.quote(str(home / 'kernel.json'))}"]
    if caps.user:
        uid, gid = caps.user
        inner.append(f"chown -R {uid}:{gid} {shlex.quote(str(home))}")
    if caps.namespaces:
        inner += mount_lines(job_dir, hidden)
        inner += private_tmp_lines(job_dir, limits)
    inner.append(f"cd {shlex.quote(str(home))}")
    # Not exec: the kernel must not be PID 1 of its namespace (PID 1 ignores signals it has no handler for).
    quoted = " ".join(shlex.quote(a) for a in kernel_command(home, limits, caps))
    inner.append(f'{quoted} "$@" >{shlex.quote(str(job_dir / "kernel.log"))} 2>&1')
    inner_script = job_dir / "inner.sh"
    inner_script.write_text("set -e\nconn=\"$1\"; shift\n" + "\n".join(inner) + "\n", encoding="utf-8")
    enter = "unshare -m -n -p -f --mount-proc --kill-child -- " if caps.namespaces else ""
    launcher = job_dir / "launch.sh"
    join_cgroups = [f"echo $$ > {shlex.quote(str(path / 'cgroup.procs'))}" for path in make_cgroups(job_dir, limits, caps)]
    launcher.write_text("\n".join([
        "#!/bin/sh", "# Generated by autograder.sandbox: start one confined grading kernel.", "set -e",
        *join_cgroups,  # the kernel and everything it starts stay in the job's cgroups
        'conn="$1"; shift', f'exec {enter}/bin/sh {inner_script} "$conn" "$@"',
    ]) + "\n", encoding="utf-8")
    spec = {
        "argv": ["/bin/sh", str(launcher), "{connection_file}"],
        "display_name": "Python 3 (autograder sandbox)",
        "language": "python",
        "interrupt_mode": "message",  # the launcher chain would swallow a SIGINT sent from outside
        "metadata": {"debugger": False},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return job_dir


def prepare_home(home: Path, caps: Capabilities) -> None:
    """The kernel's scratch home: created empty, owned by the sandbox user, closed to everyone else."""
    home.mkdir(mode=0o700)
    if caps.user:
        os.chown(home, *caps.user)


__all__ = ["Limits", "Capabilities", "probe", "probe_cgroups", "claim_slot", "slot_user", "write_kernelspec",
           "prepare_home", "kernel_command", "mount_lines", "job_cgroups", "make_cgroups", "release_cgroups", "oom_kills"]
