"""Builders for realistic Kubernetes objects.

They carry uids, ownerReferences, managedFields and the last-applied annotation, as live objects do."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

JSON = dict[str, Any]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
NOW = datetime.now(UTC).replace(microsecond=0)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def uid_for(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "argocd-simulator/" + "/".join(parts)))


def suffix(seed: str, length: int = 5) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def group_of(api_version: str) -> str:
    return api_version.split("/")[0] if "/" in api_version else ""


def version_of(api_version: str) -> str:
    return api_version.split("/")[-1]


def owner_ref(owner: JSON) -> JSON:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def make(
    api_version: str,
    kind: str,
    name: str,
    namespace: str,
    *,
    app: str | None = None,
    owner: JSON | None = None,
    labels: dict[str, str] | None = None,
    age: float = 6 * 86400,
    body: JSON | None = None,
    desired: JSON | None = None,
    manager: str = "argocd-controller",
) -> JSON:
    """A live object. `app` marks it as managed (instance label + last-applied annotation of `desired`)."""
    all_labels = dict(labels or {})
    if app:
        all_labels["app.kubernetes.io/instance"] = app
    created = rfc3339(ago(age))
    metadata: JSON = {
        "name": name,
        "namespace": namespace,
        "uid": uid_for(kind, namespace, name),
        "resourceVersion": str(int(hashlib.sha256(name.encode()).hexdigest()[:6], 16)),
        "generation": 3 if kind in ("Deployment", "DaemonSet", "ReplicaSet") else None,
        "creationTimestamp": created,
        "labels": all_labels or None,
        "annotations": None,
        "ownerReferences": [owner_ref(owner)] if owner else None,
        "managedFields": [
            {
                "manager": manager,
                "operation": "Apply" if app else "Update",
                "apiVersion": api_version,
                "time": created,
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {".": {}}}, "f:spec": {}},
            }
        ],
    }
    obj: JSON = {"apiVersion": api_version, "kind": kind, "metadata": metadata, **copy.deepcopy(body or {})}
    if app:
        target = desired_manifest(obj, desired)
        metadata["annotations"] = {LAST_APPLIED: json.dumps(target, separators=(",", ":"), sort_keys=True)}
    obj["metadata"] = {k: v for k, v in metadata.items() if v is not None}
    return obj


def desired_manifest(live: JSON, desired: JSON | None = None) -> JSON:
    """What Git holds for a managed object: its spec/data, without status or server-set metadata."""
    if desired is not None:
        return copy.deepcopy(desired)
    meta = live["metadata"]
    target: JSON = {
        "apiVersion": live["apiVersion"],
        "kind": live["kind"],
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "labels": meta.get("labels") or {},
        },
    }
    for key in ("spec", "data", "stringData", "type"):
        if key in live:
            target[key] = copy.deepcopy(live[key])
    return target


def container(name: str, image: str, port: int | None = None, env: list[JSON] | None = None) -> JSON:
    spec: JSON = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    if port:
        spec["ports"] = [{"containerPort": port, "name": "http", "protocol": "TCP"}]
        spec["readinessProbe"] = {
            "httpGet": {"path": "/healthz", "port": port, "scheme": "HTTP"},
            "periodSeconds": 10,
            "failureThreshold": 3,
        }
    if env:
        spec["env"] = env
    return spec


def pod_template(labels: dict[str, str], containers: list[JSON], init: list[JSON] | None = None) -> JSON:
    spec: JSON = {"containers": containers, "restartPolicy": "Always", "terminationGracePeriodSeconds": 30}
    if init:
        spec["initContainers"] = init
    return {"metadata": {"labels": labels}, "spec": spec}


def running_status(name: str, image: str, started: datetime, ready: bool = True, restarts: int = 0) -> JSON:
    return {
        "name": name,
        "image": image,
        "imageID": f"docker-pullable://{image.split(':')[0]}@sha256:{hashlib.sha256(image.encode()).hexdigest()}",
        "containerID": f"containerd://{hashlib.sha256((name + image).encode()).hexdigest()}",
        "ready": ready,
        "started": True,
        "restartCount": restarts,
        "state": {"running": {"startedAt": rfc3339(started)}},
        "lastState": {},
    }
