"""Helpers shared by the MCP server tests: a server for a demo user, result accessors."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from mcp import Client
from mcp_types import CallToolResult, TextContent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from devstack.argocd.world import token_for
from devstack.servers import HOST, serve_in_thread
from mcp_server.config import Settings
from mcp_server.server import build_server


def settings_for(argocd_url: str, user: str | None = "admin", **overrides: Any) -> Settings:
    overrides.setdefault("argocd_token", token_for(user) if user else None)
    return Settings(argocd_server=argocd_url, **overrides)


@asynccontextmanager
async def connect(argocd_url: str, user: str | None = "admin", **overrides: Any) -> AsyncIterator[Client]:
    """An in-memory MCP client to a server whose ARGOCD_TOKEN is `user`'s."""
    async with Client(build_server(settings_for(argocd_url, user, **overrides))) as client:
        yield client


@contextmanager
def argocd_stub(handler: Callable[[Request], Response], **uvicorn_config: Any) -> Iterator[str]:
    """A stand-in for Argo CD that answers every request with `handler(request)`, served for real on a free
    loopback port (for answers the simulator never gives: broken streams, huge lines, endless bodies; TLS
    with `ssl_keyfile`/`ssl_certfile`)."""

    async def endpoint(request: Request) -> Response:
        return handler(request)

    with serve_in_thread(Starlette(routes=[Route("/{path:path}", endpoint)]), **uvicorn_config) as url:
        yield url


def text(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def ok(result: CallToolResult) -> dict[str, Any]:
    """Structured content of a successful result (fails the test with the error text otherwise)."""
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    return dict(result.structured_content)


def error(result: CallToolResult) -> str:
    assert result.is_error, f"expected a tool error, got: {text(result)[:500]}"
    return text(result)


class TrickleServer:
    """A stand-in for a stalling Argo CD (or a proxy in front of it): answers 200 at once, then sends one byte
    of body every `interval` seconds, forever. `closed` is set when the caller hangs up."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.closed = threading.Event()
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((HOST, 0))
        self._sock.listen(16)
        self.url = f"http://{HOST}:{self._sock.getsockname()[1]}"
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            try:
                conn.sendall(head)
                while not self._stop.wait(self.interval):
                    conn.sendall(b"1\r\n \r\n")
            except OSError:
                self.closed.set()

    def close(self) -> None:
        self._stop.set()
        self._sock.close()


@contextmanager
def trickle_server(interval: float = 0.2) -> Iterator[TrickleServer]:
    server = TrickleServer(interval)
    try:
        yield server
    finally:
        server.close()
