"""The write endpoints the assistant's action tools use, as Argo CD 3.x's application server answers them.

- `POST /api/v1/applications/{name}/sync` (Server.Sync): the app is looked up with `applications, get`
  (403/404 as every read), then `applications, sync` is enforced with the enforcer's detailed message.
- `POST /api/v1/applications/{name}/rollback` (Server.Rollback): the lookup itself uses `sync`, so a
  refusal is the lookup's (403 "permission denied" / 404 with `project`).
- `GET  /api/v1/applications/{name}/resource/actions` (ListResourceActions): `applications, get`.
- `POST /api/v1/applications/{name}/resource/actions/v2` (RunResourceActionV2, body `*`) and the deprecated
  `POST …/resource/actions` (query parameters, body: the action name as a JSON string): the lookup uses
  `action/<group>/<kind>/<action>`.
What the simulated controller then does is in devstack.argocd.controller; the writes stay in this
instance (devstack.argocd.state).
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from devstack.argocd.access import get_app, state_of, world_of
from devstack.argocd.api import api_errors, enforcer_of, find_node
from devstack.argocd.auth import authenticate
from devstack.argocd.controller import (
    SERVER,
    Plan,
    compare_object,
    log_app_event,
    log_resource_event,
    now,
    resolve_revision,
    start_operation,
    synced_revision,
)
from devstack.argocd.errors import FAILED_PRECONDITION, INVALID_ARGUMENT, UNKNOWN, ApiError, enforce_denied
from devstack.argocd.kube import JSON
from devstack.argocd.request_body import (
    ACTION_REQUEST_V2,
    ROLLBACK_REQUEST,
    SYNC_REQUEST,
    decode,
    first_json_value,
    object_list,
    string_list,
)
from devstack.argocd.resource_actions import ActionError, discover, find_action
from devstack.argocd.world import App
from devstack.argocd.world_views import application, automated_sync_enabled, sync_policy

IN_PROGRESS = "error setting app operation: another operation is already in progress"
APPLICATION_API_VERSION = "argoproj.io/v1alpha1"


def _ensure_idle(app: App) -> None:
    """SetAppOperation refuses while the Application still has an `operation`."""
    if app.requested_operation is not None:
        raise ApiError(FAILED_PRECONDITION, IN_PROGRESS)


def _strategy(value: Any) -> JSON | None:
    """SyncStrategy as Go re-encodes it: `apply`/`hook` with `force` only when true."""
    if not isinstance(value, dict):
        return None
    return {
        key: ({"force": True} if part.get("force") is True else {})
        for key in ("apply", "hook")
        if isinstance(part := value.get(key), dict)
    }


def _resource(item: JSON) -> JSON:
    """SyncOperationResource (group and namespace omitempty)."""
    out: JSON = {}
    if item.get("group"):
        out["group"] = item["group"]
    out["kind"] = item.get("kind") or ""
    out["name"] = item.get("name") or ""
    if item.get("namespace"):
        out["namespace"] = item["namespace"]
    return out


def _retry(value: JSON) -> JSON:
    """RetryStrategy as Go re-encodes it (every field omitempty)."""
    return {k: value[k] for k in ("limit", "backoff", "refresh") if value.get(k)}


@api_errors
async def sync_application(request: Request) -> Response:
    claims = authenticate(request)
    body = await decode(request, "application.ApplicationSyncRequest", SYNC_REQUEST)
    enforcer = enforcer_of(request)
    app = get_app(
        enforcer,
        claims,
        request,
        request.path_params["name"],
        project=body.get("project", ""),
        app_namespace=body.get("appNamespace", ""),
    )
    if not enforcer.enforce(claims.subjects, "applications", "sync", app.rbac_name()):
        raise enforce_denied(claims, "applications", "sync", app.rbac_name())
    dry_run, prune, asked = body.get("dryRun", False), body.get("prune", False), body.get("revision", "")
    if asked and asked != (app.target_revision or "HEAD") and automated_sync_enabled(app) and not dry_run:
        raise ApiError(
            FAILED_PRECONDITION, f"Cannot sync to {asked}: auto-sync currently set to {app.target_revision}"
        )
    world = world_of(request)
    revision, display = resolve_revision(world, app, asked)
    policy = sync_policy(app)
    options = string_list(policy.get("syncOptions"))
    if "syncOptions" in body:
        options = string_list(body["syncOptions"].get("items"))
    resources = [_resource(r) for r in object_list(body.get("resources"))]
    sync: JSON = {"revision": revision}
    if prune:
        sync["prune"] = True
    if dry_run:
        sync["dryRun"] = True
    strategy = _strategy(body.get("strategy"))
    if strategy is not None:
        sync["syncStrategy"] = strategy
    if resources:
        sync["resources"] = resources
    sync["source"] = app.source
    if options:
        sync["syncOptions"] = options
    operation: JSON = {"sync": sync, "initiatedBy": {"username": claims.username}}
    infos = [{"name": i.get("name", ""), "value": i.get("value", "")} for i in object_list(body.get("infos"))]
    if infos:
        operation["info"] = infos
    retry = body["retryStrategy"] if "retryStrategy" in body else (policy.get("retry") or {})
    operation["retry"] = _retry(retry)
    _ensure_idle(app)
    plan = Plan(claims.username, synced_revision(world, app, revision), app.source, dry_run, prune, resources)
    partial = "partial " if body.get("resources") else ""
    answer = start_operation(state_of(request), app, operation, plan, f"initiated {partial}sync to {display}")
    return JSONResponse(answer)


@api_errors
async def rollback_application(request: Request) -> Response:
    claims = authenticate(request)
    body = await decode(request, "application.ApplicationRollbackRequest", ROLLBACK_REQUEST)
    app = get_app(
        enforcer_of(request),
        claims,
        request,
        request.path_params["name"],
        "sync",
        project=body.get("project", ""),
        app_namespace=body.get("appNamespace", ""),
    )
    if automated_sync_enabled(app):
        raise ApiError(FAILED_PRECONDITION, "rollback cannot be initiated when auto-sync is enabled")
    wanted = body.get("id", 0)
    entry = next((h for h in app.history if h.get("id") == wanted), None)
    if entry is None:
        qualified = f"{app.namespace}/{app.name}"
        raise ApiError(INVALID_ARGUMENT, f"application {qualified} does not have deployment with id {wanted}")
    dry_run, prune = body.get("dryRun", False), body.get("prune", False)
    sync: JSON = {"revision": entry["revision"]}
    if prune:
        sync["prune"] = True
    if dry_run:
        sync["dryRun"] = True
    sync["syncStrategy"] = {"apply": {}}
    sync["source"] = copy.deepcopy(entry.get("source") or {})
    options = string_list(sync_policy(app).get("syncOptions"))
    if options:
        sync["syncOptions"] = options
    operation: JSON = {"sync": sync, "initiatedBy": {"username": claims.username}, "retry": {}}
    _ensure_idle(app)
    world = world_of(request)
    plan = Plan(
        claims.username, synced_revision(world, app, entry["revision"]), sync["source"], dry_run, prune
    )
    answer = start_operation(state_of(request), app, operation, plan, f"initiated rollback to {wanted}")
    return JSONResponse(answer)


def _is_application(app: App, group: str, kind: str, resource_name: str) -> bool:
    """getUnstructuredLiveResourceOrApp: the Application itself, not one of its resources."""
    return kind == "Application" and group == "argoproj.io" and resource_name == app.name


def _application_object(app: App) -> JSON:
    return {"apiVersion": APPLICATION_API_VERSION, "kind": "Application", **application(app)}


def _live_resource(app: App, q: dict[str, str]) -> JSON:
    kind, group, name = q.get("kind", ""), q.get("group", ""), q.get("resourceName", "")
    obj = find_node(app, group, kind, q.get("namespace", ""), name)
    if obj is None:
        raise ApiError(INVALID_ARGUMENT, f"{kind} {group} {name} not found as part of application {app.name}")
    return obj


@api_errors
async def list_resource_actions(request: Request) -> Response:
    app = get_app(enforcer_of(request), authenticate(request), request, request.path_params["name"])
    q = dict(request.query_params)
    if _is_application(app, q.get("group", ""), q.get("kind", ""), q.get("resourceName", "")):
        obj = _application_object(app)
    else:
        obj = _live_resource(app, q)
    return JSONResponse({"actions": discover(obj)})


async def _run_action(request: Request, q: dict[str, str], action: str, params: dict[str, str]) -> Response:
    """RunResourceActionV2: look the resource up with `action/<group>/<kind>/<action>`, run the action's
    script on the live object, patch it (or create what it returns), log ResourceActionRan."""
    claims = authenticate(request)
    group, kind, resource_name = q.get("group", ""), q.get("kind", ""), q.get("resourceName", "")
    app = get_app(
        enforcer_of(request),
        claims,
        request,
        request.path_params["name"],
        f"action/{group}/{kind}/{action}",
        project=q.get("project", ""),
        app_namespace=q.get("appNamespace", ""),
    )
    on_app = _is_application(app, group, kind, resource_name)
    found = None if on_app else _live_resource(app, q)
    script = find_action(group, kind, action)
    if script is None:
        raise ApiError(UNKNOWN, "error getting Lua resource action: built-in script does not exist")
    at = now()
    user = claims.username
    if on_app:
        obj = _application_object(app)
        try:
            script(obj, params, at)
        except ActionError as exc:
            raise ApiError(UNKNOWN, f"error executing Lua resource action: {exc}") from None
        app = state_of(request).writable(app)
        app.sync_policy = obj["spec"].get("syncPolicy") or {}
        log_app_event(app, "ResourceActionRan", f"{user} ran action {action}", SERVER, at, user)
        return JSONResponse({})
    assert found is not None
    candidate = copy.deepcopy(found)
    try:
        created = script(candidate, params, at)
    except ActionError as exc:
        raise ApiError(UNKNOWN, f"error executing Lua resource action: {exc}") from None
    app = state_of(request).writable(app)
    live = next(o for o in app.objects if o["metadata"]["uid"] == found["metadata"]["uid"])
    if candidate != live:
        meta = candidate["metadata"]
        meta["resourceVersion"] = str(int(meta.get("resourceVersion") or "0") + 1)
        if "generation" in meta and candidate.get("spec") != live.get("spec"):
            meta["generation"] += 1
        live.clear()
        live.update(candidate)
    for new in created:
        app.add(new, "Progressing")
    compare_object(app, live, at)
    ran = f"{user} ran action {action} on resource {group}/{kind}/{resource_name}"
    log_app_event(app, "ResourceActionRan", ran, SERVER, at, user)
    log_resource_event(app, live, "ResourceActionRan", f"{user} ran action {action}", at, user)
    return JSONResponse({})


@api_errors
async def run_resource_action_v2(request: Request) -> Response:
    body = await decode(request, "application.ResourceActionRunRequestV2", ACTION_REQUEST_V2)
    q = {k: v for k, v in body.items() if isinstance(v, str)}
    params = {
        str(p.get("name")): str(p.get("value") or "")
        for p in object_list(body.get("resourceActionParameters"))
        if p.get("name")
    }
    return await _run_action(request, q, body.get("action", ""), params)


@api_errors
async def run_resource_action(request: Request) -> Response:
    """The deprecated RunResourceAction: the body is only the action's name (a JSON string)."""
    value = await first_json_value(request)
    if value is not None and not isinstance(value, str):
        kind = "object" if isinstance(value, dict) else "array" if isinstance(value, list) else "number"
        if isinstance(value, bool):
            kind = "bool"
        raise ApiError(INVALID_ARGUMENT, f"json: cannot unmarshal {kind} into Go value of type string")
    return await _run_action(request, dict(request.query_params), value or "", {})
