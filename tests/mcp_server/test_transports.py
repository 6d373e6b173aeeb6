"""Streamable HTTP under uvicorn (identity per request, scope, Host checks) and stdio as a subprocess."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from devstack.argocd.world import token_for
from devstack.servers import HOST, free_port, serve_in_thread, start_process, stop_process
from mcp_server.scope import sign_scope
from mcp_server.server import build_http_app
from tests.mcp_server.support import argocd_stub, error, ok, settings_for, text, trickle_server

pytestmark = pytest.mark.anyio

KEY = b"shared-scope-key"
SERVICE = token_for("assistant-service")


@pytest.fixture
def mcp_url(argocd_url: str) -> Iterator[str]:
    settings = settings_for(
        argocd_url,
        None,
        assistant_scope_key=KEY.decode(),
        scoped_token_sha256=hashlib.sha256(SERVICE.encode()).hexdigest(),
    )
    with serve_in_thread(build_http_app(settings)) as url:
        yield f"{url}/mcp"


@asynccontextmanager
async def _client(url: str, headers: dict[str, str]) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


def _bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user)}"}


async def _call(url: str, headers: dict[str, str], tool: str, arguments: dict[str, Any]) -> Any:
    async with _client(url, headers) as client:
        return await client.call_tool(tool, arguments)


async def test_two_users_calling_at_once_each_see_only_their_own_data(argocd_url: str, mcp_url: str) -> None:
    httpx2.delete(f"{argocd_url}/_devstack/requests")
    results: dict[str, Any] = {}

    async def run(user: str) -> None:
        for _ in range(3):
            results[user] = await _call(mcp_url, _bearer(user), "list_applications", {})

    async with anyio.create_task_group() as group:
        for user in ("alice", "bob"):
            group.start_soon(run, user)
    assert {a["name"] for a in ok(results["alice"])["applications"]} == {
        "checkout",
        "inventory",
        "payments",
        "tenant-portal",
    }
    assert {a["name"] for a in ok(results["bob"])["applications"]} == {"billing", "orders"}

    log = httpx2.get(f"{argocd_url}/_devstack/requests").json()
    calls = [r for r in log if r["path"] == "/api/v1/applications"]
    for user in ("alice", "bob"):
        digest = hashlib.sha256(token_for(user).encode()).hexdigest()
        mine = [r for r in calls if r["token_sha256"] == digest]
        assert len(mine) == 3
        assert {r["user"] for r in mine} == {user}


async def test_http_without_a_token_is_an_authentication_error_not_a_fallback(mcp_url: str) -> None:
    result = await _call(mcp_url, {}, "list_applications", {})
    assert "Not authenticated" in error(result)


async def test_a_valid_scope_limits_the_service_token_to_one_application(mcp_url: str) -> None:
    headers = {
        "Authorization": f"Bearer {SERVICE}",
        "X-Assistant-Scope": sign_scope("argocd", "checkout", KEY),
    }
    async with _client(mcp_url, headers) as client:
        listed = ok(await client.call_tool("list_applications", {}))
        own = await client.call_tool("get_application", {"application": "checkout"})
        other = await client.call_tool("get_application", {"application": "guestbook"})
        other_ns = await client.call_tool(
            "get_application", {"application": "checkout", "app_namespace": "tenants"}
        )
    assert [a["name"] for a in listed["applications"]] == ["checkout"]
    assert ok(own)["name"] == "checkout"
    assert "limited to application 'argocd/checkout'" in error(other)
    assert "limited to application" in error(other_ns)


async def test_a_scoped_call_never_reads_logs_the_user_was_not_checked_for(mcp_url: str) -> None:
    headers = {
        "Authorization": f"Bearer {SERVICE}",
        "X-Assistant-Scope": sign_scope("argocd", "checkout", KEY),
    }
    arguments = {"application": "checkout", "kind": "Deployment", "name": "checkout-api"}
    result = await _call(mcp_url, headers, "get_logs", arguments)
    assert "logs are not read in the scoped service mode" in error(result)


async def test_the_service_token_without_a_scope_is_refused(mcp_url: str) -> None:
    result = await _call(mcp_url, {"Authorization": f"Bearer {SERVICE}"}, "list_applications", {})
    assert "signed X-Assistant-Scope" in error(result)


@pytest.mark.parametrize(
    "scope",
    [
        sign_scope("argocd", "checkout", b"wrong-key"),
        sign_scope("argocd", "checkout", KEY, ttl_seconds=-10),
        "v1.x",
    ],
)
async def test_an_invalid_scope_is_refused(mcp_url: str, scope: str) -> None:
    headers = {**_bearer("alice"), "X-Assistant-Scope": scope}
    result = await _call(mcp_url, headers, "get_application", {"application": "checkout"})
    assert "invalid X-Assistant-Scope" in error(result)


async def test_get_and_delete_on_the_stateless_endpoint_answer_405_instead_of_an_idle_stream(
    mcp_url: str,
) -> None:
    # stateless: there is no standalone stream nor session; an open GET would only ever ping (and cost memory)
    async with httpx2.AsyncClient(timeout=5) as client:
        got = await client.get(mcp_url, headers={"Accept": "text/event-stream"})
        deleted = await client.delete(mcp_url)
    for response in (got, deleted):
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert "text/event-stream" not in response.headers.get("content-type", "")


def test_a_tool_call_whose_caller_has_gone_stops_reading_from_argo_cd() -> None:
    with trickle_server(0.2) as argocd:
        settings = settings_for(argocd.url, None, argocd_timeout=30, argocd_total_timeout=60)
        with serve_in_thread(build_http_app(settings)) as url:
            call = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": "get_application", "arguments": {"application": "guestbook"}},
            }
            headers = {
                "Accept": "application/json, text/event-stream",
                "Authorization": f"Bearer {token_for('alice')}",
                "Mcp-Protocol-Version": "2025-11-25",
            }
            with pytest.raises(httpx2.ReadTimeout):  # the caller gives up and hangs up
                httpx2.post(f"{url}/mcp", json=call, headers=headers, timeout=1.0)
            # the server cancels the call and closes its Argo CD connection instead of reading on
            assert argocd.closed.wait(5), "the server kept reading from Argo CD after its caller had gone"


def test_a_client_that_hangs_up_mid_body_costs_one_info_line_not_a_traceback(
    mcp_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    host, port = mcp_url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Accept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{"jsonrpc":'
        )
    deadline = time.monotonic() + 5
    while "the client went away" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "the client went away" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert "Traceback" not in caplog.text


async def test_healthz_answers_and_a_foreign_host_header_is_refused(mcp_url: str) -> None:
    base = mcp_url.removesuffix("/mcp")
    assert httpx2.get(f"{base}/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200
    refused = httpx2.post(mcp_url, headers={"Host": "evil.example.com"}, json={})
    assert refused.status_code == 421
    origin = httpx2.post(mcp_url, headers={"Origin": "http://evil.example.com"}, json={})
    assert origin.status_code == 421


@pytest.mark.parametrize(
    "host",
    [
        "argocd-assistant-mcp:8080",
        "argocd-assistant-mcp.argocd.svc:8080",
        "argocd-assistant-mcp.argocd.svc.cluster.local:8000",
    ],
)
async def test_the_kubernetes_service_names_are_allowed_hosts(mcp_url: str, host: str) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {
        "Host": host,
        "Origin": f"http://{host}",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
    }
    response = httpx2.post(mcp_url, headers=headers, json=body)
    assert response.status_code == 200, response.text
    assert "get_logs" in response.text


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "argocd-assistant-mcp.attacker.example"},
        {"Origin": "http://argocd-assistant-mcp.attacker.example"},
        {"Origin": "https://argocd-assistant-mcp.attacker.example.svc:443"},
    ],
)
async def test_an_attacker_subdomain_of_the_service_name_is_refused(
    mcp_url: str, headers: dict[str, str]
) -> None:
    assert httpx2.post(mcp_url, headers=headers, json={}).status_code == 421


async def test_stdio_transport_uses_argocd_token(argocd_url: str) -> None:
    env = {
        **os.environ,
        "ARGOCD_SERVER": argocd_url,
        "ARGOCD_TOKEN": token_for("alice"),
        "PYTHONPATH": os.getcwd(),
    }
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "mcp_server", "--transport", "stdio"], env=env
    )
    with anyio.fail_after(30):
        async with Client(params) as client:
            result = await client.call_tool("list_applications", {})
    assert "argocd/checkout" in text(result)
    assert "billing" not in text(result)


async def test_a_scoped_call_reads_no_applicationsets(mcp_url: str) -> None:
    headers = {
        "Authorization": f"Bearer {SERVICE}",
        "X-Assistant-Scope": sign_scope("argocd", "checkout", KEY),
    }
    listed = await _call(mcp_url, headers, "list_applicationsets", {})
    one = await _call(mcp_url, headers, "get_applicationset", {"applicationset": "team-a-services"})
    assert "limited to application 'argocd/checkout'" in error(listed)
    assert "limited to application 'argocd/checkout'" in error(one)


async def test_on_sigterm_an_in_flight_tool_call_finishes_before_the_server_exits(argocd_url: str) -> None:
    """As in a rolling restart: the pod is told to stop while a tool call waits on a slow Argo CD."""

    asked = threading.Event()

    def slow_argocd(request: Request) -> Response:
        asked.set()
        time.sleep(1.5)  # Argo CD answers slowly
        return JSONResponse({"items": []})

    with argocd_stub(slow_argocd) as slow:
        port = free_port()
        env = {"ARGOCD_SERVER": slow, "MCP_SHUTDOWN_GRACE_SECONDS": "10"}
        argv = [
            sys.executable,
            "-m",
            "mcp_server",
            "--transport",
            "http",
            "--host",
            HOST,
            "--port",
            str(port),
        ]
        process = start_process(argv, f"http://{HOST}:{port}/healthz", env=env)
        try:
            results: list[Any] = []
            try:
                async with (
                    _client(f"http://{HOST}:{port}/mcp", _bearer("alice")) as client,
                    anyio.create_task_group() as group,
                ):

                    async def call() -> None:
                        results.append(await client.call_tool("list_applications", {}))

                    group.start_soon(call)
                    await anyio.to_thread.run_sync(lambda: asked.wait(10))  # the call waits on Argo CD now
                    os.kill(process.pid, signal.SIGTERM)
            except* httpx2.ConnectError:
                pass  # the client's goodbye (ending its session) finds the server no longer listening
            assert not results[0].is_error, results[0]
            assert "No applications match" in text(results[0])
            await anyio.to_thread.run_sync(lambda: process.wait(15))
            assert process.returncode in (0, -signal.SIGTERM)  # uvicorn ends by re-raising the signal
        finally:
            stop_process(process)
