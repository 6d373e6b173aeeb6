"""The two applications whose last sync failed, with the status and strings Argo CD writes for each.

- payments: alice synced a new revision; its PreSync hook Job (a database migration) failed, so no Sync
  phase resource was applied (gitops-engine: "one or more synchronization tasks completed unsuccessfully";
  the hook keeps status Synced, its hookPhase is Failed, its message is the Job's health message).
- orders: an automated sync whose Deployment the API server rejected, retried twice ("one or more objects
  failed to apply, reason: <kubectl error>" + the controller's " (retried 2 times).").
Both are automated, so the controller also sets a SyncError condition ("Failed last sync attempt to ...").
"""

from __future__ import annotations

import copy

from devstack.argocd import kube
from devstack.argocd.kube import JSON, ago, make, rfc3339, suffix
from devstack.argocd.logs_data import migration_logs, static_logs
from devstack.argocd.world_apps import TEAM_A_APPSET
from devstack.argocd.world_git import DAY, ORDERS_HEAD, PAYMENTS_HEAD, deploy_history, revisions_of
from devstack.argocd.world_kube import app_object_ref, configmap, deployment_chain, drift, event, service
from devstack.argocd.world_model import (
    ARGOCD_NAMESPACE,
    HOOK,
    HOOK_DELETE_POLICY,
    TEAM_A_SYNC_POLICY,
    App,
)
from devstack.argocd.world_views import images_of, kubectl_ref, resource_statuses, result

CONTROLLER = "argocd-application-controller"
HOOK_FAILED = "one or more synchronization tasks completed unsuccessfully"
BACKOFF_LIMIT = "Job has reached the specified backoff limit"
ORDERS_REJECTED = (
    'error when patching "/dev/shm/2418263575": Deployment.apps "orders-api" is invalid: '
    'spec.template.spec.containers[0].resources.requests: Invalid value: "2": '
    "must be less than or equal to cpu limit of 1"
)
ORDERS_FAILED = f"one or more objects failed to apply, reason: {ORDERS_REJECTED} (retried 2 times)."


def _status_of(app: App, kind: str, name: str) -> JSON:
    return next(r for r in resource_statuses(app) if (r["kind"], r["name"]) == (kind, name))


def sync_error(app: App, message: str, since: float) -> JSON:
    """The condition autoSync sets when the last (failed) attempt was to the revision it would sync."""
    return {
        "type": "SyncError",
        "message": f"Failed last sync attempt to [{app.revision}]: {message}",
        "lastTransitionTime": rfc3339(ago(since)),
    }


def _migration_hook(app: App, image: str, started: float, finished: float) -> tuple[JSON, JSON]:
    """The PreSync hook Job payments-db-migrate (backoffLimit 0) and its one failed Pod."""
    ns, name = app.dest_namespace, "payments-db-migrate"
    labels = {"app.kubernetes.io/name": name}
    migrate = kube.container("migrate", image)
    migrate["command"] = ["python", "-m", "payments.migrate"]
    migrate["env"] = [
        {
            "name": "DATABASE_URL",
            "valueFrom": {"secretKeyRef": {"name": "payments-db", "key": "DATABASE_URL"}},
        }
    ]
    template = kube.pod_template(labels, [migrate])
    template["spec"]["restartPolicy"] = "Never"
    hook_annotations = {HOOK: "PreSync", HOOK_DELETE_POLICY: "BeforeHookCreation"}
    desired: JSON = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": {**labels, "app.kubernetes.io/instance": app.name},
            "annotations": hook_annotations,
        },
        "spec": {"backoffLimit": 0, "template": template},
    }
    failed_at = rfc3339(ago(finished))
    job = make(
        "batch/v1",
        "Job",
        name,
        ns,
        app=app.name,
        labels=labels,
        age=started,
        desired=desired,
        body={
            "spec": {"backoffLimit": 0, "completions": 1, "parallelism": 1, "template": template},
            "status": {
                "startTime": rfc3339(ago(started)),
                "failed": 1,
                "ready": 0,
                "terminating": 0,
                "uncountedTerminatedPods": {},
                "conditions": [
                    {
                        "type": cond,
                        "status": "True",
                        "reason": "BackoffLimitExceeded",
                        "message": BACKOFF_LIMIT,
                        "lastProbeTime": failed_at,
                        "lastTransitionTime": failed_at,
                    }
                    for cond in ("FailureTarget", "Failed")
                ],
            },
        },
    )
    job["metadata"]["annotations"].update(hook_annotations)
    app.add(job, "Degraded", BACKOFF_LIMIT)
    app.hooks.add(job["metadata"]["uid"])
    pod_labels = {**labels, "batch.kubernetes.io/job-name": name, "job-name": name}
    pod = make(
        "v1",
        "Pod",
        f"{name}-{suffix(name + 'pod')}",
        ns,
        owner=job,
        labels=pod_labels,
        manager="kubelet",
        age=started - 2,
        body={
            "spec": {
                **copy.deepcopy(template["spec"]),
                "nodeName": "worker-3",
                "serviceAccountName": "default",
            },
            "status": {
                "phase": "Failed",
                "podIP": "10.244.3.41",
                "hostIP": "172.18.0.4",
                "startTime": rfc3339(ago(started - 2)),
                "qosClass": "Burstable",
                "conditions": [
                    {"type": "PodReadyToStartContainers", "status": "False"},
                    {"type": "Initialized", "status": "True"},
                    {"type": "Ready", "status": "False", "reason": "PodFailed"},
                    {"type": "ContainersReady", "status": "False", "reason": "PodFailed"},
                    {"type": "PodScheduled", "status": "True"},
                ],
                "containerStatuses": [
                    {
                        "name": "migrate",
                        "image": image,
                        "imageID": f"ghcr.io/example-org/payments-api@sha256:{'9' * 64}",
                        "containerID": f"containerd://{'e' * 64}",
                        "ready": False,
                        "started": False,
                        "restartCount": 0,
                        "state": {
                            "terminated": {
                                "exitCode": 1,
                                "reason": "Error",
                                "startedAt": rfc3339(ago(started - 5)),
                                "finishedAt": rfc3339(ago(finished + 2)),
                            }
                        },
                        "lastState": {},
                    }
                ],
            },
        },
    )
    app.add(
        pod,
        "Degraded",
        'container "migrate" failed with exit code 1',
        [
            {"name": "Status Reason", "value": "Error"},
            {"name": "Node", "value": "worker-3"},
            {"name": "Containers", "value": "0/1"},
        ],
    )
    return job, pod


