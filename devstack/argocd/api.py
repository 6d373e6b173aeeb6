"""The Argo CD REST endpoints the assistant uses (besides logs): session, account, applications.

The write endpoints (sync, rollback, resource actions) are in api_actions."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from devstack.argocd import kube, world
from devstack.argocd.access import get_app, state_of, world_of
from devstack.argocd.auth import authenticate, claims_or_none, request_token
from devstack.argocd.errors import INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED, ApiError
from devstack.argocd.fields import filter_fields, parse_fields
from devstack.argocd.kube import JSON
from devstack.argocd.masking import hide_secret_data
from devstack.argocd.rbac import Enforcer
from devstack.argocd.selectors import parse_selector
from devstack.argocd.tokens import login, split_cookie

Handler = Callable[[Request], Awaitable[Response]]
RBAC_ACTIONS = ["get", "create", "update", "delete", "sync", "override", "action", "invoke"]
RBAC_RESOURCES = [
    "clusters",
    "projects",
    "applications",
    "applicationsets",
    "repositories",
    "write-repositories",
    "certificates",
    "accounts",
    "gpgkeys",
    "logs",
    "exec",
    "extensions",
]


def api_errors(handler: Handler) -> Handler:
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return exc.response()

    return wrapped


def enforcer_of(request: Request) -> Enforcer:
    enforcer: Enforcer = request.app.state.enforcer
    return enforcer


AUTH_COOKIE = "argocd.token"
# Argo CD's setTokenCookie flags for a plain-HTTP server (`Secure` only with TLS) at the root path.
_COOKIE_FLAGS = "path=/; SameSite=lax; httpOnly"
_MAX_COOKIE_LENGTH = 4093  # util/http: browsers cap a cookie at 4 KiB; longer tokens are split


def token_cookies(token: str) -> list[str]:
    """Set-Cookie values for a token, as Argo CD: `argocd.token=<n>:<part>`, `argocd.token-1=…` when long."""
    max_value = _MAX_COOKIE_LENGTH - (len(AUTH_COOKIE) + 3) - (len(_COOKIE_FLAGS) + 2)
    return [f"{name}={value}; {_COOKIE_FLAGS}" for name, value in split_cookie(token, max_value).items()]


@api_errors
async def create_session(request: Request) -> Response:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ApiError(INVALID_ARGUMENT, "invalid request body") from None
    token = login(str(body.get("username", "")), str(body.get("password", "")))
    if token is None:
        raise ApiError(UNAUTHENTICATED, "Invalid username or password")
    # Like Argo CD (translateGrpcCookieHeader): the token in the body AND as an httpOnly cookie the page's
    # JavaScript cannot read.
    response = JSONResponse({"token": token})
    for cookie in token_cookies(token):
        response.headers.append("set-cookie", cookie)
    return response


async def delete_session(request: Request) -> Response:
    """Logs out: expires every `argocd.token*` cookie, as Argo CD's logout does."""
    response = JSONResponse({})
    names = {AUTH_COOKIE} | {name for name in request.cookies if name.startswith(AUTH_COOKIE + "-")}
    for name in sorted(names):
        response.headers.append("set-cookie", f"{name}=; {_COOKIE_FLAGS}; Max-Age=0")
    return response


async def userinfo(request: Request) -> Response:
    claims = claims_or_none(request_token(request))
    if claims is None:
        return JSONResponse({})
    return JSONResponse(
        {"loggedIn": True, "username": claims.username, "iss": claims.issuer, "groups": list(claims.groups)}
    )


@api_errors
async def can_i(request: Request) -> Response:
    claims = authenticate(request)
    resource, action = request.path_params["resource"], request.path_params["action"]
    if action not in RBAC_ACTIONS:
        raise ApiError(INVALID_ARGUMENT, f"[{' '.join(RBAC_ACTIONS)}] does not contain {action}")
    if resource not in RBAC_RESOURCES:
        raise ApiError(INVALID_ARGUMENT, f"[{' '.join(RBAC_RESOURCES)}] does not contain {resource}")
    allowed = enforcer_of(request).enforce(
        claims.subjects, resource, action, request.path_params["subresource"]
    )
    return JSONResponse({"value": "yes" if allowed else "no"})


@api_errors
async def list_applications(request: Request) -> Response:
    claims = authenticate(request)
    query = request.query_params
    matches = parse_selector(query.get("selector", ""))
    namespace = query.get("appNamespace", "")
    projects = query.getlist("projects") or query.getlist("project")
    name = query.get("name", "")
    items = [
        world.application(app)
        for app in sorted(world_of(request).apps, key=lambda a: a.name)
        if (not namespace or app.namespace == namespace)
        and app.namespace in world.ENABLED_NAMESPACES
        and enforcer_of(request).enforce(claims.subjects, "applications", "get", app.rbac_name())
        and (not name or app.name == name)
        and (not projects or app.project in projects)
        and matches(app.labels)
    ]
    answer = {"metadata": {"resourceVersion": "90211"}, "items": items or None}
    fields, exclude = parse_fields(query.get("fields", ""))
    return JSONResponse(filter_fields(answer, fields, exclude))


