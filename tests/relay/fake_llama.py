"""A llama-stack stand-in for what the real one never sends: scripted Responses streams that echo the caller's
token back (as a misbehaving model or upstream might) or are malformed, chosen by the question's text."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


def _frame(event: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(event)}\n\n".encode()


def _events(question: str, token: str) -> list[dict[str, Any]]:
    created = {"type": "response.created", "response": {"id": "resp_fake"}}
    if "[[broken]]" in question:
        return [created, {"type": "response.output_text.delta", "delta": "Half an"}]
    if "[[typed-error]]" in question:
        # OGX (and OpenAI) report a failure inside the stream as a typed `error` event
        return [
            created,
            {
                "type": "error",
                "code": "model_not_found",
                "message": "Model 'nope' not found",
                "sequence_number": 1,
            },
        ]
    if "[[typed-mcp-error]]" in question:
        failure = "Failed to list MCP tools from http://mcp.invalid/mcp: connection refused"
        return [created, {"type": "error", "code": "server_error", "message": failure, "sequence_number": 1}]
    if "[[malformed]]" in question:
        # `response` should be an object: the relay's translation fails in a way it does not expect
        return [{"type": "response.created", "response": f"not an object {token}"}]
    if "[[arguments]]" in question:
        call = {
            "type": "mcp_call",
            "id": "call_1",
            "name": "get_events",
            "arguments": json.dumps(
                {"application": "checkout", "note": f"as {token}", "password": "hunter2"}
            ),
        }
        big = {**call, "id": "call_2", "arguments": json.dumps({"application": "x" * 5000, "t": token})}
        return [
            created,
            {"type": "response.output_item.added", "item": call},
            {
                "type": "response.output_item.done",
                "item": {**call, "output": "Events of Pod/x, newest first:"},
            },
            {"type": "response.output_item.added", "item": big},
            {"type": "response.output_item.done", "item": {**big, "output": "ok"}},
            {"type": "response.output_text.delta", "delta": "done"},
            {"type": "response.completed", "response": {"id": "resp_fake", "usage": {"total_tokens": 1}}},
        ]
    return [created, {"type": "response.completed", "response": {"id": "resp_fake"}}]


class BrokenStream(Exception):
    """Raised inside a stream: the server drops the connection mid-answer."""


def create_fake_llama() -> Starlette:
    async def responses(request: Request) -> Response:
        body = await request.json()
        token = str(body["tools"][0].get("authorization", ""))
        content = body["input"][-1]["content"]
        question = str(content[-1]["text"] if isinstance(content, list) else content)
        if "[[refused]]" in question:
            return JSONResponse({"detail": "temperature must be at most 2"}, status_code=400)

        async def stream() -> AsyncIterator[bytes]:
            for event in _events(question, token):
                yield _frame(event)
            if "[[broken]]" in question:
                raise BrokenStream("the connection drops before the answer is complete")
            if "[[stall]]" in question:
                await anyio.sleep_forever()  # the connection stays open; nothing more is sent

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def models(_: Request) -> JSONResponse:
        return JSONResponse({"data": [{"identifier": "fake/model", "id": "fake/model", "model_type": "llm"}]})

    return Starlette(
        routes=[Route("/v1/responses", responses, methods=["POST"]), Route("/v1/models", models)]
    )
