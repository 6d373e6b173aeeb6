"""Argo CD reads carried out by the user's browser, with the user's own Argo CD session.

On the proxy route the relay holds no token of the user: Argo CD's proxy extension deletes the cookie. The
browser does hold the session (the httpOnly `argocd.token` cookie, sent on same-origin `/api/v1/...` calls),
so a tool's reads are asked of the browser: the answer's stream carries an `argocd_request` event (a read
id, the path and query of one GET, a byte cap), the extension performs the GET and posts the raw answer to
`POST /api/argocd-responses`, and `BrowserReads` hands it to the same API code (`ArgoCDReads`) that
interprets the aiohttp client's answers. Argo CD decides what the user may see; nothing here widens it.

A posted answer is taken only for a read that is pending, of the same stream and the same user (proxy
secret and `Argocd-Username`, as for the chat), once and before its deadline; anything else is refused with
a 4xx and nothing reaches the model.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from mcp_server.argocd_api import decode_json, query_pairs
from mcp_server.argocd_errors import (
    ArgoCDTimeout,
    ArgoCDUnavailable,
    ResponseTooLarge,
    error_for_status,
    error_text,
)
from mcp_server.argocd_writes import ArgoCDWrites
from relay.pending import PendingAnswers, Refused

__all__ = ["BrowserReads", "PendingReads", "ReadAnswer", "ReadRefused"]

_CHUNK = 64 * 1024


ReadRefused = Refused  # a posted answer that is not taken (4xx); the pending read stays as it was


@dataclass(frozen=True)
class ReadAnswer:
    """What the browser got: Argo CD's status and body (at most the read's byte cap; `truncated` when Argo CD
    had more), or `error` when the browser could not carry the read out at all."""

    status: int | None
    body: bytes = b""
    truncated: bool = False
    error: str | None = None


class PendingReads(PendingAnswers[ReadAnswer]):
    """The Argo CD reads a relay process waits for (`pending.PendingAnswers`)."""

    def __init__(self, owner: str | None = None, key: bytes | None = None) -> None:
        super().__init__("read", "Argo CD read", owner, key)


Emit = Callable[[str, dict[str, Any]], Awaitable[None]]


class BrowserReads(ArgoCDWrites):
    """`ArgoCDReads` whose GETs the user's browser carries out, for one stream of one user. `emit(event,
    data)` sends an event on that stream. The token arguments are ignored: the browser's session is used.

    A write (`_send_json`, a POST) is asked of the browser only with `approval`, the id of the approval the
    user gave in the tab for this very call: the extension carries out a POST only for an approval its user
    just gave (extension/src/actions.ts), so a write the user did not approve never leaves the browser."""

    def __init__(
        self,
        *,
        pending: PendingReads,
        emit: Emit,
        stream: str,
        user: str,
        timeout: float,
        max_bytes: int,
        approval: str | None = None,
    ) -> None:
        self._approval = approval
        self._pending = pending
        self._emit = emit
        self._stream_id = stream
        self._user = user
        self._timeout = timeout
        self._max_bytes = max_bytes

    async def _read(
        self, path: str, params: Mapping[str, Any] | None, body: Mapping[str, Any] | None = None
    ) -> ReadAnswer:
        """Argo CD's answer as the browser got it (to a GET, or with `body` a POST); no answer at all, or an
        error status, raises."""
        method = "GET" if body is None else "POST"
        read_id, future = self._pending.open(self._stream_id, self._user, self._timeout)
        request: dict[str, Any] = {
            "id": read_id,
            "method": method,
            "path": path,
            "query": query_pairs(params or {}),
            "max_bytes": self._max_bytes,
            "timeout_seconds": self._timeout,
        }
        if body is not None:
            request["body"] = orjson.dumps(body).decode()
        if self._approval is not None:  # every request of an approved action names its approval
            request["approval"] = self._approval
        try:
            await self._emit("argocd_request", request)
            try:
                answer = await asyncio.wait_for(future, self._timeout)
            except TimeoutError:
                self._pending.end(read_id, "expired")
                raise ArgoCDTimeout(
                    f"your browser did not carry out the Argo CD request {method} {path} within "
                    f"{self._timeout:g}s "
                    "(was the Assistant tab closed or the network interrupted?)"
                ) from None
        finally:
            self._pending.end(read_id, "closed")
        if answer.error is not None or answer.status is None:
            why = (answer.error or "no answer")[:300]
            raise ArgoCDUnavailable(f"your browser could not reach Argo CD for {method} {path}: {why}")
        if answer.status >= 400:
            raise error_for_status(answer.status, error_text(answer.body[:4096]))
        return answer

    async def _send_json(self, path: str, token: str | None, body: Mapping[str, Any]) -> Any:
        if self._approval is None:
            raise ArgoCDUnavailable(f"POST {path} was not approved by the user, so it was not sent")
        answer = await self._read(path, None, body)
        return decode_json(answer.body, f"POST {path}") if answer.body.strip() else {}

    async def _get_json(self, path: str, token: str | None, params: Mapping[str, Any] | None = None) -> Any:
        answer = await self._read(path, params)
        if answer.truncated:
            raise ResponseTooLarge(
                f"Argo CD's answer to GET {path} is larger than the relay's limit of {self._max_bytes} bytes "
                "for a read carried out by the browser (limits.browser_read_max_bytes)"
            )
        return decode_json(answer.body, f"GET {path}")

    @contextlib.asynccontextmanager
    async def _stream(
        self, path: str, token: str | None, params: Mapping[str, Any]
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        answer = await self._read(path, params)
        body = answer.body
        if answer.truncated:
            body = body[: body.rfind(b"\n") + 1]  # a line cut by the cap is left out, not half-parsed

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(body), _CHUNK):
                yield body[start : start + _CHUNK]
            if answer.truncated:
                raise ResponseTooLarge(f"byte limit of {self._max_bytes} reached in the browser")

        yield chunks()
