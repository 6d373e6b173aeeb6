"""`/healthz` (the process answers), `/readyz` (llama-stack and Argo CD reachable), `/metrics`."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from relay.routers.deps import relay_state
from relay.schemas import HealthResponse
from relay.state import RelayState

router = APIRouter(tags=["health"])

_CHECK_TIMEOUT = 3.0


@router.get("/healthz", response_model=HealthResponse)
async def healthz() -> HealthResponse:
    return HealthResponse(status="ok")


async def _check_llama(state: RelayState, results: dict[str, str]) -> None:
    try:
        with anyio.fail_after(_CHECK_TIMEOUT):
            await state.llama.inspect.health()
        results["llama_stack"] = "ok"
    except Exception as exc:
        results["llama_stack"] = f"unreachable ({type(exc).__name__})"


async def _check_argocd(state: RelayState, results: dict[str, str]) -> None:
    try:
        with anyio.fail_after(_CHECK_TIMEOUT):
            await state.argocd.userinfo(None)
        results["argocd"] = "ok"
    except Exception as exc:
        results["argocd"] = f"unreachable ({type(exc).__name__})"


@router.get("/readyz", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
async def readyz(state: Annotated[RelayState, Depends(relay_state)]) -> JSONResponse:
    results: dict[str, str] = {}
    async with anyio.create_task_group() as group:
        group.start_soon(_check_llama, state, results)
        group.start_soon(_check_argocd, state, results)
    ready = all(value == "ok" for value in results.values())
    body = HealthResponse(status="ok" if ready else "unavailable", checks=dict(sorted(results.items())))
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response, summary="Prometheus metrics.")
async def metrics(state: Annotated[RelayState, Depends(relay_state)]) -> Response:
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
