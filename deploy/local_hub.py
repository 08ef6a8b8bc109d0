"""A real JupyterHub on loopback, driven over HTTP: ``make hub`` (a demo), the end-to-end test and the bench.

:class:`LocalHub` prepares a state folder (the exchange, each user's home, the instructor's course clone),
starts ``jupyterhub -f deploy/jupyterhub/demo_config.py`` on free loopback ports, logs users in through the
hub's login form and drives their single-user servers through the same REST APIs JupyterLab uses (nbgrader's
assignment list, Validate and formgrader). With ``real_users`` (root only) every user is a Unix account made
with ``useradd`` and their server runs as that account; :meth:`LocalHub.stop` ends every process the hub
started, by PID, and removes the accounts it created.

``python -m deploy.local_hub`` starts a demo hub with one instructor and three students until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psutil
import requests

from deploy.exchange_layout import ensure_course

REPO = Path(__file__).resolve().parents[1]
DEMO_CONFIG = REPO / "deploy" / "jupyterhub" / "demo_config.py"
COURSE_ID = "dl-tuning"
PASSWORD = "course-demo"  # DummyAuthenticator takes any password: this one is only typed into the form


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str, interval: float = 0.25):
    """Call ``check`` until it returns something truthy; fail after ``timeout`` seconds, saying ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def private_ancestor(path: Path) -> Path | None:
    """The outermost folder on ``path`` that other users cannot pass through (no o+x), if any."""
    for folder in [*reversed(path.parents), path]:
        if not folder.stat().st_mode & 0o001:
            return folder
    return None


class HubUser:
    """One user logged in through the hub's form, with an API token for the hub and their own server."""

    def __init__(self, hub: LocalHub, name: str):
        self.hub, self.name = hub, name
        self.session = requests.Session()
        login = hub.url + "/hub/login"
        self.session.get(login, timeout=30)
        reply = self.session.post(
            login,
            data={"username": name, "password": PASSWORD, "_xsrf": self.session.cookies.get("_xsrf", "")},
            allow_redirects=False,
            timeout=30,
        )
        if reply.status_code != 302:
            raise RuntimeError(f"login as {name} failed: HTTP {reply.status_code}")
        reply = self.session.post(
            f"{hub.url}/hub/api/users/{name}/tokens",
            json={"note": "course driver"},
            headers={"X-XSRFToken": self.session.cookies.get("_xsrf", "")},
            timeout=30,
        )
        reply.raise_for_status()
        self.headers = {"Authorization": f"token {reply.json()['token']}"}

    @property
    def server_url(self) -> str:
        return f"{self.hub.url}/user/{self.name}"

    def spawn(self, timeout: float = 120) -> float:
        """Start this user's server; return the seconds until it answered."""
        start = time.monotonic()
        reply = requests.post(f"{self.hub.url}/hub/api/users/{self.name}/server", headers=self.headers, timeout=30)
        if reply.status_code not in (201, 202, 400):  # 400: already running
            raise RuntimeError(f"spawning {self.name}'s server: HTTP {reply.status_code} {reply.text[:300]}")

        def ready():
            info = requests.get(f"{self.hub.url}/hub/api/users/{self.name}", headers=self.headers, timeout=30).json()
            server = info.get("servers", {}).get("", {})
            return server.get("ready")

        wait_until(ready, timeout, f"{self.name}'s server to start (hub log: {self.hub.log_path})", 0.2)
        return time.monotonic() - start

    def get(self, path: str, **params) -> requests.Response:
        return requests.get(self.server_url + path, headers=self.headers, params=params, timeout=120)

    def post(self, path: str, data=None, **kwargs) -> requests.Response:
        return requests.post(self.server_url + path, headers=self.headers, data=data, timeout=300, **kwargs)

    def nbgrader(self, action: str, assignment: str) -> list[dict]:
        """``fetch``, ``submit`` or ``fetch_feedback`` through the assignment list, as its buttons do."""
        reply = self.post(f"/assignments/{action}", {"course_id": COURSE_ID, "assignment_id": assignment})
        reply.raise_for_status()
        body = reply.json()
        if not body.get("success"):
            raise RuntimeError(f"{self.name}: nbgrader {action} {assignment} failed: {body.get('value', body)}")
        return body["value"]

    def assignments(self) -> list[dict]:
        reply = self.get("/assignments", course_id=COURSE_ID)
        reply.raise_for_status()
        return reply.json()["value"]

    def read_notebook(self, path: str) -> dict:
        reply = self.get(f"/api/contents/{quote(path)}", content=1)
        reply.raise_for_status()
        return reply.json()["content"]

    def write_notebook(self, path: str, notebook: dict) -> None:
        reply = requests.put(
            f"{self.server_url}/api/contents/{quote(path)}",
            headers=self.headers,
            timeout=60,
            data=json.dumps({"type": "notebook", "format": "json", "content": notebook}),
        )
        reply.raise_for_status()

    def validate(self, path: str) -> dict:
        reply = self.post("/assignments/validate", {"path": path})
        reply.raise_for_status()
        return reply.json()

    def formgrader(self, action: str, assignment: str) -> dict:
        reply = self.post(f"/formgrader/api/assignment/{assignment}/{action}")
        reply.raise_for_status()
        body = reply.json()
        if not body.get("success"):
            raise RuntimeError(f"formgrader {action} {assignment} failed: {body.get('error') or body}")
        return body


