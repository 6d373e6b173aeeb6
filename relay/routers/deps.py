"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Any

import aiohttp
import pydantic
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.responses import Response

from relay.bodies import BodyError, parse_json
from relay.errors import RelayHTTPError
from relay.state import RelayState


async def relay_state(request: Request) -> RelayState:
    # async: FastAPI runs a plain-def dependency in a worker thread, a thread hop on every request
    state: RelayState = request.app.state.relay
    return state


def parse_body[M: BaseModel](raw: bytes, model: type[M]) -> M:
    """A JSON body validated as `model`, failing as FastAPI's own validation does (400, located under
    `body`): for routes that read their body themselves (to cap it, or to hand it on to another replica)."""
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
    try:
        value: Any = parse_json(raw)
    except BodyError as exc:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": str(exc)}]) from None
    try:
        return model.model_validate(value)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


# Set on an answer one replica hands on to another: it is never handed on again.
FORWARDED = "x-assistant-forwarded"


async def hand_on(
    state: RelayState, owner: str, path: str, raw: bytes, headers: dict[str, str], what: str
) -> Response:
    """`raw` posted to `path` of the replica `owner` whose stream waits for it (several replicas), once:
    its reply is this request's reply; `what` names what was handed on when that replica is unreachable."""
    try:
        async with state.replica_http().post(
            f"{owner.rstrip('/')}{path}", data=raw, headers={**headers, FORWARDED: "1"}, allow_redirects=False
        ) as reply:
            content = await reply.content.read(4096)
            return Response(content, status_code=reply.status, media_type=reply.content_type)
    except (aiohttp.ClientError, TimeoutError):
        state.metrics.errors.labels("replica_unreachable").inc()
        raise RelayHTTPError(
            502,
            "replica_unreachable",
            f"The relay replica answering this question could not be reached to hand it {what}.",
        ) from None
