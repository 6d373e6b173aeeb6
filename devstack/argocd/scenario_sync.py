"""The last sync of a scenario's Application: status.operationState (the operation, its phase and message,
a result per resource with hook phases and images), the SyncError condition an automated sync leaves, and
the Application's events about the sync (status changes, operation started and completed).

Without a written-out operation the Application keeps the default successful sync's events.
"""

from __future__ import annotations

import copy

from devstack.argocd import scenario_schema as schema
from devstack.argocd.kube import JSON, ago, rfc3339
from devstack.argocd.scenario_base import BuildError
from devstack.argocd.scenario_objects import Scope
from devstack.argocd.world_failures import CONTROLLER, sync_error
from devstack.argocd.world_kube import app_events, app_object_ref, event
from devstack.argocd.world_views import images_of, kubectl_ref, resource_statuses, result


def record_operation(scope: Scope, world: schema.World, policy: JSON) -> None:
    """The sync story of `world.sync.operation` (or the default one) on the Application of `scope`;
    `policy` is the Application's spec.syncPolicy."""
    app, operation = scope.app, world.sync.operation
    ref = app_object_ref(app)
    if operation is None:
        app.events.extend(app_events(app))
        if app.sync_status == "OutOfSync":
            edits = [m.editedBy.ago for m in world.objects if m.editedBy is not None]
            when = max(edits) - 30 if edits else app.synced_ago / 2
            app.events.append(
                event(
                    ref,
                    "ResourceUpdated",
                    "Updated sync status: Synced -> OutOfSync",
                    first_ago=when,
                    last_ago=when,
                    component=CONTROLLER,
                )
            )
        return
    automated = "automated" in policy
    statuses = {(r["kind"], r["name"]): r for r in resource_statuses(app)}
    results = []
    listed = set()
    for item in operation.results:
        status = statuses.get((item.kind, item.name))
        if status is None:
            raise BuildError(f"sync result {item.kind}/{item.name} is neither an object nor missing")
        listed.add((item.kind, item.name))
        target = _target_of(scope, item.kind, item.name)
        hook_phase = item.hookPhase or ("Failed" if item.status == "SyncFailed" else "Running")
        results.append(
            result(
                status,
                item.status,
                item.message,
                hook_phase,
                sync_phase=item.syncPhase,
                hook_type=item.hookType or "",
                images=images_of(target),
            )
        )
    if not any(r.syncPhase == "PreSync" for r in operation.results):
        for status in resource_statuses(app):
            if status.get("hook") or (status["kind"], status["name"]) in listed:
                continue
            target = _target_of(scope, status["kind"], status["name"])
            results.append(
                result(
                    status,
                    "Synced",
                    f"{kubectl_ref(status)} unchanged",
                    "Running",
                    images=images_of(target),
                )
            )
    sync: JSON = {"source": app.source, "revision": app.revision}
    if (policy.get("automated") or {}).get("prune"):
        sync["prune"] = True
    sync["syncOptions"] = list(policy.get("syncOptions") or [])
    sync["syncStrategy"] = {"hook": {}}
    initiated: JSON = (
        {"automated": True} if operation.initiatedBy == "automated" else {"username": operation.initiatedBy}
    )
    state: JSON = {
        "operation": {
            "sync": sync,
            "initiatedBy": initiated,
            "retry": copy.deepcopy(policy.get("retry") or {}),
        },
        "phase": operation.phase,
        "message": operation.message,
        "syncResult": {"resources": results, "revision": app.revision, "source": app.source},
        "startedAt": rfc3339(ago(operation.started)),
    }
    if operation.phase != "Running":
        state["finishedAt"] = rfc3339(ago(operation.finished))
    if operation.retryCount is not None:
        state["retryCount"] = operation.retryCount
    app.operation = state
    if automated and operation.phase in ("Failed", "Error"):
        app.conditions.append(sync_error(app, operation.message, operation.finished - 5))
    if operation.initiatedBy == "automated":
        started = event(
            ref,
            "OperationStarted",
            f"Initiated automated sync to '{app.revision}'",
            first_ago=operation.started,
            last_ago=operation.started,
            component=CONTROLLER,
        )
    else:
        started = event(
            ref,
            "OperationStarted",
            f"{operation.initiatedBy} initiated sync to HEAD ({app.revision})",
            first_ago=operation.started,
            last_ago=operation.started,
            component="argocd-server",
        )
    app.events.append(
        event(
            ref,
            "ResourceUpdated",
            "Updated sync status: Synced -> OutOfSync",
            first_ago=operation.started + 20,
            last_ago=operation.started + 20,
            component=CONTROLLER,
        )
    )
    app.events.append(started)
    if operation.phase != "Running":
        app.events.append(
            event(
                ref,
                "OperationCompleted",
                f"Sync operation to {app.revision} failed: {operation.message}",
                type_="Warning",
                first_ago=operation.finished,
                last_ago=operation.finished,
                component=CONTROLLER,
            )
        )


def _target_of(scope: Scope, kind: str, name: str) -> JSON | None:
    """Git's manifest of the object or missing resource `kind`/`name` (for the images of its result)."""
    obj = scope.objects.get((kind, name))
    if obj is not None:
        return scope.targets.get(obj["metadata"]["uid"])
    return next((m for m in scope.app.missing if (m["kind"], m["metadata"]["name"]) == (kind, name)), None)
