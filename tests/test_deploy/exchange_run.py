"""One operation of the private exchange, as nbgrader's apps run it: a plugin from nbgrader's ``ExchangeFactory``
with the course's settings (``deploy/jupyterhub/jupyter-config/nbgrader_config.py`` picks the same plugins)."""

from __future__ import annotations

import os
from pathlib import Path

from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeFactory
from traitlets.config import Config

from deploy.exchange import FACTORY

COURSE = "dl-tuning"


def run_exchange(kind: str, *, exchange: Path | str, course_root: Path, cwd: Path, assignment: str, **settings):
    """``kind`` (``Submit``, ``Collect``...) for ``assignment``, run in ``cwd``; ``settings`` as
    ``Section__trait=value``. Returns what the plugin's ``start()`` returns."""
    cfg = Config()
    cfg.CourseDirectory.course_id = COURSE
    cfg.CourseDirectory.root = str(course_root)
    cfg.CourseDirectory.assignment_id = assignment
    cfg.Exchange.root = str(exchange)
    cfg.Exchange.cache = str(cwd / ".cache")
    cfg.Exchange.assignment_dir = str(cwd)
    for plugin, name in FACTORY.items():
        setattr(cfg.ExchangeFactory, plugin, name)
    for key, value in settings.items():
        section, trait = key.split("__")
        setattr(cfg[section], trait, value)
    plugin = getattr(ExchangeFactory(config=cfg), kind)(
        coursedir=CourseDirectory(config=cfg), authenticator=Authenticator(config=cfg), config=cfg
    )
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return plugin.start()
    finally:
        os.chdir(old)
