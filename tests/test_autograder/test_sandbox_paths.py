"""The isolation cases of the hostile corpus, graded through each launcher this machine can run: bubblewrap
(the default) and the older ``unshare`` launcher (root's fallback where user namespaces are off,
``AUTOGRADER_NO_BWRAP=1``). Each case must score and be flagged exactly as in the shared corpus run, beside a
correct neighbour; and under bwrap the kernel's paths look like a student's lab and nothing it leaves in
``/var/tmp`` or ``/run/lock`` survives (issue 22, items 6 and 7).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder import sandbox
from autograder.api import REPO, grade_class
from tests.test_autograder import corpus

ISOLATION = (
    "correct",
    "snoop",
    "shm_litter",
    "memory_hog",
    "thread_bomb",
    "os_exit",
    "infinite_loop",
    "libraries",
    "grading_env",
)
VAR_LITTER, LOCK_LITTER = "/var/tmp/agbw-corpus-litter", "/run/lock/agbw-corpus-litter"

# Right only where the grader's paths look like the lab: no sandbox path (the scratch folder autograder-*, a
# job's folder) in matplotlib's folder, the home, the working folder or the kernel's command line; and files
# written to /var/tmp and /run/lock (they must vanish with the job). The guard's own name stays visible.
LAB_PATHS = (
    "import os, sys, matplotlib\n"
    f"for _p in ({VAR_LITTER!r}, {LOCK_LITTER!r}):\n"
    "    try:\n"
    "        open(_p, 'w').write('hidden tests, kept for later')\n"
    "    except OSError as exc:\n"
    "        print('NOT WRITTEN', _p, exc)\n"
    # the environment's own path is the lab's too (a checkout under /tmp shows /tmp/ there): no sign of grading
    "_seen = ' '.join([matplotlib.get_configdir(), os.getcwd(), os.path.expanduser('~'), *sys.argv])\n"
    "_seen = _seen.replace(sys.prefix, '<env>')\n"
    "print('PATHS', _seen)\n"
    "_graded = any(w in _seen for w in ('/job-', 'autograder-', '/tmp/'))\n"
    "def mean_of(values):\n"
    "    return float(np.mean(values)) + (1.0 if _graded else 0.0)\n"
)


def launchers() -> list:
    root_only = pytest.mark.skipif(os.geteuid() != 0, reason="the unshare launcher needs root")
    return [
        pytest.param("bwrap", marks=pytest.mark.skipif(not shutil.which("bwrap"), reason="needs bwrap")),
        pytest.param("unshare", marks=root_only),
    ]


@pytest.fixture(scope="module", params=launchers())
def graded(request, toy_course, toy_release, tmp_path_factory):
    launcher = request.param
    saved = os.environ.get(sandbox.NO_BWRAP_ENV)
    os.environ[sandbox.NO_BWRAP_ENV] = "1" if launcher == "unshare" else "0"  # the workers inherit it
    sandbox.probe.cache_clear()
    try:
        caps = sandbox.probe()
        if launcher == "bwrap" and not caps.bwrap:
            pytest.skip(f"bwrap cannot make namespaces here: {caps.warnings}")
        if not caps.namespaces:
            pytest.skip(f"no {launcher} sandbox here: {caps.warnings}")
        subs, out = tmp_path_factory.mktemp(f"subs-{launcher}"), tmp_path_factory.mktemp(f"out-{launcher}")
        secrets = [
            str(toy_course / "source" / "toy" / "toy.ipynb"),
            str(toy_course / "source"),
            str(REPO / "source"),
            str(REPO / "nbgrader_config.py"),
            str(subs / "correct" / "toy" / "toy.ipynb"),
            str(subs),
            str(out),
            "/root/.local",
            "/root/.pyenv/version",
            "/etc/shadow",
        ]
        cases = {c.name: c for c in corpus.cases(secrets) if c.name in ISOLATION}
        cases["lab_paths"] = corpus.Case("lab_paths", 7, set(), replace={"mean_of": LAB_PATHS})
        source = toy_course / "source" / "toy" / "toy.ipynb"
        for case in cases.values():
            corpus.write(case, toy_release, source, subs / case.name / "toy")
            if case.name != "correct":
                corpus.write(cases["correct"], toy_release, source, subs / f"{case.name}{corpus.BESIDE}" / "toy")
        results = grade_class(
            subs, out, workers=2, timeout=20, course_root=toy_course, memory_mb=1536, log=lambda m: None
        )
        yield {
            "launcher": launcher,
            "caps": caps,
            "cases": cases,
            "out": out,
            "results": {r.student_id: r for r in results},
        }
    finally:
        if saved is None:
            os.environ.pop(sandbox.NO_BWRAP_ENV, None)
        else:
            os.environ[sandbox.NO_BWRAP_ENV] = saved
        sandbox.probe.cache_clear()


def printed(out: Path, student: str) -> str:
    [notebook] = (out / "autograded" / student).rglob("*.ipynb")
    nb = nbformat.read(str(notebook), as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.slow
def test_each_isolation_case_scores_as_in_the_corpus(graded):
    assert ("bubblewrap" in (graded["out"] / "report.html").read_text()) is (graded["launcher"] == "bwrap")
    for name, case in graded["cases"].items():
        if name == "lab_paths":
            continue
        result = graded["results"][name]
        assert (result.status, result.score) == (case.status, case.score), (name, result.message, result.cells)
        assert {f.flag for f in result.flags} == case.flags, (name, result.flags)
        if name != "correct":
            neighbour = graded["results"][name + corpus.BESIDE]
            assert (neighbour.status, neighbour.score, neighbour.flags) == ("graded", 7, []), (name, neighbour.message)
    assert "READ " not in printed(graded["out"], "snoop") and "CONNECTED" not in printed(graded["out"], "snoop")
    assert not Path(corpus.SHM_LITTER).exists() and not Path(corpus.TMP_LITTER).exists()


@pytest.mark.slow
def test_var_tmp_and_run_lock_are_the_jobs_own(graded):
    """Issue 22.6: what the kernel writes in /var/tmp or /run/lock is gone with it, on either launcher."""
    text = printed(graded["out"], "lab_paths")
    assert "NOT WRITTEN" not in text, text  # it could write there, as in the lab ...
    assert not Path(VAR_LITTER).exists() and not Path(LOCK_LITTER).exists()  # ... and nothing of it is left


@pytest.mark.slow
def test_under_bwrap_the_kernels_paths_are_a_students(graded):
    """Issue 22.7: no sandbox path (``/job-``, the scratch folder) in what the kernel can see of its own paths."""
    if graded["launcher"] != "bwrap":
        pytest.skip("the older unshare launcher keeps the kernel's home in the scratch folder")
    result, text = graded["results"]["lab_paths"], printed(graded["out"], "lab_paths")
    assert result.score == 7, text
    assert "PATHS /home/lab_paths/.config/matplotlib /home/lab_paths/toy /home/lab_paths" in text, text
    assert "/home/lab_paths/.local/share/jupyter/runtime/kernel-" in text, text


# As the kernel: read the environment, then try to write in (and reopen) each folder bwrap made to reach it.
PLANT = (
    'cat "$3/env/marker" || echo UNREAD; for d in "$@"; do touch "$d/planted" 2>/dev/null && echo "WROTE $d"; '
    'chmod 0777 "$d" 2>/dev/null && echo "CHMOD $d"; done; touch /tmp/own 2>/dev/null && echo TMP-OK'
)


@pytest.mark.parametrize(
    "as_root",
    [
        pytest.param(True, marks=pytest.mark.skipif(os.geteuid() != 0, reason="the privileged bwrap path needs root")),
        False,
    ],
    ids=["root", "user-namespace"],
)
def test_folders_leading_to_an_environment_under_tmp_are_read_only(as_root, monkeypatch):
    """Item 2 of issue 20: an environment under ``/tmp`` (a CI checkout) is bound at its own path inside the job's
    private ``/tmp``; the folders bwrap makes on the way are owned by the kernel's uid in a user namespace (and by
    root, whose uid the capless sandbox keeps, on the privileged path). None of them may take a file or a chmod;
    the environment stays readable and ``/tmp`` itself stays the job's to write."""
    if not shutil.which("bwrap"):
        pytest.skip("needs bwrap")
    top = Path(tempfile.mkdtemp(prefix="agbw-tops-", dir="/tmp"))  # /tmp itself: where CI checks out
    try:
        env = top / "ci" / "checkout" / "env"
        env.mkdir(parents=True)
        (env / "marker").write_text("ENVIRONMENT READ\n")
        for folder in (top, top / "ci", top / "ci" / "checkout", env):
            os.chmod(folder, 0o755)
        monkeypatch.setattr(sandbox, "_python_trees", lambda helpers=(): [env])
        job = top / "job"  # readable by the unprivileged uid too (pytest's tmp_path is root's alone)
        (job / sandbox.SHARED).mkdir(parents=True)
        for path in (job, job / sandbox.SHARED):
            os.chmod(path, 0o755)
        made = [top, top / "ci", top / "ci" / "checkout"]  # the folders bwrap makes in the private /tmp
        inside = sandbox.Inside("student", "toy")
        caps = sandbox.Capabilities(user=None, namespaces=True, prlimit=False, bwrap=True, root=as_root)
        sandbox._write_identity(job, inside, caps)
        command = sandbox.bwrap_command(job, sandbox.Limits(), caps, inside)
        assert command[-2:] == ["--info-fd", "3"]
        command = command[:-2] + ["--", "/bin/sh", "-c", PLANT, "sh", *map(str, made)]
        if not as_root and os.geteuid() == 0:  # the hub's instructor: an ordinary uid, bwrap unprivileged
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if not as_root and done.returncode != 0 and "namespace" in done.stderr:
            pytest.skip(f"bwrap cannot make a user namespace here: {done.stderr.strip()}")
        assert done.returncode == 0, done.stderr
        assert "ENVIRONMENT READ" in done.stdout and "TMP-OK" in done.stdout, done.stdout
        assert "WROTE" not in done.stdout and "CHMOD" not in done.stdout, done.stdout
        assert not any((folder / "planted").exists() for folder in made)
    finally:
        shutil.rmtree(top, ignore_errors=True)
