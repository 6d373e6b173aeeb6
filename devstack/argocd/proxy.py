"""The proxy extension `/extensions/<name>/…` and the direct route `/assistant/…` of an Argo CD host.

Both stream the backend's answer through as it arrives (SSE included) with one long-lived httpx2 client,
and close the upstream request as soon as the browser goes away.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from urllib.parse import urlsplit

import anyio
import httpx2
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from devstack.argocd import world
from devstack.argocd.access import world_of
from devstack.argocd.auth import claims_or_none, cookie_token
from devstack.argocd.config import SimulatorConfig
from devstack.argocd.tokens import Claims

EXTENSION_NAME = "assistant"
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
# Hop-by-hop headers (RFC 9110 §7.6.1) plus those the client library sets itself.
_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authenticate",
    "proxy-authorization",
    "host",
    "content-length",
}


class Upstreams:
    """The one HTTP client both routes share for the life of the app."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.client = httpx2.AsyncClient(
            timeout=httpx2.Timeout(connect=5.0, read=None, write=30.0, pool=30.0),
            limits=httpx2.Limits(max_connections=200, max_keepalive_connections=50),
            follow_redirects=False,
        )

    async def __aenter__(self) -> Upstreams:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.client.aclose()


def _forward_headers(request: Request, drop: set[str]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP | drop]


async def _relay(request: Request, url: str, headers: list[tuple[str, str]]) -> Response:
    upstreams: Upstreams = request.app.state.upstreams
    client = upstreams.client
    body = await request.body()
    upstream_request = client.build_request(request.method, url, headers=headers, content=body or None)
    try:
        upstream = await client.send(upstream_request, stream=True)
    except httpx2.HTTPError:
        return PlainTextResponse("Bad Gateway", status_code=502)

    async def stream() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
        finally:
            # Runs on normal end and when the browser disconnects (the stream task is cancelled).
            with anyio.CancelScope(shield=True):
                await upstream.aclose()

    response_headers = {
        k: v for k, v in upstream.headers.items() if k.lower() not in _HOP - {"content-length"}
    }
    return StreamingResponse(stream(), status_code=upstream.status_code, headers=response_headers)


def _target(base: str, rest: str, query: str) -> str:
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}/{rest}" + (f"?{query}" if query else "")


def _authorize(request: Request, claims: Claims | None, app_header: str, project: str) -> bool:
    if claims is None:
        return False
    namespace, _, name = app_header.partition(":")
    app = world_of(request).find_app(name, namespace)
    enforcer = request.app.state.enforcer
    return (
        app is not None
        and enforcer.enforce(claims.subjects, "applications", "get", app.rbac_name())
        and app.project == project
        and enforcer.enforce(claims.subjects, "extensions", "invoke", EXTENSION_NAME)
    )


async def extension_proxy(request: Request) -> Response:
    config: SimulatorConfig = request.app.state.config
    if request.path_params["extension"] != EXTENSION_NAME or not config.extension_url:
        return PlainTextResponse("404 page not found\n", status_code=404)
    app_header = request.headers.get("argocd-application-name", "")
    project = request.headers.get("argocd-project-name", "")
    if not app_header:
        return PlainTextResponse('Invalid headers: header "Argocd-Application-Name" must be provided\n', 400)
    if app_header.count(":") != 1:
        return PlainTextResponse(
            "Invalid headers: error getting app details: invalid value for namespaced app "
            "name: expected namespace:name\n",
            400,
        )
    if not project:
        return PlainTextResponse('Invalid headers: header "Argocd-Project-Name" must be provided\n', 400)
    claims = claims_or_none(cookie_token(request))  # the proxy reads the cookie only
    if claims is None or not _authorize(request, claims, app_header, project):
        return PlainTextResponse("Unauthorized extension request\n", status_code=401)
    headers = _forward_headers(
        request, {"authorization", "cookie", *(h.lower() for h in config.extension_headers)}
    )
    headers = [(k, v) for k, v in headers if k.lower() not in _set_by_argocd(claims)]
    headers += list(config.extension_headers.items())
    headers += list(_set_by_argocd(claims).items())
    return await _relay(
        request, _target(config.extension_url, request.path_params["rest"], request.url.query), headers
    )


def _set_by_argocd(claims: Claims) -> dict[str, str]:
    values = {
        "argocd-namespace": world.ARGOCD_NAMESPACE,
        "argocd-target-cluster-url": world.CLUSTER_URL,
        "argocd-user-id": claims.username,
        "argocd-username": claims.username,
        "argocd-user-groups": ",".join(claims.groups),
    }
    return {k: v for k, v in values.items() if v}


async def direct_route(request: Request) -> Response:
    """An Ingress rule (Prefix `/assistant/api`, no rewrite) in front of the relay on the Argo CD host."""
    config: SimulatorConfig = request.app.state.config
    if not config.direct_route_url:
        return PlainTextResponse("404 page not found\n", status_code=404)
    url = _target(config.direct_route_url, "assistant/api/" + request.path_params["rest"], request.url.query)
    return await _relay(request, url, _forward_headers(request, set()))


def routes() -> list[BaseRoute]:
    return [
        Route("/extensions/{extension}/{rest:path}", extension_proxy, methods=METHODS),
        Route("/assistant/api/{rest:path}", direct_route, methods=METHODS),
    ]
