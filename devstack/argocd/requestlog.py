"""The simulator's request log (`/_devstack/requests`).

It records who called what, with a hash of the token, never the token, the caller's address (so tests can
see whether a client reused its connection), and the body of every request but a GET (its first 4 KiB, as
text; a login's body, which holds a password, is not recorded), so tests can assert exactly what was sent."""

from __future__ import annotations

import hashlib
from collections import deque
from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from devstack.argocd.auth import claims_or_none, request_token

MAX_ENTRIES = 10_000
MAX_BODY_BYTES = 4096
LOGIN_PATH = "/api/v1/session"  # its body holds a password: never recorded
CREDENTIALS_NOT_RECORDED = "<not recorded: credentials>"


class RequestLog:
    def __init__(self) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=MAX_ENTRIES)

    def record(self, conn: HTTPConnection, body: bytes | None = None) -> None:
        token = request_token(conn)
        claims = claims_or_none(token)
        client = conn.scope.get("client")
        self.entries.append(
            {
                "method": conn.scope.get("method", ""),
                "path": conn.url.path,
                "query": conn.url.query,
                "user": claims.username if claims else None,
                "token_sha256": hashlib.sha256(token.encode()).hexdigest() if token else None,
                "client": f"{client[0]}:{client[1]}" if client else None,
                "body": _body_text(conn.url.path, body),
            }
        )


def _body_text(path: str, body: bytes | None) -> str | None:
    if body is None:
        return None
    if path == LOGIN_PATH and body:
        return CREDENTIALS_NOT_RECORDED
    return body[:MAX_BODY_BYTES].decode("utf-8", errors="replace")


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path == "/healthz" or path.startswith("/_devstack/"):
            await self.app(scope, receive, send)
            return
        if scope.get("method") == "GET":
            self.log.record(HTTPConnection(scope))
            await self.app(scope, receive, send)
            return
        # Read the whole body first (the handlers read it whole too), then hand it on unchanged; later
        # receive() calls go to the client's, so a disconnect still reaches a streaming response.
        chunks: list[bytes] = []
        early: Message | None = None
        while True:
            message = await receive()
            if message["type"] != "http.request":
                early = message
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        self.log.record(HTTPConnection(scope), body)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return early if early is not None else {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
