from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2

Get = Callable[..., httpx2.Response]
HOOK_FAILED = "one or more synchronization tasks completed unsuccessfully"
REJECTED = (
    'Deployment.apps "orders-api" is invalid: spec.template.spec.containers[0].resources.requests: '
    'Invalid value: "2": must be less than or equal to cpu limit of 1'
)


def status(as_user: Get, user: str, app: str) -> dict[str, Any]:
    response = as_user(user, f"/api/v1/applications/{app}")
    assert response.status_code == 200
    return dict(response.json()["status"])


def test_a_failed_presync_hook_fails_the_sync_before_anything_is_applied(as_user: Get) -> None:
    s = status(as_user, "alice", "payments")
    assert (s["sync"]["status"], s["health"]["status"]) == ("OutOfSync", "Healthy")
    op = s["operationState"]
    assert (op["phase"], op["message"]) == ("Failed", HOOK_FAILED)
    assert op["operation"]["initiatedBy"] == {"username": "alice"}
    assert op["operation"]["sync"]["revision"] == s["sync"]["revision"] == op["syncResult"]["revision"]
    assert op["startedAt"] < op["finishedAt"]
    (hook,) = op["syncResult"]["resources"]  # no Sync phase resource was applied
    assert hook == {
        "group": "batch",
        "version": "v1",
        "kind": "Job",
        "namespace": "payments",
        "name": "payments-db-migrate",
        "status": "Synced",
        "message": "Job has reached the specified backoff limit",
        "hookType": "PreSync",
        "hookPhase": "Failed",
        "syncPhase": "PreSync",
        "images": ["ghcr.io/example-org/payments-api:1.9.0"],
    }
    (condition,) = s["conditions"]
    assert condition["type"] == "SyncError"
    assert condition["message"] == f"Failed last sync attempt to [{s['sync']['revision']}]: {HOOK_FAILED}"
    assert {"kind": "Job", "hook": True}.items() <= next(
        r for r in s["resources"] if r["kind"] == "Job"
    ).items()


def test_the_failed_revision_is_not_deployed_and_its_commit_explains_the_migration(as_user: Get) -> None:
    s = status(as_user, "alice", "payments")
    failed = s["operationState"]["operation"]["sync"]["revision"]
    assert failed not in [h["revision"] for h in s["history"]]
    meta = as_user("alice", f"/api/v1/applications/payments/revisions/{failed}/metadata").json()
    assert meta["message"].splitlines()[0] == "Add currency column to payments"


def test_the_hook_job_and_its_failed_pod_are_in_the_tree_with_events_and_logs(as_user: Get) -> None:
    nodes = as_user("alice", "/api/v1/applications/payments/resource-tree").json()["nodes"]
    job = next(n for n in nodes if n["kind"] == "Job")
    pod = next(n for n in nodes if n.get("parentRefs", [{}])[0].get("kind") == "Job")
    assert job["health"] == {"status": "Degraded", "message": "Job has reached the specified backoff limit"}
    assert pod["health"]["status"] == "Degraded"
    query = {"resourceUID": job["uid"], "resourceName": job["name"], "resourceNamespace": "payments"}
    events = as_user("alice", "/api/v1/applications/payments/events", params=query).json()["items"]
    assert any(e["reason"] == "BackoffLimitExceeded" and e["type"] == "Warning" for e in events)
    logs = as_user(
        "alice",
        "/api/v1/applications/payments/logs",
        params={"kind": "Job", "group": "batch", "resourceName": "payments-db-migrate", "tailLines": 1},
    )
    first = logs.text.splitlines()[0]
    assert (
        'psycopg.errors.DuplicateColumn: column \\"currency\\" of relation \\"payments\\" already exists'
        in first
    )
    assert pod["name"] in first


def test_an_apply_rejected_by_the_api_server_fails_after_the_retries(as_user: Get) -> None:
    s = status(as_user, "bob", "orders")
    assert (s["sync"]["status"], s["health"]["status"]) == ("OutOfSync", "Healthy")
    op = s["operationState"]
    assert op["phase"] == "Failed"
    assert op["message"].startswith("one or more objects failed to apply, reason: error when patching ")
    assert op["message"].endswith(f"{REJECTED} (retried 2 times).")
    assert (op["retryCount"], op["operation"]["retry"]["limit"]) == (2, 2)
    assert op["operation"]["initiatedBy"] == {"automated": True}
    failed = [r for r in op["syncResult"]["resources"] if r["status"] != "Synced"]
    assert [(r["kind"], r["name"], r["status"], r["syncPhase"]) for r in failed] == [
        ("Deployment", "orders-api", "SyncFailed", "Sync")
    ]
    assert failed[0]["message"].endswith(REJECTED)
    (condition,) = s["conditions"]
    assert condition["type"] == "SyncError"
    assert condition["message"].endswith(op["message"])


def test_every_other_app_last_synced_successfully(as_user: Get) -> None:
    for app in ("guestbook", "checkout", "inventory", "billing", "platform-tools"):
        op = status(as_user, "viewer", app)["operationState"]
        assert (op["phase"], op["message"]) == ("Succeeded", "successfully synced (all tasks run)")
