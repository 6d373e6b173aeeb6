from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2

Get = Callable[..., httpx2.Response]
STATES = ("targetState", "liveState", "normalizedLiveState", "predictedLiveState")


def managed(as_user: Get, app: str, **params: str) -> list[dict[str, Any]]:
    return list(
        as_user("alice", f"/api/v1/applications/{app}/managed-resources", params=params).json()["items"]
    )


def states(item: dict[str, Any]) -> dict[str, Any]:
    return {key: json.loads(item[key]) for key in STATES}


def test_a_one_field_config_map_drift_is_modified_and_predicted_back_to_git(as_user: Get) -> None:
    (item,) = managed(as_user, "inventory", name="inventory-settings")
    assert set(item) == {"kind", "namespace", "name", "resourceVersion", "modified", *STATES}
    assert item["modified"] is True
    s = states(item)
    assert s["targetState"]["data"]["LOG_LEVEL"] == "info"
    assert s["liveState"]["data"]["LOG_LEVEL"] == "debug"
    assert s["normalizedLiveState"]["data"] == s["liveState"]["data"]
    assert s["predictedLiveState"]["data"] == s["targetState"]["data"]
    differing = {
        k for k in s["targetState"]["data"] if s["liveState"]["data"][k] != s["targetState"]["data"][k]
    }
    assert differing == {"LOG_LEVEL"}


def test_normalized_live_state_drops_status_and_predicted_differs_only_where_git_does(as_user: Get) -> None:
    (item,) = managed(as_user, "inventory", kind="Deployment")
    s = states(item)
    assert "status" in s["liveState"]
    assert "status" not in s["normalizedLiveState"]
    assert "creationTimestamp" not in s["normalizedLiveState"]["metadata"]
    normalized, predicted = s["normalizedLiveState"], s["predictedLiveState"]
    assert (normalized["spec"]["replicas"], predicted["spec"]["replicas"]) == (2, 3)
    normalized["spec"]["replicas"] = predicted["spec"]["replicas"]
    images = [c["image"] for c in predicted["spec"]["template"]["spec"]["containers"]]
    assert images == ["ghcr.io/example-org/inventory-api:1.5.0"]
    normalized["spec"]["template"] = predicted["spec"]["template"]
    assert normalized == predicted


def test_an_object_no_longer_in_git_requires_pruning(as_user: Get) -> None:
    app = as_user("alice", "/api/v1/applications/inventory").json()
    (status,) = [r for r in app["status"]["resources"] if r["name"] == "inventory-legacy-sync"]
    assert status == {
        "group": "batch",
        "version": "v1",
        "kind": "CronJob",
        "namespace": "inventory",
        "name": "inventory-legacy-sync",
        "status": "OutOfSync",
        "health": {"status": "Healthy"},
        "requiresPruning": True,
    }
    (item,) = managed(as_user, "inventory", kind="CronJob")
    assert (item["targetState"], item["predictedLiveState"]) == ("null", "null")
    assert json.loads(item["liveState"])["metadata"]["name"] == "inventory-legacy-sync"
    assert "modified" not in item  # Argo CD's diff of a deletion is not "modified"
    assert app["spec"]["syncPolicy"]["automated"]["prune"] is False
    skipped = [
        r for r in app["status"]["operationState"]["syncResult"]["resources"] if r["kind"] == "CronJob"
    ]
    assert skipped[0]["status"] == "PruneSkipped"
    assert skipped[0]["message"] == "ignored (requires pruning)"


def test_secret_drift_is_masked_on_both_sides_with_different_runs(as_user: Get) -> None:
    (item,) = managed(as_user, "inventory", kind="Secret")
    assert item["modified"] is True
    s = states(item)
    target, live = s["targetState"]["data"], s["liveState"]["data"]
    assert all(set(v) == {"+"} for state in s.values() for v in state["data"].values())
    assert target["PASSWORD"] != live["PASSWORD"]
    assert (len(target["PASSWORD"]), len(live["PASSWORD"])) == (8, 12)
    assert target["USERNAME"] == live["USERNAME"]
    assert target["HOST"] == live["HOST"]
    assert s["normalizedLiveState"]["data"] == live
    assert s["predictedLiveState"]["data"] == target
    for key in ("liveState", "normalizedLiveState", "predictedLiveState"):
        applied = json.loads(
            s[key]["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
        )
        assert applied["data"] == target, key
    response = as_user("alice", "/api/v1/applications/inventory/managed-resources", params={"kind": "Secret"})
    assert "inv-Db" not in response.text
    assert "aW52LURi" not in response.text


def test_unchanged_resources_are_not_modified_and_hooks_are_left_out(as_user: Get) -> None:
    items = managed(as_user, "inventory")
    unchanged = {(i["kind"], i["name"]) for i in items if "modified" not in i}
    assert unchanged == {("Service", "inventory-api"), ("CronJob", "inventory-legacy-sync")}
    (service,) = [states(i) for i in items if i["kind"] == "Service"]
    assert service["normalizedLiveState"] == service["predictedLiveState"]
    payments = managed(as_user, "payments")
    assert {i["kind"] for i in payments} == {"Deployment", "Service"}  # not the PreSync hook Job
