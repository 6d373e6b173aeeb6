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
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mcp_server.argocd_api import ArgoCDReads, decode_json, query_pairs
from mcp_server.argocd_errors import (
    ArgoCDTimeout,
    ArgoCDUnavailable,
    ResponseTooLarge,
    error_for_status,
    error_text,
)
from mcp_server.sealed import SealError, seal, unseal
from relay.errors import Refusal

__all__ = ["BrowserReads", "PendingReads", "ReadAnswer", "ReadRefused"]

_READ_KIND = "read"
_MAX_READ_ID = 512
# Recently ended reads remembered to say why a late or repeated answer is refused (bounded).
_REMEMBERED = 4096
_CHUNK = 64 * 1024


class ReadRefused(Refusal):
    """A posted answer that is not taken (4xx); the pending read, if any, stays as it was."""


@dataclass(frozen=True)
class ReadAnswer:
    """What the browser got: Argo CD's status and body (at most the read's byte cap; `truncated` when Argo CD
    had more), or `error` when the browser could not carry the read out at all."""

    status: int | None
    body: bytes = b""
    truncated: bool = False
    error: str | None = None


@dataclass
class _Pending:
    stream: str
    user: str
    deadline: float
    future: asyncio.Future[ReadAnswer]


class PendingReads:
    """The reads a relay process waits for, by read id: 128 random bits, and, when this replica has an
    `owner` URL (several replicas), that URL, sealed with the key the replicas share, so whichever replica an
    answer reaches can hand it on to the one waiting for it (`owner_of`)."""

    def __init__(self, owner: str | None = None, key: bytes | None = None) -> None:
        self._pending: dict[str, _Pending] = {}
        self._ended: OrderedDict[str, str] = OrderedDict()
        self._owner = owner if key else None
        self._key = key or b""

    def _new_id(self) -> str:
        nonce = secrets.token_urlsafe(16)
        if self._owner is None:
            return nonce
        return seal(_READ_KIND, {"o": self._owner, "n": nonce}, self._key)

    def owner_of(self, read_id: str) -> str | None:
        """The URL of the replica that asked for `read_id` when it is another one; None when the id is not
        a genuine sealed id, or is this replica's own."""
        if self._owner is None:
            return None
        try:
            owner = unseal(read_id, _READ_KIND, self._key, max_length=_MAX_READ_ID).get("o")
        except SealError:
            return None
        return owner if isinstance(owner, str) and owner != self._owner else None

    def __len__(self) -> int:
        return len(self._pending)

    def open(self, stream: str, user: str, timeout: float) -> tuple[str, asyncio.Future[ReadAnswer]]:
        read_id = self._new_id()
        future: asyncio.Future[ReadAnswer] = asyncio.get_running_loop().create_future()
        self._pending[read_id] = _Pending(stream, user, time.monotonic() + timeout, future)
        return read_id, future

    def end(self, read_id: str, why: str) -> None:
        """The read is over (answered, expired, its stream closed): later answers are refused with `why`."""
        pending = self._pending.pop(read_id, None)
        if pending is None:
            return
        if not pending.future.done():
            pending.future.cancel()
        self._ended[read_id] = why
        while len(self._ended) > _REMEMBERED:
            self._ended.popitem(last=False)

    def answer(self, read_id: str, stream: str, user: str, answer: ReadAnswer) -> None:
        """Hands `answer` to the waiting tool call, or raises ReadRefused saying why not."""
        pending = self._pending.get(read_id)
        if pending is None:
            why = self._ended.get(read_id)
            if why == "answered":
                raise ReadRefused(409, "read_already_answered", "This Argo CD read was already answered.")
            if why is not None:
                raise ReadRefused(410, f"read_{why}", f"This Argo CD read is no longer pending ({why}).")
            raise ReadRefused(404, "unknown_read", "No Argo CD read with this id is pending here.")
        if not secrets.compare_digest(pending.stream, stream):
            raise ReadRefused(409, "wrong_stream", "This Argo CD read belongs to another answer.")
        if not secrets.compare_digest(pending.user, user):
            raise ReadRefused(403, "read_of_another_user", "This Argo CD read belongs to another user.")
        if time.monotonic() > pending.deadline:
            self.end(read_id, "expired")
            raise ReadRefused(410, "read_expired", "This Argo CD read was answered too late.")
        pending.future.set_result(answer)
        self.end(read_id, "answered")


Emit = Callable[[str, dict[str, Any]], Awaitable[None]]


class BrowserReads(ArgoCDReads):
    """`ArgoCDReads` whose GETs the user's browser carries out, for one stream of one user. `emit(event,
    data)` sends an event on that stream. The token arguments are ignored: the browser's session is used."""

    def __init__(
        self,
        *,
        pending: PendingReads,
        emit: Emit,
        stream: str,
        user: str,
        timeout: float,
        max_bytes: int,
    ) -> None:
        self._pending = pending
        self._emit = emit
        self._stream_id = stream
        self._user = user
        self._timeout = timeout
        self._max_bytes = max_bytes

    async def _read(self, path: str, params: Mapping[str, Any] | None) -> ReadAnswer:
        """Argo CD's answer as the browser got it; no answer at all, or an error status, raises."""
        read_id, future = self._pending.open(self._stream_id, self._user, self._timeout)
        try:
            await self._emit(
                "argocd_request",
                {
                    "id": read_id,
                    "method": "GET",
                    "path": path,
                    "query": query_pairs(params or {}),
                    "max_bytes": self._max_bytes,
                    "timeout_seconds": self._timeout,
                },
            )
            try:
                answer = await asyncio.wait_for(future, self._timeout)
            except TimeoutError:
                self._pending.end(read_id, "expired")
                raise ArgoCDTimeout(
                    f"your browser did not carry out the Argo CD read GET {path} within {self._timeout:g}s "
                    "(was the Assistant tab closed or the network interrupted?)"
                ) from None
        finally:
            self._pending.end(read_id, "closed")
        if answer.error is not None or answer.status is None:
            raise ArgoCDUnavailable(
                f"your browser could not reach Argo CD for GET {path}: {(answer.error or 'no answer')[:300]}"
            )
        if answer.status >= 400:
            raise error_for_status(answer.status, error_text(answer.body[:4096]))
        return answer

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
