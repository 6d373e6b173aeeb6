"""An App as Argo CD's API shows it: the Application, its resource tree, managed resources and events."""

from __future__ import annotations

import copy
import json
from typing import Any

from devstack.argocd import kube
from devstack.argocd.kube import JSON, LAST_APPLIED, ago, rfc3339
from devstack.argocd.world_model import ARGOCD_NAMESPACE, CLUSTER_URL, App

_CHANGED_KINDS = ("Deployment", "DaemonSet", "StatefulSet")  # what the last sync reconfigured


def _group(api_version: str) -> JSON:
    group = kube.group_of(api_version)
    return {"group": group} if group else {}


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
    if meta["uid"] in app.networking:
        node["networkingInfo"] = app.networking[meta["uid"]]
    return node


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
    """status.resources: every managed object, hooks marked (no sync status nor health of their own)."""
    out: list[JSON] = []
    for obj in app.managed():
        meta = obj["metadata"]
        uid = meta["uid"]
        entry: JSON = {
            "version": kube.version_of(obj["apiVersion"]),
            "kind": obj["kind"],
            "namespace": meta["namespace"],
            "name": meta["name"],
        }
        group = kube.group_of(obj["apiVersion"])
        if group:
            entry["group"] = group
        if uid in app.hooks:
            entry["hook"] = True
            out.append(entry)
            continue
        entry["status"] = "OutOfSync" if uid in app.out_of_sync or uid in app.extraneous else "Synced"
        if uid in app.health:
            entry["health"] = {"status": app.health[uid]["status"]}
        if uid in app.extraneous:
            entry["requiresPruning"] = True
        out.append(entry)
    for target in app.missing:
        out.append(
            {
                **_group(target["apiVersion"]),
                "version": kube.version_of(target["apiVersion"]),
                "kind": target["kind"],
                "namespace": target["metadata"]["namespace"],
                "name": target["metadata"]["name"],
                "status": "OutOfSync",
                "health": {"status": "Missing"},
            }
        )
    out.sort(key=lambda r: (r.get("group", ""), r["kind"], r["namespace"], r["name"]))
    return out


def automated_sync_enabled(app: App) -> bool:
    """Argo CD's IsAutomatedSyncEnabled: `automated` is set and its `enabled` is not false."""
    automated = sync_policy(app).get("automated")
    return isinstance(automated, dict) and automated.get("enabled") is not False


def sync_policy(app: App) -> JSON:
    if app.sync_policy is not None:
        return copy.deepcopy(app.sync_policy)
    return {
        "automated": {"prune": True, "selfHeal": app.sync_status == "Synced"},
        "syncOptions": ["CreateNamespace=true"],
    }


def _dig(obj: Any, *keys: str) -> Any:
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def images_of(obj: JSON | None) -> list[str]:
    """The images of a manifest, as gitops-engine's GetResourceImages reads them."""
    for path in (
        ("spec", "containers"),
        ("spec", "template", "spec", "containers"),
        ("spec", "jobTemplate", "spec", "template", "spec", "containers"),
    ):
        containers = _dig(obj, *path)
        if isinstance(containers, list):
            return [c["image"] for c in containers if isinstance(c, dict) and "image" in c]
    return []


def result(
    resource: JSON,
    status: str,
    message: str,
    hook_phase: str,
    *,
    sync_phase: str = "Sync",
    hook_type: str = "",
    images: list[str] | None = None,
) -> JSON:
    """One syncResult.resources item (ResourceResult: group..name always present, the rest omitempty)."""
    item: JSON = {
        "group": resource.get("group", ""),
        "version": resource["version"],
        "kind": resource["kind"],
        "namespace": resource["namespace"],
        "name": resource["name"],
        "status": status,
        "message": message,
    }
    if hook_type:
        item["hookType"] = hook_type
    item["hookPhase"] = hook_phase
    item["syncPhase"] = sync_phase
    if images:
        item["images"] = images
    return item


def kubectl_ref(resource: JSON) -> str:
    """How kubectl names an object in its output: `deployment.apps/checkout-api`, `service/checkout-api`."""
    group = resource.get("group", "")
    return f"{resource['kind'].lower()}{'.' + group if group else ''}/{resource['name']}"


