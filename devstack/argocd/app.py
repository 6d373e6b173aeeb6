"""The ASGI application of the Argo CD simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from devstack.argocd import api, proxy, static
from devstack.argocd.config import SimulatorConfig
from devstack.argocd.content_types import EnforceContentTypes
from devstack.argocd.rbac import Enforcer
from devstack.argocd.requestlog import RequestLog, RequestLogMiddleware
from devstack.argocd.scenarios import load_world
from devstack.argocd.state import WriteState
from devstack.argocd.world import DEFAULT_WORLD


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    config = config or SimulatorConfig()
    request_log = RequestLog()
    writes = WriteState(config.operation_delay)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def requests_log(request: Request) -> Response:
        if request.method == "DELETE":
            request_log.entries.clear()
            return JSONResponse([])
        return JSONResponse(list(request_log.entries))

    async def forget_writes(request: Request) -> Response:
        writes.clear()
        return JSONResponse({})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with proxy.Upstreams(config) as upstreams:
            app.state.upstreams = upstreams
            yield

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/_devstack/requests", requests_log, methods=["GET", "DELETE"]),
        Route("/_devstack/state", forget_writes, methods=["DELETE"]),
        *api.routes(),
        *proxy.routes(),
        *static.routes(config),
    ]
    middleware = [Middleware(RequestLogMiddleware, log=request_log), Middleware(EnforceContentTypes)]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.enforcer = Enforcer()
    # What this instance serves; scenarios extend a copy, never the module-level default world.
    app.state.world = load_world(config.scenarios_dir) if config.scenarios_dir else DEFAULT_WORLD
    app.state.config = config
    app.state.request_log = request_log
    # What this instance has written (sync, rollback, resource actions) over its world.
    app.state.writes = writes
    return app
