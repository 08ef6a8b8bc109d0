"""JupyterHub for the course on one machine: real Unix users, a private nbgrader exchange, roles per group.

Run as root: ``jupyterhub -f deploy/jupyterhub/jupyterhub_config.py`` (deploy/README.md has the ten commands).
Every setting an admin may change is an environment variable, read once below:

- ``COURSE_ID`` (``dl-tuning``): the nbgrader course id, also the prefix of the Unix groups
  ``<course>-graders`` (instructors; ``COURSE_GRADERS_GROUP`` to rename it) and ``<course>-students``, which
  PAM logins are restricted to;
- ``COURSE_EXCHANGE_ROOT`` (``/srv/nbgrader/exchange``), ``COURSE_HUB_STATE`` (``/srv/jupyterhub``, the hub's
  database and cookie secret), ``COURSE_HUB_BIND_URL`` (``http://:8000``; put TLS in front of it),
  ``COURSE_HUB_PORT`` and ``COURSE_PROXY_API_PORT`` (8081, 8001: loopback only);
- ``COURSE_MEM_LIMIT`` (``2G``) and ``COURSE_CPU_LIMIT`` (``1``) per user, enforced where systemd runs
  (SystemdSpawner); ``COURSE_IDLE_TIMEOUT`` (3600 s) before the culler stops an idle server.

``deploy/jupyterhub/demo_config.py`` loads this file and swaps in test users for ``make hub`` and the tests.
"""

import grp
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

from deploy.exchange_layout import ensure_student, graders_group
from deploy.hub_roles import course_role, instructors_group, role_config_path, students_group

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

REPO = Path(__file__).resolve().parents[2]
PYTHON_BIN = Path(sys.executable).parent  # the course's environment: the hub and every user run from it
COURSE_ID = os.environ.get("COURSE_ID", "dl-tuning")
EXCHANGE_ROOT = os.environ.get("COURSE_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
STATE = Path(os.environ.get("COURSE_HUB_STATE", "/srv/jupyterhub"))
GRADERS = os.environ.get("COURSE_GRADERS_GROUP") or graders_group(COURSE_ID)
STUDENTS = f"{COURSE_ID}-students"
# JupyterHub groups: the names nbgrader's JupyterHubAuthPlugin expects, should a second course share the hub.
INSTRUCTOR_GROUP, STUDENT_GROUP = instructors_group(COURSE_ID), students_group(COURSE_ID)
MEM_LIMIT = os.environ.get("COURSE_MEM_LIMIT", "2G")  # notebook 06 peaks near 0.9 GiB: deploy/README.md
CPU_LIMIT = float(os.environ.get("COURSE_CPU_LIMIT", "1"))

# --- the hub itself -------------------------------------------------------------------------------------------
c.JupyterHub.bind_url = os.environ.get("COURSE_HUB_BIND_URL", "http://:8000")
c.JupyterHub.hub_ip = "127.0.0.1"  # the hub's API stays on loopback: only the proxy faces users
c.JupyterHub.hub_port = int(os.environ.get("COURSE_HUB_PORT", "8081"))
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
# The pure-Python configurable-http-proxy from PyPI (no Node.js), started and stopped by the hub. Its default
# upstream timeout is tornado's 20 s: Validate runs a whole notebook, which takes longer on a busy machine.
c.ConfigurableHTTPProxy.command = [str(PYTHON_BIN / "configurable-http-proxy"), "--proxy-timeout=600000"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('COURSE_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")

# --- who may log in, and their roles --------------------------------------------------------------------------
# PAM: the machine's own accounts, limited to the course's two Unix groups.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {GRADERS, STUDENTS}
c.Authenticator.admin_users = set()  # hub admins can open any server: give that role to nobody by default


def unix_group_members(name):
    try:
        return sorted(grp.getgrnam(name).gr_mem)
    except KeyError:
        return []


c.JupyterHub.load_groups = {
    INSTRUCTOR_GROUP: {"users": unix_group_members(GRADERS)},
    STUDENT_GROUP: {"users": unix_group_members(STUDENTS)},
}
c.JupyterHub.load_roles = [
    # Instructors may see who is in the class (nbgrader's JupyterHubAuthPlugin asks), not open their servers.
    {
        "name": "course-instructor",
        "groups": [INSTRUCTOR_GROUP],
        "scopes": ["self", f"read:users:name!group={STUDENT_GROUP}", f"read:groups!group={STUDENT_GROUP}"],
    },
    {
        "name": "idle-culler",
        "services": ["idle-culler"],
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    },
]

# --- every user's server --------------------------------------------------------------------------------------
c.Spawner.cmd = [str(PYTHON_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.cpu_limit = CPU_LIMIT
THREADS = str(max(1, int(CPU_LIMIT)))
c.Spawner.environment = {
    "PATH": f"{PYTHON_BIN}:/usr/local/bin:/usr/bin:/bin",
    # TensorFlow and BLAS size their thread pools from the host's cores, not the user's CPU limit.
    "OMP_NUM_THREADS": THREADS,
    "OPENBLAS_NUM_THREADS": THREADS,
    "MKL_NUM_THREADS": THREADS,
    "TF_NUM_INTRAOP_THREADS": THREADS,
    "TF_NUM_INTEROP_THREADS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "COURSE_EXCHANGE_ROOT": EXCHANGE_ROOT,
}


def systemd_runs():
    if shutil.which("systemctl") is None or not Path("/run/systemd/system").is_dir():
        return False
    state = subprocess.run(["systemctl", "is-system-running"], capture_output=True, text=True).stdout.strip()
    return state in {"running", "degraded"}


if systemd_runs():
    # Each server in its own transient unit: memory and CPU caps, a private /tmp, no sudo, no devices.
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.isolate_tmp = True
    c.SystemdSpawner.isolate_devices = True
    c.SystemdSpawner.disable_user_sudo = True
else:
    # LocalProcessSpawner: each server runs as its Unix user, but without memory or CPU limits.
    c.JupyterHub.spawner_class = "localprocess"


# demo_config.py sets this when every hub user runs as the hub's own OS user (no isolation at all).
SHARED_OS_USER = os.environ.get("COURSE_HUB_SHARED_OS_USER") == "1"


def course_pre_spawn_hook(spawner):
    """Role-specific settings, and the student's private exchange folders, before each server starts."""
    role = course_role(spawner, COURSE_ID)
    name = spawner.user.name
    spawner.environment["COURSE_ROLE"] = role
    config_path = role_config_path(str(REPO), role)
    if role == "instructor":
        # The instructor's clone of the course (its nbgrader_config.py names the course root) comes first: the
        # formgrader reads config from the config path and the server's working folder, which is the home.
        home = getattr(spawner, "home_dir", "") or pwd.getpwnam(name).pw_dir
        clone = os.path.join(home, COURSE_ID)
        config_path.insert(0, clone)
        spawner.notebook_dir = clone
    spawner.environment["JUPYTER_CONFIG_PATH"] = os.pathsep.join(config_path)
    shared = SHARED_OS_USER or os.geteuid() != 0
    if shared:
        spawner.environment["COURSE_STUDENT_ID"] = name  # one OS user for all: nbgrader must be told who
    if role == "student":
        ensure_student(EXCHANGE_ROOT, COURSE_ID, name, None if shared else GRADERS, owned=not shared)


c.Spawner.pre_spawn_hook = course_pre_spawn_hook

# --- services -------------------------------------------------------------------------------------------------
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={os.environ.get('COURSE_IDLE_TIMEOUT', '3600')}",
            "--cull-every=300",
        ],
    }
]
