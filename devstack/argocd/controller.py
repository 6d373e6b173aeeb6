"""The simulated application controller: what happens to an Application after Sync or Rollback.

As Argo CD: the API server sets `operation` (SetAppOperation) and logs `OperationStarted`
("<user> initiated sync to …"); the controller takes the operation at once (operationState Running),
applies the manifests and finishes (Succeeded, "successfully synced (all tasks run)"), clears `operation`,
records a history entry (not for a dry run nor a partial sync) and logs `OperationCompleted`
("Sync operation to <revision> succeeded"). Every sync succeeds here: hooks are not re-run.

Applying: objects that differ from Git take Git's manifest (a three-way merge, as kubectl apply), missing
ones are created, ones that require pruning are deleted only with `prune` (else "ignored (requires
pruning)"). A sync to a revision other than the one the app is compared to (a rollback to an older
deployment) changes no object here (the simulator has no manifests per revision): the app is left
OutOfSync, as Argo CD shows it after a rollback.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from devstack.argocd import kube
from devstack.argocd.errors import FAILED_PRECONDITION, ApiError
from devstack.argocd.kube import JSON, rfc3339
from devstack.argocd.state import WriteState
from devstack.argocd.world import CLUSTER_URL, App, World
from devstack.argocd.world_kube import app_object_ref, involved_object
from devstack.argocd.world_views import (
    _canonical,
    _target_by_key,
    application,
    images_of,
    kubectl_ref,
    normalized_live,
    predicted_live,
    resource_statuses,
    result,
    target_of,
)

SERVER = "argocd-server"
CONTROLLER = "argocd-application-controller"
RUNNING = "one or more tasks are running"
SUCCEEDED = "successfully synced (all tasks run)"
REVISION_HISTORY_LIMIT = 10  # spec.revisionHistoryLimit's default
_COMMIT_SHA = re.compile(r"^[0-9A-Fa-f]{40}$")
_TRUNCATED_SHA = re.compile(r"^[0-9A-Fa-f]{7,}$")
_WORKLOADS = ("Deployment", "StatefulSet")
_EVENT_SEQUENCE = itertools.count(1)  # tells apart events created within the same second


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# --- events ------------------------------------------------------------------------------------------


def audit_event(
    involved: JSON, reason: str, message: str, component: str, at: datetime, annotations: dict[str, str]
) -> JSON:
    """An event as Argo CD's AuditLogger creates it (name `<object>.<unix nanoseconds in hex>`)."""
    meta = involved["metadata"]
    nanoseconds = int(at.timestamp()) * 1_000_000_000 + next(_EVENT_SEQUENCE) % 1_000_000_000
    name = f"{meta['name']}.{nanoseconds:x}"
    stamp = rfc3339(at)
    return {
        "metadata": {
            "name": name,
            "namespace": meta.get("namespace", ""),
            "uid": kube.uid_for("Event", name),
            "resourceVersion": "90212",
            "creationTimestamp": stamp,
            "annotations": annotations,
        },
        "involvedObject": involved_object(involved),
        "reason": reason,
        "message": message,
        "source": {"component": component},
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
        "type": "Normal",
        "eventTime": None,
        "reportingComponent": "",
        "reportingInstance": "",
    }


def log_app_event(app: App, reason: str, message: str, component: str, at: datetime, user: str = "") -> None:
    """LogAppEvent: on the Application, annotated with its destination (and the user, from the server)."""
    annotations = {"dest-namespace": app.dest_namespace, "dest-server": CLUSTER_URL}
    if user:
        annotations["user"] = user
    app.events.append(audit_event(app_object_ref(app), reason, message, component, at, annotations))


def log_resource_event(app: App, obj: JSON, reason: str, message: str, at: datetime, user: str) -> None:
    """LogResourceEvent (Argo CD 3.0 to 3.3 create it in the resource's namespace, where `events` finds it).
    Like Argo CD, the reference's resourceVersion holds the API version."""
    meta = obj["metadata"]
    involved = {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
            "resourceVersion": kube.version_of(obj["apiVersion"]),
        },
    }
    app.events.append(audit_event(involved, reason, message, SERVER, at, {"user": user}))


# --- revisions ---------------------------------------------------------------------------------------


def resolve_revision(world: World, app: App, asked: str) -> tuple[str, str]:
    """(revision, displayRevision) as Server.resolveRevision and the repo-server's ResolveRevision answer."""
    ambiguous = asked or app.target_revision
    if app.chart:  # a chart version (or any non-constraint) is taken as it is
        return ambiguous, f"{ambiguous} ({ambiguous})"
    if _COMMIT_SHA.match(ambiguous):
        return ambiguous, ambiguous
    if ambiguous in ("HEAD", app.target_revision, "main", "master"):
        resolved = app.revision
    elif tagged := [c.sha for c in world.commits.values() if ambiguous in c.tags]:
        resolved = tagged[0]
    elif _TRUNCATED_SHA.match(ambiguous):  # git ls-remote takes it for a commit as it is
        resolved = ambiguous
    else:
        raise ApiError(
            FAILED_PRECONDITION,
            "error resolving repo revision: rpc error: code = Unknown desc = "
            f"unable to resolve '{ambiguous}' to a commit SHA: revision not found",
        )
    return resolved, f"{ambiguous} ({resolved})"


