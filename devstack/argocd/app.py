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
from devstack.argocd.rbac import Enforcer
from devstack.argocd.requestlog import RequestLog, RequestLogMiddleware
from devstack.argocd.scenarios import load_world
from devstack.argocd.world import DEFAULT_WORLD


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    config = config or SimulatorConfig()
    request_log = RequestLog()

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def requests_log(request: Request) -> Response:
        if request.method == "DELETE":
            request_log.entries.clear()
            return JSONResponse([])
        return JSONResponse(list(request_log.entries))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with proxy.Upstreams(config) as upstreams:
            app.state.upstreams = upstreams
            yield

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/_devstack/requests", requests_log, methods=["GET", "DELETE"]),
        *api.routes(),
        *proxy.routes(),
        *static.routes(config),
    ]
    app = Starlette(
        routes=routes, lifespan=lifespan, middleware=[Middleware(RequestLogMiddleware, log=request_log)]
    )
    app.state.enforcer = Enforcer()
    # What this instance serves; scenarios extend a copy, never the module-level default world.
    app.state.world = load_world(config.scenarios_dir) if config.scenarios_dir else DEFAULT_WORLD
    app.state.config = config
    app.state.request_log = request_log
    return app
