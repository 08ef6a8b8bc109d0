"""autograder.sandbox: the kernel's command and launcher for each combination of what the machine allows."""

import json
import os
import pwd
import time
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.limits import Limits

NOTHING = sandbox.Capabilities(user=None, namespaces=False, prlimit=False)
EVERYTHING = sandbox.Capabilities(user=(1234, 1234), namespaces=True, prlimit=True)


def test_the_kernel_environment_is_scrubbed(tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    env = sandbox.kernel_env(tmp_path)
    assert "NBGRADER_EXECUTION" not in env and env["HOME"] == str(tmp_path)
    command = sandbox.kernel_command(tmp_path, Limits(), NOTHING)
    assert command[:2] == ["env", "-i"] and "NBGRADER_EXECUTION=autograde" not in " ".join(command)
    assert any(a.startswith("--IPKernelApp.exec_files=") and sandbox.GUARD_COPY in a for a in command)


def test_caps_and_user_wrap_the_kernel_in_order(tmp_path):
    limits = Limits(memory_bytes=100, cpu_seconds=5, processes=7, file_bytes=9)
    command = sandbox.kernel_command(tmp_path, limits, EVERYTHING)
    assert command[:6] == ["prlimit", "--data=100", "--cpu=5", "--nproc=7", "--fsize=9", "--"]
    assert command[6:8] == ["setpriv", "--reuid=1234"] and command.index("env") > command.index("setpriv")


def test_mounts_hide_folders_but_keep_python_reachable(tmp_path):
    lines = sandbox.mount_lines(tmp_path, [tmp_path / "course", Path("/")])
    tmpfs = [line for line in lines if "-t tmpfs" in line]
    assert tmpfs and all(line.endswith(" /") for line in tmpfs)  # "/" contains the rest: only it is mounted over
    assert any(line.startswith("mount --move") for line in lines)  # the venv and interpreter come back on top


def test_the_home_folder_is_hidden_too(tmp_path):
    (tmp_path / "course").mkdir()
    lines = sandbox.mount_lines(tmp_path, [tmp_path / "course"])
    home = pwd.getpwuid(os.getuid()).pw_dir
    assert any(line.endswith(f" {home}") and "-t tmpfs" in line for line in lines)


@pytest.mark.parametrize("caps", [NOTHING, EVERYTHING], ids=["bare", "confined"])
def test_the_kernelspec_starts_the_launcher(tmp_path, caps):
    home = tmp_path / "home"
    home.mkdir()
    sandbox.write_kernelspec(tmp_path, home, [], Limits(), caps)
    spec = json.loads((tmp_path / "kernels" / sandbox.KERNEL_NAME / "kernel.json").read_text())
    assert spec["argv"] == ["/bin/sh", str(tmp_path / "launch.sh"), "{connection_file}"]
    assert spec["interrupt_mode"] == "message"
    launcher = (tmp_path / "launch.sh").read_text()
    assert ("unshare -m -n -p -f" in launcher) is caps.namespaces
    inner = (tmp_path / "inner.sh").read_text()
    assert ("chown -R 1234:1234" in inner) is bool(caps.user) and (home / sandbox.GUARD_COPY).is_file()
    assert ("autograder-shm /dev/shm" in inner) is caps.namespaces  # the kernel's shared memory dies with it
    assert ("autograder-tmp /tmp" in inner) is caps.namespaces  # and its /tmp


def test_describe_names_what_is_missing():
    assert "NO separate user" in NOTHING.describe() and "NO resource caps" in NOTHING.describe()
    assert "NO" not in EVERYTHING.describe()


def test_a_per_job_pids_cgroup_replaces_the_per_uid_process_cap(tmp_path):
    """RLIMIT_NPROC counts every kernel of the sandbox uid: one thread bomb once starved every other job."""
    limits = Limits(memory_bytes=100, cpu_seconds=5, processes=7, file_bytes=9)
    with_cgroup = sandbox.Capabilities(user=(1234, 1234), namespaces=True, prlimit=True, cgroups=("pids", "memory"))
    command = sandbox.kernel_command(tmp_path, limits, with_cgroup)
    assert command[:5] == ["prlimit", "--data=100", "--cpu=5", "--fsize=9", "--"]


def test_job_cgroups_are_made_with_caps_and_joined_by_the_launcher(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "CGROUP_ROOT", tmp_path / "cgroup")
    caps = sandbox.Capabilities(user=None, namespaces=False, prlimit=False, cgroups=("pids", "memory"))
    job_dir = tmp_path / "job-abc"
    (job_dir / "home").mkdir(parents=True)
    sandbox.write_kernelspec(job_dir, job_dir / "home", [], Limits(memory_bytes=2**30, processes=300), caps)
    pids, memory = sandbox.job_cgroups(job_dir, caps)
    assert (pids / "pids.max").read_text() == "300"
    assert int((memory / "memory.limit_in_bytes").read_text()) == 2**30 + sandbox.MEMORY_SLACK
    launcher = (job_dir / "launch.sh").read_text()
    assert f"echo $$ > {pids / 'cgroup.procs'}" in launcher and f"echo $$ > {memory / 'cgroup.procs'}" in launcher


@pytest.mark.skipif(not sandbox.probe().cgroups, reason="needs root and a writable cgroup v1 pids hierarchy")
def test_every_process_of_a_job_is_gone_when_it_ends(tmp_path):
    import subprocess

    caps = sandbox.probe()
    job_dir = tmp_path / f"job-test-{os.getpid()}"
    job_dir.mkdir()
    [pids, *_] = sandbox.make_cgroups(job_dir, Limits(processes=50), caps)
    procs = pids / "cgroup.procs"
    # a kernel's leftovers: a child that double-forked away from its parent and ignores SIGTERM
    starter = subprocess.Popen(["sh", "-c", f"echo $$ > {procs}; (trap '' TERM; sleep 300) & sleep 300 & wait"])
    for _ in range(100):
        if len(procs.read_text().split()) >= 3:
            break
        time.sleep(0.02)
    assert len(procs.read_text().split()) >= 3
    assert sandbox.release_cgroups(job_dir, caps) >= 3
    starter.wait(timeout=5)
    assert not pids.exists()
