"""A bad scenario file fails the load with a clear error naming the file and the problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.argocd.scenarios import ScenarioError, load_scenarios, load_world, read_scenario, schedule_times
from devstack.argocd.world import DEFAULT_WORLD

GOOD: dict[str, Any] = {
    "id": "tiny",
    "title": "A tiny scenario",
    "open": {"kind": "Deployment", "name": "web"},
    "question": "What is wrong?",
    "decisive": ["web"],
    "cause": ["web"],
    "world": {"objects": [{"kind": "Deployment", "name": "web", "image": "nginx:1.27.2"}]},
}


def write(tmp_path: Path, scenario: dict[str, Any], name: str = "tiny") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    return path


def failure(tmp_path: Path, scenario: dict[str, Any], name: str = "tiny") -> str:
    path = write(tmp_path, scenario, name)
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    return message


def with_world(**world: Any) -> dict[str, Any]:
    return {**GOOD, "world": world}


def test_a_good_file_loads_into_a_new_world_and_leaves_the_default_one_alone(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    world = load_world(tmp_path)
    assert [a.name for a in world.apps] == [*(a.name for a in DEFAULT_WORLD.apps), "tiny"]
    assert "tiny" not in {a.name for a in DEFAULT_WORLD.apps}
    assert read_scenario(tmp_path / "tiny.yaml").world.objects[0].name == "web"


def test_unknown_keys_are_errors_with_their_place(tmp_path: Path) -> None:
    message = failure(
        tmp_path, {**GOOD, "world": {"objects": [{"kind": "Deployment", "name": "web", "imag": "x"}]}}
    )
    assert "world.objects.0" in message
    assert "imag" in message


def test_the_id_must_be_the_file_name(tmp_path: Path) -> None:
    assert "differs from the file name" in failure(tmp_path, GOOD, name="other")


def test_the_id_must_be_a_dns_label(tmp_path: Path) -> None:
    assert "DNS label" in failure(tmp_path, {**GOOD, "id": "Not_A_Label"})


def test_a_duration_must_read_as_one(tmp_path: Path) -> None:
    bad = with_world(objects=[{"kind": "Deployment", "name": "web", "image": "x", "age": "two days"}])
    assert "not a duration: 'two days'" in failure(tmp_path, bad)


def test_open_must_name_an_object_of_the_world(tmp_path: Path) -> None:
    message = failure(tmp_path, {**GOOD, "open": {"kind": "Pod", "name": "web-123"}})
    assert "open names Pod/web-123, which is not an object of the world" in message


def test_an_owner_must_be_listed_before_what_it_owns(tmp_path: Path) -> None:
    bad = with_world(
        objects=[{"kind": "ReplicaSet", "name": "web-abc", "image": "x", "owner": "Rollout/web"}]
    )
    assert "owner Rollout/web is not an object listed before it" in failure(
        tmp_path, {**bad, "open": {"kind": "Application", "name": "tiny"}}
    )


def test_a_pod_state_must_name_a_container_of_the_template(tmp_path: Path) -> None:
    pods = [{"containers": {"api": {"crash": {"restarts": 3}}}}]
    bad = with_world(objects=[{"kind": "Deployment", "name": "web", "image": "x", "pods": pods}])
    message = failure(tmp_path, bad)
    assert "Deployment/web" in message
    assert "no container 'api'" in message


def test_a_container_has_one_state(tmp_path: Path) -> None:
    state = {"crash": {"restarts": 3}, "notReady": "Readiness probe failed"}
    bad = with_world(
        objects=[
            {"kind": "Deployment", "name": "web", "image": "x", "pods": [{"containers": {"web": state}}]}
        ]
    )
    assert "a container has one state, got crash, notReady" in failure(tmp_path, bad)


def test_workload_fields_only_where_they_mean_something(tmp_path: Path) -> None:
    bad = with_world(objects=[{"kind": "Service", "name": "web", "image": "x"}])
    assert "`image` is for" in failure(tmp_path, bad)


def test_a_cause_must_be_a_regular_expression(tmp_path: Path) -> None:
    assert "is not a regular expression" in failure(tmp_path, {**GOOD, "cause": ["(unclosed"]})


def test_a_file_that_is_not_yaml_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken\.yaml: not readable as YAML"):
        load_scenarios(tmp_path)


def test_an_id_may_not_shadow_a_demo_application(tmp_path: Path) -> None:
    clash = {**GOOD, "id": "checkout", "open": {"kind": "Application", "name": "checkout"}}
    assert "an application named 'checkout' exists already" in failure(tmp_path, clash, name="checkout")


def test_schedules_are_read_as_cron_does() -> None:
    half_hourly = schedule_times("*/30 * * * *", 3)
    assert half_hourly == sorted(half_hourly, reverse=True)
    assert [round(b - a) for a, b in zip(half_hourly[1:], half_hourly, strict=False)] == [1800, 1800]
    with pytest.raises(ValueError, match="only `minute hour"):
        schedule_times("0 3 * * 1", 1)
