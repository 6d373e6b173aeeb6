from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2

Get = Callable[..., httpx2.Response]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def tree_node(as_user: Get, app: str, kind: str, name_prefix: str) -> dict[str, Any]:
    nodes = as_user("viewer", f"/api/v1/applications/{app}/resource-tree").json()["nodes"]
    return next(n for n in nodes if n["kind"] == kind and n["name"].startswith(name_prefix))


def test_the_degraded_app_shows_a_crash_looping_pod_in_its_tree(as_user: Get) -> None:
    app = as_user("alice", "/api/v1/applications/checkout").json()
    assert app["status"]["health"]["status"] == "Degraded"
    assert app["status"]["sync"]["status"] == "Synced"
    pod = tree_node(as_user, "checkout", "Pod", "checkout-api-")
    assert pod["health"]["status"] == "Degraded"
    assert {"name": "Status Reason", "value": "CrashLoopBackOff"} in pod["info"]
    assert pod["parentRefs"][0]["kind"] == "ReplicaSet"
    assert "group" not in pod
    assert pod["images"]
    assert pod["createdAt"]


def test_the_resource_endpoint_returns_the_live_manifest_as_a_json_string(as_user: Get) -> None:
    pod = tree_node(as_user, "checkout", "Pod", "checkout-api-")
    params = {
        "namespace": "checkout",
        "resourceName": pod["name"],
        "version": "v1",
        "kind": "Pod",
        "group": "",
    }
    manifest = json.loads(
        as_user("alice", "/api/v1/applications/checkout/resource", params=params).json()["manifest"]
    )
    status = manifest["status"]["containerStatuses"][0]
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert status["restartCount"] == 14
    assert manifest["metadata"]["managedFields"]
    assert manifest["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"


def test_a_resource_outside_the_tree_is_a_bad_request(as_user: Get) -> None:
    params = {
        "namespace": "billing",
        "resourceName": "billing-api",
        "version": "v1",
        "kind": "Deployment",
        "group": "apps",
    }
    response = as_user("viewer", "/api/v1/applications/checkout/resource", params=params)
    assert response.status_code == 400
    assert (
        response.json()["message"] == "Deployment apps billing-api not found as part of application checkout"
    )


def test_secret_data_and_its_last_applied_copy_are_masked(as_user: Get) -> None:
    params = {"namespace": "guestbook", "resourceName": "guestbook-secret", "version": "v1", "kind": "Secret"}
    response = as_user("viewer", "/api/v1/applications/guestbook/resource", params=params)
    secret = json.loads(response.json()["manifest"])
    assert set(secret["data"]) == {"redis-password", "api-key"}
    assert all(set(v) == {"+"} and len(v) >= 8 for v in secret["data"].values())
    applied = json.loads(secret["metadata"]["annotations"][LAST_APPLIED])
    assert all(set(v) == {"+"} for v in applied["data"].values())
    assert "stringData" not in applied
    assert "gb-4f9a8c7d6e5b" not in response.text
    assert "czNjcjN0" not in response.text


def test_managed_resources_mask_secrets_and_show_the_out_of_sync_diff(as_user: Get) -> None:
    items = as_user("viewer", "/api/v1/applications/guestbook/managed-resources", params={"kind": "Secret"})
    (secret,) = items.json()["items"]
    for key in ("targetState", "liveState", "normalizedLiveState", "predictedLiveState"):
        data = json.loads(secret[key])["data"]
        assert all(set(v) == {"+"} for v in data.values()), key
    inventory = as_user("alice", "/api/v1/applications/inventory/managed-resources").json()["items"]
    deploy = next(i for i in inventory if i["kind"] == "Deployment")
    assert deploy["modified"] is True
    assert json.loads(deploy["targetState"])["spec"]["replicas"] == 3
    assert json.loads(deploy["liveState"])["spec"]["replicas"] == 2
    missing = next(i for i in inventory if i["name"] == "inventory-feature-flags")
    assert missing["liveState"] == "null"


def test_the_big_config_map_is_two_mebibytes(as_user: Get) -> None:
    params = {"namespace": "platform", "resourceName": "big-config", "version": "v1", "kind": "ConfigMap"}
    manifest = json.loads(
        as_user("viewer", "/api/v1/applications/platform-tools/resource", params=params).json()["manifest"]
    )
    assert sum(len(v) for v in manifest["data"].values()) == 2 * 1024 * 1024


def test_events_default_to_the_application_and_need_a_matching_resource(as_user: Get) -> None:
    own = as_user("alice", "/api/v1/applications/checkout/events").json()
    assert own["metadata"] == {}
    assert {e["involvedObject"]["kind"] for e in own["items"]} == {"Application"}
    pod = tree_node(as_user, "checkout", "Pod", "checkout-api-")
    params = {"resourceUID": pod["uid"], "resourceName": pod["name"], "resourceNamespace": "checkout"}
    events = as_user("alice", "/api/v1/applications/checkout/events", params=params).json()["items"]
    back_off = next(e for e in events if e["reason"] == "BackOff")
    assert back_off["type"] == "Warning"
    assert back_off["count"] > 1
    assert "Back-off restarting failed container" in back_off["message"]
    assert any(e["reason"] == "Unhealthy" and "Readiness probe failed" in e["message"] for e in events)
    wrong = as_user("alice", "/api/v1/applications/checkout/events", params={**params, "resourceUID": "nope"})
    assert wrong.status_code == 400
    assert wrong.json()["message"] == f"{pod['name']} not found as part of application checkout"


def test_the_list_answer_keeps_only_the_fields_asked_for(as_user: Get) -> None:
    fields = "items.metadata.name,items.spec.project,items.spec.source.repoURL,items.status.health.status"
    items = as_user("admin", "/api/v1/applications", params={"fields": fields}).json()["items"]
    assert {tuple(item) for item in items} == {("metadata", "spec", "status")}
    checkout = next(i for i in items if i["metadata"]["name"] == "checkout")
    assert checkout == {
        "metadata": {"name": "checkout"},
        "spec": {"project": "team-a", "source": {"repoURL": checkout["spec"]["source"]["repoURL"]}},
        "status": {"health": {"status": "Degraded"}},
    }


def test_the_list_answer_leaves_out_the_fields_after_a_minus(as_user: Get) -> None:
    whole = as_user("admin", "/api/v1/applications").json()
    trimmed = as_user("admin", "/api/v1/applications", params={"fields": "-items.status,metadata"}).json()
    assert "metadata" not in trimmed
    assert all("status" not in i and i["spec"] for i in trimmed["items"])
    assert [i["metadata"] for i in trimmed["items"]] == [i["metadata"] for i in whole["items"]]
    again = as_user("admin", "/api/v1/applications").json()
    assert again == whole  # the world's objects were not changed by filtering


def test_fields_match_by_string_prefix_and_project_every_list_item(as_user: Get) -> None:
    # Argo CD compares with strings.HasPrefix: items.spec.source also keeps items.spec.sources.
    items = as_user("admin", "/api/v1/applications", params={"fields": "items.spec.source"}).json()["items"]
    assert all(set(i) == {"spec"} and set(i["spec"]) <= {"source", "sources"} for i in items)
    params = {"fields": "items.metadata.name", "name": "billing"}
    none = as_user("alice", "/api/v1/applications", params=params)
    assert none.json() == {"items": None}
