"""The evaluation set: every file fits the schema, covers what it must, and rests on facts the simulator
really serves (never on something only the YAML says)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml

from devstack.argocd import scenario_schema
from devstack.argocd.scenarios import load_scenarios, read_scenario, scenario_files
from devstack.argocd.tokens import token_for
from tests.eval.conftest import SCENARIOS
from tests.eval.served import served

FILES = scenario_files(SCENARIOS)
IDS = [path.stem for path in FILES]
FIXED_KEYS = {"id", "title", "open", "question", "decisive", "cause", "world"}


def test_there_are_at_least_22_scenarios_with_unique_ids_equal_to_their_file_names() -> None:
    assert len(FILES) >= 22
    scenarios = [read_scenario(path) for path in FILES]
    assert [s.id for s in scenarios] == IDS
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_top_level_keys_are_the_fixed_ones(path: Path) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert FIXED_KEYS <= raw.keys() <= FIXED_KEYS | {"notes", "covers"}
    assert set(raw["open"]) == {"kind", "name"}
    assert all(isinstance(d, str) and d for d in raw["decisive"])


def test_every_required_failure_is_covered() -> None:
    covered = Counter(tag for path in FILES for tag in read_scenario(path).covers)
    assert set(scenario_schema.COVERAGE) <= covered.keys()


def test_the_open_resource_varies_about_half_are_pods() -> None:
    kinds = Counter(read_scenario(path).open.kind for path in FILES)
    assert 0.35 <= kinds["Pod"] / len(FILES) <= 0.6
    for kind in (
        "Application",
        "Deployment",
        "Job",
        "CronJob",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
    ):
        assert kinds[kind] >= 1, kind


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_question_alone_does_not_satisfy_the_cause(path: Path) -> None:
    scenario = read_scenario(path)
    text = f"{scenario.question} {scenario.title}"
    assert not all(re.search(p, scenario.question, re.IGNORECASE) for p in scenario.cause), text


def test_each_scenario_is_an_application_of_project_eval_for_readers_only() -> None:
    for built in load_scenarios(SCENARIOS):
        app = built.app
        assert (app.namespace, app.project, app.labels) == ("argocd", "eval", {"team": "eval"})
        assert app.name == built.scenario.id


@pytest.mark.parametrize("user", ["viewer", "admin", "assistant-service"])
def test_readers_see_every_scenario_and_alice_and_bob_none(
    scenarios_client: httpx2.Client, user: str
) -> None:
    def names(who: str) -> set[str]:
        response = scenarios_client.get(
            "/api/v1/applications",
            params={"projects": "eval"},
            headers={"Authorization": f"Bearer {token_for(who)}"},
        )
        assert response.status_code == 200
        return {item["metadata"]["name"] for item in response.json()["items"] or []}

    assert names(user) == set(IDS)
    assert names("alice") == names("bob") == set()


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_open_names_a_node_of_the_tree_or_the_application(
    scenarios_client: httpx2.Client, path: Path
) -> None:
    scenario = read_scenario(path)
    if scenario.open.kind == "Application":
        assert scenario.open.name == scenario.id
        return
    response = scenarios_client.get(
        f"/api/v1/applications/{scenario.id}/resource-tree",
        headers={"Authorization": f"Bearer {token_for('viewer')}"},
    )
    nodes = {(n["kind"], n["name"]) for n in response.json()["nodes"]}
    assert (scenario.open.kind, scenario.open.name) in nodes


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_decisive_fact_is_served_to_viewer(scenarios_client: httpx2.Client, path: Path) -> None:
    scenario = read_scenario(path)
    texts = served(scenarios_client, scenario.id, "viewer")
    for decisive in scenario.decisive:
        assert any(decisive in text for text in texts.values()), (
            f"{scenario.id}: {decisive!r} is served nowhere"
        )


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_scenario_answers_validate_against_the_swagger(
    scenarios_client: httpx2.Client, path: Path
) -> None:
    from tests.devstack.test_argocd_contract import response_schema, validate

    app = read_scenario(path).id
    headers = {"Authorization": f"Bearer {token_for('viewer')}"}
    base = f"/api/v1/applications/{app}"

    def check(spec_path: str, request_path: str, **params: str) -> Any:
        response = scenarios_client.get(request_path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        validate(body, response_schema(spec_path))
        return body

    check("/api/v1/applications/{name}", base)
    check("/api/v1/applications/{applicationName}/managed-resources", base + "/managed-resources")
    check("/api/v1/applications/{name}/events", base + "/events")
    check("/api/v1/applicationsets", "/api/v1/applicationsets")
    tree = check("/api/v1/applications/{applicationName}/resource-tree", base + "/resource-tree")
    for node in tree["nodes"]:
        check(
            "/api/v1/applications/{name}/resource",
            base + "/resource",
            namespace=node["namespace"],
            resourceName=node["name"],
            kind=node["kind"],
            version=node["version"],
            group=node.get("group", ""),
        )
        check(
            "/api/v1/applications/{name}/events",
            base + "/events",
            resourceUID=node["uid"],
            resourceName=node["name"],
            resourceNamespace=node["namespace"],
        )
