"""A demo hub for `make hub` and the tests: jupyterhub_config.py with made-up users, any password.

Never for a class: DummyAuthenticator lets anyone log in as a listed user with any password (the hub listens on
loopback only). The environment says who exists (``COURSE_DEMO_INSTRUCTORS``, ``COURSE_DEMO_STUDENTS``:
comma-separated names) and how their servers run:

- ``COURSE_DEMO_REAL_USERS=1`` (the tests, as root): each user is a Unix account that already exists (the test
  creates them with ``useradd``), and LocalProcessSpawner runs each server as its own user, exactly as on a
  real hub;
- otherwise every server runs as the current OS user in its own home under ``COURSE_HUB_STATE/homes``: the
  workflow is the same, but nothing separates the users.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

REAL_USERS = os.environ.get("COURSE_DEMO_REAL_USERS") == "1"
os.environ["COURSE_HUB_SHARED_OS_USER"] = "0" if REAL_USERS else "1"
load_subconfig(str(Path(__file__).with_name("jupyterhub_config.py")))  # noqa: F821 - provided by traitlets

COURSE_ID = os.environ.get("COURSE_ID", "dl-tuning")
STATE = Path(os.environ["COURSE_HUB_STATE"])
instructors = [name for name in os.environ.get("COURSE_DEMO_INSTRUCTORS", "").split(",") if name]
students = [name for name in os.environ.get("COURSE_DEMO_STUDENTS", "").split(",") if name]

c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = set(instructors + students)
c.JupyterHub.load_groups = {
    f"formgrade-{COURSE_ID}": {"users": instructors},
    f"nbgrader-{COURSE_ID}": {"users": students},
}
c.JupyterHub.spawner_class = "localprocess" if REAL_USERS else "simple"
if not REAL_USERS:
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "homes" / "{username}")
    if os.geteuid() == 0:
        c.Spawner.args = ["--allow-root"]
c.Spawner.environment["PYTHONUNBUFFERED"] = "1"
