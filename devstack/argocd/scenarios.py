"""Evaluation scenarios: one YAML file per failure (eval/scenarios/<id>.yaml), each a small world of its own.

`load_world(directory)` reads every scenario, builds one Application (app namespace `argocd`, project
`eval`, labels `{"team": "eval"}`) per file with the world's builders (kube.make, world_kube.event/drift,
world_git.deploy_history, world_views.result, …) and answers the default world extended by them. It never
touches the module-level default world: `create_app(SimulatorConfig(scenarios_dir=…))` serves the copy.

A bad file raises ScenarioError naming the file and the problem. The schema: scenario_schema.py and
eval/scenarios/README.md; pods, their events and logs: scenario_pods.py.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pydantic
import yaml

from devstack.argocd import health, kube
from devstack.argocd import scenario_schema as schema
from devstack.argocd.kube import JSON, LAST_APPLIED, NOW, ago, make, rfc3339, suffix
from devstack.argocd.scenario_pods import (
    EVENT_TTL,
    FAILING_AGE,
    HEALTHY_AGE,
    BuildError,
    PodPlan,
    authored_event,
    build_pod,
    is_failing,
)
from devstack.argocd.world import DEFAULT_WORLD, World
from devstack.argocd.world_appsets import UP_TO_DATE, AppSet, _condition, _metadata
from devstack.argocd.world_failures import CONTROLLER, _sync_error
from devstack.argocd.world_git import Commit, deploy_history, sha
from devstack.argocd.world_kube import app_events, app_object_ref, drift, event
from devstack.argocd.world_model import ARGOCD_NAMESPACE, HOOK, HOOK_DELETE_POLICY, App
from devstack.argocd.world_views import images_of, kubectl_ref, resource_statuses, result

PROJECT = "eval"
LABELS = {"team": "eval"}
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
DEFAULT_POLICY: JSON = {
    "automated": {"prune": True, "selfHeal": False},
    "syncOptions": ["CreateNamespace=true"],
}
REVISION_ANNOTATIONS = ("deployment.kubernetes.io/revision", "rollout.argoproj.io/revision")
_RENOVATE = "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>"


class ScenarioError(Exception):
    """A scenario file that cannot be loaded: the message names the file and the problem."""


@dataclass(frozen=True)
class Built:
    scenario: schema.Scenario
    path: Path
    app: App
    appsets: tuple[AppSet, ...]
    commits: tuple[Commit, ...]


_AGO = re.compile(r"\{\{ago:([^}]+)\}\}")


def with_times(value: Any) -> Any:
    """`{{ago:40m}}` in the strings of a written-out spec or status -> that moment (RFC 3339)."""
    if isinstance(value, str):

        def moment(match: re.Match[str]) -> str:
            try:
                seconds = schema.seconds(match.group(1))
            except ValueError as exc:
                raise BuildError(str(exc)) from None
            return rfc3339(ago(seconds))

        return _AGO.sub(moment, value)
    if isinstance(value, dict):
        return {k: with_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_times(v) for v in value]
    return value


def _named(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and "name" in i for i in items)


def merge_patch(target: Any, patch: Any, *, by_name: bool = False) -> Any:
    """RFC 7386 JSON merge patch: objects merge, `null` deletes, anything else replaces. With `by_name`,
    lists of named items (containers, env, volumes, ports) merge item by item as a strategic merge does."""
    if by_name and _named(patch) and _named(target):
        out_list = [copy.deepcopy(i) for i in target]
        for item in patch:
            match = next((i for i, t in enumerate(out_list) if t["name"] == item["name"]), None)
            if match is None:
                out_list.append(merge_patch({}, item, by_name=True))
            else:
                out_list[match] = merge_patch(out_list[match], item, by_name=True)
        return out_list
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value, by_name=by_name)
    return out


# --- reading ---------------------------------------------------------------------------------------------


def _describe(exc: pydantic.ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)


def read_scenario(path: Path) -> schema.Scenario:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: not readable as YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: expected a mapping of scenario keys, got {type(raw).__name__}")
    try:
        scenario = schema.Scenario.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise ScenarioError(f"{path}: {_describe(exc)}") from None
    if scenario.id != path.stem:
        raise ScenarioError(f"{path}: id {scenario.id!r} differs from the file name {path.stem!r}")
    return scenario


def scenario_files(directory: str | Path) -> list[Path]:
    root = Path(directory)
    if not root.is_dir():
        raise ScenarioError(f"{root}: not a directory of scenarios")
    return sorted(p for p in root.glob("*.yaml") if p.is_file())


def load_scenarios(directory: str | Path) -> list[Built]:
    """Every scenario of `directory`, built; ids must be unique and not a default world app's name."""
    built: list[Built] = []
    taken = {app.name for app in DEFAULT_WORLD.apps}
    appsets = {appset.name for appset in DEFAULT_WORLD.appsets}
    for path in scenario_files(directory):
        scenario = read_scenario(path)
        if scenario.id in taken:
            raise ScenarioError(f"{path}: an application named {scenario.id!r} exists already")
        taken.add(scenario.id)
        item = build_scenario(scenario, path)
        for appset in item.appsets:
            if appset.name in appsets:
                raise ScenarioError(f"{path}: an ApplicationSet named {appset.name!r} exists already")
            appsets.add(appset.name)
        built.append(item)
    return built