def payments() -> App:
    app = App(
        "payments",
        ARGOCD_NAMESPACE,
        "team-a",
        "payments",
        "apps/payments",
        {"team": "team-a", "tier": "backend"},
        sync_status="OutOfSync",
        revision=PAYMENTS_HEAD,
        sync_policy=copy.deepcopy(TEAM_A_SYNC_POLICY),
        owner_appset=TEAM_A_APPSET,
        synced_ago=4 * DAY - 3600,
    )
    deploy_history(app, revisions_of("payments")[:-1], 5, initiators={1: "alice"})
    new_image = "ghcr.io/example-org/payments-api:1.9.0"
    deploy, _, pods = deployment_chain(
        app, "payments-api", "ghcr.io/example-org/payments-api:1.8.2", replicas=1
    )
    target = kube.desired_manifest(deploy)
    target["spec"]["template"]["spec"]["containers"][0]["image"] = new_image
    drift(app, deploy, target, applied=False)  # the sync stopped in PreSync, before the Sync phase
    service(app, "payments-api")
    started, finished = 1850.0, 1790.0
    job, hook_pod = _migration_hook(app, new_image, started - 4, finished + 3)
    pod_name = hook_pod["metadata"]["name"]
    app.logs[pod_name] = migration_logs(finished + 5)
    for p in pods:
        app.logs[p["metadata"]["name"]] = static_logs("payments", p["metadata"]["name"])
    hook = result(
        _status_of(app, "Job", "payments-db-migrate"),
        "Synced",
        BACKOFF_LIMIT,
        "Failed",
        sync_phase="PreSync",
        hook_type="PreSync",
        images=images_of(job),
    )
    app.operation = {
        "operation": {
            "sync": {
                "source": app.source,
                "revision": app.revision,
                "syncOptions": ["CreateNamespace=true"],
                "syncStrategy": {"hook": {}},
            },
            "initiatedBy": {"username": "alice"},
            "retry": {},
        },
        "phase": "Failed",
        "message": HOOK_FAILED,
        "syncResult": {"resources": [hook], "revision": app.revision, "source": app.source},
        "startedAt": rfc3339(ago(started)),
        "finishedAt": rfc3339(ago(finished)),
    }
    app.conditions = [sync_error(app, HOOK_FAILED, finished - 5)]
    ref = app_object_ref(app)
    app.events = [
        event(
            ref,
            "ResourceUpdated",
            "Updated sync status: Synced -> OutOfSync",
            first_ago=2050,
            last_ago=2050,
            component=CONTROLLER,
        ),
        event(
            ref,
            "OperationStarted",
            f"alice initiated sync to HEAD ({app.revision})",
            first_ago=started,
            last_ago=started,
            component="argocd-server",
        ),
        event(
            ref,
            "OperationCompleted",
            f"Sync operation to {app.revision} failed: {HOOK_FAILED}",
            type_="Warning",
            first_ago=finished,
            last_ago=finished,
            component=CONTROLLER,
        ),
        event(
            job,
            "SuccessfulCreate",
            f"Created pod: {pod_name}",
            first_ago=started - 3,
            last_ago=started - 3,
            component="job-controller",
        ),
        event(
            job,
            "BackoffLimitExceeded",
            BACKOFF_LIMIT,
            type_="Warning",
            first_ago=finished + 3,
            last_ago=finished + 3,
            component="job-controller",
        ),
        event(
            hook_pod,
            "Scheduled",
            f"Successfully assigned payments/{pod_name} to worker-3",
            first_ago=started - 3,
            last_ago=started - 3,
            component="default-scheduler",
        ),
        event(
            hook_pod, "Pulling", f'Pulling image "{new_image}"', first_ago=started - 4, last_ago=started - 4
        ),
        event(
            hook_pod,
            "Pulled",
            f'Successfully pulled image "{new_image}" in 2.41s (2.41s including '
            "waiting). Image size: 61842211 bytes.",
            first_ago=started - 7,
            last_ago=started - 7,
        ),
        event(hook_pod, "Created", "Created container: migrate", first_ago=started - 7, last_ago=started - 7),
        event(hook_pod, "Started", "Started container migrate", first_ago=started - 8, last_ago=started - 8),
    ]
    return app


