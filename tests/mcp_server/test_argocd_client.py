"""The shared Argo CD client: errors, timeouts, unreachable servers, bounded log reading."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio.lowlevel
import httpx2
import psutil
import pytest
import trustme
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from devstack.argocd.world import token_for
from devstack.servers import HOST, free_port
from mcp_server.argocd_client import (
    ArgoCDClient,
    ArgoCDTimeout,
    ArgoCDUnavailable,
    BadRequest,
    LogStreamError,
    LogTail,
    NotFound,
    PermissionDeniedOrNotFound,
    ResponseTooLarge,
    Unauthenticated,
)
from mcp_server.shaping import shape_log_lines
from tests.mcp_server.support import argocd_stub, connect, error, trickle_server

pytestmark = pytest.mark.anyio

ADMIN = token_for("admin")


@pytest.fixture(scope="module")
def tls_argocd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(https URL, the CA file that signs its certificate) of a stand-in Argo CD served over TLS."""
    ca = trustme.CA()
    cert = ca.issue_cert(HOST)
    folder = tmp_path_factory.mktemp("tls")
    ca_file, key_file, cert_file = folder / "ca.pem", folder / "key.pem", folder / "cert.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    cert.private_key_pem.write_to_path(str(key_file))
    cert.cert_chain_pems[0].write_to_path(str(cert_file))

    def userinfo(request: Request) -> Response:
        return JSONResponse({"loggedIn": True, "username": "admin"})

    with argocd_stub(userinfo, ssl_keyfile=str(key_file), ssl_certfile=str(cert_file)) as url:
        yield url.replace("http://", "https://"), ca_file


async def test_tls_is_verified_against_the_ca_file_and_an_untrusted_certificate_says_so(
    tls_argocd: tuple[str, Path],
) -> None:
    url, ca_file = tls_argocd
    async with ArgoCDClient(url, verify=ca_file) as client:
        assert (await client.userinfo("t")).username == "admin"
    async with ArgoCDClient(url) as client:
        with pytest.raises(ArgoCDUnavailable, match="TLS certificate is not trusted"):
            await client.userinfo("t")
    async with ArgoCDClient(url, verify=False) as client:  # insecure: development only
        assert (await client.userinfo("t")).username == "admin"


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


async def test_an_argo_cd_that_trickles_bytes_is_cut_at_the_total_deadline() -> None:
    # one byte every 0.2 s never trips the 1 s per-read timeout: only a deadline on the whole call ends it
    with trickle_server(0.2) as server:
        started = time.monotonic()
        with anyio.fail_after(10):
            async with ArgoCDClient(server.url, timeout=1, connect_timeout=1, total_timeout=1.5) as client:
                with pytest.raises(ArgoCDTimeout, match=r"deadline of 1\.5s"):
                    await client.list_applications(ADMIN)
        assert time.monotonic() - started < 4
        assert server.closed.wait(5), "the connection was released"


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


async def test_a_finished_log_read_leaves_its_connection_for_the_next_call(argocd_url: str) -> None:
    # A tail ends with Argo CD's `last` sentinel: reading on to the end of the body (instead of closing at the
    # sentinel, or at exactly `max_lines` lines) keeps the connection in the pool.
    where: dict[str, Any] = {
        "kind": "Deployment",
        "group": "apps",
        "resource_name": "checkout-api",
        "namespace": "checkout",
        "tail_lines": 100,
        "max_bytes": 10**6,
    }
    async with httpx2.AsyncClient(base_url=argocd_url) as admin:
        (await admin.delete("/_devstack/requests")).raise_for_status()
        async with ArgoCDClient(argocd_url) as client:
            first = await client.logs(ADMIN, "checkout", max_lines=1000, **where)
            exact = len(first.lines)
            again = await client.logs(ADMIN, "checkout", max_lines=exact, **where)
            await client.list_applications(ADMIN)
        log = (await admin.get("/_devstack/requests")).raise_for_status().json()
    assert exact > 0
    assert (len(again.lines), first.stopped, again.stopped) == (exact, None, None)
    assert len(log) == 3
    assert len({entry["client"] for entry in log}) == 1


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

    def handler(request: Request) -> Response:
        assert request.headers["Authorization"] == "Bearer t"
        return Response(failing if "bad" in request.url.path else body)

    with argocd_stub(handler) as url:
        async with ArgoCDClient(url) as client:
            tail = await client.logs("t", "good", max_lines=100, max_bytes=10_000)
            assert [line.content for line in tail.lines] == ["one"]
            assert not tail.truncated
            with pytest.raises(PermissionDeniedOrNotFound, match="permission denied"):
                await client.logs("t", "bad", max_lines=100, max_bytes=10_000)


async def _logs_of(body: bytes, max_bytes: int = 10**9) -> LogTail:
    """What the client reads of a log stream whose body is `body`."""
    with argocd_stub(lambda request: Response(body)) as url:
        async with ArgoCDClient(url) as client:
            return await client.logs("t", "app", max_lines=100, max_bytes=max_bytes)