def load_world(directory: str | Path) -> World:
    """The default world plus the scenarios of `directory` (a new World; the default is untouched)."""
    built = load_scenarios(directory)
    return DEFAULT_WORLD.with_extra(
        (b.app for b in built),
        (a for b in built for a in b.appsets),
        (c for b in built for c in b.commits),
    )


def build_scenario(scenario: schema.Scenario, path: Path) -> Built:
    try:
        return _Builder(scenario, path).build()
    except BuildError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


# --- schedules -------------------------------------------------------------------------------------------


def _cron_field(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        if part == "*":
            values.update(range(low, high + 1))
        elif part.startswith("*/") and part[2:].isdigit() and int(part[2:]) > 0:
            values.update(range(low, high + 1, int(part[2:])))
        elif part.isdigit() and low <= int(part) <= high:
            values.add(int(part))
        else:
            raise BuildError(f"schedule field {text!r} is not supported (use *, */N, N or N,M)")
    return values


def schedule_times(schedule: str, count: int) -> list[float]:
    """Seconds ago of the `count` last times a `M H * * *`-style schedule fired, oldest first."""
    fields = schedule.split()
    if len(fields) != 5 or fields[2:] != ["*", "*", "*"]:
        raise BuildError(f"schedule {schedule!r}: only `minute hour * * *` schedules are supported")
    minutes, hours = _cron_field(fields[0], 0, 59), _cron_field(fields[1], 0, 23)
    moment = NOW.replace(second=0) - timedelta(minutes=1)
    found: list[float] = []
    for _ in range(60 * 24 * 9):
        if moment.minute in minutes and moment.hour in hours:
            found.append((NOW - moment).total_seconds())
            if len(found) == count:
                break
        moment -= timedelta(minutes=1)
    if len(found) < count:
        raise BuildError(f"schedule {schedule!r} does not fire {count} times in 9 days")
    return list(reversed(found))


# --- the builder -----------------------------------------------------------------------------------------


def _ready(pod: JSON) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))


def _time_condition(type_: str, ok: bool, reason: str, message: str, since: float) -> JSON:
    moment = rfc3339(ago(since))
    return {
        "type": type_,
        "status": "True" if ok else "False",
        "lastUpdateTime": moment,
        "lastTransitionTime": moment,
        "reason": reason,
        "message": message,
    }


