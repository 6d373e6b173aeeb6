"""`/healthz` (the process answers; `?detail=true` adds its dependencies), `/readyz` (this pod takes new
answers), `/metrics`.

Readiness is about the pod itself: were it to follow llama-stack or Argo CD, every replica would leave the
Service at once when a dependency blips, and the users would get connection errors instead of the clear
`error` event an answer sends when a dependency is down. A pod that is shutting down is not ready, so new
answers go to the other replicas while its open streams finish."""

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

# Below the probes' 3 s timeout, in case a probe is pointed at the detail.
_CHECK_TIMEOUT = 2.0


@router.get("/healthz", response_model=HealthResponse)
async def healthz(state: Annotated[RelayState, Depends(relay_state)], detail: bool = False) -> HealthResponse:
    """Always 200 while the process answers (liveness); with `detail=true`, whether llama-stack and Argo CD
    are reachable now (also the `relay_dependency_up` metric)."""
    if not detail:
        return HealthResponse(status="ok")
    results: dict[str, str] = {}
    async with anyio.create_task_group() as group:
        group.start_soon(_check_llama, state, results)
        group.start_soon(_check_argocd, state, results)
    for name, value in results.items():
        state.metrics.dependency_up.labels(name).set(1 if value == "ok" else 0)
    return HealthResponse(status="ok", checks=dict(sorted(results.items())))


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
    if state.open_streams.closing:
        body = HealthResponse(status="shutting down")
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(HealthResponse(status="ok").model_dump())


@router.get("/metrics", response_class=Response, summary="Prometheus metrics.")
async def metrics(state: Annotated[RelayState, Depends(relay_state)]) -> Response:
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
