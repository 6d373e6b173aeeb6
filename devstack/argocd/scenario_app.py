"""The Application of one scenario and everything Argo CD records about it: the App record (project
`eval`, labels `{"team": "eval"}`, sync policy), its deploy history from the scenario's commits, its live
objects (each dispatched by kind to its builder), missing resources, sync and health status, conditions
and events, the last sync operation (scenario_sync.py) and the ApplicationSet that generated it.

`build(scenario, path)` is what scenarios.py calls for each file; it raises BuildError when the scenario
cannot be built as written.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.argocd import health, kube
from devstack.argocd import scenario_schema as schema
from devstack.argocd.kube import JSON, ago, rfc3339
from devstack.argocd.scenario_base import BuildError, authored_event
from devstack.argocd.scenario_jobs import cron_job, job_object
from devstack.argocd.scenario_objects import Scope, plain_object
from devstack.argocd.scenario_sync import record_operation
from devstack.argocd.scenario_workloads import deployment, pod_set
from devstack.argocd.world_appsets import (
    UP_TO_DATE,
    AppSet,
    appset_metadata,
    error_conditions,
    generated_resources,
    up_to_date_conditions,
)
from devstack.argocd.world_git import Commit, deploy_history, sha
from devstack.argocd.world_kube import app_object_ref
from devstack.argocd.world_model import ARGOCD_NAMESPACE, App

PROJECT = "eval"
LABELS = {"team": "eval"}
DEFAULT_POLICY: JSON = {
    "automated": {"prune": True, "selfHeal": False},
    "syncOptions": ["CreateNamespace=true"],
}
# The apiVersion of a kind the scenario writes without one.
API_VERSIONS = {
    "Pod": "v1",
    "Service": "v1",
    "ConfigMap": "v1",
    "Secret": "v1",
    "ServiceAccount": "v1",
    "PersistentVolumeClaim": "v1",
    "Deployment": "apps/v1",
    "ReplicaSet": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
    "Ingress": "networking.k8s.io/v1",
    "NetworkPolicy": "networking.k8s.io/v1",
    "HorizontalPodAutoscaler": "autoscaling/v2",
    "PodDisruptionBudget": "policy/v1",
    "Rollout": "argoproj.io/v1alpha1",
    "AnalysisRun": "argoproj.io/v1alpha1",
    "AnalysisTemplate": "argoproj.io/v1alpha1",
}
_RENOVATE = "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>"


@dataclass(frozen=True)
class Built:
    """One scenario, built: what the world is extended by."""

    scenario: schema.Scenario
    path: Path
    app: App
    appsets: tuple[AppSet, ...]
    commits: tuple[Commit, ...]


def build(scenario: schema.Scenario, path: Path) -> Built:
    """The scenario's Application with its objects and story, its ApplicationSet and its commits."""
    sc, w = scenario, scenario.world
    commits = _commits(sc)
    sync = w.sync
    policy = copy.deepcopy(sync.policy) if sync.policy is not None else copy.deepcopy(DEFAULT_POLICY)
    app = App(
        sc.id,
        ARGOCD_NAMESPACE,
        PROJECT,
        w.namespace or sc.id,
        w.path or f"scenarios/{sc.id}",
        dict(LABELS),
        revision=commits[-1].sha,
        sync_policy=policy,
        owner_appset=w.applicationSet.name if w.applicationSet else "",
        synced_ago=sync.syncedAgo,
    )
    scope = Scope(app)
    operation = sync.operation
    deployed = [c.sha for c in commits]
    if operation is not None and operation.newRevision:
        deployed = deployed[:-1]
    kept = deployed[-4:]  # Argo CD keeps the last revisionHistoryLimit (10) entries; the world shows 4
    deploy_history(app, kept, 1 + len(deployed) - len(kept), commits={c.sha: c for c in commits})
    for model in w.objects:
        _object(scope, model)
    for manifest in w.missing:
        _missing(scope, manifest)
    _check_open(sc, app)
    app.sync_status = sync.status or (
        "OutOfSync" if app.out_of_sync or app.missing or app.extraneous else "Synced"
    )
    if w.health is not None:
        app.health_status, app.health_message = w.health.status, w.health.message
    else:
        app.health_status = _app_health(app)
    record_operation(scope, w, policy)
    app.conditions.extend(
        {"type": c.type, "message": c.message, "lastTransitionTime": rfc3339(ago(c.ago))}
        for c in w.conditions
    )
    ref = app_object_ref(app)
    for ev in w.events:
        app.events.append(authored_event(ref, ev))
    appsets = (_appset(app, w.applicationSet),) if w.applicationSet else ()
    return Built(sc, path, app, appsets, tuple(commits))


