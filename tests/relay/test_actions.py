"""Actions through the whole chain (relay, llama-stack, the scripted model, the simulator): nothing runs until
the person approves it in the tab; then it runs as them, and Argo CD's RBAC decides."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from devstack.argocd.tokens import token_for
from tests.relay.conftest import Stack, delete, get_json, serve_relay
from tests.relay.sse import Transcript
from tests.relay.test_browser_mode import Browser, follow

ACTIONS = {
    "enabled": ["sync_application", "refresh_application", "rollback_application", "run_resource_action"]
}
INVENTORY = {"name": "inventory", "namespace": "argocd", "project": "team-a"}
APPLICATION_TAB = {"group": "argoproj.io", "version": "v1alpha1", "kind": "Application", "name": "inventory"}


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture
def relay(stack: Stack) -> Iterator[str]:
    """A relay with every action enabled, on the stack's simulator; the simulator's state is reset after."""
    actions = {**ACTIONS, "approval_timeout_seconds": 30}
    with serve_relay(stack.relay_config(actions=actions, limits={"stream_timeout_seconds": 60})) as url:
        delete(f"{stack.argocd}/_devstack/requests")
        yield url
    delete(f"{stack.argocd}/_devstack/state")


def writes(stack: Stack) -> list[dict[str, Any]]:
    return [r for r in get_json(f"{stack.argocd}/_devstack/requests") if r["method"] != "GET"]


def decide(relay: str, headers: dict[str, str], stream: str, request: dict[str, Any], approve: bool) -> int:
    body = {
        "stream": stream,
        "id": request["id"],
        "call_id": request["call_id"],
        "approve": approve,
        "arguments_sha256": request["arguments_sha256"],
    }
    with httpx2.Client(timeout=10) as client:
        return client.post(f"{relay}/api/approvals", json=body, headers=headers).status_code


def ask_direct(
    relay: str,
    user: str,
    message: str,
    on_approval: Callable[[str, dict[str, Any]], None],
    application: dict[str, str] | None = None,
    resource: dict[str, str] | None = None,
) -> Transcript:
    """A question with the user's own token (the direct route), `on_approval(stream, request)` called for each
    approval request as it comes; asked on the Application's tab unless `resource` names another."""
    app = application or INVENTORY
    body = {
        "message": message,
        "application": app,
        "resource": resource or {**APPLICATION_TAB, "name": app["name"]},
    }
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    with (
        httpx2.Client(timeout=60) as client,
        client.stream("POST", f"{relay}/api/chat", json=body, headers=headers) as response,
    ):
        return follow(response, on_approval, names=("approval_request",))


def sync_deciding(
    relay: str, user: str, approve: bool, *, to: str | None = None, application: dict[str, str] | None = None
) -> tuple[Transcript, list[int]]:
    """`user` asks to sync the application on its tab through `relay`, and answers each approval request
    (posted to `to`, another replica, when given): the transcript and the statuses of the decisions posted."""
    bearer = {"Authorization": f"Bearer {token_for(user)}"}
    statuses: list[int] = []
    transcript = ask_direct(
        relay,
        user,
        "Sync this application",
        lambda s, r: statuses.append(decide(to or relay, bearer, s, r, approve)),
        application,
    )
    return transcript, statuses


def test_an_approved_sync_runs_with_the_users_own_token_and_its_outcome_is_answered(
    stack: Stack, relay: str
) -> None:
    transcript, statuses = sync_deciding(relay, "alice", approve=True)
    assert statuses == [204]
    request = transcript.first("approval_request")
    assert request["tool"] == "sync_application"
    assert (
        request["summary"]
        == "Sync application argocd/inventory to its target revision, prune: no, dry run: no"
    )
    assert transcript.first("approval_result")["outcome"] == "approved"
    result = transcript.first("tool_result")
    assert result["ok"] is True, result
    [sync] = writes(stack)
    assert (sync["path"], sync["user"], sync["token_sha256"]) == (
        "/api/v1/applications/inventory/sync",
        "alice",
        sha(token_for("alice")),
    )
    assert "error" not in transcript.names


def test_a_denied_sync_sends_nothing_to_argo_cd_and_the_answer_says_it_was_not_done(
    stack: Stack, relay: str
) -> None:
    transcript, statuses = sync_deciding(relay, "alice", approve=False)
    assert statuses == [204]
    assert transcript.first("approval_result")["outcome"] == "denied"
    assert transcript.first("tool_result")["ok"] is False
    assert "did not do it" in transcript.text
    assert writes(stack) == []


def test_a_user_without_sync_permission_approves_and_is_shown_argo_cds_refusal(
    stack: Stack, relay: str
) -> None:
    billing = {"name": "billing", "namespace": "argocd", "project": "team-b"}
    transcript, statuses = sync_deciding(relay, "bob", approve=True, application=billing)
    assert statuses == [204]
    result = transcript.first("tool_result")
    assert result["ok"] is False
    assert "permission denied: applications, sync, team-b/billing" in result["summary"]
    assert "permission denied" in transcript.text


