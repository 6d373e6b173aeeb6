"""Builders of an App's live Kubernetes objects and their events: workloads, pods, services, config."""

from __future__ import annotations

import json

from devstack.argocd import kube
from devstack.argocd.kube import JSON, LAST_APPLIED, ago, make, rfc3339, suffix
from devstack.argocd.world_model import App


def deployment_chain(
    app: App,
    name: str,
    image: str,
    *,
    replicas: int,
    port: int = 8080,
    health: str = "Healthy",
    message: str = "",
    env: list[JSON] | None = None,
    init: list[JSON] | None = None,
    desired: JSON | None = None,
    resources: JSON | None = None,
) -> tuple[JSON, JSON, list[JSON]]:
    ns = app.dest_namespace
    labels = {"app.kubernetes.io/name": name}
    main = kube.container("api" if init else name, image, port, env)
    if resources is not None:
        main["resources"] = resources
    template = kube.pod_template(labels, [main], init)
    available = replicas if health == "Healthy" else 0
    deploy = make(
        "apps/v1",
        "Deployment",
        name,
        ns,
        app=app.name,
        labels=labels,
        desired=desired,
        body={
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": template,
                "strategy": {"type": "RollingUpdate"},
                "revisionHistoryLimit": 10,
                "progressDeadlineSeconds": 600,
            },
            "status": {
                "observedGeneration": 3,
                "replicas": replicas,
                "updatedReplicas": replicas,
                "readyReplicas": available,
                "availableReplicas": available,
                "conditions": deploy_conditions(name, health),
            },
        },
    )
    app.add(deploy, health, message)
    rs_name = f"{name}-{suffix(name + 'rs', 9).lower()}"
    rs = make(
        "apps/v1",
        "ReplicaSet",
        rs_name,
        ns,
        owner=deploy,
        labels=labels,
        manager="kube-controller-manager",
        body={
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template},
            "status": {"replicas": replicas, "readyReplicas": available, "availableReplicas": available},
        },
    )
    app.add(rs, health, message, [{"name": "Revision", "value": "Rev:3"}])
    pods = [pod(app, rs, f"{rs_name}-{suffix(rs_name + str(i))}", template, i) for i in range(replicas)]
    return deploy, rs, pods


def deploy_conditions(name: str, health: str) -> list[JSON]:
    if health == "Healthy":
        return [
            {
                "type": "Available",
                "status": "True",
                "reason": "MinimumReplicasAvailable",
                "message": "Deployment has minimum availability.",
            }
        ]
    return [
        {
            "type": "Available",
            "status": "False",
            "reason": "MinimumReplicasUnavailable",
            "message": "Deployment does not have minimum availability.",
        },
        {
            "type": "Progressing",
            "status": "False",
            "reason": "ProgressDeadlineExceeded",
            "message": f'ReplicaSet "{name}" has timed out progressing.',
        },
    ]


def pod(app: App, owner: JSON, name: str, template: JSON, index: int, node: str = "") -> JSON:
    node = node or f"worker-{index % 3 + 1}"
    started = ago(2 * 86400 - index * 60)
    containers = template["spec"]["containers"]
    obj = make(
        "v1",
        "Pod",
        name,
        app.dest_namespace,
        owner=owner,
        labels=template["metadata"]["labels"],
        manager="kubelet",
        age=2 * 86400 - index * 60,
        body={
            "spec": {**template["spec"], "nodeName": node, "serviceAccountName": "default"},
            "status": {
                "phase": "Running",
                "podIP": f"10.244.{index % 3 + 1}.{17 + index}",
                "hostIP": f"172.18.0.{index % 3 + 2}",
                "startTime": rfc3339(started),
                "qosClass": "Burstable",
                "conditions": [
                    {"type": t, "status": "True"}
                    for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
                ],
                "containerStatuses": [
                    kube.running_status(c["name"], c["image"], started) for c in containers
                ],
            },
        },
    )
    info = [
        {"name": "Node", "value": node},
        {"name": "Containers", "value": f"{len(containers)}/{len(containers)}"},
    ]
    app.add(obj, "Healthy", info=info)
    return obj