def _commits(sc: schema.Scenario) -> list[Commit]:
    """The scenario's commits, oldest first; defaults in front when it gives fewer than its sync needs."""
    given = list(sc.world.commits)
    operation = sc.world.sync.operation
    need = 2 if operation is not None and operation.newRevision else 1
    defaults = [
        schema.Commit(message=f"Add {sc.id}", age=40 * 86400),
        schema.Commit(message=f"chore(deps): update {sc.id} dependencies", author=_RENOVATE, age=9 * 86400),
    ]
    while len(given) < need:
        given.insert(0, defaults[len(given) % 2])
    return [
        Commit(sha(f"scenario/{sc.id}/{i}"), c.author, c.message, c.age, tuple(c.tags))
        for i, c in enumerate(given)
    ]


def _object(scope: Scope, model: schema.Object) -> None:
    """One object of the world, by its builder (errors name it); an owner must be listed before it."""
    api_version = model.apiVersion or API_VERSIONS.get(model.kind)
    if api_version is None:
        raise BuildError(f"{model.kind}/{model.name}: give its apiVersion (no default for {model.kind})")
    owner = None
    if model.owner is not None:
        kind, _, name = model.owner.partition("/")
        owner = scope.objects.get((kind, name))
        if owner is None:
            raise BuildError(
                f"{model.kind}/{model.name}: owner {model.owner} is not an object listed before it"
            )
    where = f"{model.kind}/{model.name}"
    try:
        if model.kind == "Deployment":
            deployment(scope, model, api_version)
        elif model.kind in ("ReplicaSet", "StatefulSet"):
            pod_set(scope, model, api_version, owner)
        elif model.kind == "Job":
            job_object(scope, model, api_version, owner)
        elif model.kind == "CronJob":
            cron_job(scope, model, api_version)
        else:
            plain_object(scope, model, api_version, owner)
    except BuildError as exc:
        raise BuildError(f"{where}: {exc}") from None


def _missing(scope: Scope, manifest: dict[str, Any]) -> None:
    """A manifest in Git with no live object (the Application shows it Missing)."""
    if not {"apiVersion", "kind", "metadata"} <= manifest.keys() or "name" not in manifest["metadata"]:
        raise BuildError("a missing manifest needs apiVersion, kind and metadata.name")
    target = copy.deepcopy(manifest)
    target["metadata"].setdefault("namespace", scope.ns)
    labels = target["metadata"].setdefault("labels", {})
    labels.setdefault("app.kubernetes.io/instance", scope.app.name)
    scope.app.missing.append(target)


def _app_health(app: App) -> str:
    """The application controller's setApplicationHealth: the worst health of the managed resources
    (hooks left out); a missing resource counts as Missing when its kind has a health check."""
    states = [
        app.health[o["metadata"]["uid"]]["status"]
        for o in app.managed()
        if o["metadata"]["uid"] not in app.hooks and o["metadata"]["uid"] in app.health
    ]
    states += ["Missing" for m in app.missing if health.has_check(m["apiVersion"], m["kind"])]
    return health.worst(states)


def _check_open(sc: schema.Scenario, app: App) -> None:
    """The resource the scenario's user has open must be the Application or one of its objects."""
    target = sc.open
    if target.kind == "Application":
        if target.name != sc.id:
            raise BuildError(f"open names Application {target.name!r}, not this scenario's {sc.id!r}")
        return
    for obj in app.objects:
        if (obj["kind"], obj["metadata"]["name"]) == (target.kind, target.name) and (
            not target.group or kube.group_of(obj["apiVersion"]) == target.group
        ):
            return
    raise BuildError(f"open names {target.kind}/{target.name}, which is not an object of the world")


def _appset(app: App, model: schema.ApplicationSet) -> AppSet:
    """The ApplicationSet that generated the Application (failing when the scenario gives an error)."""
    resources = generated_resources([app])
    if model.error is not None:
        message = model.error.message
        conditions = error_conditions(model.error.reason, message, model.error.since)
        appset_health = {"status": "Degraded", "message": message}
    else:
        conditions = up_to_date_conditions(3600, 30 * 86400)
        appset_health = {"status": "Healthy", "message": UP_TO_DATE}
    body: JSON = {
        "metadata": appset_metadata(model.name, 30 * 86400, 5, {**LABELS, **model.labels}),
        "spec": {
            "goTemplate": model.goTemplate,
            **({"goTemplateOptions": ["missingkey=error"]} if model.goTemplate else {}),
            "generators": copy.deepcopy(model.generators),
            "template": copy.deepcopy(model.template),
        },
        "status": {
            "conditions": conditions,
            "resources": resources,
            "resourcesCount": len(resources),
            "health": appset_health,
        },
    }
    return AppSet(model.name, ARGOCD_NAMESPACE, body)