def synced_revision(world: World, app: App, revision: str) -> str:
    """The revision a finished sync reports (manifests were generated from the full commit)."""
    if app.chart or _COMMIT_SHA.match(revision):
        return revision
    commit = world.find_commit(revision)
    return commit.sha if commit else revision


# --- operations --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the controller does with an operation."""

    user: str
    revision: str  # as syncResult reports it (resolved)
    source: JSON
    dry_run: bool = False
    prune: bool = False
    resources: list[JSON] = field(default_factory=list)  # a partial sync's selection ([] = everything)


def start_operation(writes: WriteState, app: App, operation: JSON, plan: Plan, action: str) -> JSON:
    """SetAppOperation (the answer: the Application with `operation` set and no operationState), the
    server's OperationStarted event, and the controller taking the operation at once."""
    app = writes.writable(app)
    started = now()
    app.requested_operation = operation
    answer = application(app)
    answer["status"].pop("operationState", None)
    log_app_event(app, "OperationStarted", f"{plan.user} {action}", SERVER, started, plan.user)
    app.operation = {
        "operation": copy.deepcopy(operation),
        "phase": "Running",
        "message": RUNNING,
        "startedAt": rfc3339(started),
    }

    def finish(target: App, finished: datetime) -> None:
        _finish(target, operation, plan, started, finished)

    writes.start(app, started, finish)
    return answer


def _selected(selection: list[JSON], r: JSON) -> bool:
    """SyncOperationResource.HasIdentity: name, kind and group match; an empty namespace matches any."""
    return not selection or any(
        s.get("name") == r["name"]
        and s.get("kind") == r["kind"]
        and (s.get("group") or "") == r.get("group", "")
        and (not s.get("namespace") or s.get("namespace") == r["namespace"])
        for s in selection
    )


def _results(app: App, plan: Plan, statuses: list[JSON]) -> list[JSON]:
    targets = _target_by_key(app)
    dry = " (dry run)" if plan.dry_run else ""
    applied_phase = "Succeeded" if plan.dry_run else "Running"  # gitops-engine: no wait in a dry run
    out: list[JSON] = []
    for r in statuses:
        if r.get("requiresPruning"):
            if plan.prune:
                out.append(result(r, "Pruned", "pruned" + dry, "Succeeded"))
            else:
                out.append(result(r, "PruneSkipped", "ignored (requires pruning)", "Succeeded"))
            continue
        if (r.get("health") or {}).get("status") == "Missing":
            verb = "created"
        else:
            verb = "configured" if r.get("status") == "OutOfSync" else "unchanged"
        target = targets.get((r["kind"], r["namespace"], r["name"]))
        message = f"{kubectl_ref(r)} {verb}{dry}"
        out.append(result(r, "Synced", message, applied_phase, images=images_of(target)))
    return out


def _finish(app: App, operation: JSON, plan: Plan, started: datetime, finished: datetime) -> None:
    statuses = [r for r in resource_statuses(app) if not r.get("hook") and _selected(plan.resources, r)]
    results = _results(app, plan, statuses)
    sync: JSON = {"resources": results, "revision": plan.revision, "source": plan.source}
    app.requested_operation = None
    app.operation = {
        "operation": copy.deepcopy(operation),
        "phase": "Succeeded",
        "message": SUCCEEDED,
        "syncResult": sync,
        "startedAt": rfc3339(started),
        "finishedAt": rfc3339(finished),
    }
    before = app.sync_status
    if not plan.dry_run:
        current = plan.revision == app.revision
        if current:
            _apply(app, plan, statuses, finished)
        if not plan.resources:
            _record_history(app, plan, started, finished)
        drifted = app.out_of_sync or app.missing or app.extraneous
        app.sync_status = "Synced" if current and not drifted else "OutOfSync"
        app.conditions = [c for c in app.conditions if c.get("type") != "SyncError"]
    what = "Partial sync operation" if plan.resources else "Sync operation"
    log_app_event(app, "OperationCompleted", f"{what} to {plan.revision} succeeded", CONTROLLER, finished)
    if app.sync_status != before:
        message = f"Updated sync status: {before} -> {app.sync_status}"
        log_app_event(app, "ResourceUpdated", message, CONTROLLER, finished)


def _record_history(app: App, plan: Plan, started: datetime, finished: datetime) -> None:
    """persistRevisionHistory: the next id, truncated to the revision history limit."""
    entry = {
        "revision": plan.revision,
        "deployedAt": rfc3339(finished),
        "id": app.history[-1]["id"] + 1 if app.history else 0,
        "source": copy.deepcopy(plan.source),
        "deployStartedAt": rfc3339(started),
        "initiatedBy": {"username": plan.user},
    }
    app.history = [*app.history, entry][-REVISION_HISTORY_LIMIT:]


