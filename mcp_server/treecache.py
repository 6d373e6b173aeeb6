"""A short-lived cache of application resource trees, one entry per (caller's token, application).

get_manifest, get_events and get_logs look a resource up in the tree (its group, namespace, uid) before the
call that returns data; an agent asks several of them about one application within seconds, so the tree is
kept briefly. Safety: the key holds a SHA-256 of the caller's token (never the token), so one caller is never
served a tree fetched with another's; only the identities of the nodes and how they relate are kept (parent
links, health status, a pod's labels and a Service's selector: no health messages, no info); and the call
that returns data is always made with the caller's token, so Argo CD checks RBAC on it.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["TreeCache"]

# What finding a node needs of it, and finding a workload's or a Service's pods (`tools.pods`); the rest of a
# tree is left out of the cache.
_NODE_FIELDS = ("kind", "group", "version", "namespace", "name", "uid")
_REF_FIELDS = ("kind", "group", "namespace", "name", "uid")
_NETWORKING_FIELDS = ("labels", "targetLabels")

Key = tuple[str, str, str, str]


class TreeCache:
    """LRU of node lists with a time to live; bounded in entries and in nodes per entry."""

    def __init__(
        self,
        ttl_seconds: float = 10.0,
        max_entries: int = 256,
        max_nodes: int = 5000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.max_nodes = max_nodes
        self._clock = clock
        self._entries: OrderedDict[Key, tuple[float, list[dict[str, Any]]]] = OrderedDict()

    @staticmethod
    def key(token: str | None, application: str, app_namespace: str | None, project: str | None) -> Key:
        digest = hashlib.sha256((token or "").encode()).hexdigest()
        return (digest, app_namespace or "", application, project or "")

    def get(self, key: Key) -> list[dict[str, Any]] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, nodes = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return nodes

    def put(self, key: Key, tree: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Keeps the node identities of `tree` (a resource-tree answer); returns them."""
        nodes = [_slim(n) for n in (tree.get("nodes") or []) if isinstance(n, Mapping)]
        if self.ttl <= 0 or len(nodes) > self.max_nodes:
            return nodes
        self._entries[key] = (self._clock() + self.ttl, nodes)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return nodes

    def forget(self, key: Key) -> None:
        self._entries.pop(key, None)


def _slim(node: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {f: node.get(f) for f in _NODE_FIELDS if node.get(f) is not None}
    parents = [
        {f: ref.get(f) for f in _REF_FIELDS if ref.get(f) is not None}
        for ref in node.get("parentRefs") or []
        if isinstance(ref, Mapping)
    ]
    if parents:
        out["parentRefs"] = parents
    health = node.get("health")
    if isinstance(health, Mapping) and health.get("status"):
        out["health"] = {"status": health["status"]}
    networking = node.get("networkingInfo")
    if isinstance(networking, Mapping):
        kept = {f: networking[f] for f in _NETWORKING_FIELDS if isinstance(networking.get(f), Mapping)}
        if kept:
            out["networkingInfo"] = kept
    return out
