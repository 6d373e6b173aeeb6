"""A lean Server-Sent Events response: the stream runs in the request's own task plus one watcher task.

sse-starlette runs four tasks per stream (body, ping, disconnect listener, exit-signal listener) in a task
group; with hundreds of open streams their task and cancel-scope state was a third of the relay's memory per
stream. Here the request's task sends what the body yields and one watcher task waits on `receive()` with
the heartbeat interval as its timeout: a heartbeat comment when the interval passes, and on
`http.disconnect` it cancels the body at once (the body's `finally` closes the upstream request). Server
shutdown first lets open streams finish within a grace period, then cancels the rest through
`OpenStreams.close_all` (relay/__main__.py), each sending its `farewell` frames, so open answers neither hold
the process nor stop without a word.

Wire format as before: `event: <name>\\r\\ndata: <json>\\r\\n\\r\\n`, heartbeats `: ping - <UTC time>`,
`Cache-Control: no-cache`, `X-Accel-Buffering: no`, never compressed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

import anyio
from starlette.background import BackgroundTask
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

__all__ = ["EventStreamResponse", "OpenStreams", "encode_event"]

log = logging.getLogger("relay.sse")

_SEP = b"\r\n"
# The body's cleanup (closing the upstream response) is itself bounded; this only stops a broken one.
_CLEANUP_SECONDS = 5.0


def encode_event(event: str, data: Any) -> bytes:
    """One SSE frame. `json.dumps` escapes every line break, so the data is always a single `data:` line."""
    payload = json.dumps(data, separators=(",", ":")).encode()
    return b"event: " + event.encode() + _SEP + b"data: " + payload + _SEP + _SEP


def _heartbeat() -> bytes:
    return f": ping - {datetime.now(UTC)}".encode() + _SEP + _SEP


class OpenStreams:
    """The cancel scopes of the streams a process has open, so shutdown can let them finish, then end the
    rest: `closing` (set when shutdown begins: the pod is no longer ready, no new answer starts), `drain`
    (wait for the open ones, within a grace period), `close_all` (cancel what is left; each sends its
    farewell frames and closes its upstream request)."""

    def __init__(self) -> None:
        self._scopes: set[anyio.CancelScope] = set()
        self._emptied = asyncio.Event()
        self.closing = False
        self.closed = False

    def __len__(self) -> int:
        return len(self._scopes)

    def add(self, scope: anyio.CancelScope) -> None:
        if self.closed:
            scope.cancel()  # shutdown ended the others while this request was parsed: end it right away
        self._scopes.add(scope)
        self._emptied.clear()

    def discard(self, scope: anyio.CancelScope) -> None:
        self._scopes.discard(scope)
        if not self._scopes:
            self._emptied.set()

    async def drain(self, grace_seconds: float) -> bool:
        """Stops new answers and waits up to `grace_seconds` for the open ones to end; True when all did."""
        self.closing = True
        if not self._scopes:
            return True
        with anyio.move_on_after(grace_seconds):
            await self._emptied.wait()
        return not self._scopes

    def close_all(self) -> None:
        """Cancel every open stream (each closes its upstream request); streams opened later end at once.
        Call it on the event loop that serves the streams."""
        self.closing = self.closed = True
        for scope in list(self._scopes):
            scope.cancel()


class EventStreamResponse(Response):
    """`content` yields encoded SSE frames (each sent as one write); see the module docstring."""

    def __init__(
        self,
        content: AsyncIterator[bytes],
        status_code: int = 200,  # FastAPI's OpenAPI reads the default status from this signature
        *,
        heartbeat_seconds: float,
        streams: OpenStreams,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
        farewell: bytes = b"",
    ) -> None:
        """`farewell`: frames sent when server shutdown ends the stream (not when the client left)."""
        if heartbeat_seconds <= 0:
            raise ValueError("heartbeat_seconds must be > 0")
        self.body_iterator = content
        # per instance: FastAPI documents the route's JSON error answers under the class's media type
        self.media_type = "text/event-stream"
        self.status_code = status_code
        self.background = background
        self._heartbeat_seconds = heartbeat_seconds
        self._streams = streams
        self._farewell = farewell
        self._client_left = False
        self.init_headers({**(headers or {}), "Connection": "keep-alive", "X-Accel-Buffering": "no"})

    def _start(self) -> dict[str, Any]:
        return {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}

    async def _watch(self, receive: Receive, send: Send, body: anyio.CancelScope) -> None:
        """Heartbeats at a fixed interval while waiting for the client to go away; then cancel the body.

        A heartbeat may be sent while the body's task is inside its own `send`: the ASGI server writes each
        message whole, so frames never interleave."""
        interval = self._heartbeat_seconds
        next_beat = anyio.current_time() + interval
        try:
            while True:
                with anyio.move_on_after(next_beat - anyio.current_time()):
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        self._client_left = True
                        break
                    continue
                await send({"type": "http.response.body", "body": _heartbeat(), "more_body": True})
                next_beat += interval
        except Exception as exc:  # the connection is unusable: stop the answer as for a disconnect
            log.warning("event stream watcher failed: %s", type(exc).__name__)
        body.cancel()

    async def _close_body(self) -> None:
        aclose = getattr(self.body_iterator, "aclose", None)
        if aclose is None:
            return
        with anyio.move_on_after(_CLEANUP_SECONDS, shield=True) as cleanup:
            try:
                await aclose()
            except Exception:
                log.exception("closing an event stream's body failed")
        if cleanup.cancelled_caught:
            log.warning("closing an event stream's body took longer than %.0f s", _CLEANUP_SECONDS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") == "HEAD":
            # headers only: an endless body would never complete a HEAD response
            await send(self._start())
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            await self._close_body()
        else:
            await self._stream(receive, send)
        if self.background is not None:
            await self.background()

    async def _stream(self, receive: Receive, send: Send) -> None:
        body = anyio.CancelScope()
        self._streams.add(body)
        try:
            with body:
                await send(self._start())
                watcher = asyncio.get_running_loop().create_task(self._watch(receive, send, body))
                try:
                    async for chunk in self.body_iterator:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                finally:
                    watcher.cancel()
                    with anyio.CancelScope(shield=True), contextlib.suppress(asyncio.CancelledError):
                        await watcher
        finally:
            self._streams.discard(body)
            # a cancelled send leaves the body suspended at a `yield`: close it so its cleanup runs now
            await self._close_body()
        if body.cancel_called and self._streams.closed and not self._client_left and self._farewell:
            # ended by shutdown, not by the client: say so, so the answer never just stops
            with anyio.move_on_after(_CLEANUP_SECONDS, shield=True):
                await send({"type": "http.response.body", "body": self._farewell, "more_body": True})
        # ends the chunked body cleanly; after a disconnect uvicorn drops it
        await send({"type": "http.response.body", "body": b"", "more_body": False})
