"""Workloads of a scenario with their pods: a Deployment with its ReplicaSets (the current one and, after
a change, the previous one still running), a ReplicaSet or StatefulSet written out (of a Rollout, say);
their statuses and conditions as the controllers write them, and the controllers' events.

Pods come from scenario_pods.py; Jobs and CronJobs, which retry and run on a schedule, from
scenario_jobs.py.
"""

from __future__ import annotations

import copy
import json
import math

from devstack.argocd import health
from devstack.argocd import scenario_schema as schema
from devstack.argocd.kube import JSON, ago, make, rfc3339, suffix
from devstack.argocd.scenario_base import EVENT_TTL, age_of, is_ready, merge_patch
from devstack.argocd.scenario_objects import (
    Scope,
    container_spec,
    finish,
    labels_of,
    make_object,
    pod_template,
)
from devstack.argocd.scenario_pods import FAILING_AGE, HEALTHY_AGE, PodPlan, build_pod, is_failing
from devstack.argocd.world_kube import event


def _time_condition(type_: str, ok: bool, reason: str, message: str, since: float) -> JSON:
    """A Deployment condition (it has lastUpdateTime besides lastTransitionTime)."""
    moment = rfc3339(ago(since))
    return {
        "type": type_,
        "status": "True" if ok else "False",
        "lastUpdateTime": moment,
        "lastTransitionTime": moment,
        "reason": reason,
        "message": message,
    }


def pod_models_of(model: schema.Object, replicas: int) -> list[schema.Pod]:
    """The pods the scenario wrote out, or `replicas` healthy ones."""
    return list(model.pods) if model.pods is not None else [schema.Pod() for _ in range(replicas)]


def build_pods(
    scope: Scope,
    owner: JSON,
    template: JSON,
    models: list[schema.Pod],
    *,
    job_pod: bool = False,
    ages: list[float] | None = None,
    extra_labels: dict[str, str] | None = None,
) -> list[JSON]:
    """The pods of `owner` (named `<owner>-<suffix>` unless written out), added to the Application."""
    pods = []
    owner_name = owner["metadata"]["name"]
    owner_age = age_of(owner)
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
        pods.append(build_pod(scope.app, plan, pod_model))
    return pods


def deployment(scope: Scope, model: schema.Object, api_version: str) -> None:
    """A Deployment, its current ReplicaSet and (with `previous`) the one before, with their pods."""
    labels = labels_of(model)
    models = model.pods
    replicas = model.replicas if model.replicas is not None else (len(models) if models else 1)
    spec: JSON = {
        "replicas": replicas,
        "selector": {"matchLabels": dict(labels)},
        "template": pod_template(model, labels),
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
        },
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600,
    }
    spec = merge_patch(spec, model.spec or {})
    position = len(scope.app.objects)
    deploy = make_object(scope, model, api_version, None, labels, {"spec": spec})
    revision = 4 if model.previous else 3
    new_models = pod_models_of(model, replicas)
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
            old_template["spec"]["containers"] = [container_spec(c) for c in model.previous.containers]
        if model.previous.image is not None:
            old_template["spec"]["containers"][0]["image"] = model.previous.image
        old_template["spec"] = merge_patch(old_template["spec"], model.previous.podSpec or {})
        given = model.previous.pods
        old_models = (
            list(given)
            if isinstance(given, list)
            else [schema.Pod() for _ in range(replicas if given is None else given)]
        )
        _, old_pods = _replica_set_of(
            scope,
            deploy,
            old_template,
            old_models,
            revision - 1,
            model.age - 60,
            replicas,
        )
    new_rs, new_pods = _replica_set_of(scope, deploy, template, new_models, revision, rollout_age, replicas)
    ready = sum(1 for p in [*new_pods, *old_pods] if is_ready(p))
    rs_name = new_rs["metadata"]["name"]
    max_unavailable = math.floor(replicas * 0.25)
    available_ok = ready >= replicas - max_unavailable
    if all(is_ready(p) for p in new_pods) and len(new_pods) >= replicas and not old_pods:
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
        scope.app.events.append(
            event(
                deploy,
                "ScalingReplicaSet",
                f"Scaled up replica set {rs_name} to {len(new_pods)} from 0",
                first_ago=rollout_age - 1,
                last_ago=rollout_age - 1,
                component="deployment-controller",
            )
        )
    finish(scope, model, deploy, None, position=position)


def _replica_set_of(
    scope: Scope,
    deploy: JSON,
    template: JSON,
    models: list[schema.Pod],
    revision: int,
    age: float,
    replicas: int,
) -> tuple[JSON, list[JSON]]:
    """One of the Deployment's ReplicaSets (revision `revision`) and its pods."""
    name = deploy["metadata"]["name"]
    pod_hash = suffix(json.dumps(template, sort_keys=True) + name + str(revision), 10)
    labels = {**template["metadata"]["labels"], "pod-template-hash": pod_hash}
    rs_template = {"metadata": {"labels": labels}, "spec": copy.deepcopy(template["spec"])}
    rs = make(
        "apps/v1",
        "ReplicaSet",
        f"{name}-{pod_hash}",
        scope.ns,
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
    position = len(scope.app.objects)
    pods = build_pods(scope, rs, rs_template, models)
    set_rs_status(rs, pods)
    created_events(scope, rs, pods, "replicaset-controller")
    state, message = health.replica_set(rs)
    scope.app.add(rs, state, message, [{"name": "Revision", "value": f"Rev:{revision}"}])
    scope.app.objects.insert(position, scope.app.objects.pop())
    return rs, pods


def created_events(scope: Scope, owner: JSON, pods: list[JSON], component: str) -> None:
    """The controller's SuccessfulCreate of each of `owner`'s pods, while the API server keeps them."""
    for pod in pods:
        created = age_of(pod) + 0.5
        if created <= EVENT_TTL:
            scope.app.events.append(
                event(
                    owner,
                    "SuccessfulCreate",
                    f"Created pod: {pod['metadata']['name']}",
                    first_ago=created,
                    last_ago=created,
                    component=component,
                    seed=pod["metadata"]["name"],
                )
            )


def set_rs_status(rs: JSON, pods: list[JSON]) -> None:
    ready = sum(1 for p in pods if is_ready(p))
    status: JSON = {"replicas": len(pods), "fullyLabeledReplicas": len(pods)}
    if ready:
        status.update(readyReplicas=ready, availableReplicas=ready)
    status["observedGeneration"] = rs["metadata"].get("generation", 1)
    rs["status"] = status


def pod_set(scope: Scope, model: schema.Object, api_version: str, owner: JSON | None) -> None:
    """A ReplicaSet (of a Rollout, say) or a StatefulSet written out, with its pods."""
    labels = dict(model.labels) or {"app.kubernetes.io/name": model.name}
    template = pod_template(model, labels)
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
    position = len(scope.app.objects)
    obj = make_object(scope, model, api_version, owner, labels, {"spec": spec})
    if model.kind == "StatefulSet":
        pod_models = pod_models_of(model, replicas)
        pods = [
            build_pod(
                scope.app,
                PodPlan(owner=obj, name=p.name or f"{model.name}-{i}", template=spec["template"], index=i),
                p,
            )
            for i, p in enumerate(pod_models)
        ]
        ready = sum(1 for p in pods if is_ready(p))
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
        pods = build_pods(scope, obj, spec["template"], pod_models_of(model, replicas))
        set_rs_status(obj, pods)
    finish(scope, model, obj, owner, position=position)
