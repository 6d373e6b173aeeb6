"""Dependencies shared by the routers."""

from __future__ import annotations

from fastapi import Request

from relay.state import RelayState


def relay_state(request: Request) -> RelayState:
    state: RelayState = request.app.state.relay
    return state
