"""The scripted model as a Starlette app: `/v1/models`, `/v1/chat/completions` and test hooks."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from devstack.model.rules import (
    FAIL_STREAM_TRIGGER,
    FAIL_TRIGGER,
    SLOW_TRIGGER,
    Reply,
    decide,
    last_user_text,
)


@dataclass(frozen=True)
class ModelConfig:
    model_id: str = "dev-model"
    token_delay_ms: float = 0.0
    slow_token_delay_ms: float = 150.0
    max_recorded: int = 100


@dataclass
class _State:
    config: ModelConfig
    requests: deque[dict[str, Any]]
    streams: dict[str, int] = field(default_factory=lambda: {"active": 0, "completed": 0, "cancelled": 0})
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


def _pieces(text: str) -> list[str]:
    """Word-sized deltas whose concatenation is exactly `text`."""
    return re.findall(r"\s*\S+", text) + ([text[len(text.rstrip()) :]] if text != text.rstrip() else [])


def _usage(messages: list[dict[str, Any]], completion_tokens: int) -> dict[str, int]:
    prompt_tokens = max(1, len(json.dumps(messages)) // 4)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _call_id(body: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(body.get("messages"), sort_keys=True).encode()).hexdigest()
    return f"call_{digest[:16]}"


def create_app(config: ModelConfig | None = None) -> Starlette:
    state = _State(config or ModelConfig(), deque(maxlen=(config or ModelConfig()).max_recorded))

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def models(_: Request) -> Response:
        model = {"id": state.config.model_id, "object": "model", "created": 0, "owned_by": "devstack"}
        return JSONResponse({"object": "list", "data": [model]})

    async def recorded(request: Request) -> Response:
        if request.method == "DELETE":
            state.requests.clear()
            return Response(status_code=204)
        return JSONResponse(list(state.requests))

    async def streams(_: Request) -> Response:
        return JSONResponse(state.streams)

    async def completions(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "request body is not JSON")
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return _error(400, "`messages` must be a list")
        state.requests.append(body)
        messages: list[dict[str, Any]] = [m for m in body["messages"] if isinstance(m, dict)]
        question = last_user_text(messages)
        if FAIL_TRIGGER in question:
            return _error(500, "scripted failure ([[fail]] in the user message)")
        reply = decide(messages, body.get("tools"))
        created = int(time.time())
        completion_id = f"chatcmpl-{next(state.ids)}"
        model = str(body.get("model") or state.config.model_id)
        if not body.get("stream"):
            return JSONResponse(_completion(completion_id, created, model, reply, _call_id(body), messages))
        delay_ms = (
            state.config.slow_token_delay_ms if SLOW_TRIGGER in question else state.config.token_delay_ms
        )
        chunks = _chunks(
            completion_id,
            created,
            model,
            reply,
            _call_id(body),
            messages,
            include_usage=bool((body.get("stream_options") or {}).get("include_usage")),
            fail_midway=FAIL_STREAM_TRIGGER in question,
        )
        return StreamingResponse(
            _paced(chunks, delay_ms / 1000, state),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache"},
        )

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/v1/models", models),
            Route("/v1/chat/completions", completions, methods=["POST"]),
            Route("/_devstack/requests", recorded, methods=["GET", "DELETE"]),
            Route("/_devstack/streams", streams),
        ]
    )


def _error(status: int, message: str) -> Response:
    kind = "server_error" if status >= 500 else "invalid_request_error"
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": str(status)}}, status_code=status
    )


def _completion(
    completion_id: str, created: int, model: str, reply: Reply, call_id: str, messages: list[dict[str, Any]]
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_call is not None:
        message["tool_calls"] = [_tool_call_json(reply, call_id)]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if reply.tool_call else "stop",
            }
        ],
        "usage": _usage(messages, len(_pieces(reply.text)) or 1),
    }


def _tool_call_json(reply: Reply, call_id: str) -> dict[str, Any]:
    assert reply.tool_call is not None
    arguments = json.dumps(reply.tool_call.arguments)
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": reply.tool_call.name, "arguments": arguments},
    }


def _chunks(
    completion_id: str,
    created: int,
    model: str,
    reply: Reply,
    call_id: str,
    messages: list[dict[str, Any]],
    *,
    include_usage: bool,
    fail_midway: bool,
) -> list[dict[str, Any] | None]:
    """The stream as chunk dicts; `None` marks where a pacing delay goes (between content deltas)."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    out: list[dict[str, Any] | None] = []
    if reply.tool_call is not None:
        arguments = json.dumps(reply.tool_call.arguments)
        first = {
            "index": 0,
            "id": call_id,
            "type": "function",
            "function": {"name": reply.tool_call.name, "arguments": ""},
        }
        out.append(chunk({"role": "assistant", "content": None, "tool_calls": [first]}))
        for start in range(0, len(arguments), 24):
            out.append(
                chunk(
                    {"tool_calls": [{"index": 0, "function": {"arguments": arguments[start : start + 24]}}]}
                )
            )
        out.append(chunk({}, "tool_calls"))
        count = max(1, len(arguments) // 4)
    else:
        pieces = _pieces(reply.text)
        out.append(chunk({"role": "assistant", "content": ""}))
        for number, piece in enumerate(pieces):
            if fail_midway and number == min(5, len(pieces) // 2):
                out.append(
                    {
                        "error": {
                            "message": "scripted mid-stream failure",
                            "type": "server_error",
                            "code": "500",
                        }
                    }
                )
                return out
            out.append(None)
            out.append(chunk({"content": piece}))
        out.append(chunk({}, "stop"))
        count = len(pieces)
    if include_usage:
        usage_chunk = chunk({})
        usage_chunk["choices"] = []
        usage_chunk["usage"] = _usage(messages, count)
        out.append(usage_chunk)
    return out


async def _paced(chunks: list[dict[str, Any] | None], delay: float, state: _State) -> AsyncIterator[bytes]:
    state.streams["active"] += 1
    outcome = "cancelled"
    try:
        failed = False
        for item in chunks:
            if item is None:
                if delay > 0:
                    await asyncio.sleep(delay)
                continue
            failed = "error" in item
            yield f"data: {json.dumps(item)}\n\n".encode()
        if not failed:
            yield b"data: [DONE]\n\n"
        outcome = "completed"
    finally:
        state.streams["active"] -= 1
        state.streams[outcome] += 1
