"""deploy/z2jh/values.yaml: valid for the Zero to JupyterHub chart, and its exchange hook mounts the right folders."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
import yaml
from traitlets.config import Config

REPO = Path(__file__).resolve().parents[2]
VALUES = REPO / "deploy" / "z2jh" / "values.yaml"
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
    return yaml.safe_load(VALUES.read_text())


@pytest.fixture(scope="module")
def chart():
    if not (CHART / "values.schema.yaml").exists():
        pytest.skip(f"the chart's values.schema.yaml is not in {CHART}: set Z2JH_CHART_DIR to a folder holding it "
                    "and chart-default-values.yaml")
    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text())
    defaults = yaml.safe_load((CHART / "chart-default-values.yaml").read_text())
    return schema, defaults


def test_deep_merge_replaces_lists_and_merges_maps():
    merged = deep_merge({"a": {"b": 1, "c": [1, 2]}, "d": 1}, {"a": {"c": [3]}, "e": 2})
    assert merged == {"a": {"b": 1, "c": [3]}, "d": 1, "e": 2}


def test_values_validate_against_the_charts_schema(values, chart):
    schema, defaults = chart
    jsonschema.validate(deep_merge(defaults, values), schema)


@pytest.mark.parametrize("path, key", [
    (("singleuser", "memory"), "limt"),
    (("singleuser",), "profileLists"),
    (("cull",), "timout"),
    ((), "singleusr"),
])
def test_a_misspelt_key_fails_validation(values, chart, path, key):
    schema, defaults = chart
    broken = copy.deepcopy(values)
    node = broken
    for part in path:
        node = node.setdefault(part, {})
    node[key] = "2G"
    with pytest.raises(jsonschema.ValidationError, match=key):
        jsonschema.validate(deep_merge(defaults, broken), schema)


# --- the hub.extraConfig code, run against a stand-in for KubeSpawner ------------------------------------------
def load_hooks(values: dict, volume: Path | None = None) -> Config:
    """The chart's ``c`` after every extraConfig snippet; ``volume``: where the hub finds the exchange volume
    (its ``hub.extraVolumeMounts`` path in a real hub pod)."""
    c = Config()
    c.KubeSpawner.profile_list = values["singleuser"]["profileList"]  # what the chart sets before extraConfig
    for name in sorted(values["hub"]["extraConfig"]):
        namespace = {"c": c}
        exec(compile(values["hub"]["extraConfig"][name], f"extraConfig/{name}", "exec"), namespace)
        if volume is not None and "HUB_EXCHANGE" in namespace:
            namespace["HUB_EXCHANGE"] = str(volume)
    return c


def spawner(name: str, groups: tuple[str, ...] = ()) -> SimpleNamespace:
    user = SimpleNamespace(name=name, groups=[SimpleNamespace(name=g) for g in groups])
    return SimpleNamespace(user=user, volume_mounts=[{"name": "home", "mountPath": "/home/jovyan"}],
                           environment={}, init_containers=[], image="course:1")


def test_a_students_pod_sees_only_its_own_folders(values, tmp_path):
    c = load_hooks(values, tmp_path)
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
    c = load_hooks(values, tmp_path)
    pod = spawner("prof", ("formgrade-dl-tuning",))
    c.KubeSpawner.pre_spawn_hook(pod)
    assert [m for m in pod.volume_mounts if m["name"] == "exchange"] == [{"name": "exchange", "mountPath": EXCHANGE}]
    assert pod.environment["COURSE_ROLE"] == "instructor" and "COURSE_STUDENT_ID" not in pod.environment
    assert pod.init_containers == []
    assert (tmp_path / "dl-tuning" / "outbound").is_dir(), "instructors can release before any student spawns"


def test_the_instructor_profile_is_offered_to_instructors_only(values):
    c = load_hooks(values)
    slugs = lambda pod: [p["slug"] for p in c.KubeSpawner.profile_list(pod)]  # noqa: E731
    assert slugs(spawner("ada", ("nbgrader-dl-tuning",))) == ["student"]
    assert slugs(spawner("prof", ("formgrade-dl-tuning",))) == ["student", "instructor"]


@pytest.mark.parametrize("name", ["../ada", "a/b", ".hidden", "", "ada\n"])
def test_a_name_that_could_escape_its_folder_is_refused(values, name, tmp_path):
    c = load_hooks(values, tmp_path)
    with pytest.raises(ValueError, match="cannot name an exchange folder"):
        c.KubeSpawner.pre_spawn_hook(spawner(name, ("nbgrader-dl-tuning",)))
