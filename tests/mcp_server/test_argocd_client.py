"""The shared Argo CD client: errors, timeouts, unreachable servers, bounded log reading."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import httpx2
import psutil
import pytest

from devstack.argocd.world import token_for
from devstack.servers import HOST, free_port
from mcp_server.argocd_client import (
    ArgoCDClient,
    ArgoCDTimeout,
    ArgoCDUnavailable,
    BadRequest,
    NotFound,
    PermissionDeniedOrNotFound,
    Unauthenticated,
)
from tests.mcp_server.support import connect, error

pytestmark = pytest.mark.anyio

ADMIN = token_for("admin")


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A port that accepts TCP connections (kernel backlog) but never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        sock.listen(16)
        yield f"http://{HOST}:{sock.getsockname()[1]}"


async def test_userinfo_names_the_user_behind_a_token(argocd_url: str) -> None:
    async with ArgoCDClient(argocd_url) as client:
        info = await client.userinfo(token_for("alice"))
        anonymous = await client.userinfo(None)
    assert info.logged_in
    assert info.username == "alice"
    assert not anonymous.logged_in


async def test_status_codes_map_to_the_error_hierarchy(argocd_url: str) -> None:
    async with ArgoCDClient(argocd_url) as client:
        with pytest.raises(Unauthenticated):
            await client.get_application("bogus-token", "guestbook")
        with pytest.raises(PermissionDeniedOrNotFound):
            await client.get_application(token_for("alice"), "billing")
        with pytest.raises(NotFound):
            await client.get_application(ADMIN, "no-such-app", project="default")
        with pytest.raises(BadRequest, match="not found as part of application"):
            await client.resource(ADMIN, "guestbook", kind="Deployment", resource_name="nope", group="apps")


async def test_errors_never_contain_the_token(argocd_url: str) -> None:
    token = "secret-token-value-123"
    async with ArgoCDClient(argocd_url) as client:
        with pytest.raises(Unauthenticated) as caught:
            await client.list_applications(token)
    assert token not in str(caught.value)


async def test_a_closed_port_is_reported_unreachable_quickly() -> None:
    url = f"http://{HOST}:{free_port()}"
    started = time.monotonic()
    async with ArgoCDClient(url, timeout=2, connect_timeout=2) as client:
        with pytest.raises(ArgoCDUnavailable, match="unreachable"):
            await client.list_applications(ADMIN)
    assert time.monotonic() - started < 2


async def test_a_server_that_never_answers_times_out_and_names_the_timeout(silent_server: str) -> None:
    started = time.monotonic()
    async with ArgoCDClient(silent_server, timeout=0.5, connect_timeout=0.5) as client:
        with pytest.raises(ArgoCDTimeout, match=r"timeout of 0\.5s"):
            await client.list_applications(ADMIN)
    assert time.monotonic() - started < 3


async def test_tools_report_argo_cd_down_and_slow_as_tool_errors(silent_server: str) -> None:
    started = time.monotonic()
    async with connect(silent_server, argocd_timeout=0.5, argocd_connect_timeout=0.5) as client:
        slow = await client.call_tool("get_application", {"application": "guestbook"})
    assert "read timeout of 0.5s" in error(slow)
    async with connect(f"http://{HOST}:{free_port()}") as client:
        down = await client.call_tool("list_applications", {})
    assert "unreachable" in error(down)
    assert time.monotonic() - started < 5


async def test_reading_the_endless_log_stops_at_the_cap_with_bounded_memory_and_time(argocd_url: str) -> None:
    process = psutil.Process(os.getpid())
    rss_before = process.memory_info().rss
    started = time.monotonic()
    async with ArgoCDClient(argocd_url) as client:
        # No tail_lines: the simulator would stream forever; the client must stop reading by itself.
        tail = await client.logs(
            ADMIN,
            "platform-tools",
            max_lines=5000,
            max_bytes=10_000_000,
            kind="Deployment",
            group="apps",
            resource_name="log-firehose",
            namespace="platform",
        )
        by_bytes = await client.logs(
            ADMIN,
            "platform-tools",
            max_lines=10**9,
            max_bytes=200_000,
            kind="Deployment",
            group="apps",
            resource_name="log-firehose",
            namespace="platform",
        )
    elapsed = time.monotonic() - started
    assert len(tail.lines) == 5000
    assert tail.stopped == "line limit of 5000 reached"
    assert by_bytes.bytes_read <= 200_000
    assert by_bytes.stopped is not None
    assert "byte limit" in by_bytes.stopped
    assert elapsed < 20
    assert process.memory_info().rss - rss_before < 50 * 1024 * 1024


async def test_a_log_deadline_stops_reading_an_endless_stream(argocd_url: str) -> None:
    async with ArgoCDClient(argocd_url) as client:
        tail = await client.logs(
            ADMIN,
            "platform-tools",
            max_lines=10**9,
            max_bytes=10**12,
            deadline_seconds=0.5,
            kind="Deployment",
            group="apps",
            resource_name="log-firehose",
            namespace="platform",
        )
    assert tail.stopped == "time limit of 0.5s reached"
    assert tail.lines


async def test_the_log_stream_parser_handles_the_sentinel_and_in_stream_errors() -> None:
    body = (
        b'{"result":{"content":"one","podName":"p","last":false}}\n'
        b'{"result":{"content":"","podName":"","last":true}}\n'
        b'{"result":{"content":"after the end","podName":"p","last":false}}\n'
    )
    failing = (
        b'{"error":{"grpc_code":7,"http_code":403,"message":"permission denied","http_status":"Forbidden"}}\n'
    )

    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.headers["Authorization"] == "Bearer t"
        return httpx2.Response(200, content=failing if "bad" in request.url.path else body)

    async with ArgoCDClient("http://argocd.test", transport=httpx2.MockTransport(handler)) as client:
        tail = await client.logs("t", "good", max_lines=100, max_bytes=10_000)
        assert [line.content for line in tail.lines] == ["one"]
        assert not tail.truncated
        with pytest.raises(PermissionDeniedOrNotFound, match="permission denied"):
            await client.logs("t", "bad", max_lines=100, max_bytes=10_000)


async def test_an_over_long_log_line_is_cut_not_buffered() -> None:
    huge = b'{"result":{"content":"' + b"x" * 5_000_000 + b'","podName":"p"}}\n'

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=huge + b'{"result":{"content":"next","podName":"p"}}\n')

    async with ArgoCDClient("http://argocd.test", transport=httpx2.MockTransport(handler)) as client:
        tail = await client.logs("t", "app", max_lines=100, max_bytes=10**9)
    assert len(tail.lines) == 2
    assert len(tail.lines[0].content) < 20_000
    assert tail.lines[0].content.endswith("[line cut]")
    assert tail.lines[1].content == "next"
