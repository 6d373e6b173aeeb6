"""`create_app(config) -> FastAPI`: the relay's routes, error handlers, middleware and long-lived clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from relay.config import RelayConfig
from relay.errors import install_error_handlers, without_validation_422
from relay.logfilter import install_log_filters
from relay.metrics import RelayMetrics
from relay.middleware import PublicPaths, RequestMiddleware
from relay.routers import approvals, chat, feedback, health, internal, meta, reads
from relay.sse import OpenStreams
from relay.state import RelayState, make_argocd_client, make_llama_client, make_responses_upstream


def create_app(config: RelayConfig) -> FastAPI:
    """`app.state.open_streams` (an `OpenStreams`) ends every open answer when called `close_all()`: the
    server calls it as it begins shutting down (`relay.__main__.RelayServer`)."""
    install_log_filters()
    metrics = RelayMetrics()
    open_streams = OpenStreams()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One client per upstream for the whole process: a client per request costs latency and memory.
        state = RelayState(
            config=config,
            llama=make_llama_client(config),
            responses=make_responses_upstream(config),
            argocd=make_argocd_client(config),
            metrics=metrics,
            open_streams=open_streams,
        )
        app.state.relay = state
        try:
            yield
        finally:
            await state.aclose()

    app = FastAPI(
        title="Argo CD Assistant relay",
        version="0.1.0",
        summary="Identifies the user, calls llama-stack with the Argo CD tools, streams SSE.",
        lifespan=lifespan,
    )
    app.state.open_streams = open_streams
    install_error_handlers(app)
    _openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = without_validation_422(_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.include_router(chat.router)
    app.include_router(reads.router)
    app.include_router(approvals.router)
    app.include_router(feedback.router)
    app.include_router(internal.router)
    app.include_router(meta.router)
    app.include_router(health.router)
    app.add_middleware(
        RequestMiddleware,
        metrics=metrics,
        max_bytes=config.limits.max_request_bytes,
        # an Argo CD answer the browser posts back may be larger than any question
        route_limits={"/api/argocd-responses": reads.route_limit(config.limits.browser_read_max_bytes)},
        direct=chat.ChatRoute(app),  # answers POST /api/chat ahead of FastAPI (see ChatEndpoint)
    )
    # outermost: internal endpoints are never served to what came through the Argo CD host
    identity = config.identity
    app.add_middleware(
        PublicPaths,
        prefix=config.http.direct_route_prefix,
        proxy_headers=("Argocd-Application-Name", identity.proxy_secret_header),
    )
    return app
