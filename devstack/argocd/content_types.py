"""Argo CD's enforceContentTypes (server/server.go) in front of the API.

Only the `/api/` handler is wrapped (the proxy extension `/extensions/…`, `/auth/…`, static files are not):
any request to it but a GET whose Content-Type is not one of the allowed types (`--api-content-types`,
by default exactly `application/json`, compared case-insensitively, parameters not allowed) is refused
with 415 and Go's http.Error body, before authentication.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

ALLOWED = ("application/json",)


class EnforceContentTypes:
    def __init__(self, app: ASGIApp, allowed: tuple[str, ...] = ALLOWED) -> None:
        self.app = app
        self.allowed = {t.lower() for t in allowed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("path", "").startswith("/api/")
            and scope.get("method") != "GET"
            and Headers(scope=scope).get("content-type", "").lower() not in self.allowed
        ):
            response = PlainTextResponse(
                "Invalid content type\n", status_code=415, headers={"X-Content-Type-Options": "nosniff"}
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
