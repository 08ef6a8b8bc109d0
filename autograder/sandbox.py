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
   no supplementary groups) with ``prlimit`` caps on data memory, CPU seconds, processes and file size;
4. runs ``ipykernel`` in a scratch home that holds only the kernel's connection file and the assignment's
   data files, with a scrubbed environment (``NBGRADER_EXECUTION`` and every other variable removed).

ZMQ uses Unix sockets (``KernelManager.transport = "ipc"``) in that home, so the kernel needs no network.
Where a step is impossible (not root, no ``unshare``), :func:`probe` says which and the grader warns once.
"""

from __future__ import annotations

import functools
import json
import os
import pwd
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .limits import Limits

SANDBOX_USER = "autograder-sandbox"
KERNEL_NAME = "autograder-sandbox"
GUARD = Path(__file__).with_name("guard.py")
GUARD_COPY = ".autograder_guard.py"  # the guard's name in the kernel's home


@dataclass(frozen=True)
class Capabilities:
    """What this machine lets the grader do; ``warnings`` says what is missing and what that means."""

    user: tuple[int, int] | None  # (uid, gid) of the unprivileged user, or None
    namespaces: bool  # unshare -m -n -p works
    prlimit: bool
    warnings: tuple[str, ...] = field(default=())
    cgroups: tuple[str, ...] = field(default=())  # writable cgroup v1 hierarchies ("pids", "memory") for per-job caps

    def describe(self) -> str:
        parts = [
            "unprivileged user" if self.user else "NO separate user",
            "no network, course files hidden, own PID namespace" if self.namespaces else "NO network/file isolation",
            "memory/CPU caps" if self.prlimit else "NO resource caps",
        ]
        if self.cgroups:
            parts.append("per-job " + " and ".join(self.cgroups) + " cgroup")
        return ", ".join(parts)


def _ensure_user() -> tuple[int, int] | None:
    try:
        entry = pwd.getpwnam(SANDBOX_USER)
    except KeyError:
        if not shutil.which("useradd"):
            return None
        done = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell",
             "/usr/sbin/nologin", "--user-group", SANDBOX_USER],
            capture_output=True, text=True,
        )
        if done.returncode not in (0, 9):  # 9: created meanwhile by a parallel run
            return None
        try:
            entry = pwd.getpwnam(SANDBOX_USER)
        except KeyError:
            return None
    return entry.pw_uid, entry.pw_gid


@functools.lru_cache(maxsize=1)
def probe() -> Capabilities:
    """Find out once per process which confinement steps work here."""
    warnings = []
    is_root = os.geteuid() == 0
    user = _ensure_user() if is_root and shutil.which("setpriv") else None
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
    cgroups = tuple(name for name in CGROUP_CONTROLLERS if is_root and _cgroup_works(name))
    if "pids" not in cgroups:
        warnings.append("no per-job pids cgroup (cgroup v1 pids hierarchy, as root): the process cap is per sandbox "
                        "user, shared by every kernel running at once")
    return Capabilities(user=user, namespaces=namespaces, prlimit=has_prlimit, warnings=tuple(warnings),
                        cgroups=cgroups)


CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_CONTROLLERS = ("pids", "memory")
CGROUP_PARENT = "autograder"
MEMORY_SLACK = 512 * 1024**2  # the job's memory cgroup: the per-process cap plus this (one process meets MemoryError first)


def _cgroup_works(controller: str) -> bool:
    """A cgroup v1 hierarchy for ``controller`` where this process can make a child group."""
    base = CGROUP_ROOT / controller
    try:
        probe_dir = base / CGROUP_PARENT / f"probe-{os.getpid()}"
        probe_dir.mkdir(parents=True, exist_ok=True)
        probe_dir.rmdir()
        return True
    except OSError:
        return False


def job_cgroups(job_dir: Path, caps: Capabilities) -> list[Path]:
    """The job's cgroup folders (one per controller in ``caps.cgroups``), named after its scratch folder."""
    return [CGROUP_ROOT / c / CGROUP_PARENT / job_dir.name for c in caps.cgroups]


def make_cgroups(job_dir: Path, limits: Limits, caps: Capabilities) -> list[Path]:
    """Create the job's cgroups with their caps: every process and thread of the kernel together (pids.max),
    all its memory together (memory.limit_in_bytes)."""
    made = []
    for path in job_cgroups(job_dir, caps):
        path.mkdir(parents=True, exist_ok=True)
        if path.parent.parent.name == "pids":
            (path / "pids.max").write_text(str(limits.processes))
        elif path.parent.parent.name == "memory":
            (path / "memory.limit_in_bytes").write_text(str(limits.memory_bytes + MEMORY_SLACK))
        made.append(path)
    return made


def release_cgroups(job_dir: Path, caps: Capabilities) -> int:
    """Kill every process left in the job's cgroups and remove them; returns how many were still alive."""
    import signal
    import time

    left = 0
    for path in job_cgroups(job_dir, caps):
        if not path.exists():
            continue
        for _ in range(50):
            try:
                pids = [int(x) for x in (path / "cgroup.procs").read_text().split()]
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
        # cap (pids.max) replaces it, so one kernel's threads can never starve another job's
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


__all__ = ["Limits", "Capabilities", "probe", "write_kernelspec", "prepare_home", "kernel_command", "mount_lines",
           "job_cgroups", "make_cgroups", "release_cgroups"]
