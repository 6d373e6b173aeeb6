"""The pods behind a workload or a Service, found in the application's resource tree (pure functions).

A workload's pods are its descendants through `parentRefs` (Deployment > ReplicaSet > Pod, CronJob > Job >
Pod); a Service's are the pods of its namespace whose labels (`networkingInfo.labels` of a Pod node) match its
selector. The unhealthy ones come first: they are the ones worth another call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MAX_PODS", "WORKLOAD_KINDS", "health_of", "pods_selected", "pods_under", "unhealthy_first"]

# Kinds whose pods are found through parentRefs (Rollout: Argo Rollouts, which owns ReplicaSets too).
WORKLOAD_KINDS = frozenset(
    {"deployment", "statefulset", "daemonset", "replicaset", "job", "cronjob", "rollout"}
)
# Most pods one call reads more about (their events, their status): the extra calls stay bounded.
MAX_PODS = 5
_MAX_DEPTH = 4

Node = Mapping[str, Any]


def _is_pod(node: Node) -> bool:
    return node.get("kind") == "Pod" and not node.get("group")


def _is_parent(ref: Mapping[str, Any], parent: Node) -> bool:
    if ref.get("uid") and parent.get("uid"):
        return bool(ref["uid"] == parent["uid"])
    return (ref.get("kind"), ref.get("namespace") or "", ref.get("name"), ref.get("group") or "") == (
        parent.get("kind"),
        parent.get("namespace") or "",
        parent.get("name"),
        parent.get("group") or "",
    )


def pods_under(nodes: Iterable[Node], top: Node) -> list[dict[str, Any]]:
    """The Pod nodes below `top` (its children, their children, ...), each once."""
    nodes = list(nodes)
    level: list[Node] = [top]
    pods: dict[tuple[str, str], dict[str, Any]] = {}
    seen = {id(top)}
    for _ in range(_MAX_DEPTH):
        children = [
            n
            for n in nodes
            if id(n) not in seen
            and any(
                isinstance(ref, Mapping) and _is_parent(ref, p)
                for ref in n.get("parentRefs") or []
                for p in level
            )
        ]
        if not children:
            break
        seen.update(id(n) for n in children)
        for child in children:
            if _is_pod(child):
                pods[(str(child.get("namespace") or ""), str(child.get("name")))] = dict(child)
        level = [c for c in children if not _is_pod(c)]
    return list(pods.values())


def pods_selected(
    nodes: Iterable[Node], selector: Mapping[str, Any], namespace: str
) -> list[dict[str, Any]] | None:
    """The Pod nodes of `namespace` whose labels match `selector`; None when the tree's Pod nodes carry no
    labels (nothing can be said) or the selector is empty (a Service without one selects no pods)."""
    pods = [n for n in nodes if _is_pod(n) and (n.get("namespace") or "") == namespace]
    labelled = [(n, (n.get("networkingInfo") or {}).get("labels")) for n in pods]
    if not selector or not any(isinstance(labels, Mapping) for _, labels in labelled):
        return None
    return [
        dict(n)
        for n, labels in labelled
        if isinstance(labels, Mapping) and all(labels.get(k) == v for k, v in selector.items())
    ]


def health_of(node: Node) -> str:
    health = node.get("health")
    return str(health.get("status") or "") if isinstance(health, Mapping) else ""


def unhealthy_first(pods: Iterable[Node]) -> list[Node]:
    """Pods not Healthy first (those without a health status next), then by name."""

    def rank(pod: Node) -> tuple[int, str]:
        health = health_of(pod)
        return (2 if health == "Healthy" else 1 if not health else 0, str(pod.get("name")))

    return sorted(pods, key=rank)
