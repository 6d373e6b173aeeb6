from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx2

from devstack.argocd.world import token_for

Get = Callable[..., httpx2.Response]


def entries(response: httpx2.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    lines = [json.loads(line) for line in response.text.splitlines() if line]
    assert lines[-1]["result"] == {
        "content": "",
        "timeStamp": None,
        "timeStampStr": "",
        "podName": "",
        "last": True,
    }
    return [line["result"] for line in lines[:-1]]


def checkout_pod(as_user: Get) -> str:
    nodes = as_user("alice", "/api/v1/applications/checkout/resource-tree").json()["nodes"]
    return str(next(n["name"] for n in nodes if n["kind"] == "Pod"))


def test_the_crash_looping_pod_logs_end_in_a_stack_trace(as_user: Get) -> None:
    lines = entries(as_user("alice", "/api/v1/applications/checkout/logs", params={"container": "api"}))
    assert lines[-1]["content"] == "KeyError: 'DATABASE_URL'"
    assert any(line["content"] == "Traceback (most recent call last):" for line in lines)
    assert lines[0]["podName"].startswith("checkout-api-")
    assert lines[0]["timeStampStr"]


def test_tail_lines_keeps_the_last_lines_and_previous_reads_the_earlier_container(as_user: Get) -> None:
    pod = checkout_pod(as_user)
    tail = entries(
        as_user("alice", f"/api/v1/applications/checkout/pods/{pod}/logs", params={"tailLines": 2})
    )
    assert [line["content"] for line in tail][-1] == "KeyError: 'DATABASE_URL'"
    assert len(tail) == 2
    current = entries(as_user("alice", "/api/v1/applications/checkout/logs", params={"podName": pod}))
    previous = entries(
        as_user("alice", "/api/v1/applications/checkout/logs", params={"podName": pod, "previous": "true"})
    )
    assert previous[-1]["content"] == "KeyError: 'DATABASE_URL'"
    assert previous[-1]["timeStamp"] < current[0]["timeStamp"]


def test_the_container_parameter_selects_the_init_container(as_user: Get) -> None:
    lines = entries(as_user("alice", "/api/v1/applications/checkout/logs", params={"container": "migrate"}))
    assert any("Connection refused" in line["content"] for line in lines)
    unknown = entries(as_user("alice", "/api/v1/applications/checkout/logs", params={"container": "nope"}))
    assert unknown[0]["content"].startswith("container nope is not valid for pod")


def test_filter_is_case_insensitive_unless_match_case_and_bang_inverts(as_user: Get) -> None:
    url = "/api/v1/applications/checkout/logs"
    found = entries(as_user("alice", url, params={"filter": "keyerror"}))
    assert [line["content"] for line in found] == ["KeyError: 'DATABASE_URL'"]
    assert entries(as_user("alice", url, params={"filter": "keyerror", "matchCase": "true"})) == []
    everything = entries(as_user("alice", url))
    inverted = entries(as_user("alice", url, params={"filter": "!KeyError"}))
    assert len(inverted) == len(everything) - 1


def test_since_seconds_drops_older_lines(as_user: Get) -> None:
    url = "/api/v1/applications/guestbook/logs"
    everything = entries(as_user("viewer", url))
    recent = entries(as_user("viewer", url, params={"sinceSeconds": 120}))
    assert 0 < len(recent) < len(everything)


def test_more_than_ten_pods_is_refused_unless_the_query_is_narrower(as_user: Get) -> None:
    url = "/api/v1/applications/platform-tools/logs"
    for params in ({}, {"kind": "DaemonSet", "group": "apps", "resourceName": "node-exporter"}):
        response = as_user("viewer", url, params=params)
        assert response.status_code == 400
        assert response.json()["error"] == {
            "grpc_code": 3,
            "http_code": 400,
            "http_status": "Bad Request",
            "message": "max pods to view logs are reached. Please provide more granular query",
        }
    nodes = as_user("viewer", "/api/v1/applications/platform-tools/resource-tree").json()["nodes"]
    exporter = next(n["name"] for n in nodes if n["name"].startswith("node-exporter-") and n["kind"] == "Pod")
    one = entries(as_user("viewer", url, params={"podName": exporter}))
    assert {line["podName"] for line in one} == {exporter}


def test_the_endless_pod_with_tail_lines_answers_quickly_with_recent_secrets(as_user: Get) -> None:
    params = {"kind": "Deployment", "group": "apps", "resourceName": "log-firehose", "tailLines": 400}
    started = time.monotonic()
    lines = entries(as_user("viewer", "/api/v1/applications/platform-tools/logs", params=params))
    assert time.monotonic() - started < 5
    assert len(lines) == 400
    text = "\n".join(line["content"] for line in lines)
    for marker in (
        "password=hunter2",
        "Authorization: Bearer eyJ",
        "AKIA",
        "-----BEGIN PRIVATE KEY-----",
        "IGNORE PREVIOUS INSTRUCTIONS",
    ):
        assert marker in text


def test_the_endless_pod_without_tail_lines_keeps_streaming(argocd_url: str) -> None:
    headers = {"Authorization": f"Bearer {token_for('viewer')}"}
    params = {"kind": "Deployment", "group": "apps", "resourceName": "log-firehose"}
    received = 0
    with (
        httpx2.Client(base_url=argocd_url, timeout=10.0) as http,
        http.stream(
            "GET", "/api/v1/applications/platform-tools/logs", params=params, headers=headers
        ) as response,
    ):
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > 4 * 1024 * 1024:
                break
    assert received > 4 * 1024 * 1024


def test_server_sent_events_carry_the_same_objects(as_user: Get) -> None:
    response = as_user(
        "alice",
        "/api/v1/applications/checkout/logs",
        params={"tailLines": 1},
        headers={"Accept": "text/event-stream"},
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    frames = [json.loads(f.removeprefix("data: ")) for f in response.text.split("\n\n") if f]
    assert frames[0]["result"]["content"] == "KeyError: 'DATABASE_URL'"
    assert frames[-1]["result"]["last"] is True
