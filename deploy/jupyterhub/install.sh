#!/bin/sh
# The course's hub on a fresh Debian 12 / Ubuntu 24.04 machine, in ten commands (run as root):
#   sh install.sh https://github.com/<you>/<course>.git
# Then put TLS in front of http://127.0.0.1:8000 (Caddy or nginx) and add users (deploy/README.md).
set -eu
COURSE_REPO=${1:?usage: sh install.sh COURSE_GIT_URL}

# 1. Python, git, and the tools the grader's sandbox uses (bubblewrap; unshare, setpriv and prlimit come with
#    util-linux for the root fallback).
apt-get update -qq && apt-get install -y -qq python3 python3-venv git make util-linux bubblewrap
# 2. The course, root-owned, in /srv/course.
git clone --quiet "$COURSE_REPO" /srv/course
# 3. Its pinned environment (JupyterHub, nbgrader, TensorFlow...), used by the hub and by every user.
python3 -m venv /srv/course/.venv && /srv/course/.venv/bin/pip install --quiet -e /srv/course
# 4. The course's two Unix groups: instructors (graders) and students. PAM logins are limited to them.
groupadd -f dl-tuning-graders && groupadd -f dl-tuning-students
# 5. Hidden tests and history for instructors only (they clone from here); students can read the rest.
cd /srv/course && chgrp -R dl-tuning-graders source tests .git autograder/sample_class && \
    chmod -R o-rwx source tests .git autograder/sample_class
# 6. The private exchange: root-owned course folders, per-student folders made when each server starts.
/srv/course/.venv/bin/python -m deploy.exchange_layout --root /srv/nbgrader/exchange --course dl-tuning
# 7. New homes readable by their owner only (nbgrader's cache and the students' work live there).
sed -i '/^HOME_MODE/d' /etc/login.defs && echo 'HOME_MODE 0700' >> /etc/login.defs
# 8. The hub's own state (database, cookie secret), for root only.
install -d -m 700 /srv/jupyterhub
# 9. The hub as a service (SystemdSpawner gives each user a memory and CPU limit).
install -m 644 /srv/course/deploy/jupyterhub/jupyterhub.service /etc/systemd/system/jupyterhub.service
# 10. Start it now and at every boot.
systemctl daemon-reload && systemctl enable --now jupyterhub
