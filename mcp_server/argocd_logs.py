"""Argo CD's log stream: one JSON object per line, ended by a `last` sentinel, read with bounded buffers.

The parsing is shared by every way of reading Argo CD (the aiohttp client streams the body; the relay gets it
from the user's browser in one piece): the same bytes give the same lines and the same errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from mcp_server.argocd_errors import stream_error

__all__ = ["END", "LogLine", "LogTail", "drain", "parse_cut_line", "parse_log_line", "split_lines"]

MAX_LOG_LINE_BYTES = 16 * 1024
# Of an over-long log line, this much of its end is kept too: Argo CD writes podName after the content.
_LOG_LINE_TAIL_BYTES = 1024


@dataclass(frozen=True)
class LogLine:
    pod: str
    content: str
    timestamp: str = ""


@dataclass
class LogTail:
    """Log lines read until the stream ended or a cap was reached (`stopped` then says which)."""

    lines: list[LogLine] = field(default_factory=list)
    stopped: str | None = None
    bytes_read: int = 0

    @property
    def truncated(self) -> bool:
        return self.stopped is not None


END = object()
_MAX_DRAIN_BYTES = 64 * 1024


async def drain(chunks: AsyncIterator[bytes]) -> None:
    """Reads what follows the `last` sentinel (normally only the end of the chunked body), so the connection
    goes back to the pool instead of being closed; anything longer is left to `aclose()`."""
    read = 0
    async for chunk in chunks:
        read += len(chunk)
        if read > _MAX_DRAIN_BYTES:
            return


def parse_log_line(raw: bytes) -> LogLine | object | None:
    """One NDJSON (or SSE `data:`) line → LogLine, `_END` for the `last` sentinel, None to skip."""
    raw = raw.strip()
    if raw.startswith(b"data:"):
        raw = raw[5:].strip()
    if not raw:
        return None
    try:
        obj = json.loads(raw)
    except ValueError:
        # Never pass raw wire text on: its escaping would hide credentials from redaction.
        return LogLine(pod="", content=_UNREADABLE)
    if not isinstance(obj, dict):
        return None
    if "error" in obj and "result" not in obj:
        err = obj["error"] if isinstance(obj["error"], dict) else {"message": str(obj["error"])}
        raise stream_error(err)
    result = obj.get("result")
    if not isinstance(result, dict):
        return None
    if result.get("last"):
        return END
    return LogLine(
        pod=str(result.get("podName") or ""),
        content=str(result.get("content") or ""),
        timestamp=str(result.get("timeStampStr") or ""),
    )


_UNREADABLE = "[a log line that is not valid JSON was left out]"
_CUT_UNREADABLE = "[a log line over 16 KiB was left out: its content could not be read]"
_CONTENT_START = re.compile(r'"content"\s*:\s*"')
_POD_NAME = re.compile(rb'"podName"\s*:\s*"([^"\\]{0,253})"')
_JSON_STRING_BODY = re.compile(r'(?:[^"\\]|\\.)*', re.S)
_PARTIAL_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{0,3}$")


def parse_cut_line(head: bytes, tail: bytes) -> LogLine:
    """A log line cut at 16 KiB (`head`; `tail` is the end of what was skipped): its content decoded as far
    as it goes and its podName, or a note when the content cannot be found. Never the raw JSON."""
    pod_match = _POD_NAME.search(tail) or _POD_NAME.search(head)
    pod = pod_match.group(1).decode("utf-8", "replace") if pod_match else ""
    text = head.decode("utf-8", "ignore")
    start = _CONTENT_START.search(text)
    if start is None:
        return LogLine(pod=pod, content=_CUT_UNREADABLE)
    body_match = _JSON_STRING_BODY.match(text, start.end())
    body = body_match.group(0) if body_match else ""
    for candidate in (body, _PARTIAL_ESCAPE.sub("", body)):
        try:
            content = json.loads(f'"{candidate}"')
        except ValueError:
            continue
        # A cut \ud83d escape leaves a lone surrogate, which cannot be encoded later.
        content = content.encode("utf-8", "replace").decode("utf-8")
        return LogLine(pod=pod, content=content + " …[line cut]")
    return LogLine(pod=pod, content=_CUT_UNREADABLE)


async def split_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[tuple[bytes, bytes | None]]:
    """Splits a byte stream on newlines with a bounded buffer: yields (line, None), or for an over-long line
    (its first 16 KiB, its last bytes) with the middle skipped, never buffered."""
    buffer = bytearray()
    tail = bytearray()
    skipping = False
    async for chunk in chunks:
        start = 0
        while True:
            newline = chunk.find(b"\n", start)
            piece = chunk[start:] if newline < 0 else chunk[start:newline]
            if skipping:
                tail += piece[-_LOG_LINE_TAIL_BYTES:]
                del tail[:-_LOG_LINE_TAIL_BYTES]
            else:
                room = MAX_LOG_LINE_BYTES - len(buffer)
                buffer += piece[:room]
                if len(piece) > room:
                    skipping = True
                    tail += piece[room:][-_LOG_LINE_TAIL_BYTES:]
            if newline < 0:
                break
            yield bytes(buffer), (bytes(tail) if skipping else None)
            buffer.clear()
            tail.clear()
            skipping = False
            start = newline + 1
    if buffer:
        yield bytes(buffer), (bytes(tail) if skipping else None)
