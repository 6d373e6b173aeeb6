"""The demo world: applications, their live Kubernetes objects, tree nodes, events and logs.

Names are fixed by docs/dev/CONTRACTS.md. Everything is built once at import and never mutated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from devstack.argocd import kube
from devstack.argocd.kube import JSON, ago, b64, make, rfc3339, suffix
from devstack.argocd.logs_data import LogSource, static_logs
from devstack.argocd.tokens import DEMO_USERS, SERVICE_USERS, token_for

__all__ = ["APPS", "ARGOCD_NAMESPACE", "DEMO_USERS", "SERVICE_USERS", "App", "find_app", "token_for"]

ARGOCD_NAMESPACE = "argocd"
CLUSTER_URL = "https://kubernetes.default.svc"
REPO_URL = "https://github.com/example-org/gitops-demo.git"


@dataclass
class App:
    name: str
    namespace: str
    project: str
    dest_namespace: str
    path: str
    labels: dict[str, str]
    sync_status: str = "Synced"
    health_status: str = "Healthy"
    health_message: str = ""
    revision: str = "9f2c1e4b7a0d3c5e8f1a2b3c4d5e6f708192a3b4"
    objects: list[JSON] = field(default_factory=list)
    # uid -> node health / info, and per-object sync state; targets that have no live object yet.
    health: dict[str, JSON] = field(default_factory=dict)
    info: dict[str, list[JSON]] = field(default_factory=dict)
    out_of_sync: dict[str, JSON] = field(default_factory=dict)  # uid -> the desired manifest that differs
    missing: list[JSON] = field(default_factory=list)
    events: list[JSON] = field(default_factory=list)
    logs: dict[str, LogSource] = field(default_factory=dict)  # pod name -> its logs
    conditions: list[JSON] = field(default_factory=list)
    operation_message: str = "successfully synced (all tasks run)"

    @property
    def uid(self) -> str:
        return kube.uid_for("Application", self.namespace, self.name)

    def rbac_name(self) -> str:
        if self.namespace == ARGOCD_NAMESPACE:
            return f"{self.project}/{self.name}"
        return f"{self.project}/{self.namespace}/{self.name}"

    def by_uid(self) -> dict[str, JSON]:
        return {o["metadata"]["uid"]: o for o in self.objects}

    def managed(self) -> list[JSON]:
        return [o for o in self.objects if "ownerReferences" not in o["metadata"]]

    def add(
        self, obj: JSON, health: str | None = None, message: str = "", info: list[JSON] | None = None
    ) -> JSON:
        self.objects.append(obj)
        uid = obj["metadata"]["uid"]
        if health:
            self.health[uid] = {"status": health, **({"message": message} if message else {})}
        if info:
            self.info[uid] = info
        return obj


def _deployment_chain(
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
) -> tuple[JSON, JSON, list[JSON]]:
    ns = app.dest_namespace
    labels = {"app.kubernetes.io/name": name}
    template = kube.pod_template(labels, [kube.container("api" if init else name, image, port, env)], init)
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
                "conditions": _deploy_conditions(name, health),
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
    pods = [
        _pod(app, rs, f"{rs_name}-{suffix(rs_name + str(i))}", template, image, i) for i in range(replicas)
    ]
    return deploy, rs, pods


def _deploy_conditions(name: str, health: str) -> list[JSON]:
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


def _pod(app: App, owner: JSON, name: str, template: JSON, image: str, index: int, node: str = "") -> JSON:
    node = node or f"worker-{index % 3 + 1}"
    started = ago(2 * 86400 - index * 60)
    containers = template["spec"]["containers"]
    pod = make(
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
    app.add(pod, "Healthy", info=info)
    app.health[pod["metadata"]["uid"]] = {"status": "Healthy"}
    return pod


def _service(app: App, name: str, port: int = 80, target: int = 8080) -> JSON:
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


def _configmap(app: App, name: str, data: dict[str, str]) -> JSON:
    return app.add(make("v1", "ConfigMap", name, app.dest_namespace, app=app.name, body={"data": data}))


def _event(
    involved: JSON,
    reason: str,
    message: str,
    *,
    type_: str = "Normal",
    count: int = 1,
    first_ago: float = 3600,
    last_ago: float = 60,
    component: str = "kubelet",
) -> JSON:
    meta = involved["metadata"]
    name = f"{meta['name']}.{suffix(reason + meta['name'], 16).lower()}"
    return {
        "metadata": {
            "name": name,
            "namespace": meta.get("namespace", ""),
            "uid": kube.uid_for("Event", name),
            "resourceVersion": "48213",
            "creationTimestamp": rfc3339(ago(first_ago)),
        },
        "involvedObject": {
            "kind": involved["kind"],
            "namespace": meta.get("namespace", ""),
            "name": meta["name"],
            "uid": meta["uid"],
            "apiVersion": involved["apiVersion"],
            "resourceVersion": meta.get("resourceVersion", ""),
        },
        "reason": reason,
        "message": message,
        "source": {"component": component, **({"host": "worker-2"} if component == "kubelet" else {})},
        "firstTimestamp": rfc3339(ago(first_ago)),
        "lastTimestamp": rfc3339(ago(last_ago)),
        "count": count,
        "type": type_,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": "worker-2" if component == "kubelet" else "",
    }


def _app_object_ref(app: App) -> JSON:
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


def _app_events(app: App) -> list[JSON]:
    ref = _app_object_ref(app)
    return [
        _event(
            ref,
            "OperationStarted",
            "Initiated automated sync to '" + app.revision + "'",
            first_ago=7200,
            last_ago=7200,
            component="argocd-application-controller",
        ),
        _event(
            ref,
            "OperationCompleted",
            f"Sync operation to {app.revision} succeeded",
            first_ago=7190,
            last_ago=7190,
            component="argocd-application-controller",
        ),
        _event(
            ref,
            "ResourceUpdated",
            f"Updated health status: Progressing -> {app.health_status}",
            first_ago=7100,
            last_ago=7100,
            component="argocd-application-controller",
        ),
    ]


def _guestbook() -> App:
    app = App(
        "guestbook",
        ARGOCD_NAMESPACE,
        "default",
        "guestbook",
        "guestbook",
        {"team": "platform", "tier": "frontend"},
    )
    image = "gcr.io/heptio-images/ks-guestbook-demo:0.2"
    _, _, pods = _deployment_chain(app, "guestbook-ui", image, replicas=2, port=80)
    _service(app, "guestbook-ui", 80, 80)
    _configmap(app, "guestbook-config", {"REDIS_HOST": "redis-master.guestbook.svc", "GREETING": "Hello"})
    secret_data = {"redis-password": b64("s3cr3t-redis-pass"), "api-key": b64("gb-4f9a8c7d6e5b")}
    desired = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": "guestbook-secret",
            "namespace": "guestbook",
            "labels": {"app.kubernetes.io/instance": "guestbook"},
        },
        "data": {"redis-password": secret_data["redis-password"]},
        "stringData": {"api-key": "gb-4f9a8c7d6e5b"},
    }
    app.add(
        make(
            "v1",
            "Secret",
            "guestbook-secret",
            "guestbook",
            app="guestbook",
            desired=desired,
            body={"type": "Opaque", "data": secret_data},
        )
    )
    for pod in pods:
        app.logs[pod["metadata"]["name"]] = static_logs("guestbook", pod["metadata"]["name"])
    app.events = _app_events(app)
    return app


def _checkout() -> App:
    app = App(
        "checkout",
        ARGOCD_NAMESPACE,
        "team-a",
        "checkout",
        "apps/checkout",
        {"team": "team-a", "tier": "backend"},
        health_status="Degraded",
        health_message='Deployment "checkout-api" exceeded its progress deadline',
    )
    image = "ghcr.io/example-org/checkout-api:2.3.1"
    env: list[JSON] = [
        {"name": "LOG_LEVEL", "value": "info"},
        {
            "name": "REDIS_URL",
            "valueFrom": {"configMapKeyRef": {"name": "checkout-config", "key": "REDIS_URL"}},
        },
    ]
    init = [kube.container("migrate", image)]
    init[0]["command"] = ["python", "-m", "checkout.migrate"]
    deploy, _, pods = _deployment_chain(
        app,
        "checkout-api",
        image,
        replicas=1,
        health="Degraded",
        message='Deployment "checkout-api" exceeded its progress deadline',
        env=env,
        init=init,
    )
    pod = pods[0]
    pod_name = pod["metadata"]["name"]
    crash_started = ago(95)
    pod["status"].update(
        {
            "phase": "Running",
            "conditions": [
                {"type": "Initialized", "status": "True"},
                {
                    "type": "Ready",
                    "status": "False",
                    "reason": "ContainersNotReady",
                    "message": "containers with unready status: [api]",
                },
                {
                    "type": "ContainersReady",
                    "status": "False",
                    "reason": "ContainersNotReady",
                    "message": "containers with unready status: [api]",
                },
                {"type": "PodScheduled", "status": "True"},
            ],
            "initContainerStatuses": [
                {
                    "name": "migrate",
                    "image": image,
                    "ready": True,
                    "restartCount": 0,
                    "started": False,
                    "state": {
                        "terminated": {
                            "exitCode": 0,
                            "reason": "Completed",
                            "startedAt": rfc3339(ago(86400)),
                            "finishedAt": rfc3339(ago(86390)),
                        }
                    },
                    "lastState": {},
                }
            ],
            "containerStatuses": [
                {
                    "name": "api",
                    "image": image,
                    "ready": False,
                    "started": False,
                    "restartCount": 14,
                    "imageID": f"ghcr.io/example-org/checkout-api@sha256:{'7' * 64}",
                    "containerID": f"containerd://{'c' * 64}",
                    "state": {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": "back-off 5m0s restarting failed container=api "
                            f"pod={pod_name}_checkout({pod['metadata']['uid']})",
                        }
                    },
                    "lastState": {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "startedAt": rfc3339(crash_started),
                            "finishedAt": rfc3339(ago(93)),
                        }
                    },
                }
            ],
        }
    )
    uid = pod["metadata"]["uid"]
    app.health[uid] = {
        "status": "Degraded",
        "message": f"back-off 5m0s restarting failed container=api pod={pod_name}_checkout",
    }
    app.info[uid] = [
        {"name": "Status Reason", "value": "CrashLoopBackOff"},
        {"name": "Node", "value": "worker-1"},
        {"name": "Containers", "value": "0/1"},
        {"name": "Restart Count", "value": "14"},
    ]
    _service(app, "checkout-api")
    _configmap(
        app, "checkout-config", {"REDIS_URL": "redis://redis.checkout.svc:6379/0", "LOG_LEVEL": "info"}
    )
    ip = pod["status"]["podIP"]
    app.events = [
        *_app_events(app),
        _event(
            pod,
            "Scheduled",
            f"Successfully assigned checkout/{pod_name} to worker-1",
            first_ago=86400,
            last_ago=86400,
            component="default-scheduler",
        ),
        _event(
            pod,
            "Pulled",
            f'Container image "{image}" already present on machine',
            count=15,
            first_ago=86380,
            last_ago=95,
        ),
        _event(pod, "Created", "Created container: api", count=15, first_ago=86380, last_ago=95),
        _event(pod, "Started", "Started container api", count=15, first_ago=86380, last_ago=95),
        _event(
            pod,
            "Unhealthy",
            f'Readiness probe failed: Get "http://{ip}:8080/healthz": dial tcp {ip}:8080: '
            "connect: connection refused",
            type_="Warning",
            count=41,
            first_ago=86370,
            last_ago=94,
        ),
        _event(
            pod,
            "BackOff",
            f"Back-off restarting failed container api in pod {pod_name}_checkout({uid})",
            type_="Warning",
            count=388,
            first_ago=86000,
            last_ago=20,
        ),
        _event(
            deploy,
            "ScalingReplicaSet",
            "Scaled up replica set checkout-api to 1",
            first_ago=86400,
            last_ago=86400,
            component="deployment-controller",
        ),
    ]
    app.logs[pod_name] = static_logs("checkout", pod_name)
    return app


def _inventory() -> App:
    app = App(
        "inventory",
        ARGOCD_NAMESPACE,
        "team-a",
        "inventory",
        "apps/inventory",
        {"team": "team-a", "tier": "backend"},
        sync_status="OutOfSync",
        revision="4b1d2c3e5f60718293a4b5c6d7e8f90112233445",
    )
    live_image = "ghcr.io/example-org/inventory-api:1.4.2"
    deploy, _, pods = _deployment_chain(app, "inventory-api", live_image, replicas=2)
    target = kube.desired_manifest(deploy)
    target["spec"]["replicas"] = 3
    target["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/example-org/inventory-api:1.5.0"
    app.out_of_sync[deploy["metadata"]["uid"]] = target
    _service(app, "inventory-api")
    app.missing.append(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "inventory-feature-flags",
                "namespace": "inventory",
                "labels": {"app.kubernetes.io/instance": "inventory"},
            },
            "data": {"BULK_IMPORT": "true"},
        }
    )
    for pod in pods:
        app.logs[pod["metadata"]["name"]] = static_logs("inventory", pod["metadata"]["name"])
    app.events = _app_events(app)
    return app


def _billing() -> App:
    app = App(
        "billing",
        ARGOCD_NAMESPACE,
        "team-b",
        "billing",
        "apps/billing",
        {"team": "team-b", "tier": "backend"},
    )
    _, _, pods = _deployment_chain(app, "billing-api", "ghcr.io/example-org/billing-api:3.0.7", replicas=1)
    _service(app, "billing-api")
    app.add(
        make(
            "v1",
            "Secret",
            "billing-stripe",
            "billing",
            app="billing",
            body={"type": "Opaque", "data": {"STRIPE_KEY": b64("sk_live_51Hb1llingS3cret")}},
        )
    )
    for pod in pods:
        app.logs[pod["metadata"]["name"]] = static_logs("billing", pod["metadata"]["name"])
    app.events = _app_events(app)
    return app


def _platform_tools() -> App:
    from devstack.argocd.logs_data import endless_logs

    app = App(
        "platform-tools",
        ARGOCD_NAMESPACE,
        "default",
        "platform",
        "platform/tools",
        {"team": "platform", "tier": "infra"},
    )
    # 2 MiB of configuration: 32 keys of 64 KiB each.
    big = {
        f"rules-{i:02d}.yaml": (
            "# generated alerting rules\n" + f"- alert: Rule{i}\n  expr: up == 0\n" * 3000
        )[: 64 * 1024]
        for i in range(32)
    }
    _configmap(app, "big-config", big)
    _, _, firehose_pods = _deployment_chain(
        app, "log-firehose", "ghcr.io/example-org/log-firehose:0.9.0", replicas=1
    )
    app.logs[firehose_pods[0]["metadata"]["name"]] = endless_logs()
    labels = {"app.kubernetes.io/name": "node-exporter"}
    template = kube.pod_template(
        labels, [kube.container("node-exporter", "quay.io/prometheus/node-exporter:v1.9.1", 9100)]
    )
    ds = make(
        "apps/v1",
        "DaemonSet",
        "node-exporter",
        "platform",
        app=app.name,
        labels=labels,
        body={
            "spec": {"selector": {"matchLabels": labels}, "template": template},
            "status": {
                "currentNumberScheduled": 12,
                "desiredNumberScheduled": 12,
                "numberReady": 12,
                "numberAvailable": 12,
                "updatedNumberScheduled": 12,
            },
        },
    )
    app.add(ds, "Healthy")
    for i in range(12):
        name = f"node-exporter-{suffix('ne' + str(i))}"
        _pod(app, ds, name, template, "quay.io/prometheus/node-exporter:v1.9.1", i, node=f"worker-{i + 1}")
        app.logs[name] = static_logs("node-exporter", name)
    app.events = _app_events(app)
    return app


def _tenant_portal() -> App:
    app = App(
        "tenant-portal",
        "tenants",
        "team-a",
        "tenant-portal",
        "tenants/portal",
        {"team": "team-a", "tier": "frontend"},
    )
    _, _, pods = _deployment_chain(
        app, "tenant-portal-web", "ghcr.io/example-org/tenant-portal:1.2.0", replicas=1
    )
    _service(app, "tenant-portal-web")
    for pod in pods:
        app.logs[pod["metadata"]["name"]] = static_logs("tenant-portal", pod["metadata"]["name"])
    app.events = _app_events(app)
    return app


APPS: list[App] = [_billing(), _checkout(), _guestbook(), _inventory(), _platform_tools(), _tenant_portal()]
ENABLED_NAMESPACES = (ARGOCD_NAMESPACE, "tenants")


def find_app(name: str, namespace: str) -> App | None:
    return next((a for a in APPS if a.name == name and a.namespace == namespace), None)


# --- views of an App as Argo CD answers them ---------------------------------------------------------


def node_of(app: App, obj: JSON) -> JSON:
    meta = obj["metadata"]
    by_uid = app.by_uid()
    # Go's omitempty: the core group is absent, not "".
    node: JSON = {
        **_group(obj["apiVersion"]),
        "version": kube.version_of(obj["apiVersion"]),
        "kind": obj["kind"],
        "namespace": meta["namespace"],
        "name": meta["name"],
        "uid": meta["uid"],
        "resourceVersion": meta["resourceVersion"],
        "createdAt": meta["creationTimestamp"],
    }
    parents = [by_uid[ref["uid"]] for ref in meta.get("ownerReferences", []) if ref["uid"] in by_uid]
    if parents:
        node["parentRefs"] = [
            {
                **_group(p["apiVersion"]),
                "kind": p["kind"],
                "namespace": p["metadata"]["namespace"],
                "name": p["metadata"]["name"],
                "uid": p["metadata"]["uid"],
            }
            for p in parents
        ]
    if meta["uid"] in app.info:
        node["info"] = app.info[meta["uid"]]
    if meta["uid"] in app.health:
        node["health"] = app.health[meta["uid"]]
    images = sorted({c["image"] for c in obj.get("spec", {}).get("containers", [])})
    if obj["kind"] == "Pod" and images:
        node["images"] = images
        node["networkingInfo"] = {"labels": meta.get("labels", {})}
    return node


def _group(api_version: str) -> JSON:
    group = kube.group_of(api_version)
    return {"group": group} if group else {}


def resource_tree(app: App) -> JSON:
    return {
        "nodes": [node_of(app, o) for o in app.objects],
        "hosts": [
            {
                "name": f"worker-{i}",
                "resourcesInfo": [],
                "systemInfo": {"architecture": "amd64", "operatingSystem": "linux", "kernelVersion": "6.8.0"},
            }
            for i in (1, 2, 3)
        ],
    }


def resource_statuses(app: App) -> list[JSON]:
    out: list[JSON] = []
    for obj in app.managed():
        meta = obj["metadata"]
        entry: JSON = {
            "version": kube.version_of(obj["apiVersion"]),
            "kind": obj["kind"],
            "namespace": meta["namespace"],
            "name": meta["name"],
            "status": "OutOfSync" if meta["uid"] in app.out_of_sync else "Synced",
        }
        group = kube.group_of(obj["apiVersion"])
        if group:
            entry["group"] = group
        if meta["uid"] in app.health:
            entry["health"] = {"status": app.health[meta["uid"]]["status"]}
        out.append(entry)
    for target in app.missing:
        out.append(
            {
                "version": "v1",
                "kind": target["kind"],
                "namespace": target["metadata"]["namespace"],
                "name": target["metadata"]["name"],
                "status": "OutOfSync",
                "health": {"status": "Missing"},
                "requiresPruning": False,
            }
        )
    out.sort(key=lambda r: (r.get("group", ""), r["kind"], r["namespace"], r["name"]))
    return out


def application(app: App) -> JSON:
    source = {"repoURL": REPO_URL, "path": app.path, "targetRevision": "HEAD"}
    synced_at = rfc3339(ago(7190))
    health: JSON = {"status": app.health_status, "lastTransitionTime": rfc3339(ago(7100))}
    if app.health_message:
        health["message"] = app.health_message
    return {
        "metadata": {
            "name": app.name,
            "namespace": app.namespace,
            "uid": app.uid,
            "resourceVersion": "90211",
            "generation": 412,
            "creationTimestamp": rfc3339(ago(30 * 86400)),
            "labels": app.labels,
            "annotations": {"notifications.argoproj.io/subscribe.on-sync-failed.slack": app.labels["team"]},
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "source": source,
            "destination": {"server": CLUSTER_URL, "namespace": app.dest_namespace},
            "project": app.project,
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": app.sync_status == "Synced"},
                "syncOptions": ["CreateNamespace=true"],
            },
        },
        "status": {
            "resources": resource_statuses(app),
            "sync": {
                "status": app.sync_status,
                "comparedTo": {
                    "source": source,
                    "destination": {"server": CLUSTER_URL, "namespace": app.dest_namespace},
                },
                "revision": app.revision,
            },
            "health": health,
            "history": [
                {
                    "revision": "0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5",
                    "deployedAt": rfc3339(ago(3 * 86400)),
                    "id": 6,
                    "source": source,
                    "deployStartedAt": rfc3339(ago(3 * 86400 + 9)),
                    "initiatedBy": {"automated": True},
                },
                {
                    "revision": app.revision,
                    "deployedAt": synced_at,
                    "id": 7,
                    "source": source,
                    "deployStartedAt": rfc3339(ago(7200)),
                    "initiatedBy": {"automated": True},
                },
            ],
            "conditions": app.conditions or None,
            "reconciledAt": rfc3339(ago(45)),
            "operationState": {
                "operation": {
                    "sync": {"revision": app.revision, "prune": True, "syncStrategy": {"hook": {}}},
                    "initiatedBy": {"automated": True},
                    "retry": {"limit": 5},
                },
                "phase": "Succeeded",
                "message": app.operation_message,
                "syncResult": {
                    "resources": [
                        {
                            "group": r.get("group", ""),
                            "version": r["version"],
                            "kind": r["kind"],
                            "namespace": r["namespace"],
                            "name": r["name"],
                            "status": "Synced",
                            "message": f"{r['kind'].lower()}/{r['name']} configured",
                            "hookPhase": "Running",
                            "syncPhase": "Sync",
                        }
                        for r in resource_statuses(app)
                        if "requiresPruning" not in r
                    ],
                    "revision": app.revision,
                    "source": source,
                },
                "startedAt": rfc3339(ago(7200)),
                "finishedAt": synced_at,
            },
            "sourceType": "Kustomize" if "apps/" in app.path else "Directory",
            "summary": {"images": sorted({i for o in app.objects for i in _images(o)})},
            "controllerNamespace": ARGOCD_NAMESPACE,
        },
    }


def _images(obj: JSON) -> list[str]:
    spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    return [c["image"] for c in spec.get("containers", [])]


def manifest_json(obj: JSON | None) -> str:
    return "null" if obj is None else json.dumps(obj, separators=(",", ":"))


def managed_resources(app: App) -> list[JSON]:
    items: list[JSON] = []
    for obj in app.managed():
        meta = obj["metadata"]
        target = app.out_of_sync.get(meta["uid"]) or kube.desired_manifest(obj)
        target = (
            json.loads(meta["annotations"][kube.LAST_APPLIED])
            if meta["uid"] not in app.out_of_sync
            else target
        )
        normalized = {k: v for k, v in obj.items() if k != "status"}
        items.append(
            _diff_item(
                obj["apiVersion"],
                obj["kind"],
                meta["namespace"],
                meta["name"],
                target,
                obj,
                normalized,
                meta["uid"] in app.out_of_sync,
                meta["resourceVersion"],
            )
        )
    for target in app.missing:
        m = target["metadata"]
        items.append(
            _diff_item(
                target["apiVersion"], target["kind"], m["namespace"], m["name"], target, None, None, True, ""
            )
        )
    return items


def _diff_item(
    api_version: str,
    kind: str,
    namespace: str,
    name: str,
    target: JSON,
    live: JSON | None,
    normalized: JSON | None,
    modified: bool,
    resource_version: str,
) -> JSON:
    item: JSON = {
        **_group(api_version),
        "kind": kind,
        "namespace": namespace,
        "name": name,
        "targetState": manifest_json(target),
        "liveState": manifest_json(live),
        "normalizedLiveState": manifest_json(normalized),
        "predictedLiveState": manifest_json(target),
        "modified": modified,
    }
    if resource_version:
        item["resourceVersion"] = resource_version
    return item


def app_events(app: App) -> list[JSON]:
    return [e for e in app.events if e["involvedObject"]["uid"] == app.uid]


def resource_events(app: App, uid: str) -> list[JSON]:
    return [e for e in app.events if e["involvedObject"]["uid"] == uid]


def pretty(obj: Any) -> str:
    return json.dumps(obj, indent=2)
