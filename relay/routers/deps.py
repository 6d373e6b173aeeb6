"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Any

import pydantic
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from relay.bodies import BodyError, parse_json
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