def _live(app: App, r: JSON) -> JSON | None:
    for obj in app.managed():
        meta = obj["metadata"]
        if (kube.group_of(obj["apiVersion"]), obj["kind"], meta["namespace"], meta["name"]) == (
            r.get("group", ""),
            r["kind"],
            r["namespace"],
            r["name"],
        ):
            return obj
    return None


def _apply(app: App, plan: Plan, statuses: list[JSON], at: datetime) -> None:
    for r in statuses:
        live = _live(app, r)
        if r.get("requiresPruning"):
            if plan.prune and live is not None:
                _delete(app, live)
        elif live is None:
            target = next(
                (
                    t
                    for t in app.missing
                    if (t["kind"], t["metadata"]["namespace"], t["metadata"]["name"])
                    == (r["kind"], r["namespace"], r["name"])
                ),
                None,
            )
            if target is not None:
                _create(app, target, at)
        elif live["metadata"]["uid"] in app.out_of_sync:
            _update(app, live, app.out_of_sync.pop(live["metadata"]["uid"]))


def _delete(app: App, obj: JSON) -> None:
    """Deletes an object and, as the garbage collector does, everything it owns."""
    gone = {obj["metadata"]["uid"]}
    grew = True
    while grew:
        owned = {
            o["metadata"]["uid"]
            for o in app.objects
            if any(ref["uid"] in gone for ref in o["metadata"].get("ownerReferences", []))
        }
        grew = not owned <= gone
        gone |= owned
    app.objects = [o for o in app.objects if o["metadata"]["uid"] not in gone]
    for uid in gone:
        for table in (app.health, app.info, app.networking, app.out_of_sync):
            table.pop(uid, None)
        app.extraneous.discard(uid)
        app.hooks.discard(uid)


def _create(app: App, target: JSON, at: datetime) -> None:
    meta = target["metadata"]
    body: JSON = {k: copy.deepcopy(target[k]) for k in ("type", "spec", "data", "stringData") if k in target}
    if target["kind"] == "Secret" and "stringData" in body:  # the API server folds stringData into data
        strings = body.pop("stringData") or {}
        body["data"] = {**(body.get("data") or {}), **{k: kube.b64(v) for k, v in strings.items()}}
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != "app.kubernetes.io/instance"}
    obj = kube.make(
        target["apiVersion"],
        target["kind"],
        meta["name"],
        meta["namespace"],
        app=app.name,
        labels=labels,
        body=body,
        desired=target,
    )
    obj["metadata"]["creationTimestamp"] = rfc3339(at)
    for entry in obj["metadata"]["managedFields"]:
        entry["time"] = rfc3339(at)
    app.add(obj, None if target["kind"] in ("ConfigMap", "Secret") else "Healthy")
    app.missing.remove(target)


def _bump(obj: JSON) -> None:
    meta = obj["metadata"]
    meta["resourceVersion"] = str(int(meta.get("resourceVersion") or "0") + 1)
    if "generation" in meta:
        meta["generation"] += 1


def _update(app: App, live: JSON, target: JSON) -> None:
    """kubectl apply of Git's manifest; the workload's controller then catches up with the replicas."""
    updated: JSON = copy.deepcopy(predicted_live(live, target))
    _bump(updated)
    replicas = (updated.get("spec") or {}).get("replicas")
    status = updated.get("status")
    healthy = (app.health.get(live["metadata"]["uid"]) or {}).get("status") == "Healthy"
    if updated["kind"] in _WORKLOADS and isinstance(replicas, int) and isinstance(status, dict) and healthy:
        for key in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"):
            if key in status:
                status[key] = replicas
    live.clear()
    live.update(updated)


def compare_object(app: App, obj: JSON, at: datetime) -> None:
    """The controller's comparison after a live object changed: the object (and, when that changes the
    app's state, the app) becomes OutOfSync or Synced again."""
    uid = obj["metadata"]["uid"]
    if "ownerReferences" in obj["metadata"] or uid in app.hooks or uid in app.extraneous:
        return
    normalized = normalized_live(obj)
    target = target_of(app, obj)
    differs = _canonical(normalized) != _canonical(predicted_live(normalized, target))
    was = uid in app.out_of_sync
    if differs:
        app.out_of_sync[uid] = target
    else:
        app.out_of_sync.pop(uid, None)
    before = app.sync_status
    if differs and not was:
        app.sync_status = "OutOfSync"
    elif was and not differs and not (app.out_of_sync or app.missing or app.extraneous):
        app.sync_status = "Synced"
    if app.sync_status != before:
        message = f"Updated sync status: {before} -> {app.sync_status}"
        log_app_event(app, "ResourceUpdated", message, CONTROLLER, at)
