"""The pieces of an answer's stream that need no stream state: tool-call arguments and summaries as the
browser sees them, token counts added up over rounds, and the function calls of the browser mode."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from mcp_server.shaping import cap_bytes
from relay.logfilter import Scrubber

__all__ = [
    "MAX_SUMMARY",
    "FunctionCall",
    "add_usage",
    "error_text",
    "first_line",
    "tool_arguments",
    "without_none",
]

MAX_SUMMARY = 240
# A tool call's arguments as the browser sees them: scrubbed, at most this many bytes of JSON
_MAX_ARGUMENTS = 2048
# Larger arguments are not parsed (only scrubbed and cut): they are shown cut anyway
_PARSE_ARGUMENTS = 64 << 10
_BARE_TOOL_ERROR = re.compile(r"Error \(code -?\w+\): (None)?")


def first_line(text: str, limit: int) -> str:
    # a tool's first line is its header ("Events of Pod/x, newest first:"), a summary without the colon
    line = next((part.strip() for part in text.splitlines() if part.strip()), "").rstrip(":")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def error_text(error: str | None) -> str:
    # llama-stack reports a tool's own error result as a bare "Error (code 1): None" and hands the tool's
    # message to the model only, so say where the reason went rather than show "None"
    if not error or _BARE_TOOL_ERROR.fullmatch(error.strip()):
        return "The tool reported an error; its message went to the model, which explains it in the answer."
    return error


def tool_arguments(raw: Any, scrub: Scrubber) -> Any:
    """The tool call's arguments for the browser: the JSON object, scrubbed (the caller's token, anything
    credential-like); `{"raw": text}` when they are not a JSON object or exceed `_MAX_ARGUMENTS` bytes, the
    text then cut with a truncation note."""
    if raw is None or raw == "":
        return {}
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
    parsed: Any = None
    if len(text) <= _PARSE_ARGUMENTS:
        try:
            parsed = json.loads(text)
            # re-dumped so every string is plain text (a \u-escaped token is caught too)
            text = json.dumps(parsed, ensure_ascii=False, separators=(",", ":"))
        except (ValueError, RecursionError):
            parsed = None
    clean = scrub(text)
    if isinstance(parsed, dict) and len(clean.encode()) <= _MAX_ARGUMENTS:
        try:
            return json.loads(clean)
        except (ValueError, RecursionError):
            pass  # a redaction broke the JSON: show the text
    return {"raw": cap_bytes(clean, _MAX_ARGUMENTS)[0]}


def without_none(value: Any) -> Any:
    """What `model_dump(exclude_none=True)` gave for the usage object."""
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    return value


def add_usage(total: dict[str, Any] | None, usage: dict[str, Any] | None) -> dict[str, Any] | None:
    """Token counts of the rounds of one answer added up (each round is a response of its own)."""
    if total is None or usage is None:
        return usage if usage is not None else total
    summed: dict[str, Any] = {}
    for key, value in usage.items():
        before = total.get(key)
        if isinstance(value, dict):
            summed[key] = add_usage(before if isinstance(before, dict) else None, value)
        elif isinstance(value, int) and isinstance(before, int):
            summed[key] = before + value
        else:
            summed[key] = value
    return summed


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """A call of a function tool the model made (browser mode): the relay runs it and posts its output."""

    item_id: str
    call_id: str
    name: str
    arguments: str
