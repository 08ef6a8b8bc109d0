"""Grade on a lab of machines over SSH: a scheduler on the first host, a worker on each of the others.

    python deploy/dask/ssh_cluster.py grader0 grader1 grader2 -- --submissions /srv/submissions --out graded

Before the first run, on every host (the instructor's machine included):
- the course checked out at the same commit, with its environment (``make .venv/.installed``) at the same path
  (``REMOTE_PYTHON``): a worker whose grader or ``course`` package differs refuses every job;
- the worker runs as root (``ssh root@host`` or a user allowed to; the sandbox needs root: useradd, setpriv,
  unshare, cgroups), with ``pip install asyncssh`` on the instructor's machine for ``SSHCluster``;
- Dask's TLS configuration in ``~/.config/dask/distributed.yaml`` (deploy/dask/tls.yaml, certificates from
  deploy/dask/make-tls.sh): the scheduler listens on the lab network, so it speaks ``tls://`` and accepts only
  peers holding a certificate signed by the course's own CA (mutual authentication).

Nothing is copied to the hosts by this script: each job carries its submission and template as data.
"""

from __future__ import annotations

import os
import sys

from distributed import SSHCluster

from autograder.cli import main

REMOTE_PYTHON = os.environ.get("REMOTE_PYTHON", "/srv/course/.venv/bin/python")
CORES_PER_HOST = int(os.environ.get("CORES_PER_HOST", "8"))


def run(hosts: list[str], grade_args: list[str]) -> int:
    with SSHCluster(
        hosts,  # the first runs the scheduler, the others a worker each
        connect_options={"known_hosts": os.path.expanduser("~/.ssh/known_hosts")},
        scheduler_options={"protocol": "tls", "port": 8786, "dashboard_address": "127.0.0.1:8787"},
        worker_options={"nthreads": CORES_PER_HOST, "resources": {"autograder": 1}},
        remote_python=REMOTE_PYTHON,
    ) as cluster:
        return main(["grade", "--cluster", cluster.scheduler_address, "--workers", str(CORES_PER_HOST), *grade_args])


if __name__ == "__main__":
    args = sys.argv[1:]
    split = args.index("--") if "--" in args else len(args)
    if split < 2:
        sys.exit("usage: python deploy/dask/ssh_cluster.py SCHEDULER_HOST WORKER_HOST... [-- grade options]")
    sys.exit(run(args[:split], args[split + 1 :]))
