"""get_resource_tree, get_manifest and get_events."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any

from pydantic import BaseModel

from mcp_server import models as m
from mcp_server import shaping
from mcp_server.tools.base import MAX_ROWS, Call, cap_rows, cut_note, scoped
from mcp_server.tools.lookup import Lookup, with_node
from mcp_server.treecache import TreeCache


def _node_info(node: Mapping[str, Any]) -> str:
    parts = [f"{i.get('name')}={i.get('value')}" for i in (node.get("info") or []) if isinstance(i, dict)]
    images = node.get("images") or []
    if images:
        parts.append("images=" + ",".join(str(i) for i in images[:3]))
    return shaping.redact(", ".join(parts))[:300]


def _tree_node(node: Mapping[str, Any]) -> m.TreeNode:
    parents = node.get("parentRefs") or []
    parent = f"{parents[0].get('kind')}/{parents[0].get('name')}" if parents else ""
    health = node.get("health") or {}
    return m.TreeNode(
        kind=str(node.get("kind", "")),
        group=str(node.get("group") or ""),
        namespace=str(node.get("namespace") or ""),
        name=str(node.get("name", "")),
        health=str(health.get("status") or ""),
        message=shaping.redact(str(health.get("message") or ""))[:300],
        parent=parent,
        info=_node_info(node),
    )


async def get_resource_tree(call: Call, args: m.GetResourceTreeArgs) -> tuple[BaseModel, str]:
    ns = scoped(call, args.application, args.app_namespace)
    tree = await call.client.resource_tree(
        call.caller.token, args.application, app_namespace=ns, project=args.project
    )
    if call.trees is not None:  # the agent's next call is usually about one of these resources
        call.trees.put(TreeCache.key(call.caller.token, args.application, ns, args.project), tree)
    nodes = [_tree_node(n) for n in tree.get("nodes") or []]
    if args.kind:
        nodes = [n for n in nodes if n.kind.lower() == args.kind.lower()]
    if args.health:
        nodes = [n for n in nodes if n.health == args.health]
    lines = []
    for n in nodes:
        line = f"{n.kind} {n.namespace or '-'}/{n.name}"
        if n.health:
            line += f" [{n.health}" + (f": {n.message}" if n.message else "") + "]"
        if n.parent:
            line += f" <- {n.parent}"
        if n.info:
            line += f" | {n.info}"
        lines.append(line)
    keep = min(cap_rows(lines, call.settings.mcp_max_result_bytes), MAX_ROWS)
    header = (
        f"Resource tree of {args.application}: {len(nodes)} nodes (kind namespace/name [health] <- parent "
        "| info)"
        if nodes
        else f"No resources of {args.application} match."
    )
    text = "\n".join([header, *lines[:keep]])
    if keep < len(nodes):
        text += "\n" + cut_note(keep, len(nodes), "nodes")
    result = m.ResourceTree(
        application=args.application, nodes=nodes[:keep], total=len(nodes), truncated=keep < len(nodes)
    )
    return result, text


async def get_manifest(call: Call, args: m.GetManifestArgs) -> tuple[BaseModel, str]:
    ns = scoped(call, args.application, args.app_namespace)
    lookup = Lookup(args.application, ns, args.project, args.kind, args.name, args.namespace, args.group)

    def fetch(node: Mapping[str, Any]) -> Awaitable[dict[str, Any]]:
        return call.client.resource(
            call.caller.token,
            args.application,
            kind=str(node.get("kind")),
            resource_name=args.name,
            namespace=node.get("namespace") or None,
            group=node.get("group") or None,
            version=node.get("version") or None,
            app_namespace=ns,
            project=args.project,
        )

    node, obj = await with_node(call, lookup, fetch)
    max_bytes = call.settings.mcp_max_result_bytes - 300
    text, cut = shaping.manifest_to_yaml(obj, max_bytes)
    result = m.Manifest(
        kind=str(node.get("kind")),
        group=str(node.get("group") or ""),
        namespace=str(node.get("namespace") or ""),
        name=args.name,
        yaml=text,
        truncated=cut,
    )
    header = f"# Live manifest of {result.kind} {result.namespace or '-'}/{result.name} ({args.application})"
    if obj.get("kind") == "Secret":
        header += "; Secret values masked"
    return result, f"{header}\n{text}"


async def get_events(call: Call, args: m.GetEventsArgs) -> tuple[BaseModel, str]:
    ns = scoped(call, args.application, args.app_namespace)
    target = ""
    if args.kind and args.name:
        lookup = Lookup(args.application, ns, args.project, args.kind, args.name, args.namespace)

        def fetch(node: Mapping[str, Any]) -> Awaitable[list[dict[str, Any]]]:
            return call.client.events(
                call.caller.token,
                args.application,
                resource_uid=str(node.get("uid") or ""),
                resource_name=args.name,
                resource_namespace=node.get("namespace") or None,
                app_namespace=ns,
                project=args.project,
            )

        node, items = await with_node(call, lookup, fetch)
        target = f"{node.get('kind')}/{args.name}"
    else:
        items = await call.client.events(
            call.caller.token, args.application, app_namespace=ns, project=args.project
        )
    summaries, omitted = shaping.summarize_events(items, call.settings.mcp_max_events)
    lines = [shaping.format_event(e) for e in summaries]
    keep = cap_rows(lines, call.settings.mcp_max_result_bytes)
    about = target or f"Application {args.application}"
    header = f"Events of {about}, newest first, duplicates merged:" if lines else f"No events for {about}."
    text = "\n".join([header, *lines[:keep]])
    left_out = omitted + len(lines) - keep
    if left_out:
        text += f"\n[truncated: {left_out} older distinct events not shown]"
    events = [m.Event(**e.__dict__) for e in summaries[:keep]]
    return m.Events(application=args.application, object=target, events=events, truncated=left_out > 0), text
