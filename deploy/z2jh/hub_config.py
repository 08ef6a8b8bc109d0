"""The course's settings for the Zero to JupyterHub hub: roles, exchange mounts, profiles.

``hub.extraFiles`` in values.yaml mounts this file in the hub pod's
``/usr/local/etc/jupyterhub/jupyterhub_config.d/``, which the chart's own jupyterhub_config.py runs
after it has set everything from the values (``c`` is its config), and ``deploy/hub_roles.py``
beside it in ``/usr/local/etc/jupyterhub/course/``. Both come from ``helm --set-file``
(deploy/README.md).
"""

import sys

HUB_ROLES_DIR = "/usr/local/etc/jupyterhub/course"  # hub.extraFiles.course-hub-roles.mountPath
sys.path.insert(0, HUB_ROLES_DIR)

from hub_roles import configure_kubespawner  # noqa: E402 - found through the sys.path entry above

configure_kubespawner(c)  # noqa: F821 - the chart's config, in scope when the chart runs this file
