"""llama-stack's Responses stream: the one POST the relay makes per answer, read as plain dicts.

The request goes out on a long-lived aiohttp session of its own rather than through the generated client:
per answer the client's POST (request building, httpx, cookie handling) was a third of the relay's CPU
(0.86 of 2.5 ms, bench/README.md) and sits in every answer's time to first token. The client still serves
the rare calls (model list, health). The body is read as it arrives: each network read is split into its
complete events, parsed with `json.loads` (no pydantic model per event) and handed on as one batch, so events
that arrived together leave together.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import aiohttp
from yarl import URL

__all__ = [
    "MAX_EVENT_BYTES",
    "ResponsesUpstream",
    "UpstreamError",
    "UpstreamStalled",
    "UpstreamStatusError",
    "UpstreamUnavailable",
    "iter_event_batches",
]

# One event bigger than this is a broken upstream, not an answer (a whole response object is a few KiB).
MAX_EVENT_BYTES = 4 << 20
# Of an error answer, only this much is read, for its message.
_MAX_ERROR_BODY = 4096


class UpstreamError(Exception):
    """llama-stack could not give this answer; `message` is its own account (an error event in the stream),
    `code` the error's code when it gave one (OGX's typed error event)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class UpstreamUnavailable(UpstreamError):
    """llama-stack could not be reached, or the connection broke."""


class UpstreamStalled(UpstreamError):
    """llama-stack sent nothing for the read timeout (limits.upstream_idle_seconds)."""


class UpstreamStatusError(UpstreamError):
    """llama-stack refused the request with an HTTP error status."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code


def _error_message(body: bytes, reason: str) -> str:
    """llama-stack's words from an error body (`detail`, `error.message`, `message`), else the raw text."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        for candidate in (
            data.get("detail"),
            error.get("message") if isinstance(error, dict) else error,
            data.get("message"),
        ):
            if candidate:
                return str(candidate)
    return body.decode("utf-8", "replace").strip() or reason or "no details"


class ResponsesUpstream:
    """`POST /v1/responses` with `stream: true`, one aiohttp session per process (connections pooled).

    Timeouts: `connect_timeout` to open a connection (plus up to 10 s waiting for a free one in the pool, as
    the generated client allowed), `read_timeout` for the longest silence of the stream; the whole answer's
    deadline is the caller's."""

    def __init__(self, base_url: str, *, pool: int, connect_timeout: float, read_timeout: float) -> None:
        self.url = URL(base_url.rstrip("/") + "/v1/responses")
        self._pool = pool
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=connect_timeout + 10.0, sock_connect=connect_timeout, sock_read=read_timeout
        )
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        # made on first use: aiohttp wants its session created inside the running event loop
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool),
                timeout=self._timeout,
                # an SSE body read raw, undecoded: no decoder per open stream
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={
                    "Accept": "text/event-stream",
                    "Accept-Encoding": "identity",
                    "User-Agent": "argocd-assistant-relay",
                },
                trust_env=False,
            )
        return self._session

    async def open(self, body: dict[str, Any], credential: str | None = None) -> aiohttp.ClientResponse:
        """The streaming response, its status checked (an error status raises with llama-stack's message).
        `credential`: sent as the bearer llama-stack's auth provider checks (relay.llama_auth)."""
        headers = {"Authorization": f"Bearer {credential}"} if credential else None
        try:
            response = await self._http().post(self.url, json=body, headers=headers, allow_redirects=False)
        except aiohttp.SocketTimeoutError:
            raise UpstreamStalled("llama-stack did not answer within the idle limit") from None
        except TimeoutError:
            raise
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(f"{type(exc).__name__}: {exc}") from None
        if response.status < 300:
            encoding = response.headers.get("Content-Encoding", "identity").lower()
            if encoding in ("", "identity"):
                return response
            response.close()
            raise UpstreamError(f"unexpected stream encoding {encoding!r}")
        try:
            text = await response.content.read(_MAX_ERROR_BODY)
        except (aiohttp.ClientError, TimeoutError):
            text = b""
        finally:
            response.close()
        raise UpstreamStatusError(response.status, _error_message(text, response.reason or ""))

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


def _event(frame: bytes) -> dict[str, Any] | None:
    """The JSON object of one SSE frame (its `data:` lines joined); None for comments and empty frames."""
    data: list[bytes] = []
    for line in frame.splitlines():
        if line.startswith(b"data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(b" ") else value)
    if not data:
        return None
    text = b"\n".join(data)
    if text.startswith(b"[DONE]"):
        return None
    try:
        event = json.loads(text)
    except RecursionError:
        raise UpstreamError("an event of the stream could not be read (nested too deeply)") from None
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _check(event: dict[str, Any]) -> None:
    """A failure reported mid-stream: llama-stack 0.7 sends an untyped `{"error": {"message"}}` frame, OGX
    (and OpenAI's Responses API) the typed `{"type": "error", "code", "message"}` event."""
    error = event.get("error")
    if event.get("type") == "error":
        error = event
    if error:
        message = error.get("message") if isinstance(error, dict) else None
        if not message or not isinstance(message, str):
            message = "An error occurred during streaming"
        code = error.get("code") if isinstance(error, dict) else None
        raise UpstreamError(message, code if isinstance(code, str) else "")


async def iter_event_batches(chunks: AsyncIterator[bytes]) -> AsyncGenerator[list[dict[str, Any]]]:
    """Lists of the events each network read (`chunks`: the raw body) completed, never empty, until the
    stream ends. A broken connection raises UpstreamUnavailable."""
    buffer = b""
    try:
        async for chunk in chunks:
            buffer += chunk
            if b"\r" in buffer:
                buffer = buffer.replace(b"\r\n", b"\n")
            *frames, buffer = buffer.split(b"\n\n")
            if len(buffer) > MAX_EVENT_BYTES:
                raise UpstreamError("an event of the stream is too large")
            batch = []
            for frame in frames:
                event = _event(frame)
                if event is not None:
                    _check(event)
                    batch.append(event)
            if batch:
                yield batch
    except aiohttp.SocketTimeoutError:
        raise UpstreamStalled("llama-stack sent nothing for the idle limit") from None
    except TimeoutError:
        raise
    except aiohttp.ClientError as exc:
        raise UpstreamUnavailable(f"the stream broke off ({type(exc).__name__})") from None
    event = _event(buffer)
    if event is not None:
        _check(event)
        yield [event]