def service(app: App, name: str, port: int = 80, target: int = 8080) -> JSON:
    return app.add(
        make(
            "v1",
            "Service",
            name,
            app.dest_namespace,
            app=app.name,
            labels={"app.kubernetes.io/name": name},
            body={
                "spec": {
                    "type": "ClusterIP",
                    "clusterIP": "10.96.12.34",
                    "selector": {"app.kubernetes.io/name": name},
                    "ports": [{"name": "http", "port": port, "targetPort": target, "protocol": "TCP"}],
                },
                "status": {"loadBalancer": {}},
            },
        ),
        "Healthy",
    )


def configmap(app: App, name: str, data: dict[str, str]) -> JSON:
    return app.add(make("v1", "ConfigMap", name, app.dest_namespace, app=app.name, body={"data": data}))


def secret(app: App, name: str, data: dict[str, str], desired: JSON | None = None) -> JSON:
    """A managed Opaque Secret; `data` holds plain values, stored base64-encoded as Kubernetes does."""
    body = {"type": "Opaque", "data": {k: kube.b64(v) for k, v in data.items()}}
    return app.add(make("v1", "Secret", name, app.dest_namespace, app=app.name, desired=desired, body=body))


def drift(app: App, obj: JSON, target: JSON, *, applied: bool = True) -> None:
    """Git holds `target` for the live `obj`. `applied`: the last sync applied it (it is the last-applied
    annotation), so the live object was changed by hand since; otherwise Git moved on and was not applied."""
    app.out_of_sync[obj["metadata"]["uid"]] = target
    if applied:
        annotations = obj["metadata"].setdefault("annotations", {})
        annotations[LAST_APPLIED] = json.dumps(target, separators=(",", ":"), sort_keys=True)


def involved_object(involved: JSON) -> JSON:
    """An Event's reference to the object it is about."""
    meta = involved["metadata"]
    return {
        "kind": involved["kind"],
        "namespace": meta.get("namespace", ""),
        "name": meta["name"],
        "uid": meta["uid"],
        "apiVersion": involved["apiVersion"],
        "resourceVersion": meta.get("resourceVersion", ""),
    }


def event(
    involved: JSON,
    reason: str,
    message: str,
    *,
    type_: str = "Normal",
    count: int = 1,
    first_ago: float = 3600,
    last_ago: float = 60,
    component: str = "kubelet",
    host: str = "worker-2",
    seed: str = "",
) -> JSON:
    """A core/v1 Event about `involved`. `host` is the reporting kubelet's node; `seed` tells apart events
    of the same reason about the same object (their names and uids)."""
    meta = involved["metadata"]
    name = f"{meta['name']}.{suffix(reason + meta['name'] + seed, 16).lower()}"
    return {
        "metadata": {
            "name": name,
            "namespace": meta.get("namespace", ""),
            "uid": kube.uid_for("Event", name),
            "resourceVersion": "48213",
            "creationTimestamp": rfc3339(ago(first_ago)),
        },
        "involvedObject": involved_object(involved),
        "reason": reason,
        "message": message,
        "source": {"component": component, **({"host": host} if component == "kubelet" else {})},
        "firstTimestamp": rfc3339(ago(first_ago)),
        "lastTimestamp": rfc3339(ago(last_ago)),
        "count": count,
        "type": type_,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": host if component == "kubelet" else "",
    }


def app_object_ref(app: App) -> JSON:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": app.name,
            "namespace": app.namespace,
            "uid": app.uid,
            "resourceVersion": "90211",
        },
    }


def app_events(app: App) -> list[JSON]:
    """The Application's own events of its last (successful, automated) sync."""
    ref = app_object_ref(app)
    done = app.synced_ago
    controller = "argocd-application-controller"
    return [
        event(
            ref,
            "OperationStarted",
            "Initiated automated sync to '" + app.revision + "'",
            first_ago=done + 10,
            last_ago=done + 10,
            component=controller,
        ),
        event(
            ref,
            "OperationCompleted",
            f"Sync operation to {app.revision} succeeded",
            first_ago=done,
            last_ago=done,
            component=controller,
        ),
        event(
            ref,
            "ResourceUpdated",
            f"Updated health status: Progressing -> {app.health_status}",
            first_ago=done - 90,
            last_ago=done - 90,
            component=controller,
        ),
    ]
