"""deploy/dask: the Kubernetes manifest gives the sandbox what it needs and no more; the scripts parse."""

import ast
import subprocess
from pathlib import Path

import yaml

from autograder import cluster

DASK = Path(__file__).resolve().parents[2] / "deploy" / "dask"


def manifests() -> dict[str, dict]:
    return {d["kind"]: d for d in yaml.safe_load_all((DASK / "daskcluster.yaml").read_text())}


def test_workers_offer_the_grading_resource_and_speak_tls():
    worker = manifests()["DaskCluster"]["spec"]["worker"]["spec"]["containers"][0]
    args = [str(a) for a in worker["args"]]
    assert args[args.index("--resources") + 1] == f"{cluster.RESOURCE}=1"
    assert args[2].startswith("tls://")
    scheduler = manifests()["DaskCluster"]["spec"]["scheduler"]
    assert scheduler["service"]["type"] == "ClusterIP"
    assert "tls" in scheduler["spec"]["containers"][0]["args"]


def test_the_worker_gets_the_sandbox_privileges_and_nothing_wider():
    spec = manifests()["DaskCluster"]["spec"]["worker"]["spec"]
    context = spec["containers"][0]["securityContext"]
    assert context["runAsUser"] == 0 and not context.get("privileged", False)
    assert context["capabilities"]["drop"] == ["ALL"]
    assert set(context["capabilities"]["add"]) == {
        "SYS_ADMIN",
        "SETUID",
        "SETGID",
        "CHOWN",
        "FOWNER",
        "DAC_OVERRIDE",
        "KILL",
        "SYS_RESOURCE",
    }
    # Kubernetes rejects allowPrivilegeEscalation: false beside SYS_ADMIN
    assert "allowPrivilegeEscalation" not in context
    assert spec["automountServiceAccountToken"] is False


def test_only_the_cluster_and_instructors_reach_the_scheduler():
    policy = manifests()["NetworkPolicy"]["spec"]
    assert policy["policyTypes"] == ["Ingress"] and len(policy["ingress"][0]["from"]) == 2


def test_the_scripts_parse():
    for script in ("ssh_cluster.py", "slurm_cluster.py"):
        ast.parse((DASK / script).read_text())
    for script in ("one-machine.sh", "make-tls.sh"):
        subprocess.run(["sh", "-n", str(DASK / script)], check=True)
    tls = yaml.safe_load((DASK / "tls.yaml").read_text())["distributed"]["comm"]
    assert tls["require-encryption"] is True
    assert {"scheduler", "worker", "client"} <= set(tls["tls"])
