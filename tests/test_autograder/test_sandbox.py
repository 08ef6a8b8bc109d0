"""autograder.sandbox: the kernel's command and launcher for each combination of what the machine allows."""

import json
import os
import pwd
import time
from pathlib import Path

import pytest

from autograder import limits, sandbox
from autograder.limits import Limits

NOTHING = sandbox.Capabilities(user=None, namespaces=False, prlimit=False)
EVERYTHING = sandbox.Capabilities(user=(1234, 1234), namespaces=True, prlimit=True, cgroups=("pids", "memory"))


def test_the_kernel_environment_is_scrubbed(tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    env = sandbox.kernel_env(tmp_path)
    assert "NBGRADER_EXECUTION" not in env and env["HOME"] == str(tmp_path)
    command = sandbox.kernel_command(tmp_path, Limits(), NOTHING)
    assert command[:2] == ["env", "-i"] and "NBGRADER_EXECUTION=autograde" not in " ".join(command)
    assert any(a.startswith("--IPKernelApp.exec_files=") and sandbox.GUARD_COPY in a for a in command)


def test_the_kernels_thread_pools_fit_its_cpu_share(tmp_path):
    """OpenMP, BLAS and TensorFlow start one thread per core of the machine unless told otherwise: inside a quota
    of one core those threads are throttled in turn. Every launcher tells them the share."""
    assert Limits().thread_env == {name: "1" for name in limits.THREAD_VARIABLES}
    assert Limits(cpus=2.5).thread_env["TF_NUM_INTRAOP_THREADS"] == "2"
    assert Limits(cpus=0.5).thread_env["OMP_NUM_THREADS"] == "1"
    command = " ".join(sandbox.kernel_command(tmp_path, Limits(cpus=3), NOTHING))
    assert all(f"{name}=3" in command for name in limits.THREAD_VARIABLES if "INTEROP" not in name)
    assert "TF_NUM_INTEROP_THREADS=1" in command  # as on the hub: TensorFlow's ops run one after another there
    home = tmp_path / "home"
    home.mkdir()
    sandbox.write_kernelspec(
        tmp_path, home, [], Limits(), sandbox.Capabilities(user=None, namespaces=True, prlimit=True, bwrap=True)
    )
    launcher = (tmp_path / "launch.sh").read_text()
    assert all(f"{name}=1" in launcher for name in limits.THREAD_VARIABLES), launcher


def test_caps_and_user_wrap_the_kernel_in_order(tmp_path):
    limits = Limits(memory_bytes=100, cpu_seconds=5, processes=7, file_bytes=9)
    no_cgroup = sandbox.Capabilities(user=(1234, 1234), namespaces=True, prlimit=True)
    command = sandbox.kernel_command(tmp_path, limits, no_cgroup)
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
    assert "NO per-job cgroup" in NOTHING.describe()
    assert "NO" not in EVERYTHING.describe() and "cgroup (v1)" in EVERYTHING.describe()


def test_a_per_job_pids_cgroup_replaces_the_per_uid_process_cap(tmp_path):
    """RLIMIT_NPROC counts every kernel of the sandbox uid: one thread bomb once starved every other job."""
    limits = Limits(memory_bytes=100, cpu_seconds=5, processes=7, file_bytes=9)
    with_cgroup = sandbox.Capabilities(user=(1234, 1234), namespaces=True, prlimit=True, cgroups=("pids", "memory"))
    command = sandbox.kernel_command(tmp_path, limits, with_cgroup)
    assert command[:5] == ["prlimit", "--data=100", "--cpu=5", "--fsize=9", "--"]


def test_job_cgroups_are_made_with_caps_and_joined_by_the_launcher(tmp_path):
    caps = sandbox.Capabilities(
        user=None, namespaces=False, prlimit=False, cgroups=("pids", "memory"), cgroup_root=str(tmp_path / "cgroup")
    )
    job_dir = tmp_path / "job-abc"
    (job_dir / "home").mkdir(parents=True)
    sandbox.write_kernelspec(job_dir, job_dir / "home", [], Limits(memory_bytes=2**30, processes=300), caps)
    pids, memory = sandbox.job_cgroups(job_dir, caps)
    assert (pids / "pids.max").read_text() == "300"
    assert int((memory / "memory.limit_in_bytes").read_text()) == 2**30 + sandbox.MEMORY_SLACK
    launcher = (job_dir / "launch.sh").read_text()
    assert f"echo $$ > {pids / 'cgroup.procs'}" in launcher and f"echo $$ > {memory / 'cgroup.procs'}" in launcher


def leftovers_in(procs: Path):
    """A kernel's leftovers in the cgroup whose ``cgroup.procs`` is ``procs``: a shell, a child that double-forked
    away from it and ignores SIGTERM, and another. Returns (the shell's Popen, the PIDs in the group)."""
    import subprocess

    starter = subprocess.Popen(["sh", "-c", f"echo $$ > {procs}; (trap '' TERM; sleep 300) & sleep 300 & wait"])
    for _ in range(100):
        if len(procs.read_text().split()) >= 3:
            break
        time.sleep(0.02)
    inside = [int(pid) for pid in procs.read_text().split()]
    assert len(inside) >= 3
    return starter, inside


@pytest.mark.skipif(not sandbox.probe().cgroups, reason="needs root and a writable cgroup v1 pids hierarchy")
def test_every_process_of_a_job_is_gone_when_it_ends(tmp_path):
    caps = sandbox.probe()
    job_dir = tmp_path / f"job-test-{os.getpid()}"
    job_dir.mkdir()
    [pids, *_] = sandbox.make_cgroups(job_dir, Limits(processes=50), caps)
    starter, _ = leftovers_in(pids / "cgroup.procs")
    assert sandbox.release_cgroups(job_dir, caps) >= 3
    starter.wait(timeout=5)
    assert not pids.exists()


# cgroup v2. This machine's unified hierarchy has no controllers, so these tests run against a fake cgroup
# root: plain folders and files shaped like the kernel's. Real v2 enforcement is not exercised here.


def fake_cgroup_root(root: Path, *, v1=(), unified_at="", controllers="cpu io memory pids") -> Path:
    """A cgroup mount point: v1 hierarchies named in ``v1``; a unified hierarchy at ``root/unified_at`` offering
    ``controllers`` (``unified_at=None``: none)."""
    for controller in v1:
        (root / controller).mkdir(parents=True)
        (root / controller / "tasks").write_text("")
    if unified_at is not None:
        (root / unified_at).mkdir(parents=True, exist_ok=True)
        (root / unified_at / "cgroup.controllers").write_text(controllers + "\n")
        (root / unified_at / "cgroup.subtree_control").write_text("")
    return root


@pytest.mark.parametrize(
    "layout, expected",
    [
        (dict(v1=(), unified_at=""), (2, ("pids", "memory", "cpu"), "")),  # pure v2
        (
            dict(v1=("pids", "memory", "cpu"), unified_at="unified", controllers=""),
            (1, ("pids", "memory", "cpu"), None),
        ),  # this machine
        (dict(v1=("pids", "memory"), unified_at="unified"), (2, ("pids", "memory", "cpu"), "unified")),  # moved to v2
        (dict(v1=("pids",), unified_at="unified", controllers="cpu"), (1, ("pids",), None)),
        (dict(v1=(), unified_at="", controllers="cpu io"), (0, (), None)),
        (dict(v1=(), unified_at=None), (0, (), None)),
    ],
    ids=["pure-v2", "hybrid-empty-v2", "hybrid-v2", "v1-pids-only", "v2-without-them", "none"],
)
def test_the_probe_picks_the_cgroup_version_that_caps_a_job(tmp_path, layout, expected):
    root = fake_cgroup_root(tmp_path / "cg", **layout)
    version, controllers, where = sandbox.probe_cgroups(root)
    assert (version, controllers) == expected[:2]
    if version == 1:
        assert where == root
    if version == 2:
        assert where == root / expected[2]
        # the controllers are passed down to the grader's groups, and no probe group is left behind
        assert {"+pids", "+memory", "+cpu"} <= set(
            (where / "autograder" / "cgroup.subtree_control").read_text().split()
        )
        assert [p.name for p in (where / "autograder").iterdir() if p.is_dir()] == []
        caps = sandbox.Capabilities(
            user=None,
            namespaces=True,
            prlimit=True,
            cgroups=controllers,
            cgroup_version=version,
            cgroup_root=str(where),
        )
        assert "pids, memory and cpu cgroup (v2)" in caps.describe()


def v2_caps(root: Path) -> sandbox.Capabilities:
    return sandbox.Capabilities(
        user=None, namespaces=False, prlimit=True, cgroups=("pids", "memory"), cgroup_version=2, cgroup_root=str(root)
    )


@pytest.mark.parametrize("swap_accounted", [True, False])
def test_a_v2_job_group_caps_processes_memory_and_swap(tmp_path, swap_accounted):
    caps = v2_caps(tmp_path / "unified")
    job_dir = tmp_path / "job-v2"
    (job_dir / "home").mkdir(parents=True)
    [group] = sandbox.job_cgroups(job_dir, caps)
    assert group == tmp_path / "unified" / "autograder" / "job-v2"
    if swap_accounted:  # the kernel makes memory.swap.max only where swap is accounted
        group.mkdir(parents=True)
        (group / "memory.swap.max").write_text("max")
    sandbox.write_kernelspec(job_dir, job_dir / "home", [], Limits(memory_bytes=2**30, processes=300), caps)
    assert (group / "pids.max").read_text() == "300"
    assert int((group / "memory.max").read_text()) == 2**30 + sandbox.MEMORY_SLACK
    assert (group / "memory.swap.max").exists() is swap_accounted
    if swap_accounted:
        assert (group / "memory.swap.max").read_text() == "0"
    assert f"echo $$ > {group / 'cgroup.procs'}" in (job_dir / "launch.sh").read_text()
    assert "--nproc" not in " ".join(sandbox.kernel_command(job_dir / "home", Limits(), caps))


@pytest.mark.parametrize("has_kill_file", [True, False])
def test_a_v2_job_group_is_emptied_when_the_job_ends(tmp_path, has_kill_file):
    """cgroup.kill (Linux 5.14+) ends the whole group at once; older kernels: each PID in cgroup.procs."""
    import subprocess

    caps = v2_caps(tmp_path / "unified")
    job_dir = tmp_path / "job-v2"
    [group] = sandbox.make_cgroups(job_dir, Limits(), caps)
    if has_kill_file:
        (group / "cgroup.kill").write_text("0")
    sleepers = [subprocess.Popen(["sleep", "300"]) for _ in range(2)]
    (group / "cgroup.procs").write_text("".join(f"{p.pid}\n" for p in sleepers))
    assert sandbox.release_cgroups(job_dir, caps) == 2
    assert [p.wait(timeout=5) for p in sleepers] == [-9, -9]
    if has_kill_file:
        assert (group / "cgroup.kill").read_text() == "1"


def test_cgroups_can_be_turned_off(monkeypatch):
    monkeypatch.setenv(sandbox.NO_CGROUPS_ENV, "1")
    sandbox.probe.cache_clear()
    try:
        caps = sandbox.probe()
    finally:
        sandbox.probe.cache_clear()
    assert caps.cgroups == ()
    if os.geteuid() == 0:
        assert any(sandbox.NO_CGROUPS_ENV in w for w in caps.warnings)


# One sandbox user per worker slot: the fallback where no per-job pids cgroup exists


def test_each_worker_takes_its_own_slot(tmp_path, monkeypatch):
    """Slots are locks held by the process: a second process gets the next one, and a dead one's is free."""
    import subprocess
    import sys

    if os.geteuid() != 0:
        pytest.skip("slots are for the root grader (a user per slot)")
    monkeypatch.setattr(sandbox, "_slot", None)
    assert sandbox.claim_slot(tmp_path) == 0 and sandbox.claim_slot(tmp_path) == 0  # kept for the process's life
    other = [
        sys.executable,
        "-c",
        f"from autograder import sandbox; from pathlib import Path; "
        f"print(sandbox.claim_slot(Path({str(tmp_path)!r})))",
    ]
    try:
        assert subprocess.run(other, capture_output=True, text=True, check=True).stdout.split() == ["1"]
    finally:
        os.close(sandbox._slot[1])  # this process's lock released: slot 0 is free again
    assert subprocess.run(other, capture_output=True, text=True, check=True).stdout.split() == ["0"]


def test_a_worker_slot_has_its_own_user():
    assert sandbox.slot_user(3) == "autograder-sandbox-3" and sandbox.slot_user(None) == sandbox.SANDBOX_USER


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: makes a sandbox user and runs processes as it")
def test_every_process_of_a_slots_user_is_gone_when_its_job_ends(tmp_path, monkeypatch):
    """Without cgroups, what a job leaves behind is found by its slot's user (only that job's kernel ran as it)."""
    import subprocess

    monkeypatch.setattr(sandbox, "_slot", None)
    slot = sandbox.claim_slot()  # a real slot: no grading run on this machine uses its user meanwhile
    try:
        uid, gid = sandbox._ensure_user(sandbox.slot_user(slot))
        caps = sandbox.Capabilities(user=(uid, gid), namespaces=False, prlimit=True, slot=slot)
        starter = subprocess.Popen(
            [
                "setpriv",
                f"--reuid={uid}",
                f"--regid={gid}",
                "--clear-groups",
                "sh",
                "-c",
                "(trap '' TERM; sleep 300) & (sleep 300 &) ; sleep 300",
            ]
        )
        for _ in range(100):
            if len(sandbox._uid_processes(uid)) >= 4:
                break
            time.sleep(0.02)
        assert sandbox.release_cgroups(tmp_path / "job-x", caps) >= 4
        assert sandbox._uid_processes(uid) == []
        assert starter.wait(timeout=5) == -9
    finally:
        os.close(sandbox._slot[1])


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: makes a sandbox user and runs processes as it")
def test_a_dead_workers_kernels_end_when_its_slot_is_taken_again(monkeypatch):
    """A worker killed mid-job never ends its kernel; the next worker to take its slot does."""
    import subprocess
    import sys

    dead_worker = (
        "import subprocess, sys\nfrom autograder import sandbox\n"
        "slot = sandbox.claim_slot()\nuid, gid = sandbox._ensure_user(sandbox.slot_user(slot))\n"
        "kernel = subprocess.Popen(['setpriv', f'--reuid={uid}', f'--regid={gid}', '--clear-groups', "
        "'sleep', '300'], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(slot, kernel.pid, flush=True)\n"
    )  # exits, its slot lock with it; the 'kernel' lives on
    slot, orphan = map(
        int,
        subprocess.run([sys.executable, "-c", dead_worker], capture_output=True, text=True, check=True).stdout.split(),
    )
    monkeypatch.setattr(sandbox, "_slot", None)
    try:
        assert sandbox._alive(orphan)
        taken = sandbox.claim_slot()
        if taken != slot:  # another grading run took that slot first (and ended the orphan), or holds a lower one
            pytest.skip(f"slot {slot} was taken by another run on this machine")
        time.sleep(0.1)
        assert not sandbox._alive(orphan)
    finally:
        if sandbox._slot:
            os.close(sandbox._slot[1])
        if sandbox._alive(orphan):
            os.kill(orphan, 9)


def real_unified_hierarchy() -> Path | None:
    """A real cgroup2 mount this process can make groups in (with or without controllers), or None."""
    for path in (sandbox.CGROUP_ROOT, sandbox.CGROUP_ROOT / "unified"):
        if (path / "cgroup.controllers").is_file() and os.geteuid() == 0 and os.access(path, os.W_OK):
            return path
    return None


@pytest.mark.skipif(real_unified_hierarchy() is None, reason="needs root and a cgroup2 mount")
def test_a_real_v2_group_is_ended_whole_and_removed(tmp_path):
    """On the kernel's own cgroup2 files (this machine's unified hierarchy has no controllers, so only ending
    and removing a group run for real here; pids.max and memory.max are checked on the fake root above)."""
    unified = real_unified_hierarchy()
    caps = v2_caps(unified)
    job_dir = tmp_path / f"job-v2test-{os.getpid()}"
    [group] = sandbox.job_cgroups(job_dir, caps)
    group.mkdir(parents=True)
    starter, inside = leftovers_in(group / "cgroup.procs")
    sandbox.release_cgroups(job_dir, caps)
    assert starter.wait(timeout=5) == -9 and not group.exists()
    assert not any(sandbox._alive(pid) for pid in inside)


def test_oom_kills_are_read_from_the_jobs_memory_cgroup(tmp_path):
    from autograder.sandbox import Capabilities, oom_kills

    job = tmp_path / "job-x"
    v1 = Capabilities(
        user=None,
        namespaces=False,
        prlimit=False,
        cgroups=("pids", "memory"),
        cgroup_version=1,
        cgroup_root=str(tmp_path / "v1"),
    )
    v2 = Capabilities(
        user=None,
        namespaces=False,
        prlimit=False,
        cgroups=("pids", "memory"),
        cgroup_version=2,
        cgroup_root=str(tmp_path / "v2"),
    )
    assert oom_kills(job, v1) == oom_kills(job, v2) == 0  # no group: nothing counted, nothing raised
    for caps, name, text in (
        (v1, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"),
        (v2, "memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 3\n"),
    ):
        for folder in sandbox.job_cgroups(job, caps):
            folder.mkdir(parents=True)
            (folder / name).write_text(text if folder.parent.parent.name != "pids" else "")
    assert (oom_kills(job, v1), oom_kills(job, v2)) == (2, 3)


# The bubblewrap launcher: the kernel's namespaces, file system and limits, for root and for an instructor

BWRAP_ROOT = sandbox.Capabilities(
    user=(1234, 1234), namespaces=True, prlimit=True, cgroups=("pids", "memory", "cpu"), bwrap=True, root=True
)
BWRAP_USER = sandbox.Capabilities(user=None, namespaces=True, prlimit=True, bwrap=True, root=False)


def bwrap_launcher(tmp_path, caps, student="ann", **limits):
    import dataclasses

    caps = dataclasses.replace(caps, cgroup_root=str(tmp_path / "cgroup"))  # never the machine's own cgroups
    job_dir = tmp_path / "job-abc"
    home = job_dir / "home"
    job_dir.mkdir()
    sandbox.prepare_home(home, caps)
    assert home.is_symlink() and (job_dir / sandbox.SHARED).is_dir()  # the launcher turns it to the sockets
    (home / "data.csv").write_text("1,2\n")
    sandbox.write_kernelspec(
        job_dir, home, [tmp_path / "course"], Limits(**limits), caps, student=student, assignment="toy"
    )
    return job_dir, (job_dir / "launch.sh").read_text()


@pytest.mark.parametrize("caps", [BWRAP_ROOT, BWRAP_USER], ids=["root", "instructor"])
def test_the_bwrap_launcher_confines_the_kernel(tmp_path, caps):
    job_dir, launcher = bwrap_launcher(tmp_path, caps, cpus=0.5)
    home = job_dir / "home"
    words = launcher.split()
    assert "bwrap" in words and not (job_dir / "inner.sh").exists()
    for flag in (
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--die-with-parent",
        "--new-session",
    ):
        assert flag in words
    assert ("--unshare-user" in words and "--disable-userns" in words) is (not caps.root)
    assert ("--cap-drop" in words) is (not caps.root)  # as root: setpriv drops them, after chown
    assert ("--inh-caps=-all" in launcher and "--reuid=1234" in launcher) is caps.root
    for place in ("/tmp", "/dev/shm", "/var/tmp", "/run/lock", "/home/ann"):  # each a size-capped tmpfs
        at = words.index(place) if place in words else -1
        assert words[at - 1] == "--tmpfs" and words[at - 3] == "--size", place
    assert str(tmp_path / "course") not in launcher  # a hidden folder is never even named
    # the root is remounted read-only (a checkout under /tmp adds the folders leading to its environment first)
    remounted = [words[i + 1] for i, w in enumerate(words) if w == "--remount-ro"]
    assert "/" in remounted and words[words.index("--chdir") + 1] == "/home/ann/toy"
    assert "/home/ann/.local/share/jupyter/runtime/.grader/data.csv" in launcher  # copied to the work folder
    assert f'"/proc/$pid/root/home/ann/.local/share/jupyter/runtime" {home}.next' in launcher
    assert (job_dir / "passwd").read_text().splitlines()[1].startswith("ann:x:")


def test_an_environment_under_tmp_stays_visible_in_bwrap(tmp_path, monkeypatch):
    """A checkout under /tmp: its environment is bound after the private /tmp, so the kernel still finds Python."""
    venv = Path("/tmp/agbw-checkout/.venv")
    monkeypatch.setattr(sandbox, "_python_trees", lambda helpers=(): [venv, Path("/usr")])
    monkeypatch.setattr(sandbox, "_outermost", lambda paths: list(paths))
    words = sandbox.bwrap_command(tmp_path, Limits(), BWRAP_USER, sandbox.Inside("ann", "toy"))
    tmp = [i for i, w in enumerate(words) if w == "/tmp" and words[i - 1] == "--tmpfs"][0]
    bind = [i for i, w in enumerate(words) if w == str(venv) and words[i - 1] == "--ro-bind"][0]
    assert tmp < words.index("/tmp/agbw-checkout") < bind  # its parent made passable, then the bind on top
    assert "/usr" not in words[bind - 3 : bind]


def test_a_student_id_that_is_no_unix_name_gets_a_plain_one():
    assert sandbox.kernel_user("ann_lee") == "ann_lee"
    assert sandbox.kernel_user("../root") == sandbox.kernel_user("Ann Lee") == "student"


@pytest.mark.parametrize(
    "version, files",
    [(1, {"cpu.cfs_quota_us": "50000", "cpu.cfs_period_us": "100000"}), (2, {"cpu.max": "50000 100000"})],
)
def test_a_job_cgroup_caps_its_cpu(tmp_path, version, files):
    caps = sandbox.Capabilities(
        user=None,
        namespaces=False,
        prlimit=True,
        cgroups=("pids", "memory", "cpu"),
        cgroup_version=version,
        cgroup_root=str(tmp_path / "cg"),
    )
    job_dir = tmp_path / "job-cpu"
    groups = sandbox.job_cgroups(job_dir, caps)
    if version == 1:
        (groups[2]).mkdir(parents=True)
        (groups[2] / "cpu.cfs_period_us").write_text("100000")
    sandbox.make_cgroups(job_dir, Limits(cpus=0.5), caps)
    cpu = groups[-1]
    assert {name: (cpu / name).read_text() for name in files} == files


def test_without_root_a_systemd_scope_caps_the_job():
    command = sandbox.scope_prefix(Limits(memory_bytes=2**30, processes=300, cpus=1.0))
    assert command[:4] == ["systemd-run", "--user", "--scope", "--quiet"]
    assert f"MemoryMax={2**30 + sandbox.MEMORY_SLACK}" in command and "MemorySwapMax=0" in command
    assert "TasksMax=300" in command and "CPUQuota=100%" in command


def test_the_limits_in_force_are_named():
    assert "cgroup v1 pids.max" in BWRAP_ROOT.limits_in_force() and "cgroup v1 cpu" in BWRAP_ROOT.limits_in_force()
    assert "size-capped tmpfs" in BWRAP_ROOT.limits_in_force()
    scope = sandbox.Capabilities(user=None, namespaces=True, prlimit=True, bwrap=True, scope=True, root=False)
    assert "systemd CPUQuota" in scope.limits_in_force() and "systemd MemoryMax" in scope.limits_in_force()
    memory = BWRAP_USER.limits_in_force().split("; ")[0]  # report.html shows one item per "; "
    assert memory.startswith("memory: per process only (RLIMIT_DATA") and "weaker than a cgroup" in memory, memory
    assert NOTHING.limits_in_force().count("none") == 4


def test_grading_unconfined_needs_an_explicit_yes(monkeypatch):
    monkeypatch.delenv(sandbox.UNCONFINED_ENV, raising=False)
    assert "user namespaces" in sandbox.refuse_unconfined(NOTHING)
    assert sandbox.refuse_unconfined(BWRAP_USER) is None
    monkeypatch.setenv(sandbox.UNCONFINED_ENV, "1")
    assert sandbox.refuse_unconfined(NOTHING) is None


def test_the_unshare_launcher_makes_var_tmp_and_run_lock_private_and_keeps_tmp_trees(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "_python_trees", lambda helpers=(): [Path("/tmp/agbw-checkout/.venv")])
    monkeypatch.setattr(sandbox, "_outermost", lambda paths: list(paths))
    lines = sandbox.private_tmp_lines(Path("/srv/job-x"), Limits())
    assert any(line.endswith(" /var/tmp") for line in lines) and any(line.endswith(" /run/lock") for line in lines)
    assert any("mount --move /dev/shm/.keep0 /tmp/agbw-checkout/.venv" in line for line in lines)


def test_the_report_says_which_limits_were_in_force():
    from autograder import report

    page = report.render([], BWRAP_ROOT)
    assert "Limits in force per job" in page and "<li>CPU: a quota per job (cgroup v1 cpu)</li>" in page
