"""The world's healthy, degraded and drifted applications (the failed syncs are in world_failures)."""

from __future__ import annotations

import copy

from devstack.argocd import kube
from devstack.argocd.kube import JSON, ago, b64, make, rfc3339, suffix
from devstack.argocd.logs_data import endless_logs, static_logs
from devstack.argocd.world_git import CHECKOUT_HEAD, DAY, INVENTORY_HEAD, deploy_history, newest, revisions_of
from devstack.argocd.world_kube import (
    app_events,
    app_object_ref,
    configmap,
    deployment_chain,
    drift,
    event,
    pod,
    secret,
    service,
)
from devstack.argocd.world_model import ARGOCD_NAMESPACE, TEAM_A_SYNC_POLICY, App

TEAM_A_APPSET = "team-a-services"


def guestbook() -> App:
    app = App(
        "guestbook",
        ARGOCD_NAMESPACE,
        "default",
        "guestbook",
        "guestbook",
        {"team": "platform", "tier": "frontend"},
        revision=newest("guestbook"),
    )
    deploy_history(app, revisions_of("guestbook"), 4)
    image = "gcr.io/heptio-images/ks-guestbook-demo:0.2"
    _, _, pods = deployment_chain(app, "guestbook-ui", image, replicas=2, port=80)
    service(app, "guestbook-ui", 80, 80)
    configmap(app, "guestbook-config", {"REDIS_HOST": "redis-master.guestbook.svc", "GREETING": "Hello"})
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
    for p in pods:
        app.logs[p["metadata"]["name"]] = static_logs("guestbook", p["metadata"]["name"])
    app.events = app_events(app)
    return app


