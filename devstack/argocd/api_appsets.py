"""`/api/v1/applicationsets` and `/api/v1/applicationsets/{name}`, as Argo CD's ApplicationSet server.

List: RBAC-filtered (`applicationsets, get, <template project>/<name>`), then by `projects`, sorted by
name; none → `"items": null`. Get: unlike applications it does not hide existence: a missing one is 404,
a forbidden one 403 with the enforcer's detailed message.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from devstack.argocd import world
from devstack.argocd.access import world_of
from devstack.argocd.api import api_errors, enforcer_of
from devstack.argocd.auth import authenticate
from devstack.argocd.errors import NOT_FOUND, UNKNOWN, ApiError, enforce_denied
from devstack.argocd.selectors import parse_selector


@api_errors
async def list_applicationsets(request: Request) -> Response:
    claims = authenticate(request)
    query = request.query_params
    try:
        matches = parse_selector(query.get("selector", ""))
    except ApiError as exc:
        reason = exc.message.removeprefix("error parsing label selector: ")
        raise ApiError(UNKNOWN, f"error parsing the selector: {reason}") from None
    namespace = query.get("appsetNamespace", "")
    projects = query.getlist("projects")
    items = [
        appset.body
        for appset in sorted(world_of(request).appsets, key=lambda a: a.name)
        if (not namespace or appset.namespace == namespace)
        and appset.namespace in world.ENABLED_NAMESPACES
        and matches(appset.labels)
        and enforcer_of(request).enforce(claims.subjects, "applicationsets", "get", appset.rbac_name())
        and (not projects or appset.project in projects)
    ]
    return JSONResponse({"metadata": {"resourceVersion": "88107"}, "items": items or None})


@api_errors
async def get_applicationset(request: Request) -> Response:
    claims = authenticate(request)
    name = request.path_params["name"]
    namespace = request.query_params.get("appsetNamespace", "") or world.ARGOCD_NAMESPACE
    if namespace not in world.ENABLED_NAMESPACES:
        raise ApiError(UNKNOWN, f"namespace '{namespace}' is not permitted")
    appset = world_of(request).find_appset(name, namespace)
    if appset is None:
        raise ApiError(
            NOT_FOUND, f'error getting ApplicationSet: applicationset.argoproj.io "{name}" not found'
        )
    if not enforcer_of(request).enforce(claims.subjects, "applicationsets", "get", appset.rbac_name()):
        raise enforce_denied(claims, "applicationsets", "get", appset.rbac_name())
    return JSONResponse(appset.body)
