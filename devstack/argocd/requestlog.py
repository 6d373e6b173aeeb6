"""The simulator's request log (`/_devstack/requests`).

It records who called what, with a hash of the token, never the token, and the caller's address (so tests can
see whether a client reused its connection)."""

from __future__ import annotations

import hashlib
from collections import deque
from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from devstack.argocd.auth import claims_or_none, request_token

MAX_ENTRIES = 10_000


class RequestLog:
    def __init__(self) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=MAX_ENTRIES)

    def record(self, conn: HTTPConnection) -> None:
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
            }
        )


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope.get("path", "")
            if path != "/healthz" and not path.startswith("/_devstack/"):
                self.log.record(HTTPConnection(scope))
        await self.app(scope, receive, send)