async def test_an_over_long_log_line_is_cut_not_buffered() -> None:
    huge = b'{"result":{"content":"' + b"x" * 5_000_000 + b'","podName":"p"}}\n'
    tail = await _logs_of(huge + b'{"result":{"content":"next","podName":"p"}}\n')
    assert len(tail.lines) == 2
    assert len(tail.lines[0].content) < 20_000
    assert tail.lines[0].content.endswith("[line cut]")
    assert tail.lines[1].content == "next"


def _stream(*objects: object) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


def _line(content: str, pod: str = "a") -> dict[str, object]:
    return {"result": {"content": content, "podName": pod, "last": False}}


def _stream_error(http_code: int, message: str, grpc_code: int = 2) -> dict[str, object]:
    return {"error": {"grpc_code": grpc_code, "http_code": http_code, "message": message, "http_status": ""}}


async def test_an_in_stream_error_after_some_lines_keeps_them_and_says_why() -> None:
    tail = await _logs_of(
        _stream(_line("started"), _stream_error(500, "container b not found"), _line("never read")), 10_000
    )
    assert [line.content for line in tail.lines] == ["started"]
    assert tail.truncated
    assert tail.stopped is not None
    assert "container b not found" in tail.stopped


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_stream_error(500, "container b not found"), LogStreamError),
        (_stream_error(0, "container b not found", grpc_code=2), LogStreamError),
        (_stream_error(400, "bad container name", grpc_code=3), BadRequest),
        (_stream_error(0, 'pods "x" not found', grpc_code=5), NotFound),
        (_stream_error(503, "connection refused", grpc_code=14), ArgoCDUnavailable),
    ],
)
async def test_an_in_stream_error_before_any_line_maps_to_its_class_with_argo_cds_message(
    error: dict[str, object], expected: type[Exception]
) -> None:
    with pytest.raises(expected) as caught:
        await _logs_of(_stream(error), 10_000)
    message = str(error["error"]["message"])  # type: ignore[index]
    assert str(caught.value) == message
    if expected is LogStreamError:
        assert not isinstance(caught.value, ArgoCDUnavailable)


async def test_an_over_long_log_line_is_decoded_with_its_pod_and_its_credentials_redacted() -> None:
    content = 'login attempt {"user": "bob", "password": "hunter2"} ' + "x" * 40_000
    tail = await _logs_of(_stream(_line(content, pod="checkout-api-1"), _line("next", pod="checkout-api-2")))
    first = tail.lines[0]
    assert first.pod == "checkout-api-1"
    assert first.content.startswith('login attempt {"user": "bob"')
    assert first.content.endswith("[line cut]")
    assert '"result"' not in first.content
    text, _ = shape_log_lines(((ln.pod, ln.content) for ln in tail.lines), 100_000, show_pod=True)
    assert "hunter2" not in text
    assert text.splitlines()[0].startswith("checkout-api-1 | login attempt")


async def test_an_over_long_line_whose_content_cannot_be_found_is_left_out_with_a_note() -> None:
    body = b'{"result":{"podName":"a","other":"' + b"y" * 40_000 + b'","content":"password=hunter2"}}\n'
    tail = await _logs_of(body)
    assert len(tail.lines) == 1
    assert "left out" in tail.lines[0].content
    assert "hunter2" not in tail.lines[0].content


@pytest.mark.parametrize("send_length", [True, False])
async def test_an_answer_over_the_byte_cap_is_an_error_naming_the_cap(send_length: bool) -> None:
    item = json.dumps({"metadata": {"name": "x" * 1000}}).encode()
    big = b'{"items": [' + b",".join([item] * 200) + b"]}"
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        yield b'{"items": ['
        while len(sent) < 100_000:  # 100 MB: far beyond what a client that stops at the cap is sent
            sent.append(len(item))
            yield item + b","
            await anyio.lowlevel.checkpoint()

    def handler(request: Request) -> Response:
        return Response(big) if send_length else StreamingResponse(endless())

    with argocd_stub(handler) as url:
        async with ArgoCDClient(url, max_response_bytes=65536) as client:
            with pytest.raises(ResponseTooLarge, match="limit of 65536 bytes"):
                await client.list_applications("t")
    if not send_length:
        assert len(sent) < 100_000  # reading stopped at the cap; the server saw the client leave


async def test_list_applications_asks_argo_cd_for_the_fields_it_names() -> None:
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(request.query_params.get("fields", ""))
        return JSONResponse({"items": None})

    with argocd_stub(handler) as url:
        async with ArgoCDClient(url) as client:
            items = await client.list_applications("t", fields=["items.metadata.name", "items.spec.project"])
    assert items == []
    assert seen == ["items.metadata.name,items.spec.project"]