def test_an_approval_from_another_user_or_for_other_arguments_is_refused_and_nothing_runs(
    stack: Stack, relay: str
) -> None:
    alice = {"Authorization": f"Bearer {token_for('alice')}"}
    bob = {"Authorization": f"Bearer {token_for('bob')}"}
    refusals: list[int] = []

    def meddle(stream: str, request: dict[str, Any]) -> None:
        refusals.append(decide(relay, bob, stream, request, True))
        altered = {**request, "arguments_sha256": "0" * 64}
        refusals.append(decide(relay, alice, stream, altered, True))
        refusals.append(decide(relay, alice, stream, {**request, "id": "forged"}, True))
        refusals.append(decide(relay, alice, "another-stream", request, True))
        decide(relay, alice, stream, request, False)
        refusals.append(decide(relay, alice, stream, request, True))  # replayed after the decision

    transcript = ask_direct(relay, "alice", "Sync this application", meddle)
    assert refusals == [403, 409, 404, 409, 409]
    assert transcript.first("approval_result")["outcome"] == "denied"
    assert writes(stack) == []


def test_an_injection_in_logs_asking_for_a_sync_yields_at_most_an_approval_request_and_no_sync(
    stack: Stack,
) -> None:
    """The scripted model obeys the line in inventory's logs; only the approval gate stops the sync."""
    config = stack.relay_config(actions={**ACTIONS, "approval_timeout_seconds": 1})
    deployment = {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "inventory"}
    seen: list[dict[str, Any]] = []
    with serve_relay(config) as relay:
        delete(f"{stack.argocd}/_devstack/requests")
        transcript = ask_direct(
            relay,
            "alice",
            "Show me the logs",
            lambda _, request: seen.append(request),
            resource={**deployment, "name": "inventory-api"},
        )
    assert [c["name"] for c in transcript.all("tool_call")] == ["get_logs", "sync_application"]
    assert [r["arguments"].get("prune") for r in seen] == [True]
    assert transcript.first("approval_result")["outcome"] == "expired"
    assert writes(stack) == []


def test_without_actions_enabled_no_action_tool_is_offered_and_nothing_is_asked(stack: Stack) -> None:
    delete(f"{stack.model}/_devstack/requests")
    transcript = ask_direct(stack.relay, "alice", "Sync this application", lambda _, __: None)
    assert "approval_request" not in transcript.names
    tools = {
        t["function"]["name"] for t in get_json(f"{stack.model}/_devstack/requests")[0].get("tools") or []
    }
    assert "sync_application" not in tools
    assert writes(stack) == []


def test_in_the_browser_mode_the_approved_sync_is_sent_by_the_browser_with_the_users_session(
    stack: Stack, relay: str
) -> None:
    browser = Browser(stack, "alice", app="argocd:inventory")
    headers = {
        "X-Assistant-Proxy-Secret": stack.proxy_secret,
        "Argocd-Username": "alice",
        "Argocd-Application-Name": "argocd:inventory",
        "X-Assistant-Browser-Reads": "1",
    }
    body = {"message": "Sync this application", "application": INVENTORY, "resource": APPLICATION_TAB}
    sent: list[dict[str, Any]] = []

    def carry_out(stream: str, request: dict[str, Any]) -> None:
        if request.get("method") == "POST":
            sent.append(request)
            with browser.client() as client:
                response = client.post(
                    f"{stack.argocd}{request['path']}",
                    content=request["body"],
                    headers={"Content-Type": "application/json"},
                )
            answer = {"status": response.status_code, "body": response.text, "truncated": False}
        else:
            answer = browser.read(request)
        with httpx2.Client(timeout=10) as client:
            posted = client.post(
                f"{relay}/api/argocd-responses",
                json={"stream": stream, "id": request["id"], **answer},
                headers=headers,
            )
        assert posted.status_code == 204, posted.text

    def on_event(stream: str, request: dict[str, Any]) -> None:
        if "arguments_sha256" in request:  # an approval request
            assert decide(relay, headers, stream, request, True) == 204
        else:
            carry_out(stream, request)

    with (
        httpx2.Client(timeout=60) as client,
        client.stream("POST", f"{relay}/api/chat", json=body, headers=headers) as response,
    ):
        transcript = follow(response, on_event, names=("argocd_request", "approval_request"))
    assert transcript.first("start")["identity"] == "browser"
    assert [r["approval"] for r in sent] == [transcript.first("approval_request")["id"]]
    [sync] = writes(stack)
    assert (sync["path"], sync["user"]) == ("/api/v1/applications/inventory/sync", "alice")
    assert transcript.first("tool_result")["ok"] is True


def test_with_two_replicas_an_approval_that_reaches_the_other_one_is_handed_on(stack: Stack) -> None:
    from devstack.servers import free_port

    port_a, port_b = free_port(), free_port()
    url_a, url_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    actions = {**ACTIONS, "approval_timeout_seconds": 30}
    config_a = stack.relay_config(replicas={"advertise_url": url_a}, actions=actions)
    config_b = stack.relay_config(replicas={"advertise_url": url_b}, actions=actions)
    delete(f"{stack.argocd}/_devstack/requests")
    try:
        with serve_relay(config_a, port=port_a), serve_relay(config_b, port=port_b):
            # the question streams from replica A; the load balancer sends the approval to replica B
            transcript, statuses = sync_deciding(url_a, "alice", approve=True, to=url_b)
    finally:
        delete(f"{stack.argocd}/_devstack/state")
    assert statuses == [204]
    assert transcript.first("approval_result")["outcome"] == "approved"
    [sync] = writes(stack)
    assert (sync["path"], sync["user"]) == ("/api/v1/applications/inventory/sync", "alice")
