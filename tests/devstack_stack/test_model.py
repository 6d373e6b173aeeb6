"""The scripted model, driven over HTTP like llama-stack drives it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from devstack.model import ModelConfig, create_app
from devstack.servers import serve_in_thread

CONTEXT = (
    "You are the Argo CD assistant.\n<context>\napplication: checkout\napp_namespace: argocd\n"
    "project: team-a\nkind: Pod\nname: checkout-api-7d9f-x2k\nnamespace: checkout\n</context>"
)
APP_ARGS = {
    "application": {"type": "string"},
    "app_namespace": {"type": "string"},
    "project": {"type": "string"},
}
RESOURCE_ARGS = {
    **APP_ARGS,
    "kind": {"type": "string"},
    "name": {"type": "string"},
    "namespace": {"type": "string"},
}


def _tool(name: str, props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema = {"type": "object", "properties": props, "required": required or ["application"]}
    return {"type": "function", "function": {"name": name, "description": name, "parameters": schema}}


TOOLS = [
    _tool("list_applications", {"project": {"type": "string"}}, []),
    _tool("get_application", APP_ARGS),
    _tool("get_resource_tree", {**APP_ARGS, "kind": {"type": "string"}}),
    _tool("get_manifest", RESOURCE_ARGS, ["application", "kind", "name"]),
    _tool("get_events", RESOURCE_ARGS),
    _tool("get_logs", {**RESOURCE_ARGS, "pod": {"type": "string"}, "tail_lines": {"type": "integer"}}),
    _tool("get_diff", RESOURCE_ARGS),
    _tool("get_history", {**APP_ARGS, "revision": {"type": "string"}}),
    _tool("list_applicationsets", {"project": {"type": "string"}}, []),
]


@pytest.fixture(scope="module")
def model_url() -> Iterator[str]:
    with serve_in_thread(create_app(ModelConfig(slow_token_delay_ms=50))) as url:
        yield url


@pytest.fixture
def client(model_url: str) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=model_url, timeout=10) as client:
        yield client


def _ask(question: str, system: str = CONTEXT) -> list[dict[str, Any]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": question}]


def _complete(client: httpx2.Client, messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/chat/completions", json={"model": "dev-model", "messages": messages, **extra})
    assert response.status_code == 200, response.text
    message: dict[str, Any] = response.json()["choices"][0]["message"]
    return message


def _tool_call(client: httpx2.Client, question: str, system: str = CONTEXT) -> tuple[str, dict[str, Any]]:
    message = _complete(client, _ask(question, system), tools=TOOLS)
    call = message["tool_calls"][0]["function"]
    return call["name"], json.loads(call["arguments"])


def _after_tool(tool: str, result: Any, question: str = "Why is it failing?") -> list[dict[str, Any]]:
    call = {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": "{}"}}
    return [
        *_ask(question),
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": result},
    ]


def _sse(client: httpx2.Client, body: dict[str, Any]) -> list[str]:
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return [line for line in response.iter_lines() if line]


def test_models_lists_the_one_dev_model(client: httpx2.Client) -> None:
    models = client.get("/v1/models").json()
    assert [m["id"] for m in models["data"]] == ["dev-model"]


@pytest.mark.parametrize(
    ("question", "tool"),
    [
        ("Show me the logs, why does it crash?", "get_logs"),
        ("Why is this degraded?", "get_events"),
        ("Show me the manifest as YAML", "get_manifest"),
        ("What resources does it have?", "get_resource_tree"),
        ("Which applications are there?", "list_applications"),
        ("What is its sync status?", "get_application"),
        ("Why did the last sync fail?", "get_application"),
        ("Why is it out of sync?", "get_diff"),
        ("What changed in the last deploy, and who made it?", "get_history"),
        ("Why did the ApplicationSet not generate my app?", "list_applicationsets"),
    ],
)
def test_the_users_words_pick_the_tool(client: httpx2.Client, question: str, tool: str) -> None:
    assert _tool_call(client, question)[0] == tool


def test_a_pod_in_the_context_fills_the_resource_arguments(client: httpx2.Client) -> None:
    assert _tool_call(client, "Why is this failing?") == (
        "get_events",
        {
            "application": "checkout",
            "app_namespace": "argocd",
            "project": "team-a",
            "kind": "Pod",
            "name": "checkout-api-7d9f-x2k",
            "namespace": "checkout",
        },
    )
    name, args = _tool_call(client, "Show me its logs")
    assert name == "get_logs"
    assert args["pod"] == "checkout-api-7d9f-x2k"
    assert "kind" not in args
    assert "name" not in args
    assert "tail_lines" not in args


def test_application_level_tools_get_only_the_application(client: httpx2.Client) -> None:
    assert _tool_call(client, "Is it healthy?") == (
        "get_application",
        {"application": "checkout", "app_namespace": "argocd", "project": "team-a"},
    )


def test_on_the_application_itself_the_diff_covers_the_whole_application(client: httpx2.Client) -> None:
    on_app = CONTEXT.replace(
        "kind: Pod\nname: checkout-api-7d9f-x2k\nnamespace: checkout", "kind: Application"
    )
    on_app = on_app.replace("kind: Application", "kind: Application\nname: checkout")
    assert _tool_call(client, "Why is this app OutOfSync?", on_app) == (
        "get_diff",
        {"application": "checkout", "app_namespace": "argocd", "project": "team-a"},
    )


def test_the_answer_quotes_the_failed_hook_and_says_the_sync_did_not_complete(client: httpx2.Client) -> None:
    result = (
        "Last sync: Failed 2026-12-02T01:56:13Z..2026-12-02T01:57:13Z rev a02b4ccc45af by alice: one or more "
        "synchronization tasks completed unsuccessfully\nFailed or unfinished (1 of 1 results):\n"
        "  PreSync hook Job payments/payments-db-migrate: Failed: Job has reached the specified backoff limit"
    )
    text = _complete(client, _after_tool("get_application", result, "Why did the last sync fail?"))["content"]
    assert "PreSync hook Job payments/payments-db-migrate: Failed" in text
    assert "The last sync did not complete" in text


def test_liberal_context_patterns_are_understood(client: httpx2.Client) -> None:
    system = "Context:\n- Application: argocd/guestbook\n- Kind: Deployment\n- Name: guestbook-ui\n"
    _name, args = _tool_call(client, "Show the manifest", system)
    assert args == {
        "application": "guestbook",
        "app_namespace": "argocd",
        "kind": "Deployment",
        "name": "guestbook-ui",
    }


def test_events_without_a_resource_read_the_tree_then_the_healthy_app_answers(client: httpx2.Client) -> None:
    system = "application: guestbook\napp_namespace: argocd"
    assert _tool_call(client, "Why is it failing?", system)[0] == "get_resource_tree"
    call = {"id": "c1", "type": "function", "function": {"name": "get_resource_tree", "arguments": "{}"}}
    messages = [
        *_ask("Why is it failing?", system),
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "Deployment guestbook/guestbook-ui [Healthy]"},
    ]
    answer = _complete(client, messages, tools=TOOLS)
    assert "tool_calls" not in answer
    assert "guestbook/guestbook-ui [Healthy]" in answer["content"]


def test_logs_without_a_resource_read_the_tree_then_the_unhealthy_pod(client: httpx2.Client) -> None:
    system = "application: checkout\napp_namespace: argocd"
    assert _tool_call(client, "Show me the logs", system)[0] == "get_resource_tree"
    tree = "Deployment checkout/checkout-api [Degraded]\nPod checkout/checkout-api-1 [Degraded: BackOff]"
    call = {"id": "c1", "type": "function", "function": {"name": "get_resource_tree", "arguments": "{}"}}
    messages = [
        *_ask("Show me the logs", system),
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": tree},
    ]
    follow = _complete(client, messages, tools=TOOLS)["tool_calls"][0]["function"]
    assert follow["name"] == "get_logs"
    assert json.loads(follow["arguments"])["pod"] == "checkout-api-1"


def test_the_answer_cites_events_from_the_tool_result(client: httpx2.Client) -> None:
    events = {
        "events": [
            {"type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container"}
        ]
    }
    result = [{"type": "text", "text": json.dumps(events)}]
    answer = _complete(client, _after_tool("get_events", result), tools=TOOLS)
    assert "tool_calls" not in answer
    assert "**BackOff**: Back-off restarting failed container" in answer["content"]
    assert 120 <= len(answer["content"].split()) <= 260


def test_the_answer_quotes_the_last_error_line_of_the_logs(client: httpx2.Client) -> None:
    logs = "INFO starting\nTraceback (most recent call last):\nKeyError: 'DATABASE_URL'\nINFO exiting"
    answer = _complete(client, _after_tool("get_logs", logs, "Show the logs"))["content"]
    assert "KeyError: 'DATABASE_URL'" in answer


def test_a_question_about_attached_logs_is_answered_from_them_without_a_tool(client: httpx2.Client) -> None:
    attached = (
        'Context captured by the Argo CD UI.\n<untrusted-data boundary="ab12" source="logs">\n'
        "Traceback (most recent call last):\nKeyError: 'DATABASE_URL'\n</untrusted-data boundary=\"ab12\">"
    )
    messages = [*_ask("What do these logs say is wrong?"), {"role": "user", "content": attached}]
    messages.append(messages.pop(1))  # the question comes last, after the context, as the relay sends it
    answer = _complete(client, messages, tools=TOOLS)
    assert "tool_calls" not in answer
    assert "KeyError: 'DATABASE_URL'" in answer["content"]
    assert "logs you attached" in answer["content"]


def test_the_answer_reports_health_and_sync_from_the_application(client: httpx2.Client) -> None:
    app = json.dumps({"status": {"health": {"status": "Degraded"}, "sync": {"status": "Synced"}}})
    answer = _complete(client, _after_tool("get_application", app, "status?"))["content"]
    assert "health is **Degraded**" in answer
    assert "sync status is **Synced**" in answer


def test_without_a_fitting_tool_it_answers_from_the_context(client: httpx2.Client) -> None:
    answer = _complete(client, _ask("Hello there"), tools=TOOLS)
    assert "tool_calls" not in answer
    assert "`checkout-api-7d9f-x2k`" in answer["content"]


def test_a_streamed_answer_is_many_word_deltas_then_usage_then_done(client: httpx2.Client) -> None:
    body = {"messages": _ask("Hello"), "stream": True, "stream_options": {"include_usage": True}}
    lines = _sse(client, body)
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    deltas = [c["choices"][0]["delta"].get("content") for c in chunks if c["choices"]]
    words = [d for d in deltas if d]
    assert len(words) > 40
    assert "".join(words) == _complete(client, _ask("Hello"))["content"]
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == len(words)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"


def test_a_streamed_tool_call_carries_its_arguments_in_pieces(client: httpx2.Client) -> None:
    lines = _sse(client, {"messages": _ask("why?"), "tools": TOOLS, "stream": True})
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    calls = [c["choices"][0]["delta"].get("tool_calls") for c in chunks]
    first = calls[0][0]
    assert first["function"]["name"] == "get_events"
    assert first["id"].startswith("call_")
    arguments = "".join(c[0]["function"]["arguments"] for c in calls if c)
    assert json.loads(arguments)["name"] == "checkout-api-7d9f-x2k"
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert "usage" not in chunks[-1]


def test_the_fail_trigger_answers_500(client: httpx2.Client) -> None:
    response = client.post("/v1/chat/completions", json={"messages": _ask("why? [[fail]]"), "stream": True})
    assert response.status_code == 500
    assert response.json()["error"]["message"].startswith("scripted failure")


def test_the_fail_stream_trigger_breaks_off_mid_stream(client: httpx2.Client) -> None:
    lines = _sse(client, {"messages": _ask("hello [[fail-stream]]"), "stream": True})
    assert "[DONE]" not in lines[-1]
    assert json.loads(lines[-1][6:])["error"]["code"] == "500"
    assert any('"content"' in line for line in lines[:-1])


def test_a_slow_stream_that_the_client_drops_is_counted_as_cancelled(client: httpx2.Client) -> None:
    before = client.get("/_devstack/streams").json()["cancelled"]
    with client.stream(
        "POST", "/v1/chat/completions", json={"messages": _ask("hi [[slow]]"), "stream": True}
    ) as r:
        next(r.iter_lines())
    deadline = time.monotonic() + 5
    while client.get("/_devstack/streams").json()["cancelled"] == before:
        assert time.monotonic() < deadline, "the model did not notice the disconnect"
        time.sleep(0.02)


def test_received_requests_are_recorded_newest_last_and_can_be_cleared(client: httpx2.Client) -> None:
    assert client.delete("/_devstack/requests").status_code == 204
    _complete(client, _ask("first"))
    _complete(client, _ask("second"))
    recorded = client.get("/_devstack/requests").json()
    assert [r["messages"][-1]["content"] for r in recorded] == ["first", "second"]


def _attached(nonce: str, **blocks: str) -> str:
    return "\n".join(
        f'<untrusted-data boundary="{nonce}" source="{source}">\n{body}\n</untrusted-data boundary="{nonce}">'
        for source, body in blocks.items()
    )


def test_an_applicationset_question_reads_the_owner_the_attached_manifest_names(
    client: httpx2.Client,
) -> None:
    manifest = (
        "kind: Application\nmetadata:\n"
        "  ownerReferences: [{apiVersion: argoproj.io/v1alpha1, kind: ApplicationSet, name: shop}]"
    )
    system = CONTEXT.replace("kind: Pod", "kind: Application")
    question = _attached("n1", manifest=manifest) + "\nWhy did my ApplicationSet change not arrive?"
    tools = [*TOOLS, _tool("get_applicationset", {"applicationset": {"type": "string"}}, ["applicationset"])]
    message = _complete(client, _ask(question, system), tools=tools)
    call = message["tool_calls"][0]["function"]
    assert (call["name"], json.loads(call["arguments"])) == ("get_applicationset", {"applicationset": "shop"})


def test_a_failed_analysis_run_named_in_the_events_is_read_next(client: httpx2.Client) -> None:
    events = (
        "2026-12-02T03:48:09Z Warning AnalysisRunFailed: Step Analysis Run 'web-7-2' Status New: 'Failed'"
    )
    system = CONTEXT.replace("kind: Pod", "kind: Rollout")
    name, args = _tool_call(
        client, _attached("n2", events=events) + "\nWhy is this rollout degraded?", system
    )
    assert name == "get_manifest"
    assert (args["kind"], args["name"]) == ("AnalysisRun", "web-7-2")