def orders() -> App:
    retry = {"limit": 2, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "3m0s"}}
    app = App(
        "orders",
        ARGOCD_NAMESPACE,
        "team-b",
        "orders",
        "apps/orders",
        {"team": "team-b", "tier": "backend"},
        sync_status="OutOfSync",
        revision=ORDERS_HEAD,
        sync_policy={
            "automated": {"prune": True, "selfHeal": True},
            "syncOptions": ["CreateNamespace=true"],
            "retry": retry,
        },
        synced_ago=5 * DAY - 3600,
    )
    deploy_history(app, revisions_of("orders")[:-1], 8)
    resources = {"requests": {"cpu": "500m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}
    deploy, _, pods = deployment_chain(
        app, "orders-api", "ghcr.io/example-org/orders-api:4.2.0", replicas=2, resources=resources
    )
    target = kube.desired_manifest(deploy)
    target["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "2"
    drift(app, deploy, target, applied=False)  # the API server refused it
    service(app, "orders-api")
    configmap(app, "orders-config", {"PAYMENTS_URL": "http://payments-api.payments.svc", "LOG_LEVEL": "info"})
    for p in pods:
        app.logs[p["metadata"]["name"]] = static_logs("orders", p["metadata"]["name"])
    started, finished = 10740.0, 10712.0
    results = []
    for r in resource_statuses(app):  # the last attempt: Service and ConfigMap apply, the Deployment fails
        if r["kind"] == "Deployment":
            results.append(result(r, "SyncFailed", ORDERS_REJECTED, "Failed", images=images_of(target)))
        else:
            results.append(result(r, "Synced", f"{kubectl_ref(r)} unchanged", "Running"))
    app.operation = {
        "operation": {
            "sync": {
                "source": app.source,
                "revision": app.revision,
                "prune": True,
                "syncOptions": ["CreateNamespace=true"],
                "syncStrategy": {"hook": {}},
            },
            "initiatedBy": {"automated": True},
            "retry": retry,
        },
        "phase": "Failed",
        "message": ORDERS_FAILED,
        "syncResult": {"resources": results, "revision": app.revision, "source": app.source},
        "startedAt": rfc3339(ago(started)),
        "finishedAt": rfc3339(ago(finished)),
        "retryCount": 2,
    }
    app.conditions = [sync_error(app, ORDERS_FAILED, finished - 5)]
    ref = app_object_ref(app)
    app.events = [
        event(
            ref,
            "ResourceUpdated",
            "Updated sync status: Synced -> OutOfSync",
            first_ago=started + 5,
            last_ago=started + 5,
            component=CONTROLLER,
        ),
        event(
            ref,
            "OperationStarted",
            f"Initiated automated sync to '{app.revision}'",
            first_ago=started,
            last_ago=started,
            component=CONTROLLER,
        ),
        event(
            ref,
            "OperationCompleted",
            f"Sync operation to {app.revision} failed: {ORDERS_FAILED}",
            type_="Warning",
            first_ago=finished,
            last_ago=finished,
            component=CONTROLLER,
        ),
    ]
    return app
