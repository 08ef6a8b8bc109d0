"""Grade on an HPC cluster through Slurm with dask-jobqueue: each batch job is one Dask worker on one node.

    pip install dask-jobqueue==0.9.0
    python deploy/dask/slurm_cluster.py --nodes 10 -- --submissions /scratch/course/submitted --out graded

Run it on the login node, from a checkout of the course on the shared filesystem (the workers start from
the same environment; the jobs themselves still carry their data, nothing is read through the shared path).
The sandbox needs root on the compute nodes (useradd, setpriv, unshare, cgroups), which most centres do not give
batch jobs: ask for it (a dedicated partition), or pass --allow-unconfined and accept that student code then runs
as the job's user with that user's access (read what that means in the README before doing so).
The scheduler listens on the cluster's internal network: configure Dask's TLS (deploy/dask/tls.yaml) on the
shared filesystem so only the course's certificate holders can reach it.
"""

from __future__ import annotations

import argparse
import sys

from autograder.cli import main


def run(nodes: int, cores: int, grade_args: list[str]) -> int:
    from dask_jobqueue import SLURMCluster

    with SLURMCluster(
        queue="grading",  # the partition your centre gives this course
        cores=cores,
        processes=1,  # one Dask worker per node; it runs the jobs in its own sandboxed slot processes
        memory=f"{4 * cores}GB",  # TensorFlow kernels peak at about 2 GB; the sandbox caps each at 4 GiB
        walltime="02:00:00",
        protocol="tls://",
        worker_extra_args=["--resources", "autograder=1"],
        job_script_prologue=["source .venv/bin/activate"],
    ) as cluster:
        cluster.scale(jobs=nodes)
        return main(["grade", "--cluster", cluster.scheduler_address, "--workers", str(cores), *grade_args])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--cores", type=int, default=16, help="cores per node, and jobs at once per node")
    args, rest = parser.parse_known_args()
    sys.exit(run(args.nodes, args.cores, [a for a in rest if a != "--"]))