@api_errors
async def get_application(request: Request) -> Response:
    """With `refresh` (normal or hard) Argo CD asks the controller to compare again and answers the
    refreshed app: here the comparison finds what it found before, only `status.reconciledAt` moves."""
    app = get_app(enforcer_of(request), authenticate(request), request, request.path_params["name"])
    if "refresh" in request.query_params:
        app = state_of(request).writable(app)
        app.reconciled_at = kube.rfc3339(datetime.now(UTC))
    return JSONResponse(world.application(app))


@api_errors
async def resource_tree(request: Request) -> Response:
    app = get_app(enforcer_of(request), authenticate(request), request, request.path_params["name"])
    return JSONResponse(world.resource_tree(app))


def _matches(query: Any, item: JSON, fields: dict[str, str]) -> bool:
    return all(not query.get(param) or item.get(key, "") == query.get(param) for param, key in fields.items())


@api_errors
async def managed_resources(request: Request) -> Response:
    app = get_app(enforcer_of(request), authenticate(request), request, request.path_params["name"])
    fields = {"namespace": "namespace", "name": "name", "group": "group", "kind": "kind"}
    items = []
    for item in world.managed_resources(app):
        if not _matches(request.query_params, item, fields):
            continue
        states = ("targetState", "liveState", "normalizedLiveState", "predictedLiveState")
        parsed = [json.loads(item[k]) for k in states]
        item = {
            **item,
            **{k: world.manifest_json(v) for k, v in zip(states, hide_secret_data(*parsed), strict=True)},
        }
        items.append(item)
    return JSONResponse({"items": items})


def find_node(app: world.App, group: str, kind: str, namespace: str, name: str) -> JSON | None:
    for obj in app.objects:
        meta = obj["metadata"]
        if (kube.group_of(obj["apiVersion"]), obj["kind"], meta["namespace"], meta["name"]) == (
            group,
            kind,
            namespace,
            name,
        ):
            return obj
    return None


@api_errors
async def get_resource(request: Request) -> Response:
    app = get_app(enforcer_of(request), authenticate(request), request, request.path_params["name"])
    q = request.query_params
    kind, group, name = q.get("kind", ""), q.get("group", ""), q.get("resourceName", "")
    obj = find_node(app, group, kind, q.get("namespace", ""), name)
    if obj is None:
        raise ApiError(INVALID_ARGUMENT, f"{kind} {group} {name} not found as part of application {app.name}")
    (masked,) = hide_secret_data(obj)
    return JSONResponse({"manifest": json.dumps(masked, separators=(",", ":"))})


@api_errors
async def list_events(request: Request) -> Response:
    app = get_app(enforcer_of(request), authenticate(request), request, request.path_params["name"])
    q = request.query_params
    uid, name, namespace = q.get("resourceUID", ""), q.get("resourceName", ""), q.get("resourceNamespace", "")
    if not (uid or name or namespace):
        return JSONResponse({"metadata": {}, "items": world.app_events(app)})
    found = any(
        o["metadata"]["uid"] == uid
        and o["metadata"]["name"] == name
        and o["metadata"]["namespace"] == namespace
        for o in app.objects
    )
    if not found:
        raise ApiError(INVALID_ARGUMENT, f"{name} not found as part of application {app.name}")
    return JSONResponse({"metadata": {}, "items": world.resource_events(app, uid)})


async def api_not_found(request: Request) -> Response:
    return ApiError(NOT_FOUND, "Not Found").response()


def routes() -> list[BaseRoute]:
    from devstack.argocd.api_actions import (
        list_resource_actions,
        rollback_application,
        run_resource_action,
        run_resource_action_v2,
        sync_application,
    )
    from devstack.argocd.api_appsets import get_applicationset, list_applicationsets
    from devstack.argocd.api_revisions import chart_details, revision_metadata
    from devstack.argocd.podlogs import pod_logs

    base = "/api/v1/applications/{name}"
    return [
        Route("/api/v1/session", create_session, methods=["POST"]),
        Route("/api/v1/session", delete_session, methods=["DELETE"]),
        Route("/api/v1/session/userinfo", userinfo, methods=["GET"]),
        Route("/api/v1/account/can-i/{resource}/{action}/{subresource:path}", can_i, methods=["GET"]),
        Route("/api/v1/applications", list_applications, methods=["GET"]),
        Route(base, get_application, methods=["GET"]),
        Route(base + "/resource-tree", resource_tree, methods=["GET"]),
        Route(base + "/managed-resources", managed_resources, methods=["GET"]),
        Route(base + "/resource", get_resource, methods=["GET"]),
        Route(base + "/sync", sync_application, methods=["POST"]),
        Route(base + "/rollback", rollback_application, methods=["POST"]),
        Route(base + "/resource/actions", list_resource_actions, methods=["GET"]),
        Route(base + "/resource/actions", run_resource_action, methods=["POST"]),
        Route(base + "/resource/actions/v2", run_resource_action_v2, methods=["POST"]),
        Route(base + "/events", list_events, methods=["GET"]),
        Route(base + "/logs", pod_logs, methods=["GET"]),
        Route(base + "/pods/{podName}/logs", pod_logs, methods=["GET"]),
        Route(base + "/revisions/{revision}/metadata", revision_metadata, methods=["GET"]),
        Route(base + "/revisions/{revision}/chartdetails", chart_details, methods=["GET"]),
        Route("/api/v1/applicationsets", list_applicationsets, methods=["GET"]),
        Route("/api/v1/applicationsets/{name}", get_applicationset, methods=["GET"]),
        Route("/api/{rest:path}", api_not_found),
    ]
