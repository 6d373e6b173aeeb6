"""The write endpoints (sync, refresh, rollback, resource actions) as Argo CD 3.x answers them.

These tests write, so they run against simulators of their own (`client` is overridden): one whose
operations finish at once, one whose operations stay Running. Each test starts from the world
(`DELETE /_devstack/state`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx2
import pytest

from devstack.argocd import SimulatorConfig, create_app
from devstack.argocd.world_git import INVENTORY_HEAD
from devstack.servers import serve_in_thread
from tests.devstack.actions.support import (
    APPLICATION,
    DEPLOYMENT,
    IAT,
    INVENTORY,
    Call,
    bearer,
    disable_auto_sync,
    error,
    events,
    manifest,
)
from tests.devstack.test_argocd_contract import response_schema, validate

# --- sync ----------------------------------------------------------------------------------------------


def test_alice_syncs_inventory_and_gets_the_application_with_its_operation_set(post_as: Call) -> None:
    response = post_as("alice", f"{INVENTORY}/sync", json={"prune": True, "appNamespace": "argocd"})
    assert response.status_code == 200
    app = response.json()
    validate(app, response_schema("/api/v1/applications/{name}/sync", "post"))
    assert app["metadata"]["name"] == "inventory"
    assert app["operation"] == {
        "sync": {
            "revision": INVENTORY_HEAD,
            "prune": True,
            "source": {
                "repoURL": "https://github.com/example-org/gitops-demo.git",
                "path": "apps/inventory",
                "targetRevision": "HEAD",
            },
            "syncOptions": ["CreateNamespace=true"],
        },
        "initiatedBy": {"username": "alice"},
        "retry": {},
    }
    assert "operationState" not in app["status"]  # SetAppOperation clears it; the controller sets it next


def test_a_sync_succeeds_clears_the_drift_records_history_and_logs_events(
    as_user: Call, post_as: Call
) -> None:
    before = as_user("alice", INVENTORY).json()
    assert post_as("alice", f"{INVENTORY}/sync", json={"prune": True}).status_code == 200
    app = as_user("alice", INVENTORY).json()
    assert "operation" not in app
    assert app["status"]["sync"]["status"] == "Synced"
    assert app["status"]["sync"]["revision"] == INVENTORY_HEAD
    state = app["status"]["operationState"]
    assert (state["phase"], state["message"]) == ("Succeeded", "successfully synced (all tasks run)")
    assert state["operation"]["initiatedBy"] == {"username": "alice"}
    assert state["syncResult"]["revision"] == INVENTORY_HEAD
    results = {(r["kind"], r["name"]): (r["status"], r["message"]) for r in state["syncResult"]["resources"]}
    assert results == {
        ("ConfigMap", "inventory-feature-flags"): ("Synced", "configmap/inventory-feature-flags created"),
        ("ConfigMap", "inventory-settings"): ("Synced", "configmap/inventory-settings configured"),
        ("Secret", "inventory-db"): ("Synced", "secret/inventory-db configured"),
        ("Service", "inventory-api"): ("Synced", "service/inventory-api unchanged"),
        ("Deployment", "inventory-api"): ("Synced", "deployment.apps/inventory-api configured"),
        ("CronJob", "inventory-legacy-sync"): ("Pruned", "pruned"),
    }
    assert {r["syncPhase"] for r in state["syncResult"]["resources"]} == {"Sync"}
    assert state["startedAt"] <= state["finishedAt"]
    (added,) = app["status"]["history"][len(before["status"]["history"]) :]
    assert added["id"] == before["status"]["history"][-1]["id"] + 1
    assert (added["revision"], added["initiatedBy"]) == (INVENTORY_HEAD, {"username": "alice"})
    assert added["source"] == app["spec"]["source"]
    assert {r["status"] for r in app["status"]["resources"]} == {"Synced"}
    assert "inventory-legacy-sync" not in {
        n["name"] for n in as_user("alice", f"{INVENTORY}/resource-tree").json()["nodes"]
    }
    diffs = as_user("alice", f"{INVENTORY}/managed-resources").json()["items"]
    assert [d["name"] for d in diffs if d.get("modified")] == []
    live = manifest(as_user, DEPLOYMENT)
    assert live["spec"]["replicas"] == 3
    assert (
        live["spec"]["template"]["spec"]["containers"][0]["image"]
        == "ghcr.io/example-org/inventory-api:1.5.0"
    )
    mine = [(e["reason"], e["message"], e["source"]["component"]) for e in events(as_user)[-3:]]
    assert mine == [
        ("OperationStarted", f"alice initiated sync to HEAD ({INVENTORY_HEAD})", "argocd-server"),
        (
            "OperationCompleted",
            f"Sync operation to {INVENTORY_HEAD} succeeded",
            "argocd-application-controller",
        ),
        ("ResourceUpdated", "Updated sync status: OutOfSync -> Synced", "argocd-application-controller"),
    ]


def test_without_prune_the_cronjob_that_requires_pruning_keeps_inventory_out_of_sync(
    as_user: Call, post_as: Call
) -> None:
    assert post_as("alice", f"{INVENTORY}/sync", json={}).status_code == 200
    app = as_user("alice", INVENTORY).json()
    assert app["status"]["sync"]["status"] == "OutOfSync"
    out_of_sync = [r["name"] for r in app["status"]["resources"] if r["status"] == "OutOfSync"]
    assert out_of_sync == ["inventory-legacy-sync"]
    (skipped,) = [
        r for r in app["status"]["operationState"]["syncResult"]["resources"] if r["kind"] == "CronJob"
    ]
    assert (skipped["status"], skipped["message"]) == ("PruneSkipped", "ignored (requires pruning)")


def test_a_partial_sync_applies_only_the_chosen_resources_and_records_no_history(
    as_user: Call, post_as: Call
) -> None:
    before = as_user("alice", INVENTORY).json()
    chosen = [{"group": "apps", "kind": "Deployment", "name": "inventory-api", "namespace": "inventory"}]
    answer = post_as("alice", f"{INVENTORY}/sync", json={"resources": chosen}).json()
    assert answer["operation"]["sync"]["resources"] == chosen
    app = as_user("alice", INVENTORY).json()
    results = app["status"]["operationState"]["syncResult"]["resources"]
    assert [(r["kind"], r["message"]) for r in results] == [
        ("Deployment", "deployment.apps/inventory-api configured")
    ]
    assert app["status"]["history"] == before["status"]["history"]
    assert app["status"]["sync"]["status"] == "OutOfSync"
    statuses = {r["name"]: r["status"] for r in app["status"]["resources"] if r["kind"] != "Service"}
    assert statuses["inventory-api"] == "Synced"
    assert statuses["inventory-settings"] == "OutOfSync"
    messages = [e["message"] for e in events(as_user)[-2:]]
    assert messages == [
        f"alice initiated partial sync to HEAD ({INVENTORY_HEAD})",
        f"Partial sync operation to {INVENTORY_HEAD} succeeded",
    ]


def test_a_dry_run_changes_nothing_but_the_operation_state(as_user: Call, post_as: Call) -> None:
    before = as_user("alice", INVENTORY).json()
    diffs_before = as_user("alice", f"{INVENTORY}/managed-resources").json()
    answer = post_as("alice", f"{INVENTORY}/sync", json={"dryRun": True, "prune": True})
    assert answer.json()["operation"]["sync"]["dryRun"] is True
    after = as_user("alice", INVENTORY).json()
    state = after["status"].pop("operationState")
    before["status"].pop("operationState")
    assert after == before
    assert as_user("alice", f"{INVENTORY}/managed-resources").json() == diffs_before
    assert (state["phase"], state["message"]) == ("Succeeded", "successfully synced (all tasks run)")
    messages = {r["name"]: r["message"] for r in state["syncResult"]["resources"]}
    assert messages["inventory-api"].endswith(" (dry run)")
    assert messages["inventory-legacy-sync"] == "pruned (dry run)"
    assert {r["hookPhase"] for r in state["syncResult"]["resources"]} == {"Succeeded"}
    assert [e["reason"] for e in events(as_user)[-2:]] == ["OperationStarted", "OperationCompleted"]


def test_an_operation_stays_running_and_a_second_one_is_refused(slow: httpx2.Client) -> None:
    first = slow.post("/api/v1/applications/checkout/sync", json={}, headers=bearer("alice"))
    assert first.status_code == 200
    app = slow.get("/api/v1/applications/checkout", headers=bearer("alice")).json()
    assert app["operation"]["sync"]["revision"] == app["status"]["sync"]["revision"]
    state = app["status"]["operationState"]
    assert (state["phase"], state["message"]) == ("Running", "one or more tasks are running")
    assert "finishedAt" not in state
    again = slow.post("/api/v1/applications/checkout/sync", json={"dryRun": True}, headers=bearer("admin"))
    assert (again.status_code, again.json()) == (
        400,
        error(9, "error setting app operation: another operation is already in progress"),
    )
    assert slow.delete("/_devstack/state").status_code == 200
    idle = slow.get("/api/v1/applications/checkout", headers=bearer("alice")).json()
    assert "operation" not in idle
    assert idle["status"]["operationState"]["phase"] == "Succeeded"


def test_the_default_delay_keeps_an_operation_running_for_about_half_a_second() -> None:
    assert SimulatorConfig().operation_delay == 0.5
    with (
        serve_in_thread(create_app()) as url,
        httpx2.Client(base_url=url, timeout=10.0) as http,
    ):
        assert http.post(f"{INVENTORY}/sync", json={}, headers=bearer("alice")).status_code == 200
        phase = http.get(INVENTORY, headers=bearer("alice")).json()["status"]["operationState"]["phase"]
        assert phase == "Running"
        time.sleep(0.6)
        phase = http.get(INVENTORY, headers=bearer("alice")).json()["status"]["operationState"]["phase"]
        assert phase == "Succeeded"


def test_bob_may_read_billing_but_not_sync_it(as_user: Call, post_as: Call) -> None:
    assert as_user("bob", "/api/v1/applications/billing").status_code == 200
    response = post_as("bob", "/api/v1/applications/billing/sync", json={})
    message = f"permission denied: applications, sync, team-b/billing, sub: bob, iat: {IAT}"
    assert (response.status_code, response.json()) == (403, error(7, message))


def test_viewer_reads_everything_but_may_not_sync(post_as: Call) -> None:
    response = post_as("viewer", "/api/v1/applications/guestbook/sync", json={})
    message = f"permission denied: applications, sync, default/guestbook, sub: viewer, iat: {IAT}"
    assert (response.status_code, response.json()) == (403, error(7, message))


def test_a_sync_of_an_app_the_user_cannot_read_is_refused_as_a_read_is(post_as: Call) -> None:
    hidden = post_as("bob", f"{INVENTORY}/sync", json={})
    assert (hidden.status_code, hidden.json()) == (403, error(7, "permission denied"))
    missing = post_as("alice", "/api/v1/applications/nothing/sync", json={"project": "team-a"})
    assert (missing.status_code, missing.json()) == (
        404,
        error(5, 'applications.argoproj.io "nothing" not found'),
    )


def test_admin_syncs_any_app_and_carol_syncs_team_a(post_as: Call) -> None:
    assert post_as("admin", "/api/v1/applications/guestbook/sync", json={}).status_code == 200
    assert post_as("carol", "/api/v1/applications/checkout/sync", json={}).status_code == 200
    tenants = post_as("alice", "/api/v1/applications/tenant-portal/sync", json={"appNamespace": "tenants"})
    assert tenants.status_code == 200


def test_an_automated_app_syncs_only_its_target_revision_unless_it_is_a_dry_run(post_as: Call) -> None:
    refused = post_as("alice", f"{INVENTORY}/sync", json={"revision": INVENTORY_HEAD})
    message = f"Cannot sync to {INVENTORY_HEAD}: auto-sync currently set to HEAD"
    assert (refused.status_code, refused.json()) == (400, error(9, message))
    assert post_as("alice", f"{INVENTORY}/sync", json={"revision": "HEAD"}).status_code == 200
    dry = post_as("alice", f"{INVENTORY}/sync", json={"revision": INVENTORY_HEAD[:7], "dryRun": True})
    assert dry.status_code == 200
    assert dry.json()["operation"]["sync"]["revision"] == INVENTORY_HEAD[:7]  # git ls-remote keeps it short


def test_a_revision_git_cannot_resolve_is_refused_with_the_repo_servers_error(post_as: Call) -> None:
    response = post_as("alice", f"{INVENTORY}/sync", json={"revision": "no-such-branch", "dryRun": True})
    message = (
        "error resolving repo revision: rpc error: code = Unknown desc = "
        "unable to resolve 'no-such-branch' to a commit SHA: revision not found"
    )
    assert (response.status_code, response.json()) == (400, error(9, message))


def test_a_body_of_the_wrong_shape_is_refused_as_the_gateway_decodes_it(post_as: Call) -> None:
    typed = post_as("alice", f"{INVENTORY}/sync", json={"prune": "yes"})
    message = "json: cannot unmarshal string into Go struct field ApplicationSyncRequest.prune of type bool"
    assert (typed.status_code, typed.json()) == (400, error(3, message))
    listed = post_as("alice", f"{INVENTORY}/sync", json=[])
    message = "json: cannot unmarshal array into Go value of type application.ApplicationSyncRequest"
    assert (listed.status_code, listed.json()) == (400, error(3, message))


# --- refresh -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["normal", "hard"])
def test_a_refresh_moves_reconciled_at_and_changes_nothing_else(as_user: Call, kind: str) -> None:
    before = as_user("bob", "/api/v1/applications/billing").json()
    started = datetime.now(UTC).replace(microsecond=0)
    refreshed = as_user("bob", "/api/v1/applications/billing", params={"refresh": kind}).json()
    reconciled = datetime.fromisoformat(refreshed["status"].pop("reconciledAt"))
    assert started <= reconciled <= datetime.now(UTC)
    before["status"].pop("reconciledAt")
    assert refreshed == before


# --- rollback ------------------------------------------------------------------------------------------


def test_rollback_is_refused_while_auto_sync_is_enabled(post_as: Call) -> None:
    response = post_as("alice", f"{INVENTORY}/rollback", json={"id": 7})
    assert (response.status_code, response.json()) == (
        400,
        error(9, "rollback cannot be initiated when auto-sync is enabled"),
    )


def test_alice_turns_auto_sync_off_then_rolls_inventory_back(as_user: Call, post_as: Call) -> None:
    actions = as_user("alice", f"{INVENTORY}/resource/actions", params=APPLICATION).json()
    assert actions == {"actions": [{"name": "toggle-auto-sync", "displayName": "Disable Auto-Sync"}]}
    disable_auto_sync(post_as)
    app = as_user("alice", INVENTORY).json()
    assert app["spec"]["syncPolicy"]["automated"]["enabled"] is False
    target = next(h for h in app["status"]["history"] if h["id"] == 7)
    response = post_as("alice", f"{INVENTORY}/rollback", json={"id": 7, "appNamespace": "argocd"})
    assert response.status_code == 200
    validate(response.json(), response_schema("/api/v1/applications/{name}/rollback", "post"))
    assert response.json()["operation"] == {
        "sync": {
            "revision": target["revision"],
            "syncStrategy": {"apply": {}},
            "source": target["source"],
            "syncOptions": ["CreateNamespace=true"],
        },
        "initiatedBy": {"username": "alice"},
        "retry": {},
    }
    after = as_user("alice", INVENTORY).json()
    assert after["status"]["history"][-1]["revision"] == target["revision"]
    assert after["status"]["history"][-1]["id"] == app["status"]["history"][-1]["id"] + 1
    assert after["status"]["operationState"]["syncResult"]["revision"] == target["revision"]
    assert after["status"]["sync"]["status"] == "OutOfSync"  # compared with HEAD again
    assert [e["message"] for e in events(as_user)][-3:-1] == [
        "alice ran action toggle-auto-sync",
        "alice initiated rollback to 7",
    ]


def test_rollback_to_a_deployment_the_history_does_not_hold_is_refused(post_as: Call) -> None:
    disable_auto_sync(post_as)
    response = post_as("alice", f"{INVENTORY}/rollback", json={"id": 99})
    message = "application argocd/inventory does not have deployment with id 99"
    assert (response.status_code, response.json()) == (400, error(3, message))


def test_rollback_looks_the_app_up_with_sync_so_a_refusal_is_the_lookups(post_as: Call) -> None:
    for body in ({"id": 4}, {"id": 4, "project": "team-b"}):
        denied = post_as("bob", "/api/v1/applications/billing/rollback", json=body)
        assert (denied.status_code, denied.json()) == (403, error(7, "permission denied"))
    disable_auto_sync(post_as)
    elsewhere = post_as("alice", f"{INVENTORY}/rollback", json={"id": 7, "project": "team-b"})
    assert (elsewhere.status_code, elsewhere.json()) == (403, error(7, "permission denied"))
    wrong_project = post_as("admin", f"{INVENTORY}/rollback", json={"id": 7, "project": "team-b"})
    assert (wrong_project.status_code, wrong_project.json()) == (
        404,
        error(5, 'applications.argoproj.io "inventory" not found'),
    )
