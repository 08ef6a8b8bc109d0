"""deploy/z2jh/values.yaml is valid for the Zero to JupyterHub chart; deploy/hub_roles.py's hook mounts the right
folders."""

from __future__ import annotations

import copy
import os
import runpy
import sys
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import jsonschema
import pytest
import yaml
from traitlets.config import Config

from deploy import hub_roles

REPO = Path(__file__).resolve().parents[2]
VALUES = REPO / "deploy" / "z2jh" / "values.yaml"
HUB_CONFIG = REPO / "deploy" / "z2jh" / "hub_config.py"
HUB_FILES = {"course-hub-roles": REPO / "deploy" / "hub_roles.py", "course-hub-config": HUB_CONFIG}
# The chart's schema and default values (jupyterhub/zero-to-jupyterhub-k8s): Z2JH_CHART_DIR, else the team's copy
# beside the repository.
CHART = Path(os.environ.get("Z2JH_CHART_DIR", REPO.parent / "shared" / "z2jh"))
EXCHANGE = "/srv/nbgrader/exchange"


def deep_merge(defaults: dict, values: dict) -> dict:
    """Helm's merge of a chart's defaults with the user's values: maps merge, everything else is replaced."""
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@pytest.fixture(scope="module")
def values() -> dict:
    """values.yaml as helm sees it with deploy/README.md's --set-file options."""
    values = yaml.safe_load(VALUES.read_text())
    for key, path in HUB_FILES.items():
        values["hub"]["extraFiles"][key]["stringData"] = path.read_text()
    return values


@pytest.fixture(scope="module")
def chart():
    if not (CHART / "values.schema.yaml").exists():
        pytest.skip(
            f"the chart's values.schema.yaml is not in {CHART}: set Z2JH_CHART_DIR to a folder holding it "
            "and chart-default-values.yaml"
        )
    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text())
    defaults = yaml.safe_load((CHART / "chart-default-values.yaml").read_text())
    return schema, defaults


def test_deep_merge_replaces_lists_and_merges_maps():
    merged = deep_merge({"a": {"b": 1, "c": [1, 2]}, "d": 1}, {"a": {"c": [3]}, "e": 2})
    assert merged == {"a": {"b": 1, "c": [3]}, "d": 1, "e": 2}


def test_values_validate_against_the_charts_schema(values, chart):
    schema, defaults = chart
    jsonschema.validate(deep_merge(defaults, values), schema)


def test_helm_refuses_the_values_without_the_hubs_files(chart):
    """Forgetting deploy/README.md's --set-file options fails the chart's schema check, not the hub."""
    schema, defaults = chart
    bare = yaml.safe_load(VALUES.read_text())
    with pytest.raises(jsonschema.ValidationError, match="course-hub"):
        jsonschema.validate(deep_merge(defaults, bare), schema)


@pytest.mark.parametrize(
    "path, key",
    [
        (("singleuser", "memory"), "limt"),
        (("singleuser",), "profileLists"),
        (("cull",), "timout"),
        ((), "singleusr"),
    ],
)
def test_a_misspelt_key_fails_validation(values, chart, path, key):
    schema, defaults = chart
    broken = copy.deepcopy(values)
    node = broken
    for part in path:
        node = node.setdefault(part, {})
    node[key] = "2G"
    with pytest.raises(jsonschema.ValidationError, match=key):
        jsonschema.validate(deep_merge(defaults, broken), schema)


# --- the hub's Python files, run against a stand-in for KubeSpawner ---------------------------------------------
def load_hooks(volume: Path | None = None) -> Config:
    """The chart's ``c`` after ``hub_roles`` has configured it; ``volume``: where the hub finds the exchange
    volume (its ``hub.extraVolumeMounts`` path in a real hub pod)."""
    c = Config()
    # What the chart sets from the values before it runs jupyterhub_config.d.
    c.KubeSpawner.profile_list = yaml.safe_load(VALUES.read_text())["singleuser"]["profileList"]
    hub_roles.configure_kubespawner(c, volume=str(volume or EXCHANGE))
    return c


def test_the_values_hold_no_python_and_ship_the_hubs_files(values):
    assert "extraConfig" not in values["hub"], "hub Python goes in deploy/, shipped with hub.extraFiles"
    files = values["hub"]["extraFiles"]
    roles = PurePosixPath(files["course-hub-roles"]["mountPath"])
    config = PurePosixPath(files["course-hub-config"]["mountPath"])
    assert config.parent == PurePosixPath("/usr/local/etc/jupyterhub/jupyterhub_config.d")
    assert config.suffix == ".py" and roles.name == "hub_roles.py"
    # hub_config.py puts the folder where hub.extraFiles mounts hub_roles.py on sys.path.
    assert f'HUB_ROLES_DIR = "{roles.parent}"' in HUB_CONFIG.read_text()
    assert set(files) == set(HUB_FILES)
    for key, path in HUB_FILES.items():  # the --set-file lines in values.yaml's header and deploy/README.md
        option = f"--set-file hub.extraFiles.{key}.stringData={path.relative_to(REPO)}"
        assert option in VALUES.read_text() and option in (REPO / "deploy" / "README.md").read_text()


