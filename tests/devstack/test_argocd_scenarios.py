"""Evaluation scenarios in the simulator: opt-in per instance, the default world untouched, and the
scenario worlds served as Argo CD and Kubernetes show them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from devstack import launcher
from devstack.argocd import SimulatorConfig, create_app, health
from devstack.argocd import __main__ as simulator_main
from devstack.argocd.scenarios import load_scenarios, read_scenario
from devstack.argocd.world import DEFAULT_WORLD, token_for
from devstack.servers import serve_in_thread

SCENARIOS = Path(__file__).resolve().parents[2] / "eval" / "scenarios"
DEFAULT_APPS = [
    "billing",
    "checkout",
    "guestbook",
    "inventory",
    "orders",
    "payments",
    "platform-tools",
    "tenant-portal",
]


@pytest.fixture(scope="module")
def scenario_client() -> Iterator[httpx2.Client]:
    with (
        serve_in_thread(create_app(SimulatorConfig(scenarios_dir=str(SCENARIOS)))) as url,
        httpx2.Client(base_url=url, timeout=30.0) as http,
    ):
        yield http


def get(client: httpx2.Client, path: str, user: str = "viewer", **params: Any) -> httpx2.Response:
    return client.get(path, params=params, headers={"Authorization": f"Bearer {token_for(user)}"})


def names(client: httpx2.Client) -> list[str]:
    items = get(client, "/api/v1/applications", "admin").json()["items"]
    return [item["metadata"]["name"] for item in items]


def opened(scenario: str) -> str:
    """The name of the resource the scenario's user has open (a pod's name is generated)."""
    return read_scenario(SCENARIOS / f"{scenario}.yaml").open.name


def log_lines(client: httpx2.Client, app: str, **params: Any) -> list[str]:
    response = get(client, f"/api/v1/applications/{app}/logs", **params)
    assert response.status_code == 200
    lines = [json.loads(line)["result"] for line in response.text.splitlines() if line]
    return [line["content"] for line in lines if not line["last"]]


def test_without_scenarios_the_world_is_the_default_one(client: httpx2.Client) -> None:
    assert create_app().state.world is DEFAULT_WORLD
    assert names(client) == DEFAULT_APPS


def test_scenarios_extend_only_their_own_instance(
    client: httpx2.Client, scenario_client: httpx2.Client
) -> None:
    ids = sorted(built.scenario.id for built in load_scenarios(SCENARIOS))
    assert names(scenario_client) == sorted([*DEFAULT_APPS, *ids])
    assert names(client) == DEFAULT_APPS  # the session's default simulator, in the same process
    assert [app.name for app in DEFAULT_WORLD.apps] == sorted(DEFAULT_APPS)
    assert create_app(SimulatorConfig()).state.world is DEFAULT_WORLD


def test_a_bad_scenarios_dir_fails_create_app_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("id: y\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"x\.yaml: "):
        create_app(SimulatorConfig(scenarios_dir=str(tmp_path)))


def test_the_command_line_and_the_launcher_pass_the_directory_on(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: seen.update(app=app))
    simulator_main.main(["--port", "9", "--scenarios", str(SCENARIOS)])
    assert "image-pull-wrong-tag" in {a.name for a in seen["app"].state.world.apps}
    options = launcher.StackOptions(scenarios_dir=SCENARIOS, llamastack=False, relay=False)
    stack = launcher.Stack(options)
    try:
        argv = next(s.argv for s in stack._plan() if s.name == "argocd")
    finally:
        stack.stop()
    assert argv[argv.index("--scenarios") + 1] == str(SCENARIOS)


def test_scenario_commits_resolve_only_where_the_scenario_is_served(
    client: httpx2.Client, scenario_client: httpx2.Client
) -> None:
    app = get(scenario_client, "/api/v1/applications/image-pull-wrong-tag").json()
    revision = app["status"]["sync"]["revision"]
    meta = get(scenario_client, f"/api/v1/applications/image-pull-wrong-tag/revisions/{revision}/metadata")
    assert meta.json()["message"] == "Release web 1.9.9"
    assert get(client, f"/api/v1/applications/checkout/revisions/{revision}/metadata").status_code == 500


def test_a_container_that_never_started_has_no_logs_but_the_kubelets_answer(
    scenario_client: httpx2.Client,
) -> None:
    pod = opened("image-pull-wrong-tag")
    assert log_lines(scenario_client, "image-pull-wrong-tag", podName=pod) == [
        f'container "web" in pod "{pod}" is waiting to start: trying and failing to pull image'
    ]
    assert log_lines(scenario_client, "image-pull-wrong-tag", podName=pod, previous="true") == [
        f'previous terminated container "web" in pod "{pod}" not found'
    ]
    assert (
        log_lines(scenario_client, "pending-insufficient-cpu", podName=opened("pending-insufficient-cpu"))
        == []
    )


def test_a_crash_loop_shows_its_last_instance_and_a_restarted_one_its_predecessor(
    scenario_client: httpx2.Client,
) -> None:
    pod = opened("oom-killed")
    current = log_lines(scenario_client, "oom-killed", podName=pod)
    assert current == log_lines(scenario_client, "oom-killed", podName=pod, previous="true")
    assert "Building in-memory search index" in current[-2]
    pod = opened("crashloop-missing-env")
    running = log_lines(scenario_client, "crashloop-missing-env", podName=pod)
    previous = log_lines(scenario_client, "crashloop-missing-env", podName=pod, previous="true")
    assert not any("TWILIO_AUTH_TOKEN" in line for line in running)
    assert "Error: Missing required environment variable: TWILIO_AUTH_TOKEN" in previous


def test_the_pod_status_is_what_the_kubelet_writes(scenario_client: httpx2.Client) -> None:
    response = get(
        scenario_client,
        "/api/v1/applications/oom-killed/resource",
        namespace="catalog",
        resourceName=opened("oom-killed"),
        version="v1",
        kind="Pod",
    )
    pod = json.loads(response.json()["manifest"])
    (status,) = pod["status"]["containerStatuses"]
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert status["state"]["waiting"]["message"].startswith(
        "back-off 5m0s restarting failed container=indexer "
    )
    assert (status["lastState"]["terminated"]["reason"], status["lastState"]["terminated"]["exitCode"]) == (
        "OOMKilled",
        137,
    )
    assert status["restartCount"] == 27
    assert pod["status"]["phase"] == "Running"
    ready = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["message"]) == ("False", "containers with unready status: [indexer]")


def test_events_carry_counts_and_times(scenario_client: httpx2.Client) -> None:
    tree = get(scenario_client, "/api/v1/applications/image-pull-wrong-tag/resource-tree").json()
    node = next(n for n in tree["nodes"] if n["name"] == opened("image-pull-wrong-tag"))
    events = get(
        scenario_client,
        "/api/v1/applications/image-pull-wrong-tag/events",
        resourceUID=node["uid"],
        resourceName=node["name"],
        resourceNamespace=node["namespace"],
    ).json()["items"]
    by_message = {e["message"]: e for e in events}
    backoff = by_message['Back-off pulling image "ghcr.io/example-org/web:1.9.9"']
    assert backoff["count"] > 1
    assert backoff["firstTimestamp"] < backoff["lastTimestamp"]
    assert len({e["metadata"]["uid"] for e in events}) == len(events)
    assert node["health"]["status"] == "Degraded"
    assert {"name": "Status Reason", "value": "ImagePullBackOff"} in node["info"]


def test_a_failed_hook_is_in_the_tree_and_the_operation_not_in_managed_resources(
    scenario_client: httpx2.Client,
) -> None:
    status = get(scenario_client, "/api/v1/applications/sync-hook-failed").json()["status"]
    (hook,) = status["operationState"]["syncResult"]["resources"]
    assert (hook["kind"], hook["hookPhase"], hook["syncPhase"]) == ("Job", "Failed", "PreSync")
    assert {"kind": "Job", "hook": True}.items() <= next(
        r for r in status["resources"] if r["kind"] == "Job"
    ).items()
    managed = get(scenario_client, "/api/v1/applications/sync-hook-failed/managed-resources").json()["items"]
    assert "Job" not in {item["kind"] for item in managed}
    assert status["conditions"][0]["type"] == "SyncError"
    assert status["sync"]["revision"] not in [h["revision"] for h in status["history"]]


def test_a_manual_change_is_a_diff_against_git(scenario_client: httpx2.Client) -> None:
    items = get(scenario_client, "/api/v1/applications/out-of-sync-manual-change/managed-resources").json()[
        "items"
    ]
    rules = next(i for i in items if i["name"] == "pricing-rules")
    assert json.loads(rules["targetState"])["data"]["MAX_DISCOUNT_PERCENT"] == "15"
    assert json.loads(rules["liveState"])["data"]["MAX_DISCOUNT_PERCENT"] == "40"
    assert rules["modified"] is True
    managers = [f["manager"] for f in json.loads(rules["liveState"])["metadata"]["managedFields"]]
    assert managers == ["argocd-controller", "kubectl-edit"]


def test_the_applicationset_error_is_readable_by_readers(
    client: httpx2.Client, scenario_client: httpx2.Client
) -> None:
    appset = get(scenario_client, "/api/v1/applicationsets/eval-quotes").json()
    error = next(c for c in appset["status"]["conditions"] if c["type"] == "ErrorOccurred")
    assert (error["status"], error["reason"]) == ("True", "RenderTemplateParamsError")
    app = get(scenario_client, "/api/v1/applications/appset-template-error").json()
    assert app["metadata"]["ownerReferences"][0]["name"] == "eval-quotes"
    assert get(scenario_client, "/api/v1/applicationsets/eval-quotes", "alice").status_code == 403
    assert get(client, "/api/v1/applicationsets/eval-quotes").status_code == 404


def test_argo_cd_health_checks() -> None:
    def pod(phase: str, ready: bool, **status: Any) -> dict[str, Any]:
        conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {"restartPolicy": "Always"},
            "status": {"phase": phase, "conditions": conditions, **status},
        }

    waiting = {
        "containerStatuses": [
            {"name": "c", "state": {"waiting": {"reason": "ImagePullBackOff", "message": "m"}}}
        ]
    }
    assert health.assess(pod("Pending", False, **waiting)) == ("Degraded", "m")
    assert health.assess(pod("Pending", False)) == ("Progressing", "")
    crashed = {
        "containerStatuses": [{"name": "c", "state": {"running": {}}, "lastState": {"terminated": {}}}]
    }
    assert health.assess(pod("Running", False, **crashed)) == ("Degraded", "")
    assert health.assess(pod("Running", True)) == ("Healthy", "")
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h"},
        "status": {
            "conditions": [
                {"type": "AbleToScale", "status": "True", "message": "recommended size matches current size"}
            ]
        },
    }
    assert health.assess(hpa) == ("Healthy", "recommended size matches current size")
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}, "spec": {}}
    cron["status"] = {
        "lastScheduleTime": "2025-01-02T00:00:00Z",
        "lastSuccessfulTime": "2025-01-01T00:00:00Z",
    }
    assert health.assess(cron) == ("Degraded", "CronJob has not completed its last execution successfully")
    assert health.assess({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}) is None
    assert health.worst(["Healthy", "Missing", "Progressing"]) == "Missing"