def target_of(app: App, obj: JSON) -> JSON:
    """What Git holds for a live managed object."""
    if obj["metadata"]["uid"] in app.out_of_sync:
        return app.out_of_sync[obj["metadata"]["uid"]]
    applied = (obj["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    return json.loads(applied) if applied else kube.desired_manifest(obj)


def _target_by_key(app: App) -> dict[tuple[str, str, str], JSON]:
    live = {
        (o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]): target_of(app, o)
        for o in app.managed()
    }
    missing = {(t["kind"], t["metadata"]["namespace"], t["metadata"]["name"]): t for t in app.missing}
    return {**live, **missing}


def default_operation(app: App) -> JSON:
    """The last sync: automated, to the current revision, every task run."""
    policy = sync_policy(app)
    prune = bool((policy.get("automated") or {}).get("prune"))
    targets = _target_by_key(app)
    results: list[JSON] = []
    for r in resource_statuses(app):
        if r.get("hook"):
            continue
        if r.get("requiresPruning"):
            results.append(result(r, "PruneSkipped", "ignored (requires pruning)", "Succeeded"))
            continue
        target = targets.get((r["kind"], r["namespace"], r["name"]))
        verb = "configured" if r["kind"] in _CHANGED_KINDS else "unchanged"
        results.append(result(r, "Synced", f"{kubectl_ref(r)} {verb}", "Running", images=images_of(target)))
    sync: JSON = {"revision": app.revision, "prune": prune, "syncStrategy": {"hook": {}}}
    if not prune:
        del sync["prune"]
    return {
        "operation": {
            "sync": {"source": app.source, **sync, "syncOptions": policy.get("syncOptions") or []},
            "initiatedBy": {"automated": True},
            "retry": policy.get("retry") or {"limit": 5},
        },
        "phase": "Succeeded",
        "message": "successfully synced (all tasks run)",
        "syncResult": {"resources": results, "revision": app.revision, "source": app.source},
        "startedAt": rfc3339(ago(app.synced_ago + 10)),
        "finishedAt": rfc3339(ago(app.synced_ago)),
    }


def _source_type(app: App) -> str:
    if app.chart:
        return "Helm"
    return "Kustomize" if "apps/" in app.path else "Directory"


def application(app: App) -> JSON:
    source = app.source
    health: JSON = {"status": app.health_status, "lastTransitionTime": rfc3339(ago(app.synced_ago - 90))}
    if app.health_message:
        health["message"] = app.health_message
    metadata: JSON = {
        "name": app.name,
        "namespace": app.namespace,
        "uid": app.uid,
        "resourceVersion": "90211",
        "generation": 412,
        "creationTimestamp": rfc3339(ago(30 * 86400)),
        "labels": app.labels,
        "annotations": {"notifications.argoproj.io/subscribe.on-sync-failed.slack": app.labels["team"]},
        "finalizers": ["resources-finalizer.argocd.argoproj.io"],
    }
    if app.owner_appset:
        metadata["ownerReferences"] = [
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "ApplicationSet",
                "name": app.owner_appset,
                "uid": kube.uid_for("ApplicationSet", app.namespace, app.owner_appset),
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    destination = {"server": CLUSTER_URL, "namespace": app.dest_namespace}
    return {
        "metadata": metadata,
        "spec": {
            "source": source,
            "destination": destination,
            "project": app.project,
            "syncPolicy": sync_policy(app),
        },
        "status": {
            "resources": resource_statuses(app),
            "sync": {
                "status": app.sync_status,
                "comparedTo": {"source": source, "destination": destination},
                "revision": app.revision,
            },
            "health": health,
            "history": app.history,
            "conditions": app.conditions or None,
            "reconciledAt": app.reconciled_at or rfc3339(ago(45)),
            "operationState": app.operation if app.operation is not None else default_operation(app),
            "sourceType": _source_type(app),
            "summary": {"images": sorted({i for o in app.objects for i in _images(o)})},
            "controllerNamespace": ARGOCD_NAMESPACE,
        },
        # Go omitempty: only while an operation is requested and not finished
        **({"operation": copy.deepcopy(app.requested_operation)} if app.requested_operation else {}),
    }


def _images(obj: JSON) -> list[str]:
    spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    return [c["image"] for c in spec.get("containers", [])]


# --- managed resources: Argo CD's diff of each managed object ----------------------------------------


def manifest_json(obj: JSON | None) -> str:
    return "null" if obj is None else json.dumps(obj, separators=(",", ":"))


def _normalize_secret(obj: JSON) -> JSON:
    """gitops-engine's NormalizeSecret: stringData folded into data, base64-encoded."""
    if obj.get("kind") != "Secret" or kube.group_of(obj.get("apiVersion", "")):
        return obj
    string_data = obj.pop("stringData", None)
    if string_data:
        obj["data"] = {**(obj.get("data") or {}), **{k: kube.b64(v) for k, v in string_data.items()}}
    return obj


def normalized_live(live: JSON) -> JSON:
    """The live object as Argo CD compares it: no status (ignoreResourceStatusField: all, the 3.x default)
    and no creationTimestamp (diff.Normalize)."""
    out = _normalize_secret(copy.deepcopy(live))
    out.pop("status", None)
    out["metadata"] = {k: v for k, v in out["metadata"].items() if k != "creationTimestamp"}
    return out


def _merge(live: Any, target: Any, applied: Any) -> Any:
    """A three-way merge as kubectl apply does it: fields Git sets win, fields Git dropped since the last
    apply are removed, fields only the cluster set (defaults, server metadata) stay."""
    if not (isinstance(live, dict) and isinstance(target, dict)):
        return copy.deepcopy(target)
    applied = applied if isinstance(applied, dict) else {}
    out = {k: v for k, v in live.items() if k in target or k not in applied}
    for key, value in target.items():
        out[key] = _merge(live.get(key), value, applied.get(key)) if key in live else copy.deepcopy(value)
    return out


def predicted_live(normalized: JSON, target: JSON) -> JSON:
    """What the live object would be after a sync: Git's manifest applied over the normalized live one."""
    applied_text = (normalized["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    applied = _normalize_secret(json.loads(applied_text)) if applied_text else {}
    out: JSON = _merge(normalized, _normalize_secret(copy.deepcopy(target)), applied)
    if applied_text:  # kubectl apply records what it applied
        compact = json.dumps(target, separators=(",", ":"), sort_keys=True)
        out["metadata"].setdefault("annotations", {})[LAST_APPLIED] = compact
    return out


def managed_resources(app: App) -> list[JSON]:
    """ResourceDiff items of the managed objects (hooks left out, as the API server does)."""
    items: list[JSON] = []
    for obj in app.managed():
        meta = obj["metadata"]
        if meta["uid"] in app.hooks:
            continue
        normalized = normalized_live(obj)
        if meta["uid"] in app.extraneous:
            target, predicted = None, None
        else:
            wanted = target_of(app, obj)
            target, predicted = _normalize_secret(copy.deepcopy(wanted)), predicted_live(normalized, wanted)
        items.append(_diff_item(obj, target, obj, normalized, predicted, meta["resourceVersion"]))
    for target in app.missing:
        items.append(_diff_item(target, target, None, None, target, ""))
    return items


def _diff_item(
    ref: JSON,
    target: JSON | None,
    live: JSON | None,
    normalized: JSON | None,
    predicted: JSON | None,
    resource_version: str,
) -> JSON:
    """Go omitempty: no `modified` when false, no `resourceVersion` when there is no live object."""
    item: JSON = {
        **_group(ref["apiVersion"]),
        "kind": ref["kind"],
        "namespace": ref["metadata"]["namespace"],
        "name": ref["metadata"]["name"],
        "targetState": manifest_json(target),
        "liveState": manifest_json(live),
        "normalizedLiveState": manifest_json(normalized),
        "predictedLiveState": manifest_json(predicted),
    }
    if resource_version:
        item["resourceVersion"] = resource_version
    if predicted is not None and (normalized is None or _canonical(normalized) != _canonical(predicted)):
        item["modified"] = True
    return item


def _canonical(obj: JSON) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


# --- events ------------------------------------------------------------------------------------------


def app_events(app: App) -> list[JSON]:
    return [e for e in app.events if e["involvedObject"]["uid"] == app.uid]


def resource_events(app: App, uid: str) -> list[JSON]:
    return [e for e in app.events if e["involvedObject"]["uid"] == uid]


def pretty(obj: Any) -> str:
    return json.dumps(obj, indent=2)
