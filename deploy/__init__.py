"""Deployment of the course on JupyterHub: the private nbgrader exchange and the folders it needs.

``deploy.exchange`` holds nbgrader exchange plugins (selected with ``ExchangeFactory``); ``deploy.exchange_layout``
creates the exchange's folders with their owners and modes; ``deploy.hub_roles`` holds what both hubs share
(roles from hub groups, and on Kubernetes each pod's exchange mounts and the pre-spawn hook), standard
library only so that Zero to JupyterHub can ship the file to its hub pod. The hub configurations live
beside them in ``deploy/jupyterhub/`` (one machine) and ``deploy/z2jh/`` (Kubernetes). Nothing here
imports ``course`` or ``autograder``.
"""
