"""llama-stack's Responses stream read as plain dicts, a network read at a time.

The generated client turns every SSE event into a pydantic model; for a stream that is mostly one-word text
deltas that is most of the relay's work per token. The request still goes through the client (auth, errors,
retries off, pool); only the body is read here: each network read is split into its complete events, parsed
with `json.loads`, and handed on as one batch, so events that arrived together leave together.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

import httpx
from llama_stack_client import APIError

__all__ = ["MAX_EVENT_BYTES", "iter_event_batches"]

# One event bigger than this is a broken upstream, not an answer (a whole response object is a few KiB).
MAX_EVENT_BYTES = 4 << 20


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
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _check(event: dict[str, Any], response: httpx.Response) -> None:
    """An `{"error": …}` frame is how llama-stack reports a failure mid-stream (as the client does)."""
    error = event.get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else None
        if not message or not isinstance(message, str):
            message = "An error occurred during streaming"
        raise APIError(message=message, request=response.request, body=error)


async def iter_event_batches(response: httpx.Response) -> AsyncGenerator[list[dict[str, Any]]]:
    """Lists of the events each network read completed (never empty), until the stream ends.

    Reads the body undecoded (one async generator fewer held per open stream): send the request with
    `Accept-Encoding: identity`."""
    encoding = response.headers.get("content-encoding", "identity").lower()
    if encoding not in ("", "identity"):
        raise APIError(
            message=f"unexpected stream encoding {encoding!r}", request=response.request, body=None
        )
    buffer = b""
    async for chunk in response.aiter_raw():
        buffer += chunk
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n")
        *frames, buffer = buffer.split(b"\n\n")
        if len(buffer) > MAX_EVENT_BYTES:
            raise APIError(message="an event of the stream is too large", request=response.request, body=None)
        batch = []
        for frame in frames:
            event = _event(frame)
            if event is not None:
                _check(event, response)
                batch.append(event)
        if batch:
            yield batch
    event = _event(buffer)
    if event is not None:
        _check(event, response)
        yield [event]