def test_the_charts_config_d_file_installs_the_hook(monkeypatch):
    """deploy/z2jh/hub_config.py as the chart runs it: with its ``c`` in scope and hub_roles on the path."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setitem(sys.modules, "hub_roles", hub_roles)
    c = Config()
    c.KubeSpawner.profile_list = [{"slug": "student"}, {"slug": "instructor"}]
    runpy.run_path(str(HUB_CONFIG), init_globals={"c": c})
    assert c.KubeSpawner.pre_spawn_hook.__qualname__.startswith("kube_pre_spawn_hook")
    assert [p["slug"] for p in c.KubeSpawner.profile_list(spawner("ada"))] == ["student"]


def test_the_one_machine_hub_and_z2jh_agree_on_roles():
    assert hub_roles.course_role(spawner("prof", ("formgrade-dl-tuning",))) == "instructor"
    assert hub_roles.course_role(spawner("ada", ("nbgrader-dl-tuning",))) == "student"
    assert hub_roles.course_role(spawner("eve", ("formgrade-other",))) == "student"
    config = (REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py").read_text()
    assert "from deploy.hub_roles import course_role" in config


def spawner(name: str, groups: tuple[str, ...] = ()) -> SimpleNamespace:
    user = SimpleNamespace(name=name, groups=[SimpleNamespace(name=g) for g in groups])
    return SimpleNamespace(
        user=user,
        volume_mounts=[{"name": "home", "mountPath": "/home/jovyan"}],
        environment={},
        init_containers=[],
        image="course:1",
    )


def test_a_students_pod_sees_only_its_own_folders(values, tmp_path):
    c = load_hooks(tmp_path)
    pod = spawner("ada", ("nbgrader-dl-tuning",))
    c.KubeSpawner.pre_spawn_hook(pod)
    exchange = {m["mountPath"]: m for m in pod.volume_mounts if m["name"] == "exchange"}
    course = f"{EXCHANGE}/dl-tuning"
    assert set(exchange) == {f"{course}/outbound", f"{course}/inbound/ada", f"{course}/feedback/ada"}
    assert exchange[f"{course}/outbound"]["readOnly"] and exchange[f"{course}/feedback/ada"]["readOnly"]
    assert not exchange[f"{course}/inbound/ada"].get("readOnly")
    assert exchange[f"{course}/inbound/ada"]["subPath"] == "dl-tuning/inbound/ada"
    assert {"name": "home", "mountPath": "/home/jovyan"} in pod.volume_mounts
    assert pod.environment["COURSE_ROLE"] == "student" and pod.environment["COURSE_STUDENT_ID"] == "ada"
    assert pod.environment["JUPYTER_CONFIG_PATH"].startswith("/srv/course/jupyter-config/student:")
    # The hub made the folders, as its own uid (1000 in a real hub, like every pod): no root, no chown.
    assert pod.init_containers == []
    for folder in ("dl-tuning/outbound", "dl-tuning/inbound/ada", "dl-tuning/feedback/ada"):
        assert (tmp_path / folder).is_dir() and (tmp_path / folder).stat().st_uid == os.geteuid()
    # Spawning again does not pile up mounts.
    c.KubeSpawner.pre_spawn_hook(pod)
    assert len([m for m in pod.volume_mounts if m["name"] == "exchange"]) == 3


def test_an_instructor_mounts_the_whole_exchange(values, tmp_path):
    c = load_hooks(tmp_path)
    pod = spawner("prof", ("formgrade-dl-tuning",))
    c.KubeSpawner.pre_spawn_hook(pod)
    assert [m for m in pod.volume_mounts if m["name"] == "exchange"] == [{"name": "exchange", "mountPath": EXCHANGE}]
    assert pod.environment["COURSE_ROLE"] == "instructor" and "COURSE_STUDENT_ID" not in pod.environment
    assert pod.init_containers == []
    assert (tmp_path / "dl-tuning" / "outbound").is_dir(), "instructors can release before any student spawns"


def test_the_instructor_profile_is_offered_to_instructors_only():
    c = load_hooks()
    slugs = lambda pod: [p["slug"] for p in c.KubeSpawner.profile_list(pod)]  # noqa: E731
    assert slugs(spawner("ada", ("nbgrader-dl-tuning",))) == ["student"]
    assert slugs(spawner("prof", ("formgrade-dl-tuning",))) == ["student", "instructor"]


@pytest.mark.parametrize("name", ["../ada", "a/b", ".hidden", "", "ada\n"])
def test_a_name_that_could_escape_its_folder_is_refused(values, name, tmp_path):
    c = load_hooks(tmp_path)
    with pytest.raises(ValueError, match="cannot name an exchange folder"):
        c.KubeSpawner.pre_spawn_hook(spawner(name, ("nbgrader-dl-tuning",)))
