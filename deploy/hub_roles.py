"""Who is an instructor on the course's hub, and what each user's server sees of the nbgrader
exchange.

Both hubs use it: ``deploy/jupyterhub/jupyterhub_config.py`` (one machine) imports it as
``deploy.hub_roles``; on Zero to JupyterHub, ``helm --set-file`` ships this very file to the hub pod
(``hub.extraFiles`` in ``deploy/z2jh/values.yaml``), where ``deploy/z2jh/hub_config.py`` imports it
as
``hub_roles``. The hub pod has neither the course nor its packages, hence the standard library only.

On Kubernetes every pod runs as uid 1000, so Unix permissions on a shared volume isolate nobody
(z2jh #174): each student's pod mounts only its own ``inbound/`` and ``feedback/`` folders of the
exchange volume (``subPath``), and the released assignments read-only; instructors mount it whole.
The hub, which mounts the volume too and runs as uid 1000, lays the folders out before each spawn:
no root and no chown anywhere, so NFS ``root_squash`` changes nothing.
"""

from __future__ import annotations

import os
import re

COURSE_ID = "dl-tuning"
EXCHANGE = "/srv/nbgrader/exchange"  # in every user's pod, and in the hub's (hub.extraVolumeMounts)
IMAGE_COURSE = "/srv/course"  # where deploy/z2jh/build-image.sh puts the course in the user image
VALID_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]*")
# Folder -> mode, as uid 1000 (the hub's and every pod's user); a student's pod only sees its own.
COURSE_FOLDERS = {"": 0o755, "outbound": 0o755, "inbound": 0o711, "feedback": 0o711}
STUDENT_FOLDERS = {"inbound": 0o700, "feedback": 0o700}


def instructors_group(course_id: str) -> str:
    """The hub group of a course's instructors: the name nbgrader's JupyterHubAuthPlugin expects."""
    return f"formgrade-{course_id}"


def students_group(course_id: str) -> str:
    """The hub group of a course's students, as nbgrader's JupyterHubAuthPlugin names it."""
    return f"nbgrader-{course_id}"


def course_role(spawner, course_id: str = COURSE_ID) -> str:
    """The role, "instructor" or "student", from the hub's groups: never from what the user
    picked."""
    instructors = instructors_group(course_id)
    return "instructor" if any(g.name == instructors for g in spawner.user.groups) else "student"


def role_config_path(course: str, role: str) -> list[str]:
    """JUPYTER_CONFIG_PATH for a role: jupyter-config/<role> switches nbgrader's tools on or off,
    and deploy/jupyterhub/jupyter-config selects the private exchange."""
    return [
        os.path.join(course, "jupyter-config", role),
        os.path.join(course, "deploy", "jupyterhub", "jupyter-config"),
    ]


def checked_name(name: str) -> str:
    """A user name that can name a folder of the exchange and nothing above it."""
    if not VALID_NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"user name {name!r} cannot name an exchange folder")
    return name


def exchange_mounts(role: str, name: str, course_id: str = COURSE_ID) -> list[dict]:
    """volumeMounts of the exchange volume for one user's pod: subPaths relative to the volume's
    root."""
    if role == "instructor":
        return [{"name": "exchange", "mountPath": EXCHANGE}]
    name = checked_name(name)
    course = f"{EXCHANGE}/{course_id}"

    def mount(kind: str, read_only: bool) -> dict:
        mount = {
            "name": "exchange",
            "mountPath": f"{course}/{kind}",
            "subPath": f"{course_id}/{kind}",
        }
        return {**mount, "readOnly": True} if read_only else mount

    return [
        mount("outbound", True),
        mount(f"inbound/{name}", False),
        mount(f"feedback/{name}", True),
    ]


def make_folder(path: str, mode: int) -> None:
    """Create or repair one folder; a link where a folder belongs is an error, never followed."""
    try:
        os.mkdir(path, mode)
    except FileExistsError:
        pass
    if os.path.islink(path) or not os.path.isdir(path):
        raise RuntimeError(f"{path} is not a folder: check the exchange volume")
    os.chmod(path, mode, follow_symlinks=False)


def lay_out_exchange(volume: str, role: str, name: str, course_id: str = COURSE_ID) -> None:
    """The course's folders on the volume, and a student's own two (kubelet would create a missing
    subPath as root)."""
    course = os.path.join(volume, course_id)
    for folder, mode in COURSE_FOLDERS.items():
        make_folder(os.path.join(course, folder) if folder else course, mode)
    if role == "student":
        for kind, mode in STUDENT_FOLDERS.items():
            make_folder(os.path.join(course, kind, checked_name(name)), mode)


def kube_pre_spawn_hook(course_id: str = COURSE_ID, volume: str = EXCHANGE):
    """KubeSpawner's pre_spawn_hook: the role's environment and exchange mounts, folders laid out.

    ``volume``: where the hub itself finds the exchange volume (its hub.extraVolumeMounts path)."""

    def hook(spawner) -> None:
        role = course_role(spawner, course_id)
        name = spawner.user.name
        mounts = exchange_mounts(role, name, course_id)
        lay_out_exchange(volume, role, name, course_id)
        kept = [m for m in spawner.volume_mounts if m.get("name") != "exchange"]
        spawner.volume_mounts = kept + mounts
        spawner.environment.update(
            {
                "COURSE_ROLE": role,
                "COURSE_EXCHANGE_ROOT": EXCHANGE,
                "JUPYTER_CONFIG_PATH": ":".join(role_config_path(IMAGE_COURSE, role)),
            }
        )
        if role == "student":
            # nbgrader names a submission after the OS user, which is jovyan in every pod.
            spawner.environment["COURSE_STUDENT_ID"] = name

    return hook


def offered_profiles(profiles: list[dict], course_id: str = COURSE_ID):
    """KubeSpawner's profile_list as a callable: students are not offered the instructor profile
    (which grants nothing: the pre_spawn_hook decides the role)."""
    profiles = list(profiles or [])

    def offered(spawner) -> list[dict]:
        if course_role(spawner, course_id) == "instructor":
            return profiles
        return [p for p in profiles if p.get("slug") != "instructor"]

    return offered


def configure_kubespawner(c, course_id: str = COURSE_ID, volume: str = EXCHANGE) -> None:
    """Install the hook and the profile filter on a traitlets config the chart has filled
    already."""
    c.KubeSpawner.pre_spawn_hook = kube_pre_spawn_hook(course_id, volume)
    c.KubeSpawner.profile_list = offered_profiles(c.KubeSpawner.profile_list, course_id)
