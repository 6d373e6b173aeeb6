"""Finding the resource a call is about through the application's resource tree (cached briefly)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from mcp.server.mcpserver.exceptions import ToolError

from mcp_server.argocd_client import BadRequest, NotFound
from mcp_server.tools.base import Call
from mcp_server.treecache import TreeCache


@dataclass(frozen=True)
class Lookup:
    """Which resource of which application a tool call is about (resolved through the resource tree)."""

    application: str
    ns: str | None
    project: str | None
    kind: str
    name: str
    namespace: str | None
    group: str | None = None


class Found(NamedTuple):
    """The node a lookup names, the tree's nodes it was found among, and whether they came from the cache."""

    node: Mapping[str, Any]
    nodes: list[dict[str, Any]]
    cached: bool


async def _tree_nodes(call: Call, q: Lookup, *, fresh: bool) -> tuple[list[dict[str, Any]], bool]:
    """The application's tree nodes and whether they came from the cache."""
    key = TreeCache.key(call.caller.token, q.application, q.ns, q.project)
    if call.trees is not None and not fresh:
        cached = call.trees.get(key)
        if cached is not None:
            return cached, True
    tree = await call.client.resource_tree(
        call.caller.token, q.application, app_namespace=q.ns, project=q.project
    )
    if call.trees is not None:
        return call.trees.put(key, tree), False
    return [dict(n) for n in tree.get("nodes") or []], False


def _matches(nodes: list[dict[str, Any]], q: Lookup) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(nodes of the kind, those of them that match the lookup)."""
    of_kind = [n for n in nodes if str(n.get("kind", "")).lower() == q.kind.lower()]
    matches = [
        n
        for n in of_kind
        if n.get("name") == q.name
        and q.namespace in (None, n.get("namespace") or None)
        and q.group in (None, n.get("group") or "")
    ]
    return of_kind, matches


async def find_node(call: Call, q: Lookup, *, fresh: bool = False) -> Found:
    """The tree node `q` names (with the tree, and whether it was cached); a cached tree that does not name
    exactly one node is fetched again before anything is reported (it may be a few seconds old)."""
    nodes, cached = await _tree_nodes(call, q, fresh=fresh)
    of_kind, matches = _matches(nodes, q)
    if len(matches) != 1 and cached:
        nodes, cached = await _tree_nodes(call, q, fresh=True)
        of_kind, matches = _matches(nodes, q)
    if len(matches) == 1:
        return Found(dict(matches[0]), nodes, cached)
    kind, name, application = q.kind, q.name, q.application
    if len(matches) > 1:
        where = ", ".join(sorted({str(n.get("namespace") or "-") for n in matches}))
        raise ToolError(
            f"{kind} '{name}' is ambiguous in application '{application}' (namespaces: {where}): "
            "pass namespace."
        )
    known = ", ".join(sorted({str(n.get("name")) for n in of_kind})[:20])
    hint = f" {kind} resources it has: {known}." if known else f" It has no {kind} resources."
    raise ToolError(
        f"{kind} '{name}'"
        + (f" in namespace '{q.namespace}'" if q.namespace else "")
        + f" is not part of application '{application}'.{hint} See get_resource_tree."
    )


async def with_node[T](
    call: Call, q: Lookup, fetch: Callable[[Mapping[str, Any]], Awaitable[T]]
) -> tuple[Found, T]:
    """Finds the node, then `fetch(node)`; when the node came from a cached tree and Argo CD no longer
    knows it (the resource was replaced since), once more with a fresh tree."""
    found = await find_node(call, q)
    try:
        return found, await fetch(found.node)
    except (BadRequest, NotFound) as exc:
        if not found.cached or "not found" not in exc.message:
            raise
    found = await find_node(call, q, fresh=True)
    return found, await fetch(found.node)


def node_manifest(
    call: Call, application: str, ns: str | None, project: str | None, node: Mapping[str, Any]
) -> Awaitable[dict[str, Any]]:
    """The live manifest of one node of the application's tree, read with the caller's token."""
    return call.client.resource(
        call.caller.token,
        application,
        kind=str(node.get("kind")),
        resource_name=str(node.get("name")),
        namespace=node.get("namespace") or None,
        group=node.get("group") or None,
        version=node.get("version") or None,
        app_namespace=ns,
        project=project,
    )