def checkout() -> App:
    app = App(
        "checkout",
        ARGOCD_NAMESPACE,
        "team-a",
        "checkout",
        "apps/checkout",
        {"team": "team-a", "tier": "backend"},
        health_status="Degraded",
        health_message='Deployment "checkout-api" exceeded its progress deadline',
        revision=CHECKOUT_HEAD,
        sync_policy=copy.deepcopy(TEAM_A_SYNC_POLICY),
        owner_appset=TEAM_A_APPSET,
        synced_ago=86420,  # the rollout of 2.3.1 a day ago; its pod has crash-looped since
    )
    deploy_history(app, revisions_of("checkout"), 11)
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
    deploy, _, pods = deployment_chain(
        app,
        "checkout-api",
        image,
        replicas=1,
        health="Degraded",
        message='Deployment "checkout-api" exceeded its progress deadline',
        env=env,
        init=init,
    )
    crashing = pods[0]
    pod_name = crashing["metadata"]["name"]
    crash_started = ago(95)
    crashing["status"].update(
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
                            f"pod={pod_name}_checkout({crashing['metadata']['uid']})",
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
    uid = crashing["metadata"]["uid"]
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
    service(app, "checkout-api")
    configmap(app, "checkout-config", {"REDIS_URL": "redis://redis.checkout.svc:6379/0", "LOG_LEVEL": "info"})
    ip = crashing["status"]["podIP"]
    app.events = [
        *app_events(app),
        event(
            crashing,
            "Scheduled",
            f"Successfully assigned checkout/{pod_name} to worker-1",
            first_ago=86400,
            last_ago=86400,
            component="default-scheduler",
        ),
        event(
            crashing,
            "Pulled",
            f'Container image "{image}" already present on machine',
            count=15,
            first_ago=86380,
            last_ago=95,
        ),
        event(crashing, "Created", "Created container: api", count=15, first_ago=86380, last_ago=95),
        event(crashing, "Started", "Started container api", count=15, first_ago=86380, last_ago=95),
        event(
            crashing,
            "Unhealthy",
            f'Readiness probe failed: Get "http://{ip}:8080/healthz": dial tcp {ip}:8080: '
            "connect: connection refused",
            type_="Warning",
            count=41,
            first_ago=86370,
            last_ago=94,
        ),
        event(
            crashing,
            "BackOff",
            f"Back-off restarting failed container api in pod {pod_name}_checkout({uid})",
            type_="Warning",
            count=388,
            first_ago=86000,
            last_ago=20,
        ),
        event(
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


def inventory() -> App:
    """Synced to its newest commit two hours ago, then changed by hand (selfHeal is off): the Deployment
    rolled back and scaled down, one ConfigMap key and one Secret value edited, a ConfigMap deleted; and a
    CronJob removed from Git is still live because automated prune is off."""
    app = App(
        "inventory",
        ARGOCD_NAMESPACE,
        "team-a",
        "inventory",
        "apps/inventory",
        {"team": "team-a", "tier": "backend"},
        sync_status="OutOfSync",
        revision=INVENTORY_HEAD,
        sync_policy=copy.deepcopy(TEAM_A_SYNC_POLICY),
        owner_appset=TEAM_A_APPSET,
    )
    deploy_history(app, revisions_of("inventory"), 6)
    live_image = "ghcr.io/example-org/inventory-api:1.4.2"
    deploy, _, pods = deployment_chain(app, "inventory-api", live_image, replicas=2)
    target = kube.desired_manifest(deploy)
    target["spec"]["replicas"] = 3
    target["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/example-org/inventory-api:1.5.0"
    drift(app, deploy, target)
    service(app, "inventory-api")
    settings = {"CACHE_TTL_SECONDS": "300", "LOG_LEVEL": "info", "WAREHOUSE_REGION": "eu-west-1"}
    settings_map = configmap(app, "inventory-settings", {**settings, "LOG_LEVEL": "debug"})
    settings_target = kube.desired_manifest(settings_map)
    settings_target["data"] = settings
    drift(app, settings_map, settings_target)
    db = {"HOST": "inventory-db.inventory.svc", "PASSWORD": "inv-Db-2025-rotated", "USERNAME": "inventory"}
    db_secret = secret(app, "inventory-db", db)
    db_target = kube.desired_manifest(db_secret)
    db_target["data"] = {**db_secret["data"], "PASSWORD": b64("inv-Db-2024-initial")}
    drift(app, db_secret, db_target)
    legacy_labels = {"app.kubernetes.io/name": "inventory-legacy-sync"}
    job_template = kube.pod_template(
        legacy_labels, [kube.container("sync", "ghcr.io/example-org/inventory-legacy-sync:0.7.3")]
    )
    job_template["spec"]["restartPolicy"] = "OnFailure"
    legacy = make(
        "batch/v1",
        "CronJob",
        "inventory-legacy-sync",
        "inventory",
        app=app.name,
        labels=legacy_labels,
        age=60 * DAY,
        body={
            "spec": {
                "schedule": "0 3 * * *",
                "concurrencyPolicy": "Forbid",
                "jobTemplate": {"spec": {"template": job_template}},
            },
            "status": {"lastScheduleTime": rfc3339(ago(DAY - 3 * 3600))},
        },
    )
    app.add(legacy, "Healthy")
    app.extraneous.add(legacy["metadata"]["uid"])
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
    for p in pods:
        app.logs[p["metadata"]["name"]] = static_logs("inventory", p["metadata"]["name"])
    app.events = [
        *app_events(app),
        event(
            app_object_ref(app),
            "ResourceUpdated",
            "Updated sync status: Synced -> OutOfSync",
            first_ago=3000,
            last_ago=3000,
            component="argocd-application-controller",
        ),
    ]
    return app


def billing() -> App:
    """A Helm chart source: revisions are chart versions."""
    app = App(
        "billing",
        ARGOCD_NAMESPACE,
        "team-b",
        "billing",
        "",
        {"team": "team-b", "tier": "backend"},
        revision="2.4.1",
        chart="billing",
        target_revision="2.4.1",
    )
    deploy_history(app, ["2.2.0", "2.3.0", "2.4.1"], 3, initiators={1: "bob"})
    _, _, pods = deployment_chain(app, "billing-api", "ghcr.io/example-org/billing-api:3.0.7", replicas=1)
    service(app, "billing-api")
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
    for p in pods:
        app.logs[p["metadata"]["name"]] = static_logs("billing", p["metadata"]["name"])
    app.events = app_events(app)
    return app


def platform_tools() -> App:
    app = App(
        "platform-tools",
        ARGOCD_NAMESPACE,
        "default",
        "platform",
        "platform/tools",
        {"team": "platform", "tier": "infra"},
        revision=newest("platform-tools"),
    )
    deploy_history(app, revisions_of("platform-tools"), 2)
    # 2 MiB of configuration: 32 keys of 64 KiB each.
    big = {
        f"rules-{i:02d}.yaml": (
            "# generated alerting rules\n" + f"- alert: Rule{i}\n  expr: up == 0\n" * 3000
        )[: 64 * 1024]
        for i in range(32)
    }
    configmap(app, "big-config", big)
    _, _, firehose_pods = deployment_chain(
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
        pod(app, ds, name, template, i, node=f"worker-{i + 1}")
        app.logs[name] = static_logs("node-exporter", name)
    app.events = app_events(app)
    return app


def tenant_portal() -> App:
    app = App(
        "tenant-portal",
        "tenants",
        "team-a",
        "tenant-portal",
        "tenants/portal",
        {"team": "team-a", "tier": "frontend"},
        revision=newest("tenant-portal"),
    )
    deploy_history(app, revisions_of("tenant-portal"), 3)
    _, _, pods = deployment_chain(
        app, "tenant-portal-web", "ghcr.io/example-org/tenant-portal:1.2.0", replicas=1
    )
    service(app, "tenant-portal-web")
    for p in pods:
        app.logs[p["metadata"]["name"]] = static_logs("tenant-portal", p["metadata"]["name"])
    app.events = app_events(app)
    return app