class _Builder:
    def __init__(self, scenario: schema.Scenario, path: Path) -> None:
        self.scenario = scenario
        self.path = path
        self.world = scenario.world
        self.ns = self.world.namespace or scenario.id
        self.objects: dict[tuple[str, str], JSON] = {}
        self.targets: dict[str, JSON] = {}  # uid -> Git's manifest of a managed object

    # the Application -------------------------------------------------------------------------------

    def _commits(self) -> list[Commit]:
        sc = self.scenario
        given = list(self.world.commits)
        operation = self.world.sync.operation
        need = 2 if operation is not None and operation.newRevision else 1
        defaults = [
            schema.Commit(message=f"Add {sc.id}", age=40 * 86400),
            schema.Commit(
                message=f"chore(deps): update {sc.id} dependencies", author=_RENOVATE, age=9 * 86400
            ),
        ]
        while len(given) < need:
            given.insert(0, defaults[len(given) % 2])
        return [
            Commit(sha(f"scenario/{sc.id}/{i}"), c.author, c.message, c.age, tuple(c.tags))
            for i, c in enumerate(given)
        ]

    def build(self) -> Built:
        sc, w = self.scenario, self.world
        commits = self._commits()
        sync = w.sync
        policy = copy.deepcopy(sync.policy) if sync.policy is not None else copy.deepcopy(DEFAULT_POLICY)
        app = App(
            sc.id,
            ARGOCD_NAMESPACE,
            PROJECT,
            self.ns,
            w.path or f"scenarios/{sc.id}",
            dict(LABELS),
            revision=commits[-1].sha,
            sync_policy=policy,
            owner_appset=w.applicationSet.name if w.applicationSet else "",
            synced_ago=sync.syncedAgo,
        )
        self.app = app
        operation = sync.operation
        deployed = [c.sha for c in commits]
        if operation is not None and operation.newRevision:
            deployed = deployed[:-1]
        kept = deployed[-4:]  # Argo CD keeps the last revisionHistoryLimit (10) entries; the world shows 4
        deploy_history(app, kept, 1 + len(deployed) - len(kept), commits={c.sha: c for c in commits})
        for model in w.objects:
            self._object(model)
        for manifest in w.missing:
            self._missing(manifest)
        self._check_open()
        app.sync_status = sync.status or (
            "OutOfSync" if app.out_of_sync or app.missing or app.extraneous else "Synced"
        )
        if w.health is not None:
            app.health_status, app.health_message = w.health.status, w.health.message
        else:
            app.health_status = self._app_health()
        self._operation(policy)
        app.conditions.extend(
            {"type": c.type, "message": c.message, "lastTransitionTime": rfc3339(ago(c.ago))}
            for c in w.conditions
        )
        ref = app_object_ref(app)
        for ev in w.events:
            app.events.append(authored_event(ref, ev))
        appsets = (self._appset(w.applicationSet),) if w.applicationSet else ()
        return Built(sc, self.path, app, appsets, tuple(commits))

    def _app_health(self) -> str:
        """The application controller's setApplicationHealth: the worst health of the managed resources
        (hooks left out); a missing resource counts as Missing when its kind has a health check."""
        states = [
            self.app.health[o["metadata"]["uid"]]["status"]
            for o in self.app.managed()
            if o["metadata"]["uid"] not in self.app.hooks and o["metadata"]["uid"] in self.app.health
        ]
        states += ["Missing" for m in self.app.missing if health.has_check(m["apiVersion"], m["kind"])]
        return health.worst(states)

    def _check_open(self) -> None:
        target = self.scenario.open
        if target.kind == "Application":
            if target.name != self.scenario.id:
                raise BuildError(
                    f"open names Application {target.name!r}, not this scenario's {self.scenario.id!r}"
                )
            return
        for obj in self.app.objects:
            if (obj["kind"], obj["metadata"]["name"]) == (target.kind, target.name) and (
                not target.group or kube.group_of(obj["apiVersion"]) == target.group
            ):
                return
        raise BuildError(f"open names {target.kind}/{target.name}, which is not an object of the world")

    def _operation(self, policy: JSON) -> None:
        app, operation = self.app, self.world.sync.operation
        ref = app_object_ref(app)
        if operation is None:
            app.events.extend(app_events(app))
            if app.sync_status == "OutOfSync":
                edits = [m.editedBy.ago for m in self.world.objects if m.editedBy is not None]
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
            target = self._target_of(item.kind, item.name)
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
                target = self._target_of(status["kind"], status["name"])
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
            {"automated": True}
            if operation.initiatedBy == "automated"
            else {"username": operation.initiatedBy}
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
            app.conditions.append(_sync_error(app, operation.message, operation.finished - 5))
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

    def _target_of(self, kind: str, name: str) -> JSON | None:
        obj = self.objects.get((kind, name))
        if obj is not None:
            return self.targets.get(obj["metadata"]["uid"])
        return next((m for m in self.app.missing if (m["kind"], m["metadata"]["name"]) == (kind, name)), None)

    def _missing(self, manifest: dict[str, Any]) -> None:
        if not {"apiVersion", "kind", "metadata"} <= manifest.keys() or "name" not in manifest["metadata"]:
            raise BuildError("a missing manifest needs apiVersion, kind and metadata.name")
        target = copy.deepcopy(manifest)
        target["metadata"].setdefault("namespace", self.ns)
        labels = target["metadata"].setdefault("labels", {})
        labels.setdefault("app.kubernetes.io/instance", self.app.name)
        self.app.missing.append(target)

    def _appset(self, model: schema.ApplicationSet) -> AppSet:
        app = self.app
        resources = [
            {
                "group": "argoproj.io",
                "version": "v1alpha1",
                "kind": "Application",
                "namespace": app.namespace,
                "name": app.name,
                "status": app.sync_status,
                "health": {"status": app.health_status},
            }
        ]
        if model.error is not None:
            message, since = model.error.message, model.error.since
            conditions = [
                _condition("ErrorOccurred", "True", model.error.reason, message, since),
                _condition("ParametersGenerated", "False", "ErrorOccurred", message, since),
                _condition("ResourcesUpToDate", "False", "ErrorOccurred", message, since),
            ]
            appset_health = {"status": "Degraded", "message": message}
        else:
            conditions = [
                _condition("ErrorOccurred", "False", "ApplicationSetUpToDate", UP_TO_DATE, 3600),
                _condition(
                    "ParametersGenerated",
                    "True",
                    "ParametersGenerated",
                    "Successfully generated parameters for all Applications",
                    30 * 86400,
                ),
                _condition("ResourcesUpToDate", "True", "ApplicationSetUpToDate", UP_TO_DATE, 3600),
            ]
            appset_health = {"status": "Healthy", "message": UP_TO_DATE}
        body: JSON = {
            "metadata": _metadata(model.name, 30 * 86400, 5, {**LABELS, **model.labels}),
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

    # objects -----------------------------------------------------------------------------------------

    def _object(self, model: schema.Object) -> None:
        api_version = model.apiVersion or API_VERSIONS.get(model.kind)
        if api_version is None:
            raise BuildError(f"{model.kind}/{model.name}: give its apiVersion (no default for {model.kind})")
        owner = None
        if model.owner is not None:
            kind, _, name = model.owner.partition("/")
            owner = self.objects.get((kind, name))
            if owner is None:
                raise BuildError(
                    f"{model.kind}/{model.name}: owner {model.owner} is not an object listed before it"
                )
        where = f"{model.kind}/{model.name}"
        try:
            if model.kind == "Deployment":
                self._deployment(model, api_version)
            elif model.kind in ("ReplicaSet", "StatefulSet"):
                self._pod_set(model, api_version, owner)
            elif model.kind == "Job":
                self._job_object(model, api_version, owner)
            elif model.kind == "CronJob":
                self._cron_job(model, api_version)
            else:
                self._plain(model, api_version, owner)
        except BuildError as exc:
            raise BuildError(f"{where}: {exc}") from None

    def _labels(self, model: schema.Object) -> dict[str, str]:
        return {"app.kubernetes.io/name": model.name, **model.labels}

    def _template(self, model: schema.Object, labels: dict[str, str], restart_policy: str = "Always") -> JSON:
        if model.containers is not None:
            containers = [self._container(c) for c in model.containers]
        else:
            containers = [kube.container(model.name, model.image or "")]
        spec: JSON = {"containers": containers, "restartPolicy": restart_policy}
        if model.initContainers:
            spec["initContainers"] = [self._container(c) for c in model.initContainers]
        spec.update(
            terminationGracePeriodSeconds=30,
            dnsPolicy="ClusterFirst",
            schedulerName="default-scheduler",
            securityContext={},
        )
        spec = merge_patch(spec, model.podSpec or {})
        return {"metadata": {"labels": dict(labels)}, "spec": spec}

    def _container(self, raw: dict[str, Any]) -> JSON:
        if "name" not in raw or "image" not in raw:
            raise BuildError(f"a container needs name and image: {raw}")
        fields = dict(raw)
        port = fields.pop("port", None)
        merged: JSON = merge_patch(kube.container(fields["name"], fields["image"], port), fields)
        return merged

    def _finish(
        self,
        model: schema.Object,
        obj: JSON,
        owner: JSON | None,
        desired: JSON | None = None,
        info: list[JSON] | None = None,
        position: int | None = None,
    ) -> None:
        """Annotations, Git's view (last-applied, drift), hooks, manual edits, status overrides, health;
        then adds `obj` (at `position` among the app's objects, before its children) and its events."""
        app, meta = self.app, obj["metadata"]
        uid = meta["uid"]
        annotations = dict(model.annotations)
        if model.hook:
            annotations.update({HOOK: model.hook, HOOK_DELETE_POLICY: model.hookDeletePolicy})
        if owner is None:
            target = kube.desired_manifest(obj, desired)
            if annotations:
                target["metadata"]["annotations"] = {
                    **target["metadata"].get("annotations", {}),
                    **annotations,
                }
            self.targets[uid] = target
            meta["annotations"] = {
                **annotations,
                LAST_APPLIED: json.dumps(target, separators=(",", ":"), sort_keys=True),
            }
            if model.git is not None:
                changed = merge_patch(target, model.git, by_name=True)
                drift(app, obj, changed, applied=model.gitApplied)
                self.targets[uid] = changed
            if model.hook:
                app.hooks.add(uid)
            if model.extraneous:
                app.extraneous.add(uid)
        elif annotations:
            meta["annotations"] = {**(meta.get("annotations") or {}), **annotations}
        if model.editedBy is not None:
            meta["managedFields"].append(
                {
                    "manager": model.editedBy.manager,
                    "operation": "Update",
                    "apiVersion": obj["apiVersion"],
                    "time": rfc3339(ago(model.editedBy.ago)),
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:spec": {}},
                }
            )
        if model.status is not None:
            obj["status"] = merge_patch(obj.get("status") or {}, with_times(model.status))
        observed = (obj.get("status") or {}).get("observedGeneration")
        if "generation" not in meta and str(observed).isdigit():  # a custom resource the controller observed
            meta["generation"] = int(str(observed))
        assessed = (model.health.status, model.health.message) if model.health else health.assess(obj)
        info = list(info or [])
        for key in REVISION_ANNOTATIONS:
            revision = (meta.get("annotations") or {}).get(key)
            if revision and revision.isdigit() and not any(i["name"] == "Revision" for i in info):
                info.insert(0, {"name": "Revision", "value": f"Rev:{revision}"})
        app.add(obj, assessed[0] if assessed else None, assessed[1] if assessed else "", info or None)
        if position is not None:
            app.objects.insert(position, app.objects.pop())
        self.objects[(obj["kind"], meta["name"])] = obj
        for ev in model.events:
            app.events.append(authored_event(obj, ev))

    def _make(
        self,
        model: schema.Object,
        api_version: str,
        owner: JSON | None,
        labels: dict[str, str],
        body: JSON,
        desired: JSON | None = None,
    ) -> JSON:
        return make(
            api_version,
            model.kind,
            model.name,
            self.ns,
            app=self.app.name if owner is None else None,
            owner=owner,
            labels=labels,
            age=model.age,
            body=body,
            desired=desired,
            manager="argocd-controller" if owner is None else "kube-controller-manager",
        )

    def _plain(self, model: schema.Object, api_version: str, owner: JSON | None) -> None:
        """Services, ConfigMaps, Secrets, PVCs, HPAs, Ingresses, Rollouts, …: spec/status as written."""
        body: JSON = {}
        labels = dict(model.labels)
        networking: JSON | None = None
        if model.kind == "Service":
            selector = (
                model.selector if model.selector is not None else {"app.kubernetes.io/name": model.name}
            )
            digest = kube.suffix(model.name, 2)
            ip = f"10.96.{ord(digest[0]) % 200 + 10}.{ord(digest[1]) % 250 + 2}"
            body["spec"] = {
                "type": "ClusterIP",
                "clusterIP": ip,
                "clusterIPs": [ip],
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "internalTrafficPolicy": "Cluster",
                "sessionAffinity": "None",
                "selector": selector,
                "ports": model.ports or [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
            }
            body["status"] = {"loadBalancer": {}}
            labels = {"app.kubernetes.io/name": model.name, **labels}
            networking = {"targetLabels": selector}
        elif model.kind == "ConfigMap":
            body["data"] = dict(model.data or {})
        elif model.kind == "Secret":
            body["type"] = model.type or "Opaque"
            body["data"] = {k: kube.b64(v) for k, v in (model.data or {}).items()}
        if model.spec is not None:
            body["spec"] = merge_patch(body.get("spec") or {}, model.spec)
        obj = self._make(model, api_version, owner, labels, body)
        if model.kind == "Ingress":
            networking = self._ingress_networking(obj, model.status or {})
        if networking is not None:
            self.app.networking[obj["metadata"]["uid"]] = networking
        self._finish(model, obj, owner)

    def _ingress_networking(self, obj: JSON, status: JSON) -> JSON:
        """Argo CD's populateIngressInfo: target Services, load balancer addresses, external URLs."""
        lb = [
            {"hostname": i["hostname"]} if "hostname" in i else {"ip": i.get("ip", "")}
            for i in (status.get("loadBalancer") or {}).get("ingress") or []
        ]
        targets: dict[str, JSON] = {}
        urls: list[str] = []
        tls = (obj.get("spec") or {}).get("tls") or []
        for rule in (obj.get("spec") or {}).get("rules") or []:
            host = rule.get("host") or next((i.get("hostname") or i.get("ip") for i in lb), "")
            for path in (rule.get("http") or {}).get("paths") or []:
                service = ((path.get("backend") or {}).get("service") or {}).get("name")
                if service:
                    targets[service] = {"kind": "Service", "namespace": self.ns, "name": service}
                if host:
                    scheme = "https" if tls else "http"
                    urls.append(f"{scheme}://{host}{(path.get('path') or '').rstrip('*')}")
        info: JSON = {"targetRefs": list(targets.values())}
        if lb:
            info["ingress"] = lb
        if urls:
            info["externalURLs"] = sorted(set(urls))
        return info

    # workloads ---------------------------------------------------------------------------------------

    def _pod_models(self, model: schema.Object, replicas: int) -> list[schema.Pod]:
        return list(model.pods) if model.pods is not None else [schema.Pod() for _ in range(replicas)]

    def _pods(
        self,
        owner: JSON,
        template: JSON,
        models: list[schema.Pod],
        *,
        job_pod: bool = False,
        ages: list[float] | None = None,
        extra_labels: dict[str, str] | None = None,
    ) -> list[JSON]:
        pods = []
        owner_name = owner["metadata"]["name"]
        owner_age = (NOW - _parse(owner["metadata"]["creationTimestamp"])).total_seconds()
        for i, pod_model in enumerate(models):
            name = pod_model.name or f"{owner_name}-{suffix(owner_name + str(i))}"
            plan = PodPlan(
                owner=owner,
                name=name,
                template=template,
                index=i,
                job_pod=job_pod,
                extra_labels=dict(extra_labels or {}),
                max_age=max(owner_age - 1, 1),
                default_age=ages[i] if ages else None,
            )
            pods.append(build_pod(self.app, plan, pod_model))
        return pods

    def _deployment(self, model: schema.Object, api_version: str) -> None:
        labels = self._labels(model)
        models = model.pods
        replicas = model.replicas if model.replicas is not None else (len(models) if models else 1)
        spec: JSON = {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": self._template(model, labels),
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        }
        spec = merge_patch(spec, model.spec or {})
        position = len(self.app.objects)
        deploy = self._make(model, api_version, None, labels, {"spec": spec})
        revision = 4 if model.previous else 3
        new_models = self._pod_models(model, replicas)
        rollout_age = min(
            max((p.age or (FAILING_AGE if is_failing(p) else HEALTHY_AGE)) for p in new_models) + 3
            if new_models
            else HEALTHY_AGE,
            model.age,
        )
        template = spec["template"]
        old_pods: list[JSON] = []
        if model.previous is not None:
            old_template = copy.deepcopy(template)
            if model.previous.containers is not None:
                old_template["spec"]["containers"] = [self._container(c) for c in model.previous.containers]
            if model.previous.image is not None:
                old_template["spec"]["containers"][0]["image"] = model.previous.image
            old_template["spec"] = merge_patch(old_template["spec"], model.previous.podSpec or {})
            given = model.previous.pods
            old_models = (
                list(given)
                if isinstance(given, list)
                else [schema.Pod() for _ in range(replicas if given is None else given)]
            )
            _, old_pods = self._replica_set_of(
                deploy,
                old_template,
                old_models,
                revision - 1,
                model.age - 60,
                replicas,
            )
        new_rs, new_pods = self._replica_set_of(deploy, template, new_models, revision, rollout_age, replicas)
        ready = sum(1 for p in [*new_pods, *old_pods] if _ready(p))
        rs_name = new_rs["metadata"]["name"]
        max_unavailable = math.floor(replicas * 0.25)
        available_ok = ready >= replicas - max_unavailable
        if all(_ready(p) for p in new_pods) and len(new_pods) >= replicas and not old_pods:
            progressing = _time_condition(
                "Progressing",
                True,
                "NewReplicaSetAvailable",
                f'ReplicaSet "{rs_name}" has successfully progressed.',
                rollout_age - 30,
            )
        elif model.progressing:
            progressing = _time_condition(
                "Progressing",
                True,
                "ReplicaSetUpdated",
                f'ReplicaSet "{rs_name}" is progressing.',
                rollout_age,
            )
        else:
            progressing = _time_condition(
                "Progressing",
                False,
                "ProgressDeadlineExceeded",
                f'ReplicaSet "{rs_name}" has timed out progressing.',
                max(rollout_age - 600, 1),
            )
        available = _time_condition(
            "Available",
            available_ok,
            "MinimumReplicasAvailable" if available_ok else "MinimumReplicasUnavailable",
            "Deployment has minimum availability."
            if available_ok
            else "Deployment does not have minimum availability.",
            (model.age - 60) if available_ok else rollout_age - 2,
        )
        status: JSON = {
            "observedGeneration": deploy["metadata"]["generation"],
            "replicas": len(new_pods) + len(old_pods),
            "updatedReplicas": len(new_pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "conditions": [available, progressing],
        }
        if replicas - ready > 0:
            status["unavailableReplicas"] = replicas - ready
        if not ready:
            del status["readyReplicas"], status["availableReplicas"]
        deploy["status"] = status
        deploy["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": str(revision)}
        if rollout_age <= EVENT_TTL:
            self.app.events.append(
                event(
                    deploy,
                    "ScalingReplicaSet",
                    f"Scaled up replica set {rs_name} to {len(new_pods)} from 0",
                    first_ago=rollout_age - 1,
                    last_ago=rollout_age - 1,
                    component="deployment-controller",
                )
            )
        self._finish(model, deploy, None, position=position)

    def _replica_set_of(
        self, deploy: JSON, template: JSON, models: list[schema.Pod], revision: int, age: float, replicas: int
    ) -> tuple[JSON, list[JSON]]:
        name = deploy["metadata"]["name"]
        pod_hash = suffix(json.dumps(template, sort_keys=True) + name + str(revision), 10)
        labels = {**template["metadata"]["labels"], "pod-template-hash": pod_hash}
        rs_template = {"metadata": {"labels": labels}, "spec": copy.deepcopy(template["spec"])}
        rs = make(
            "apps/v1",
            "ReplicaSet",
            f"{name}-{pod_hash}",
            self.ns,
            owner=deploy,
            labels=labels,
            manager="kube-controller-manager",
            age=age,
            body={
                "spec": {
                    "replicas": len(models),
                    "selector": {
                        "matchLabels": {
                            **deploy["spec"]["selector"]["matchLabels"],
                            "pod-template-hash": pod_hash,
                        }
                    },
                    "template": rs_template,
                }
            },
        )
        rs["metadata"]["annotations"] = {
            "deployment.kubernetes.io/desired-replicas": str(replicas),
            "deployment.kubernetes.io/max-replicas": str(replicas + math.ceil(replicas * 0.25)),
            "deployment.kubernetes.io/revision": str(revision),
        }
        position = len(self.app.objects)
        pods = self._pods(rs, rs_template, models)
        self._set_rs_status(rs, pods)
        for pod in pods:  # the replicaset-controller's, while the API server keeps them
            created = _age_of(pod) + 0.5
            if created <= EVENT_TTL:
                self.app.events.append(
                    event(
                        rs,
                        "SuccessfulCreate",
                        f"Created pod: {pod['metadata']['name']}",
                        first_ago=created,
                        last_ago=created,
                        component="replicaset-controller",
                        seed=pod["metadata"]["name"],
                    )
                )
        state, message = health.replica_set(rs)
        self.app.add(rs, state, message, [{"name": "Revision", "value": f"Rev:{revision}"}])
        self.app.objects.insert(position, self.app.objects.pop())
        return rs, pods

    def _set_rs_status(self, rs: JSON, pods: list[JSON]) -> None:
        ready = sum(1 for p in pods if _ready(p))
        status: JSON = {"replicas": len(pods), "fullyLabeledReplicas": len(pods)}
        if ready:
            status.update(readyReplicas=ready, availableReplicas=ready)
        status["observedGeneration"] = rs["metadata"].get("generation", 1)
        rs["status"] = status

    def _pod_set(self, model: schema.Object, api_version: str, owner: JSON | None) -> None:
        """A ReplicaSet (of a Rollout, say) or a StatefulSet written out, with its pods."""
        labels = dict(model.labels) or {"app.kubernetes.io/name": model.name}
        template = self._template(model, labels)
        models = model.pods
        replicas = model.replicas if model.replicas is not None else (len(models) if models else 1)
        if model.kind == "ReplicaSet" and owner is not None and "-" in model.name:
            key = "rollouts-pod-template-hash" if owner["kind"] == "Rollout" else "pod-template-hash"
            labels = {**labels, key: model.name.rsplit("-", 1)[1]}
            template["metadata"]["labels"] = dict(labels)
        spec = merge_patch(
            {"replicas": replicas, "selector": {"matchLabels": dict(labels)}, "template": template},
            model.spec or {},
        )
        position = len(self.app.objects)
        obj = self._make(model, api_version, owner, labels, {"spec": spec})
        if model.kind == "StatefulSet":
            pod_models = self._pod_models(model, replicas)
            pods = [
                build_pod(
                    self.app,
                    PodPlan(
                        owner=obj, name=p.name or f"{model.name}-{i}", template=spec["template"], index=i
                    ),
                    p,
                )
                for i, p in enumerate(pod_models)
            ]
            ready = sum(1 for p in pods if _ready(p))
            revision = f"{model.name}-{suffix(model.name, 10)}"
            obj["status"] = {
                "observedGeneration": obj["metadata"].get("generation") or 1,
                "replicas": len(pods),
                "readyReplicas": ready,
                "currentReplicas": len(pods),
                "updatedReplicas": len(pods),
                "currentRevision": revision,
                "updateRevision": revision,
                "availableReplicas": ready,
            }
            obj["metadata"]["generation"] = obj["status"]["observedGeneration"]
        else:
            pods = self._pods(obj, spec["template"], self._pod_models(model, replicas))
            self._set_rs_status(obj, pods)
        self._finish(model, obj, owner, position=position)

    def _job_object(self, model: schema.Object, api_version: str, owner: JSON | None) -> None:
        labels = self._labels(model)
        template = self._template(model, labels, restart_policy="Never")
        backoff = model.backoffLimit if model.backoffLimit is not None else 6
        models = model.pods if model.pods is not None else [schema.Pod()]
        self._job(owner, model.name, labels, template, backoff, models, model.age, api_version, model)

    def _job(
        self,
        owner: JSON | None,
        name: str,
        labels: dict[str, str],
        template: JSON,
        backoff: int,
        models: list[schema.Pod],
        age: float,
        api_version: str = "batch/v1",
        model: schema.Object | None = None,
    ) -> None:
        """A Job and its pods (one per attempt, 10s back-off doubling, as the job controller retries).
        `model`: the scenario's own Job (managed, or a hook); None: a CronJob's run."""
        git_spec: JSON = {"backoffLimit": backoff, "template": template}
        if model is not None and model.spec is not None:
            git_spec = merge_patch(git_spec, model.spec)
        body_spec = {
            **copy.deepcopy(git_spec),
            "completions": 1,
            "parallelism": 1,
            "completionMode": "NonIndexed",
            "suspend": False,
            "podReplacementPolicy": "TerminatingOrFailed",
        }
        desired: JSON = {
            "apiVersion": api_version,
            "kind": "Job",
            "metadata": {
                "name": name,
                "namespace": self.ns,
                "labels": {**labels, "app.kubernetes.io/instance": self.app.name},
            },
            "spec": git_spec,
        }
        position = len(self.app.objects)
        job = make(
            api_version,
            "Job",
            name,
            self.ns,
            app=self.app.name if owner is None else None,
            owner=owner,
            labels=labels,
            age=age,
            body={"spec": body_spec},
            desired=desired if owner is None else None,
            manager="argocd-controller" if owner is None else "kube-controller-manager",
        )
        uid = job["metadata"]["uid"]
        job_labels = {
            "batch.kubernetes.io/controller-uid": uid,
            "batch.kubernetes.io/job-name": name,
            "controller-uid": uid,
            "job-name": name,
        }
        job["spec"]["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
        job["spec"]["template"]["metadata"]["labels"] = {**template["metadata"]["labels"], **job_labels}
        ages, t = [], age - 1
        for i in range(len(models)):
            ages.append(max(t, 2.0))
            t -= 8 + 10 * 2**i
        pods = self._pods(
            job, job["spec"]["template"], models, job_pod=True, ages=ages, extra_labels=job_labels
        )
        phases = [p["status"]["phase"] for p in pods]
        failed, succeeded = phases.count("Failed"), phases.count("Succeeded")
        active = len(pods) - failed - succeeded
        status: JSON = {"startTime": rfc3339(ago(age - 1))}
        last_ago = min((_age_of(p) for p in pods), default=age) - 10
        conditions = []
        job_failed = failed > backoff
        if job_failed:
            moment = rfc3339(ago(max(last_ago, 1)))
            conditions = [
                {
                    "type": cond,
                    "status": "True",
                    "reason": "BackoffLimitExceeded",
                    "message": "Job has reached the specified backoff limit",
                    "lastProbeTime": moment,
                    "lastTransitionTime": moment,
                }
                for cond in ("FailureTarget", "Failed")
            ]
        elif succeeded:
            moment = rfc3339(ago(max(last_ago, 1)))
            status["completionTime"] = moment
            conditions = [
                {
                    "type": cond,
                    "status": "True",
                    "reason": "CompletionsReached",
                    "message": "Reached expected number of succeeded pods",
                    "lastProbeTime": moment,
                    "lastTransitionTime": moment,
                }
                for cond in ("SuccessCriteriaMet", "Complete")
            ]
        if conditions:
            status["conditions"] = conditions
        if failed:
            status["failed"] = failed
        if succeeded:
            status["succeeded"] = succeeded
        if active:
            status["active"] = active
        status.update(ready=0, terminating=0, uncountedTerminatedPods={})
        job["status"] = status
        for pod in pods:
            created = _age_of(pod) + 0.5
            if created <= EVENT_TTL:
                self.app.events.append(
                    event(
                        job,
                        "SuccessfulCreate",
                        f"Created pod: {pod['metadata']['name']}",
                        first_ago=created,
                        last_ago=created,
                        component="job-controller",
                        seed=pod["metadata"]["name"],
                    )
                )
        if last_ago > EVENT_TTL:  # the outcome's event is gone already
            pass
        elif job_failed:
            self.app.events.append(
                event(
                    job,
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    type_="Warning",
                    first_ago=max(last_ago, 1),
                    last_ago=max(last_ago, 1),
                    component="job-controller",
                )
            )
        elif succeeded:
            self.app.events.append(
                event(
                    job,
                    "Completed",
                    "Job completed",
                    first_ago=max(last_ago, 1),
                    last_ago=max(last_ago, 1),
                    component="job-controller",
                )
            )
        if model is not None:
            self._finish(model, job, owner, desired=desired if owner is None else None, position=position)
        else:  # a CronJob's: owned, its health as Argo CD assesses it
            state, message = health.job(job)
            self.app.add(job, state, message)
            self.app.objects.insert(position, self.app.objects.pop())

    def _cron_job(self, model: schema.Object, api_version: str) -> None:
        labels = self._labels(model)
        template = self._template(model, labels, restart_policy="Never")
        backoff = model.backoffLimit if model.backoffLimit is not None else 6
        spec: JSON = {
            "schedule": model.schedule,
            "concurrencyPolicy": "Forbid",
            "suspend": False,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {"metadata": {}, "spec": {"backoffLimit": backoff, "template": template}},
        }
        spec = merge_patch(spec, model.spec or {})
        position = len(self.app.objects)
        cron = self._make(model, api_version, None, labels, {"spec": spec})
        runs = list(model.jobs or [])
        times = schedule_times(model.schedule or "", len(runs)) if runs else []
        job_template = spec["jobTemplate"]["spec"]

        def run_failed(run: schema.JobRun) -> bool:
            limit = run.backoffLimit if run.backoffLimit is not None else job_template.get("backoffLimit", 6)
            failed_pods = [
                p
                for p in run.pods
                if any(c.terminated is not None and c.terminated.exitCode != 0 for c in p.containers.values())
            ]
            if len(failed_pods) <= limit and len(failed_pods) == len(run.pods) and run.pods:
                raise BuildError(
                    "a CronJob run must end: a pod that succeeds, or more failed pods than backoffLimit"
                )
            return len(failed_pods) > limit

        outcomes = [run_failed(r) for r in runs]
        keep_failed = spec.get("failedJobsHistoryLimit", 1)
        keep_ok = spec.get("successfulJobsHistoryLimit", 3)
        failed_idx = [i for i, f in enumerate(outcomes) if f][-keep_failed:] if keep_failed else []
        ok_idx = [i for i, f in enumerate(outcomes) if not f][-keep_ok:] if keep_ok else []
        kept = set(failed_idx) | set(ok_idx)
        controller = "cronjob-controller"
        last_success = None
        for i, (run, when) in enumerate(zip(runs, times, strict=True)):
            job_name = f"{model.name}-{int((NOW - timedelta(seconds=when)).timestamp() // 60)}"
            attempts = len(run.pods) or 1
            duration = sum(8 + 10 * 2**k for k in range(attempts - 1)) + 20
            done_ago = max(when - duration, 1)
            outcome = "Failed" if outcomes[i] else "Complete"
            if not outcomes[i]:
                last_success = done_ago
            if i in kept:
                limit = (
                    run.backoffLimit if run.backoffLimit is not None else job_template.get("backoffLimit", 6)
                )
                job_spec_template = copy.deepcopy(job_template["template"])
                self._job(
                    cron, job_name, labels, job_spec_template, limit, list(run.pods) or [schema.Pod()], when
                )
            for reason, message, moment in (
                ("SuccessfulCreate", f"Created job {job_name}", when),
                ("SawCompletedJob", f"Saw completed job: {job_name}, status: {outcome}", done_ago),
            ):
                if moment > EVENT_TTL:
                    continue
                self.app.events.append(
                    event(
                        cron,
                        reason,
                        message,
                        first_ago=moment,
                        last_ago=moment,
                        component=controller,
                        seed=job_name,
                    )
                )
            if i not in kept:  # deleted when the run that pushed it over the history limit completed
                same = [j for j in range(i + 1, len(runs)) if outcomes[j] == outcomes[i]]
                limit = keep_failed if outcomes[i] else keep_ok
                pusher = same[limit - 1] if 0 < limit <= len(same) else i
                pruned_at = max(times[pusher] - duration - 1, 1)
                if pruned_at > EVENT_TTL:
                    continue
                self.app.events.append(
                    event(
                        cron,
                        "SuccessfulDelete",
                        f"Deleted job {job_name}",
                        first_ago=pruned_at,
                        last_ago=pruned_at,
                        component=controller,
                        seed=job_name,
                    )
                )
        status: JSON = {}
        if times:
            status["lastScheduleTime"] = rfc3339(ago(times[-1]))
        if last_success is not None:
            status["lastSuccessfulTime"] = rfc3339(ago(last_success))
        cron["status"] = status
        self._finish(model, cron, None, position=position)


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _age_of(obj: JSON) -> float:
    return float((NOW - _parse(obj["metadata"]["creationTimestamp"])).total_seconds())


__all__ = [
    "Built",
    "ScenarioError",
    "build_scenario",
    "load_scenarios",
    "load_world",
    "merge_patch",
    "read_scenario",
    "schedule_times",
]