class LocalHub:
    """A hub in ``state`` for ``instructors`` and ``students`` (see the module docstring)."""

    def __init__(
        self,
        state: Path,
        instructors: list[str],
        students: list[str],
        real_users: bool,
        assignments: tuple[str, ...] = ("01_tuning_process",),
        graders_group: str | None = None,
    ):
        if real_users and os.geteuid() != 0:
            raise PermissionError("real Unix users need root (useradd, and a hub that spawns as them)")
        self.state, self.instructors, self.students = Path(state), list(instructors), list(students)
        self.real_users, self.assignments = real_users, assignments
        self.graders = graders_group or f"{COURSE_ID}-graders"
        self.exchange = self.state / "exchange"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.state / "jupyterhub.log"
        self.process: subprocess.Popen | None = None
        self.created_users: list[str] = []
        self.created_group = False
        self.seen_pids: set[int] = set()

    # --- setting up -------------------------------------------------------------------------------------------
    def home(self, name: str) -> Path:
        return self.state / "homes" / name

    def course_clone(self) -> Path:
        return self.home(self.instructors[0]) / COURSE_ID

    def prepare(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state, 0o755)  # users pass through it to their homes and the exchange
        (self.state / "homes").mkdir(exist_ok=True)
        os.chmod(self.state / "homes", 0o755)
        if self.real_users:
            self._add_unix_users()
        ensure_course(self.exchange, COURSE_ID, self.graders if self.real_users else None)
        for name in self.instructors:
            self._clone_course(name)

    def _add_unix_users(self) -> None:
        if subprocess.run(["getent", "group", self.graders], capture_output=True).returncode != 0:
            subprocess.run(["groupadd", self.graders], check=True)
            self.created_group = True
        for name in self.instructors + self.students:
            try:
                pwd.getpwnam(name)
                raise RuntimeError(f"the Unix user {name} already exists: pick names this run can own")
            except KeyError:
                pass
            groups = ["--groups", self.graders] if name in self.instructors else []
            subprocess.run(
                [
                    "useradd",
                    "--create-home",
                    "--home-dir",
                    str(self.home(name)),
                    "--shell",
                    "/bin/bash",
                    *groups,
                    name,
                ],
                check=True,
                capture_output=True,
            )
            self.created_users.append(name)
            os.chmod(self.home(name), 0o700)

    def _clone_course(self, name: str) -> None:
        """What an instructor's ``git clone`` of the course holds that nbgrader needs: config, source, release."""
        clone = self.home(name) / COURSE_ID
        clone.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / "nbgrader_config.py", clone / "nbgrader_config.py")
        for folder in ("source", "release"):
            for assignment in self.assignments:
                shutil.copytree(REPO / folder / assignment, clone / folder / assignment, dirs_exist_ok=True)
        if self.real_users:
            subprocess.run(["chown", "-R", f"{name}:{name}", str(self.home(name))], check=True)

    # --- running ----------------------------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "COURSE_"))}
        env.update(
            {
                "COURSE_HUB_STATE": str(self.state),
                "COURSE_EXCHANGE_ROOT": str(self.exchange),
                "COURSE_GRADERS_GROUP": self.graders,
                "COURSE_HUB_BIND_URL": self.url,
                "COURSE_HUB_PORT": str(free_port()),
                "COURSE_PROXY_API_PORT": str(free_port()),
                "COURSE_DEMO_INSTRUCTORS": ",".join(self.instructors),
                "COURSE_DEMO_STUDENTS": ",".join(self.students),
                "COURSE_DEMO_REAL_USERS": "1" if self.real_users else "0",
            }
        )
        return env

    def command(self) -> list[str]:
        """``jupyterhub -f demo_config.py``; with real users, in a mount namespace where they can reach Python.

        A Python installed under a private folder (pyenv in root's 0700 home, as on some CI images) cannot
        run as another user: there the hub starts under ``unshare -m`` with an empty, traversable tmpfs over
        that folder and the interpreter's tree bound back into it. Nothing changes outside the namespace.
        """
        hub = [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(DEMO_CONFIG)]
        blocker = private_ancestor(Path(os.path.realpath(sys.base_prefix)))
        if not self.real_users or blocker is None:
            return hub
        tree = Path(os.path.realpath(sys.base_prefix))
        hold = self.state / "python-tree"
        hold.mkdir(exist_ok=True)
        script = " && ".join(
            [
                f"mount --rbind {shlex.quote(str(tree))} {shlex.quote(str(hold))}",
                f"mount -t tmpfs -o mode=0755,size=1m course-hub {shlex.quote(str(blocker))}",
                f"mkdir -p {shlex.quote(str(tree))}",
                f"mount --move {shlex.quote(str(hold))} {shlex.quote(str(tree))}",
                "exec " + " ".join(shlex.quote(part) for part in hub),
            ]
        )
        return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script]

    def start(self, timeout: float = 90) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.state,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.seen_pids.add(self.process.pid)

        def up():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"jupyterhub exited with {self.process.returncode}: "
                    f"{self.log_path.read_text(errors='replace')[-3000:]}"
                )
            try:
                return requests.get(self.url + "/hub/api/", timeout=5).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until(up, timeout, f"the hub at {self.url} (log: {self.log_path})")

    def run_as(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess:
        """Run ``argv`` as the Unix user ``name`` (with real users) where the hub's users run: in its mount
        namespace when it has one, so the course's Python is reachable."""
        command = ["env", "-i", *(f"{k}={v}" for k, v in (env or {}).items()), *argv]
        if self.real_users:
            command = ["runuser", "-u", name, "--", *command]
            if self.command()[0] == "unshare":
                command = ["nsenter", f"--target={self.process.pid}", "--mount", "--", *command]
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)

    def login(self, name: str) -> HubUser:
        return HubUser(self, name)

    def processes(self) -> list[psutil.Process]:
        """The hub and everything it started (proxy, services, single-user servers, their kernels)."""
        if self.process is None:
            return []
        try:
            hub = psutil.Process(self.process.pid)
            found = [hub, *hub.children(recursive=True)]
        except psutil.NoSuchProcess:
            found = []
        self.seen_pids.update(p.pid for p in found)
        return found

    def stop(self, timeout: float = 30) -> list[int]:
        """End the hub (which stops its proxy and servers), then any process it left behind, by PID.

        Returns the PIDs still alive afterwards (none, unless something refused SIGKILL).
        """
        started = self.processes()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        _, alive = psutil.wait_procs([p for p in started if p.is_running()], timeout=5)
        for process in alive:
            try:
                process.kill()  # by PID: only what this hub started
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(alive, timeout=5)
        for name in self.created_users:
            subprocess.run(["userdel", name], capture_output=True)
        self.created_users = []
        if self.created_group:
            subprocess.run(["groupdel", self.graders], capture_output=True)
            self.created_group = False
        return [p.pid for p in alive]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.local_hub", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--state", help="state folder (default: a new temporary folder)")
    args = parser.parse_args(argv)
    state = Path(args.state) if args.state else Path(tempfile.mkdtemp(prefix="course-hub-demo-"))
    hub = LocalHub(
        state,
        ["instructor"],
        ["student1", "student2", "student3"],
        real_users=False,
        assignments=tuple(sorted(p.name for p in (REPO / "release").iterdir() if p.is_dir())),
    )
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))  # `kill` stops it too
    hub.prepare()
    hub.start()
    print(
        f"demo hub at {hub.url}: log in as instructor, student1, student2 or student3 (any password). "
        f"Every user runs as {pwd.getpwuid(os.geteuid()).pw_name}: a demo, not isolated. "
        f"Ctrl-C stops it. State: {state}",
        flush=True,
    )
    try:
        hub.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        hub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
