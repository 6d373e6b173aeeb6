"""A minimal stand-in for llama-stack's streaming `/v1/responses`, for load the real server cannot carry.

Five hundred open streams through llama-stack on two cores would measure llama-stack, not the relay; this
server streams `response.output_text.delta` events at a fixed pace with almost no cost per stream, in the
wire format llama-stack uses (`data: {json}` frames only). Only the open-streams benchmark uses it.

`python -m bench.fake_responses --port N [--delay-ms MS] [--tokens N]`
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
from collections.abc import AsyncIterator, Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

MODEL_ID = "dev/dev-model"


def _frame(event: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


def create_app(delay: float, tokens: int) -> Starlette:
    ids = itertools.count(1)
    counters = {"open": 0, "completed": 0, "cancelled": 0}

    async def stream(response_id: str, model: str) -> AsyncIterator[bytes]:
        counters["open"] += 1
        outcome = "cancelled"
        base: dict[str, Any] = {"id": response_id, "object": "response", "model": model, "created_at": 0}
        try:
            yield _frame(
                {
                    "type": "response.created",
                    "sequence_number": 0,
                    "response": {**base, "status": "in_progress", "output": []},
                }
            )
            item_id = f"msg_{response_id}"
            yield _frame(
                {
                    "type": "response.output_item.added",
                    "sequence_number": 1,
                    "output_index": 0,
                    "item": {
                        "id": item_id,
                        "type": "message",
                        "role": "assistant",
                        "status": "in_progress",
                        "content": [],
                    },
                }
            )
            for n in range(tokens):
                await asyncio.sleep(delay)
                yield _frame(
                    {
                        "type": "response.output_text.delta",
                        "sequence_number": n + 2,
                        "item_id": item_id,
                        "output_index": 0,
                        "content_index": 0,
                        "delta": f" word{n}",
                    }
                )
            text = "".join(f" word{n}" for n in range(tokens))
            usage = {"input_tokens": 10, "output_tokens": tokens, "total_tokens": tokens + 10}
            message = {
                "id": item_id,
                "type": "message",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
            yield _frame(
                {
                    "type": "response.completed",
                    "sequence_number": tokens + 2,
                    "response": {**base, "status": "completed", "output": [message], "usage": usage},
                }
            )
            outcome = "completed"
        finally:
            counters["open"] -= 1
            counters[outcome] += 1

    async def responses(request: Request) -> Response:
        body = await request.json()
        response_id = f"resp_{next(ids)}"
        model = str(body.get("model") or MODEL_ID)
        return StreamingResponse(
            stream(response_id, model), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    async def models(_: Request) -> Response:
        model = {
            "id": MODEL_ID,
            "object": "model",
            "created": 0,
            "owned_by": "bench",
            "custom_metadata": {"model_type": "llm"},
        }
        return JSONResponse({"object": "list", "data": [model]})

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "OK"})

    async def streams(_: Request) -> Response:
        return JSONResponse(counters)

    return Starlette(
        routes=[
            Route("/v1/responses", responses, methods=["POST"]),
            Route("/v1/models", models),
            Route("/v1/health", health),
            Route("/_bench/streams", streams),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    cli = argparse.ArgumentParser(prog="python -m bench.fake_responses", description=__doc__)
    cli.add_argument("--host", default="127.0.0.1")
    cli.add_argument("--port", type=int, required=True)
    cli.add_argument("--delay-ms", type=float, default=500.0, help="pause before each text delta")
    cli.add_argument("--tokens", type=int, default=600, help="text deltas per answer")
    args = cli.parse_args(argv)
    app = create_app(args.delay_ms / 1000, args.tokens)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", backlog=2048)
    return 0


if __name__ == "__main__":
    sys.exit(main())
