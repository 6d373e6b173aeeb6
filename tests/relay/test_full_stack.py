"""The relay in the whole chain: simulator (with its proxy extension emulation), MCP server, real llama-stack,
scripted model. Questions stream typed events; tools run with the asking user's token."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import httpx2
import pytest

from devstack.argocd.tokens import split_cookie, token_for
from devstack.servers import free_port
from tests.relay.conftest import PROXY_HEADER, Stack, delete, get_json, serve_relay
from tests.relay.sse import Transcript, iter_sse, read_transcript

CHECKOUT = {"name": "checkout", "namespace": "argocd", "project": "team-a"}
CHECKOUT_DEPLOYMENT = {
    "group": "apps",
    "version": "v1",
    "kind": "Deployment",
    "namespace": "checkout",
    "name": "checkout-api",
    "uid": "",
}
DEMO_USERS = ("admin", "viewer", "alice", "bob", "assistant-service")


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def chat(url: str, body: dict[str, Any], headers: dict[str, str] | None = None, **kw: Any) -> Transcript:
    with (
        httpx2.Client(timeout=60, **kw) as client,
        client.stream("POST", f"{url}/api/chat", json=body, headers=headers or {}) as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        assert "content-encoding" not in response.headers
        return read_transcript(response.iter_lines())


def question(message: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, "application": CHECKOUT, "resource": CHECKOUT_DEPLOYMENT, **extra}


def assert_no_token_anywhere(text: str) -> None:
    for user in DEMO_USERS:
        assert token_for(user) not in text


def test_a_question_about_the_degraded_app_streams_a_tool_call_and_an_answer_made_with_the_users_token(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    delete(f"{stack.argocd}/_devstack/requests")
    delete(f"{stack.model}/_devstack/requests")
    token = token_for("alice")

    transcript = chat(
        stack.relay, question("Why is checkout degraded?"), {"Authorization": f"Bearer {token}"}
    )

    names = transcript.names
    assert names[0] == "start"
    assert names[-1] == "end"
    assert "error" not in names, transcript.all("error")
    start = transcript.first("start")
    assert start["identity"] == "bearer"
    assert start["conversation"]
    call, result = transcript.first("tool_call"), transcript.first("tool_result")
    assert call["name"] == "get_events"
    assert call["arguments"].get(
        "application", call["arguments"].get("app")
    ) == "checkout" or "checkout" in str(call["arguments"])
    assert result["id"] == call["id"]
    assert result["ok"] is True
    assert names.index("tool_call") < names.index("tool_result") < names.index("token")
    assert transcript.text.strip()
    # the MCP server called Argo CD as alice
    calls = [r for r in get_json(f"{stack.argocd}/_devstack/requests") if "/events" in r["path"]]
    assert calls, "no events call reached Argo CD"
    assert {r["token_sha256"] for r in calls} == {sha(token)}
    assert {r["user"] for r in calls} == {"alice"}
    # the token is nowhere: not in the prompt, the events or the relay's logs
    assert_no_token_anywhere(str(get_json(f"{stack.model}/_devstack/requests")))
    assert_no_token_anywhere(str([e.data for e in transcript.events]))
    assert_no_token_anywhere(caplog.text)


def proxy_headers(app: str = "argocd:checkout", project: str = "team-a") -> dict[str, str]:
    return {"Argocd-Application-Name": app, "Argocd-Project-Name": project}


def test_through_the_proxy_a_pasted_token_is_used_for_the_tools(stack: Stack) -> None:
    delete(f"{stack.argocd}/_devstack/requests")
    token = token_for("alice")
    transcript = chat(
        f"{stack.argocd}/extensions/assistant",
        question("Why is it degraded?"),
        {**proxy_headers(), "X-Argocd-Token": token},
        cookies={"argocd.token": token},
    )
    assert transcript.first("start")["identity"] == "pasted"
    assert transcript.first("tool_result")["ok"] is True
    calls = [r for r in get_json(f"{stack.argocd}/_devstack/requests") if "/events" in r["path"]]
    assert calls
    assert {r["token_sha256"] for r in calls} == {sha(token)}


def test_through_the_proxy_without_a_token_the_scoped_service_credential_is_used(stack: Stack) -> None:
    delete(f"{stack.argocd}/_devstack/requests")
    transcript = chat(
        f"{stack.argocd}/extensions/assistant",
        question("Why is it degraded?"),
        proxy_headers(),
        cookies={"argocd.token": token_for("alice")},
    )
    start = transcript.first("start")
    assert (start["identity"], start["user"]) == ("scoped", "alice")
    assert transcript.first("tool_result")["ok"] is True, transcript.events
    calls = [r for r in get_json(f"{stack.argocd}/_devstack/requests") if "/events" in r["path"]]
    assert {r["user"] for r in calls} == {"assistant-service"}


def test_the_scoped_service_credential_never_reads_logs_for_a_user_who_may_not(stack: Stack) -> None:
    delete(f"{stack.argocd}/_devstack/requests")
    billing = {"name": "billing", "namespace": "argocd", "project": "team-b"}
    deployment = {**CHECKOUT_DEPLOYMENT, "namespace": "billing", "name": "billing-api"}
    transcript = chat(
        f"{stack.argocd}/extensions/assistant",
        {"message": "Show me the logs", "application": billing, "resource": deployment},
        proxy_headers("argocd:billing", "team-b"),
        cookies={"argocd.token": token_for("bob")},  # bob may view billing but not read its logs
    )
    assert transcript.first("start")["identity"] == "scoped"
    assert "get_logs" not in {call["name"] for call in transcript.all("tool_call")}
    log = get_json(f"{stack.argocd}/_devstack/requests")
    assert not [r for r in log if "/logs" in r["path"] and r["user"] == "assistant-service"]


def test_the_scoped_service_credential_refuses_a_second_application(stack: Stack) -> None:
    body = {**question("Why is it degraded?"), "application": {"name": "inventory", "namespace": "argocd"}}
    with httpx2.Client(timeout=30, cookies={"argocd.token": token_for("alice")}) as client:
        response = client.post(
            f"{stack.argocd}/extensions/assistant/api/chat", json=body, headers=proxy_headers()
        )
    assert response.status_code == 403
    assert response.json()["code"] == "outside_scope"


def test_a_pasted_token_of_another_user_than_the_argo_cd_session_is_refused(stack: Stack) -> None:
    with httpx2.Client(timeout=30, cookies={"argocd.token": token_for("alice")}) as client:
        response = client.post(
            f"{stack.argocd}/extensions/assistant/api/chat",
            json=question("Why?"),
            headers={**proxy_headers(), "X-Argocd-Token": token_for("admin")},
        )
    assert response.status_code == 403
    assert response.json()["code"] == "user_mismatch"
    assert_no_token_anywhere(response.text)


def test_a_forged_argocd_username_header_is_refused(stack: Stack) -> None:
    response = httpx2.post(
        f"{stack.relay}/api/chat",
        json=question("Why?"),
        headers={"Authorization": f"Bearer {token_for('viewer')}", "Argocd-Username": "admin"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "user_mismatch"


def test_the_direct_route_uses_the_argo_cd_session_cookie(stack: Stack) -> None:
    token = token_for("alice")
    transcript = chat(
        f"{stack.argocd}/assistant",
        question("What is the status?"),
        cookies=split_cookie(token, max_value_length=len(token) // 2 + 1),
    )
    assert transcript.first("start")["identity"] == "cookie"
    assert transcript.names[-1] == "end"
    assert "error" not in transcript.names


def test_a_conversation_continues_for_its_user_and_is_refused_for_another(stack: Stack) -> None:
    alice = {"Authorization": f"Bearer {token_for('alice')}"}
    first = chat(stack.relay, question("Why is checkout degraded?"), alice)
    handle = first.first("start")["conversation"]
    second = chat(stack.relay, question("And what is the status?", conversation=handle), alice)
    assert "error" not in second.names
    assert second.first("start")["conversation"] not in (None, handle)
    response = httpx2.post(
        f"{stack.relay}/api/chat",
        json=question("Go on", conversation=handle),
        headers={"Authorization": f"Bearer {token_for('admin')}"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "conversation_forbidden"


def assert_one_error(transcript: Transcript, code: str) -> str:
    assert transcript.names[0] == "start"
    assert transcript.names[-1] == "end"
    errors = transcript.all("error")
    assert [e["code"] for e in errors] == [code], errors
    message: str = errors[0]["message"]
    assert_no_token_anywhere(message)
    return message


def test_a_tool_refused_by_argo_cd_shows_its_reason_in_the_tool_result(stack: Stack) -> None:
    billing = {"name": "billing", "namespace": "argocd", "project": "team-b"}
    deployment = {**CHECKOUT_DEPLOYMENT, "namespace": "billing", "name": "billing-api"}
    body = {"message": "Show me the logs", "application": billing, "resource": deployment}

    transcript = chat(stack.relay, body, {"Authorization": f"Bearer {token_for('bob')}"})

    result = transcript.first("tool_result")
    assert (result["name"], result["ok"]) == ("get_logs", False)
    assert "None" not in result["summary"]
    assert "not its logs" in transcript.text  # the tool's reason reached the model and the answer
    assert transcript.names[-1] == "end"


def test_a_failing_model_gives_one_clear_error_event(stack: Stack) -> None:
    transcript = chat(
        stack.relay, question("[[fail]] why?"), {"Authorization": f"Bearer {token_for('alice')}"}
    )
    assert "model" in assert_one_error(transcript, "model_error").lower()


def test_llama_stack_down_gives_one_clear_error_event(stack: Stack) -> None:
    config = stack.relay_config(llama_stack={"url": f"http://127.0.0.1:{free_port()}"})
    with serve_relay(config) as relay:
        transcript = chat(relay, question("Why?"), {"Authorization": f"Bearer {token_for('alice')}"})
        detail = httpx2.get(f"{relay}/healthz", params={"detail": "true"})
        ready = httpx2.get(f"{relay}/readyz")
    assert "unreachable" in assert_one_error(transcript, "llama_stack_unavailable")
    assert ready.status_code == 200  # the pod itself is fine: it answers with a clear error event
    assert detail.json()["checks"]["argocd"] == "ok"
    assert detail.json()["checks"]["llama_stack"].startswith("unreachable")


def test_the_mcp_server_down_gives_one_clear_error_event(stack: Stack) -> None:
    config = stack.relay_config(mcp={"server_url": f"http://127.0.0.1:{free_port()}/mcp"})
    with serve_relay(config) as relay:
        transcript = chat(
            relay, question("Why is it degraded?"), {"Authorization": f"Bearer {token_for('alice')}"}
        )
    assert "MCP" in assert_one_error(transcript, "tools_unavailable")


def test_a_client_disconnect_closes_the_upstream_request_within_a_second(stack: Stack) -> None:
    before = get_json(f"{stack.model}/_devstack/streams")
    with (
        httpx2.Client(timeout=30) as client,
        client.stream(
            "POST",
            f"{stack.relay}/api/chat",
            json=question("[[slow]] tell me about it"),
            headers={"Authorization": f"Bearer {token_for('alice')}"},
        ) as response,
    ):
        for event in iter_sse(response.iter_lines()):
            if event.name == "token":
                break
    closed_at = time.monotonic()
    while time.monotonic() - closed_at < 1.0:
        streams = get_json(f"{stack.model}/_devstack/streams")
        if streams["active"] == 0 and streams["cancelled"] > before["cancelled"]:
            break
    else:
        pytest.fail(f"the model's stream was still open a second after the disconnect: {streams}")


def test_heartbeats_flow_while_an_answer_streams_and_metrics_count_it(stack: Stack) -> None:
    transcript = Transcript()
    with (
        httpx2.Client(timeout=30) as client,
        client.stream(
            "POST",
            f"{stack.relay}/api/chat",
            json=question("[[slow]] why is it degraded?"),
            headers={"Authorization": f"Bearer {token_for('alice')}"},
        ) as response,
    ):
        for event in iter_sse(response.iter_lines(), transcript):
            transcript.events.append(event)
            if transcript.comments and event.name == "token":
                break
    assert transcript.comments >= 1
    deadline = time.monotonic() + 5
    metrics = ""
    while time.monotonic() < deadline and "relay_time_to_first_token_seconds_count 0" in (
        metrics := httpx2.get(f"{stack.relay}/metrics").text
    ):
        pass
    assert 'relay_tool_calls_total{ok="true",tool="get_events"}' in metrics
    assert "relay_time_to_first_token_seconds_count 0" not in metrics
    assert httpx2.get(f"{stack.relay}/readyz").json()["status"] == "ok"
    config = httpx2.get(f"{stack.relay}/api/config").json()
    assert config["model"] == "dev/dev-model"


def test_streams_beyond_the_limit_get_503_and_a_slow_answer_is_stopped_at_the_timeout(stack: Stack) -> None:
    config = stack.relay_config(limits={"max_concurrent_streams": 1, "stream_timeout_seconds": 1.5})
    headers = {"Authorization": f"Bearer {token_for('alice')}"}
    with (
        serve_relay(config) as relay,
        httpx2.Client(timeout=30) as client,
        client.stream("POST", f"{relay}/api/chat", json=question("[[slow]] why?"), headers=headers) as first,
    ):
        events = iter_sse(first.iter_lines())
        assert next(events).name == "start"
        busy = httpx2.post(f"{relay}/api/chat", json=question("why?"), headers=headers)
        assert (busy.status_code, busy.json()["code"]) == (503, "busy")
        rest = list(events)
    assert [event.name for event in rest][-2:] == ["error", "end"]
    assert rest[-2].data["code"] == "timeout"


def test_a_conversation_without_an_app_namespace_continues_under_argo_cds_own_namespace(stack: Stack) -> None:
    alice = {"Authorization": f"Bearer {token_for('alice')}"}
    unnamed = {"name": "checkout", "project": "team-a"}  # the app namespace left empty: Argo CD's own
    first = chat(stack.relay, {**question("Why is checkout degraded?"), "application": unnamed}, alice)
    handle = first.first("start")["conversation"]
    second = chat(stack.relay, question("And what is the status?", conversation=handle), alice)
    assert "error" not in second.names, second.all("error")
    third = chat(
        stack.relay,
        {
            **question("Anything else?"),
            "application": unnamed,
            "conversation": second.first("start")["conversation"],
        },
        alice,
    )
    assert "error" not in third.names, third.all("error")


def test_the_scoped_credential_is_refused_when_the_proxy_did_not_name_the_user(stack: Stack) -> None:
    response = httpx2.post(
        f"{stack.relay}/api/chat",
        json=question("Why?"),
        headers={**proxy_headers(), PROXY_HEADER: stack.proxy_secret},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "unidentified_user"
    assert "did not identify the user" in response.json()["message"]


def test_without_a_configured_model_the_first_llm_llama_stack_lists_answers(stack: Stack) -> None:
    delete(f"{stack.model}/_devstack/requests")
    with serve_relay(stack.relay_config(llama_stack={"model": None})) as relay:
        assert httpx2.get(f"{relay}/api/config").json()["model"] == "dev/dev-model"
        transcript = chat(
            relay, question("What is the status?"), {"Authorization": f"Bearer {token_for('alice')}"}
        )
    assert "error" not in transcript.names, transcript.all("error")
    assert {r["model"] for r in get_json(f"{stack.model}/_devstack/requests")} == {"dev-model"}


def test_the_mcp_server_registered_as_a_llama_stack_connector_runs_the_tools_as_the_user(
    stack: Stack,
) -> None:
    delete(f"{stack.argocd}/_devstack/requests")
    token = token_for("alice")
    config = stack.relay_config(mcp={"server_url": None, "connector_id": "argocd"})
    with serve_relay(config) as relay:
        transcript = chat(relay, question("Why is checkout degraded?"), {"Authorization": f"Bearer {token}"})
    assert "error" not in transcript.names, transcript.all("error")
    assert transcript.first("tool_result")["ok"] is True
    calls = [r for r in get_json(f"{stack.argocd}/_devstack/requests") if "/events" in r["path"]]
    assert calls
    assert {r["token_sha256"] for r in calls} == {sha(token)}


def _offered_tools(stack: Stack) -> set[str]:
    bodies = get_json(f"{stack.model}/_devstack/requests")
    return {t["function"]["name"] for t in bodies[0].get("tools") or []}


def test_a_resource_tab_offers_no_application_list_tools_and_the_application_tab_offers_them(
    stack: Stack,
) -> None:
    auth = {"Authorization": f"Bearer {token_for('alice')}"}
    delete(f"{stack.model}/_devstack/requests")
    chat(stack.relay, question("Is it healthy?"), auth)
    on_resource = _offered_tools(stack)
    delete(f"{stack.model}/_devstack/requests")
    application = {"group": "argoproj.io", "version": "v1alpha1", "kind": "Application", "name": "checkout"}
    chat(stack.relay, question("Is it healthy?", resource=application), auth)
    on_application = _offered_tools(stack)
    app_only = {"list_applications", "list_applicationsets", "get_applicationset"}
    assert on_resource.isdisjoint(app_only)
    assert {"get_events", "get_logs", "get_diff", "get_history"} <= on_resource
    assert app_only <= on_application
