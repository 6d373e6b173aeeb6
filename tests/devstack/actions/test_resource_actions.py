"""Argo CD resource actions (restart, scale, toggle-auto-sync, …): listed and run as Argo CD 3.x does."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import httpx2

from devstack.argocd import create_app
from devstack.argocd.world import token_for
from devstack.servers import serve_in_thread
from tests.devstack.actions.support import (
    DEPLOYMENT,
    INVENTORY,
    Call,
    bearer,
    error,
    events,
    manifest,
)
from tests.devstack.test_argocd_contract import response_schema, validate

# --- resource actions ----------------------------------------------------------------------------------


def test_a_deployment_offers_restart_pause_resume_and_scale(as_user: Call) -> None:
    response = as_user("alice", f"{INVENTORY}/resource/actions", params=DEPLOYMENT)
    validate(response.json(), response_schema("/api/v1/applications/{name}/resource/actions"))
    assert response.json() == {
        "actions": [
            {"name": "pause", "iconClass": "fa fa-fw fa-pause-circle"},
            {"name": "restart", "iconClass": "fa fa-fw fa-redo"},
            {"name": "resume", "disabled": True, "iconClass": "fa fa-fw fa-play-circle"},
            {"name": "scale", "params": [{"name": "replicas"}], "iconClass": "fa fa-fw fa-plus-circle"},
        ]
    }


def test_a_cronjob_offers_create_job_and_suspend(as_user: Call) -> None:
    params = {**DEPLOYMENT, "group": "batch", "kind": "CronJob", "resourceName": "inventory-legacy-sync"}
    assert as_user("alice", f"{INVENTORY}/resource/actions", params=params).json() == {
        "actions": [
            {"name": "create-job", "iconClass": "fa fa-fw fa-plus", "displayName": "Create Job"},
            {"name": "suspend", "iconClass": "fa fa-fw fa-pause"},
        ]
    }


def test_a_config_map_has_no_actions(as_user: Call) -> None:
    params = {**DEPLOYMENT, "group": "", "kind": "ConfigMap", "resourceName": "inventory-settings"}
    assert as_user("alice", f"{INVENTORY}/resource/actions", params=params).json() == {"actions": []}


def test_actions_of_a_resource_not_in_the_tree_are_refused_as_the_resource_endpoint_refuses_it(
    as_user: Call,
) -> None:
    params = {**DEPLOYMENT, "resourceName": "nothing"}
    actions = as_user("alice", f"{INVENTORY}/resource/actions", params=params)
    resource = as_user("alice", f"{INVENTORY}/resource", params=params)
    message = "Deployment apps nothing not found as part of application inventory"
    assert (
        (actions.status_code, actions.json())
        == (resource.status_code, resource.json())
        == (400, error(3, message))
    )


def test_restart_annotates_the_live_pod_template_and_logs_the_action(as_user: Call, post_as: Call) -> None:
    started = datetime.now(UTC).replace(microsecond=0)
    body = {**DEPLOYMENT, "action": "restart", "appNamespace": "argocd", "resourceActionParameters": []}
    response = post_as("alice", f"{INVENTORY}/resource/actions/v2", json=body)
    assert (response.status_code, response.json()) == (200, {})
    live = manifest(as_user, DEPLOYMENT)
    stamp = live["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
    assert started <= datetime.fromisoformat(stamp) <= datetime.now(UTC)
    assert as_user("alice", INVENTORY).json()["status"]["sync"]["status"] == "OutOfSync"  # as before
    on_app = events(as_user)[-1]
    assert (on_app["reason"], on_app["message"], on_app["type"]) == (
        "ResourceActionRan",
        "alice ran action restart on resource apps/Deployment/inventory-api",
        "Normal",
    )
    query = {
        "resourceUID": live["metadata"]["uid"],
        "resourceName": "inventory-api",
        "resourceNamespace": "inventory",
    }
    on_resource = events(as_user, **query)[-1]
    assert (on_resource["reason"], on_resource["message"], on_resource["type"]) == (
        "ResourceActionRan",
        "alice ran action restart",
        "Normal",
    )


def test_the_deprecated_action_endpoint_takes_the_action_name_as_a_json_string(
    as_user: Call, post_as: Call
) -> None:
    response = post_as("alice", f"{INVENTORY}/resource/actions", params=DEPLOYMENT, json="pause")
    assert (response.status_code, response.json()) == (200, {})
    assert manifest(as_user, DEPLOYMENT)["spec"]["paused"] is True
    offered = as_user("alice", f"{INVENTORY}/resource/actions", params=DEPLOYMENT).json()["actions"]
    assert {a["name"]: a.get("disabled", False) for a in offered}["resume"] is False


def test_scale_makes_a_synced_app_out_of_sync_with_git(as_user: Call, post_as: Call) -> None:
    resource = {**DEPLOYMENT, "namespace": "checkout", "resourceName": "checkout-api"}
    body = {**resource, "action": "scale", "resourceActionParameters": [{"name": "replicas", "value": "2"}]}
    assert post_as("alice", "/api/v1/applications/checkout/resource/actions/v2", json=body).status_code == 200
    app = as_user("alice", "/api/v1/applications/checkout").json()
    assert app["status"]["sync"]["status"] == "OutOfSync"
    assert events(as_user, "checkout")[-2]["message"] == "Updated sync status: Synced -> OutOfSync"
    bad = {**body, "resourceActionParameters": [{"name": "replicas", "value": "many"}]}
    refused = post_as("alice", "/api/v1/applications/checkout/resource/actions/v2", json=bad)
    assert (refused.status_code, refused.json()) == (
        500,
        error(2, "error executing Lua resource action: invalid number: many"),
    )


def test_an_action_the_resource_does_not_have_is_an_internal_error(post_as: Call) -> None:
    config_map = {**DEPLOYMENT, "group": "", "kind": "ConfigMap", "resourceName": "inventory-settings"}
    response = post_as("alice", f"{INVENTORY}/resource/actions/v2", json={**config_map, "action": "restart"})
    message = "error getting Lua resource action: built-in script does not exist"
    assert (response.status_code, response.json()) == (500, error(2, message))


def test_an_action_is_looked_up_with_its_own_permission(post_as: Call) -> None:
    body = {**DEPLOYMENT, "namespace": "billing", "resourceName": "billing-api", "action": "restart"}
    denied = post_as("bob", "/api/v1/applications/billing/resource/actions/v2", json=body)
    assert (denied.status_code, denied.json()) == (403, error(7, "permission denied"))
    viewer = post_as("viewer", "/api/v1/applications/billing/resource/actions/v2", json=body)
    assert viewer.status_code == 403
    assert post_as("admin", "/api/v1/applications/billing/resource/actions/v2", json=body).status_code == 200


# --- content types, request log, state -----------------------------------------------------------------


def test_any_api_request_but_a_get_needs_exactly_application_json(client: httpx2.Client) -> None:
    auth = bearer("alice")
    for content_type in ("text/plain", "application/json; charset=utf-8", ""):
        response = client.post(
            f"{INVENTORY}/sync", content=b"{}", headers={**auth, "Content-Type": content_type}
        )
        assert (response.status_code, response.text) == (415, "Invalid content type\n")
        assert response.headers["content-type"].startswith("text/plain")
    upper = client.post(
        f"{INVENTORY}/sync", content=b"{}", headers={**auth, "Content-Type": "Application/JSON"}
    )
    assert upper.status_code == 200
    anonymous = client.post(f"{INVENTORY}/sync", content=b"{}", headers={"Content-Type": "text/plain"})
    assert anonymous.status_code == 415  # before authentication
    login = client.post("/api/v1/session", json={"username": "alice", "password": "alice-pass"})
    assert login.status_code == 200
    assert client.get(INVENTORY, headers={**auth, "Content-Type": "text/plain"}).status_code == 200
    # only /api/ is guarded: the proxy extension's path is not (here it has no backend: 404, not 415)
    proxied = client.post(
        "/extensions/assistant/api/chat", content=b"hi", headers={"Content-Type": "text/plain"}
    )
    assert proxied.status_code == 404


def test_the_request_log_shows_a_posts_method_user_token_hash_and_body(
    client: httpx2.Client, post_as: Call
) -> None:
    import hashlib

    client.delete("/_devstack/requests")
    sent = b'{"prune": true, "dryRun": true}'
    post_as("alice", f"{INVENTORY}/sync", content=sent, headers={"Content-Type": "application/json"})
    (entry,) = client.get("/_devstack/requests").json()
    assert entry.pop("client")
    assert entry == {
        "method": "POST",
        "path": f"{INVENTORY}/sync",
        "query": "",
        "user": "alice",
        "token_sha256": hashlib.sha256(token_for("alice").encode()).hexdigest(),
        "body": sent.decode(),
    }
    client.post(f"{INVENTORY}/sync", content=b"x" * 5000, headers={"Content-Type": "application/json"})
    assert client.get("/_devstack/requests").json()[-1]["body"] == "x" * 4096
    client.post("/api/v1/session", json={"username": "alice", "password": "alice-pass"})
    assert client.get("/_devstack/requests").json()[-1]["body"] == "<not recorded: credentials>"


def test_writes_stay_in_their_simulator_instance(argocd_url: str, as_user: Call, post_as: Call) -> None:
    assert post_as("alice", f"{INVENTORY}/sync", json={"prune": True}).status_code == 200
    assert as_user("alice", INVENTORY).json()["status"]["sync"]["status"] == "Synced"
    others: list[contextlib.AbstractContextManager[str]] = [
        contextlib.nullcontext(argocd_url),  # the session's simulator
        serve_in_thread(create_app()),  # a new one
    ]
    for other in others:
        with other as url, httpx2.Client(base_url=url, timeout=10.0) as http:
            app = http.get(INVENTORY, headers=bearer("alice")).json()
            assert app["status"]["sync"]["status"] == "OutOfSync"
            assert app["status"]["history"][-1]["id"] == 9
            assert "alice" not in json.dumps(app["status"]["operationState"])


def test_deleting_the_devstack_state_forgets_every_write(
    as_user: Call, post_as: Call, client: httpx2.Client
) -> None:
    world = {
        path: as_user("alice", path).json()
        for path in (
            INVENTORY,
            f"{INVENTORY}/resource-tree",
            f"{INVENTORY}/managed-resources",
            f"{INVENTORY}/events",
        )
    }
    post_as("alice", f"{INVENTORY}/sync", json={"prune": True})
    post_as("alice", f"{INVENTORY}/resource/actions/v2", json={**DEPLOYMENT, "action": "restart"})
    as_user("alice", INVENTORY, params={"refresh": "normal"})
    assert as_user("alice", INVENTORY).json() != world[INVENTORY]
    assert (client.delete("/_devstack/state").status_code, client.delete("/_devstack/state").json()) == (
        200,
        {},
    )
    for path, answer in world.items():
        assert as_user("alice", path).json() == answer
