"""Pure ASGI middleware: a request body size limit (413 before anything is parsed) and request metrics.

Pure ASGI rather than BaseHTTPMiddleware so streaming responses and client disconnects pass straight through.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from relay.metrics import RelayMetrics


class _TooLarge(Exception):
    pass


# Label values must come from a fixed set: a client choosing the method (FOO1, FOO2, …) or the path would
# otherwise create a new time series per request.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_label(scope: Scope) -> str:
    """The matched route's template (`/api/chat`), never the raw path; `unmatched` for a 404."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else "unmatched"


def method_label(scope: Scope) -> str:
    method = str(scope.get("method", ""))
    return method if method in _METHODS else "other"


class RequestMiddleware:
    """Request metrics and the body size limit in one layer: one frame and one pair of wrappers per request
    (an open stream holds them for its whole life)."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: RelayMetrics,
        max_bytes: int,
        direct: Route | None = None,
        route_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        # paths whose bodies may be larger (or must be smaller) than `max_bytes`
        self.route_limits = dict(route_limits or {})
        # a route answered here rather than through the app (see relay.routers.chat.ChatEndpoint)
        self.direct = direct
        self.metrics = metrics
        self.max_bytes = max_bytes

    async def _reject(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {"code": "too_large", "message": f"The request is larger than {limit} bytes; send less context."}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0  # 0: no response started
        received = 0
        limit = self.route_limits.get(scope.get("path", ""), self.max_bytes)

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        app = self.app
        if self.direct is not None:
            match, child = self.direct.matches(scope)
            if match == Match.FULL:
                scope.update(child)
                app = self.direct.app
        try:
            for name, value in scope.get("headers", ()):
                if name == b"content-length" and value.isdigit() and int(value) > limit:
                    raise _TooLarge
            await app(scope, limited_receive, recording_send)
        except _TooLarge:
            if status:
                raise
            await self._reject(recording_send, limit)
        finally:
            self.metrics.requests.labels(route_label(scope), method_label(scope), str(status or 500)).inc()


class PublicPaths:
    """What reaches the relay through the Argo CD host is its browser API (`/api/...`) only.

    Direct route: the Ingress or Route sends `<prefix>/api/...` on the Argo CD host unchanged (no rewrite, so
    no regex location that would change how every other path of that host is matched); it is served as
    `/api/...`, and anything else under the prefix is 404. Proxy route: Argo CD's proxy forwards any path
    under `/extensions/assistant/`; a request that carries its headers (`proxy_headers`) reaches nothing
    outside `/api/`. Probes and Prometheus call the pod directly and reach `/healthz`, `/readyz`, `/metrics`.
    """

    def __init__(self, app: ASGIApp, prefix: str, proxy_headers: tuple[str, ...]) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/")
        self.proxy_headers = frozenset(name.lower().encode() for name in proxy_headers)

    async def _not_found(self, send: Send) -> None:
        body = b'{"code":"not_found","message":"Not found."}'
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 404, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope.get("path", "")
            prefix = self.prefix
            if prefix and (path == prefix or path.startswith(prefix + "/")):
                inner = path[len(prefix) :]
                if not inner.startswith("/api/"):
                    await self._not_found(send)
                    return
                raw = scope.get("raw_path") or path.encode()
                scope = {**scope, "path": inner, "raw_path": raw[len(prefix.encode()) :]}
            elif not path.startswith("/api/") and any(
                name in self.proxy_headers for name, _ in scope.get("headers", ())
            ):
                await self._not_found(send)
                return
        await self.app(scope, receive, send)
