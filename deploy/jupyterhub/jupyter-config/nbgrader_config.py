"""nbgrader settings for every user of the hub (on JUPYTER_CONFIG_PATH, set by jupyterhub_config.py).

The instructor's course clone adds its own nbgrader_config.py (course root, assignments); this file only says
which course and exchange everyone shares, and that the exchange is the private one (deploy/exchange.py).
"""

import os

from deploy.exchange import FACTORY

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "dl-tuning")
c.Exchange.root = os.environ.get("COURSE_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
for plugin, class_name in FACTORY.items():
    setattr(c.ExchangeFactory, plugin, class_name)

if os.environ.get("COURSE_ROLE") == "instructor":
    # Several instructors share outbound/: files they release stay writable by the graders' group.
    c.CourseDirectory.groupshared = True
elif os.environ.get("COURSE_STUDENT_ID"):
    # All users share one OS account (a demo hub without root): name the student explicitly.
    c.CourseDirectory.student_id = os.environ["COURSE_STUDENT_ID"]
