"""Finding an application as Argo CD's getAppEnforceRBAC does.

Without `project` a forbidden and a missing app both answer 403 (existence is hidden); with it, 404.
Every lookup goes through the instance's world (`world_of`): the default one, or it extended by scenarios,
with the instance's own writes (sync, rollback, resource actions) over it."""

from __future__ import annotations

from starlette.requests import Request

from devstack.argocd.errors import app_not_found, permission_denied
from devstack.argocd.rbac import Enforcer
from devstack.argocd.state import WriteState
from devstack.argocd.tokens import Claims
from devstack.argocd.world import ARGOCD_NAMESPACE, DEFAULT_WORLD, ENABLED_NAMESPACES, App, World


def state_of(request: Request) -> WriteState:
    """What this simulator instance has written (`app.state.writes`, set by create_app)."""
    writes: WriteState = request.app.state.writes
    return writes


def world_of(request: Request) -> World:
    """The world this simulator instance serves (`app.state.world`, set by create_app), with what the
    instance has written over it (`app.state.writes`)."""
    world: World = getattr(request.app.state, "world", DEFAULT_WORLD)
    writes: WriteState | None = getattr(request.app.state, "writes", None)
    return writes.view(world) if writes is not None else world


def rbac_name(project: str, namespace: str, name: str) -> str:
    if namespace in ("", ARGOCD_NAMESPACE):
        return f"{project}/{name}"
    return f"{project}/{namespace}/{name}"


def get_app(
    enforcer: Enforcer,
    claims: Claims,
    request: Request,
    name: str,
    action: str = "get",
    *,
    project: str | None = None,
    app_namespace: str | None = None,
) -> App:
    """`project` and `app_namespace` come from the query unless given (a POST's body)."""
    if project is None:
        project = request.query_params.get("project", "")
    if app_namespace is None:
        app_namespace = request.query_params.get("appNamespace", "")
    namespace = app_namespace or ARGOCD_NAMESPACE
    subjects = claims.subjects
    if project and not enforcer.enforce(
        subjects, "applications", action, rbac_name(project, namespace, name)
    ):
        raise permission_denied()
    app = world_of(request).find_app(name, namespace) if namespace in ENABLED_NAMESPACES else None
    if app is None:
        raise app_not_found(name) if project else permission_denied()
    if not enforcer.enforce(subjects, "applications", action, app.rbac_name()):
        raise app_not_found(name) if project else permission_denied()
    if project and app.project != project:
        raise app_not_found(name)
    return app
