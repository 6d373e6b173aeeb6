"""The relay's own SSE response: heartbeats, a disconnect ends the body at once, so does shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import anyio
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from devstack.servers import HOST, free_port, serve_in_thread
from relay.__main__ import RelayServer
from relay.sse import EventStreamResponse, OpenStreams, encode_event


@dataclass
class Endless:
    """A body that sends one event and then waits forever, recording when its cleanup ran."""

    streams: OpenStreams = field(default_factory=OpenStreams)
    closed: threading.Event = field(default_factory=threading.Event)

    def app(self) -> Starlette:
        async def body() -> AsyncIterator[bytes]:
            try:
                yield encode_event("start", {"n": 1})
                await anyio.sleep_forever()
            finally:
                self.closed.set()

        async def stream(_: Request) -> EventStreamResponse:
            return EventStreamResponse(
                body(), heartbeat_seconds=0.05, streams=self.streams, headers={"Cache-Control": "no-cache"}
            )

        return Starlette(routes=[Route("/stream", stream, methods=["GET", "POST"])])


@pytest.fixture
def endless() -> Iterator[tuple[Endless, str]]:
    body = Endless()
    with serve_in_thread(body.app()) as url:
        yield body, url


def test_events_and_heartbeats_stream_with_the_sse_headers(endless: tuple[Endless, str]) -> None:
    _, url = endless
    with httpx.stream("POST", f"{url}/stream", timeout=5) as response:
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        assert "content-encoding" not in response.headers
        lines = response.iter_lines()
        assert [next(lines), next(lines), next(lines)] == ["event: start", 'data: {"n":1}', ""]
        beats = 0
        for line in lines:
            beats += line.startswith(": ping - ")
            if beats == 3:
                break
    assert beats == 3


def test_a_client_disconnect_closes_the_body_within_a_second(endless: tuple[Endless, str]) -> None:
    body, url = endless
    with httpx.stream("POST", f"{url}/stream", timeout=5) as response:
        assert next(response.iter_lines()) == "event: start"
    assert body.closed.wait(1.0)
    deadline = time.monotonic() + 1.0
    while len(body.streams) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(body.streams) == 0


def test_a_head_request_gets_the_headers_without_opening_the_stream(endless: tuple[Endless, str]) -> None:
    body, url = endless
    response = httpx.head(f"{url}/stream", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert not body.closed.is_set()  # the body never started
    assert len(body.streams) == 0


def test_server_shutdown_ends_open_streams_at_once() -> None:
    body = Endless()
    port = free_port()
    server = RelayServer(uvicorn.Config(body.app(), host=HOST, port=port, log_level="warning"), body.streams)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive()
            assert time.monotonic() < deadline
            time.sleep(0.01)
        with httpx.stream("POST", f"http://{HOST}:{port}/stream", timeout=5) as response:
            lines = response.iter_lines()
            assert next(lines) == "event: start"
            started = time.monotonic()
            server.should_exit = True
            rest = list(lines)  # the stream ends: the server closed it
        assert body.closed.wait(1.0)
        assert time.monotonic() - started < 2.0
        assert not any(line.startswith("event:") for line in rest)
        thread.join(5)
        assert not thread.is_alive()
    finally:
        server.should_exit = True
        thread.join(10)
