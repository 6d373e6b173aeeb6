"""Dependencies shared by the routers."""

from __future__ import annotations

from fastapi import Request

from relay.state import RelayState


async def relay_state(request: Request) -> RelayState:
    # async: FastAPI runs a plain-def dependency in a worker thread, a thread hop on every request
    state: RelayState = request.app.state.relay
    return state
