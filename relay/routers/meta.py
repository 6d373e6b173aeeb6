"""`GET /api/config`: what the UI needs to know about this relay."""

from __future__ import annotations

import contextlib
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends

from relay.routers.deps import relay_state
from relay.schemas import ConfigResponse
from relay.state import RelayState

router = APIRouter(tags=["config"])


@router.get("/api/config", response_model=ConfigResponse, summary="Model, identity modes and log limits.")
async def config(state: Annotated[RelayState, Depends(relay_state)]) -> ConfigResponse:
    model = state.known_model
    if model is None:
        # llama-stack may not be up yet: answer anyway, with no model name
        with contextlib.suppress(Exception), anyio.move_on_after(3):
            model = await state.model()
    limits = state.config.limits
    return ConfigResponse(
        model=model,
        identity_modes=list(state.config.identity.modes),
        log_lines_default=limits.log_lines_default,
        log_lines_max=limits.log_lines_max,
        feedback=state.config.feedback.enabled,
    )
