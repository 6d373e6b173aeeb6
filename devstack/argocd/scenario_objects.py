"""The live objects of a scenario, as Argo CD sees them: what every object gets (labels, the last-applied
annotation and Git's manifest, drift, hooks, manual edits, status overrides, health and node info, its
authored events) and the objects that are written out as they are (Services, ConfigMaps, Secrets, PVCs,
Ingresses, HPAs, Rollouts, …).

Workloads with pods are built on top of this in scenario_workloads.py and scenario_jobs.py; the kind of
each object is dispatched in scenario_app.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from devstack.argocd import health, kube
from devstack.argocd import scenario_schema as schema
from devstack.argocd.kube import JSON, LAST_APPLIED, ago, make, rfc3339
from devstack.argocd.scenario_base import BuildError, authored_event, merge_patch, with_times
from devstack.argocd.world_kube import drift
from devstack.argocd.world_model import HOOK, HOOK_DELETE_POLICY, App

REVISION_ANNOTATIONS = ("deployment.kubernetes.io/revision", "rollout.argoproj.io/revision")


@dataclass
class Scope:
    """What the builders of one scenario share while they add its objects to its Application."""

    app: App
    objects: dict[tuple[str, str], JSON] = field(default_factory=dict)  # (kind, name) -> built so far
    targets: dict[str, JSON] = field(default_factory=dict)  # uid -> Git's manifest of a managed object

    @property
    def ns(self) -> str:
        """The scenario's namespace (the Application's destination)."""
        return self.app.dest_namespace


def labels_of(model: schema.Object) -> dict[str, str]:
    """A workload's labels: `app.kubernetes.io/name` and the scenario's own."""
    return {"app.kubernetes.io/name": model.name, **model.labels}


def pod_template(model: schema.Object, labels: dict[str, str], restart_policy: str = "Always") -> JSON:
    """A workload's pod template: its containers (or one of `image`) and defaults, `podSpec` merged in."""
    if model.containers is not None:
        containers = [container_spec(c) for c in model.containers]
    else:
        containers = [kube.container(model.name, model.image or "")]
    spec: JSON = {"containers": containers, "restartPolicy": restart_policy}
    if model.initContainers:
        spec["initContainers"] = [container_spec(c) for c in model.initContainers]
    spec.update(
        terminationGracePeriodSeconds=30,
        dnsPolicy="ClusterFirst",
        schedulerName="default-scheduler",
        securityContext={},
    )
    spec = merge_patch(spec, model.podSpec or {})
    return {"metadata": {"labels": dict(labels)}, "spec": spec}


def container_spec(raw: dict[str, Any]) -> JSON:
    """A container as the scenario writes it (`port`: one port) over kube.container's defaults."""
    if "name" not in raw or "image" not in raw:
        raise BuildError(f"a container needs name and image: {raw}")
    fields = dict(raw)
    port = fields.pop("port", None)
    merged: JSON = merge_patch(kube.container(fields["name"], fields["image"], port), fields)
    return merged


def make_object(
    scope: Scope,
    model: schema.Object,
    api_version: str,
    owner: JSON | None,
    labels: dict[str, str],
    body: JSON,
    desired: JSON | None = None,
) -> JSON:
    """The live object of `model` (managed by the Application unless it has an owner); not added yet."""
    return make(
        api_version,
        model.kind,
        model.name,
        scope.ns,
        app=scope.app.name if owner is None else None,
        owner=owner,
        labels=labels,
        age=model.age,
        body=body,
        desired=desired,
        manager="argocd-controller" if owner is None else "kube-controller-manager",
    )


def finish(
    scope: Scope,
    model: schema.Object,
    obj: JSON,
    owner: JSON | None,
    desired: JSON | None = None,
    info: list[JSON] | None = None,
    position: int | None = None,
) -> None:
    """Annotations, Git's view (last-applied, drift), hooks, manual edits, status overrides, health;
    then adds `obj` (at `position` among the app's objects, before its children) and its events."""
    app, meta = scope.app, obj["metadata"]
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
        scope.targets[uid] = target
        meta["annotations"] = {
            **annotations,
            LAST_APPLIED: json.dumps(target, separators=(",", ":"), sort_keys=True),
        }
        if model.git is not None:
            changed = merge_patch(target, model.git, by_name=True)
            drift(app, obj, changed, applied=model.gitApplied)
            scope.targets[uid] = changed
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
    scope.objects[(obj["kind"], meta["name"])] = obj
    for ev in model.events:
        app.events.append(authored_event(obj, ev))


def plain_object(scope: Scope, model: schema.Object, api_version: str, owner: JSON | None) -> None:
    """Services, ConfigMaps, Secrets, PVCs, HPAs, Ingresses, Rollouts, …: spec/status as written."""
    body: JSON = {}
    labels = dict(model.labels)
    networking: JSON | None = None
    if model.kind == "Service":
        selector = model.selector if model.selector is not None else {"app.kubernetes.io/name": model.name}
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
    obj = make_object(scope, model, api_version, owner, labels, body)
    if model.kind == "Ingress":
        networking = _ingress_networking(scope, obj, model.status or {})
    if networking is not None:
        scope.app.networking[obj["metadata"]["uid"]] = networking
    finish(scope, model, obj, owner)


def _ingress_networking(scope: Scope, obj: JSON, status: JSON) -> JSON:
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
                targets[service] = {"kind": "Service", "namespace": scope.ns, "name": service}
            if host:
                scheme = "https" if tls else "http"
                urls.append(f"{scheme}://{host}{(path.get('path') or '').rstrip('*')}")
    info: JSON = {"targetRefs": list(targets.values())}
    if lb:
        info["ingress"] = lb
    if urls:
        info["externalURLs"] = sorted(set(urls))
    return info
