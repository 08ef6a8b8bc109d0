"""Deployment of the course on JupyterHub: the private nbgrader exchange and the folders it needs.

``deploy.exchange`` holds nbgrader exchange plugins (selected with ``ExchangeFactory``); ``deploy.exchange_layout``
creates the exchange's folders with their owners and modes. The hub configurations live beside them in
``deploy/jupyterhub/`` (one machine) and ``deploy/z2jh/`` (Kubernetes).
"""
