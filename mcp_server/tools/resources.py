"""get_resource_tree, get_manifest and get_events (a workload's or a Service's with its pods' warnings, a
Pod's with the warnings of the PersistentVolumeClaims its events mention)."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any

import anyio
from pydantic import BaseModel

from mcp_server import models as m
from mcp_server import shaping
from mcp_server.argocd_errors import ArgoCDError
from mcp_server.tools.base import MAX_ROWS, Call, cap_rows, cut_note, scoped
from mcp_server.tools.lookup import Found, Lookup, node_manifest, with_node
from mcp_server.tools.pods import MAX_PODS, WORKLOAD_KINDS, pods_selected, pods_under, unhealthy_first
from mcp_server.treecache import TreeCache

_MAX_CLAIMS = 3  # PersistentVolumeClaims whose Warning events a Pod's include


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
        return node_manifest(call, args.application, ns, args.project, node)

    found, obj = await with_node(call, lookup, fetch)
    node = found.node
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


async def _service_selector(
    call: Call, args: m.GetEventsArgs, ns: str | None, node: Mapping[str, Any]
) -> Any:
    """A Service's selector: from its tree node (`networkingInfo.targetLabels`), else from its manifest."""
    networking = node.get("networkingInfo")
    if isinstance(networking, Mapping) and isinstance(networking.get("targetLabels"), Mapping):
        return networking["targetLabels"]
    try:
        service = await node_manifest(call, args.application, ns, args.project, node)
    except ArgoCDError:
        return None
    return (service.get("spec") or {}).get("selector")


async def _related_pods(
    call: Call, args: m.GetEventsArgs, ns: str | None, found: Found
) -> list[Mapping[str, Any]] | None:
    """The pods whose warnings belong with the events of `found.node`: a workload's, a Service's; None for
    any other kind (or when the tree does not say)."""
    node = found.node
    kind = str(node.get("kind") or "").lower()
    if kind in WORKLOAD_KINDS:
        return list(pods_under(found.nodes, node))
    if kind == "service" and not node.get("group"):
        selector = await _service_selector(call, args, ns, node)
        if not isinstance(selector, Mapping):
            return None
        pods = pods_selected(found.nodes, selector, str(node.get("namespace") or ""))
        return None if pods is None else list(pods)
    return None


def _claims_named(node: Mapping[str, Any], nodes: list[dict[str, Any]], events: list[Any]) -> list[Any]:
    """For a Pod whose events mention a PersistentVolumeClaim (`pod has unbound immediate
    PersistentVolumeClaims`), the claims of its namespace in the tree: those the events name first, then the
    unhealthy ones. Empty for any other kind, or when no event mentions one."""
    if node.get("kind") != "Pod" or node.get("group"):
        return []
    messages = [
        str(e.get("message") or e.get("note") or "").lower() for e in events if isinstance(e, Mapping)
    ]
    if not any("persistentvolumeclaim" in text for text in messages):
        return []
    namespace = node.get("namespace") or ""
    claims = [
        n
        for n in nodes
        if n.get("kind") == "PersistentVolumeClaim"
        and not n.get("group")
        and (n.get("namespace") or "") == namespace
    ]
    named = " ".join(messages)
    return sorted(unhealthy_first(claims), key=lambda n: f'"{n.get("name")}"' not in named)


async def _warnings_of(
    call: Call, args: m.GetEventsArgs, ns: str | None, nodes: list[Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The Warning events of `nodes` (pods, claims: one events call each, at once) and a note per node that
    failed."""
    found: list[list[dict[str, Any]]] = [[] for _ in nodes]
    failed: list[str] = []

    async def one(i: int, node: Mapping[str, Any]) -> None:
        try:
            items = await call.client.events(
                call.caller.token,
                args.application,
                resource_uid=str(node.get("uid") or ""),
                resource_name=str(node.get("name")),
                resource_namespace=node.get("namespace") or None,
                app_namespace=ns,
                project=args.project,
            )
        except ArgoCDError as exc:
            failed.append(f"{node.get('kind')}/{node.get('name')}: {shaping.redact(exc.message)[:200]}")
            return
        found[i] = [e for e in items if isinstance(e, Mapping) and e.get("type") == "Warning"]

    async with anyio.create_task_group() as group:
        for i, node in enumerate(nodes):
            group.start_soon(one, i, node)
    return [e for items in found for e in items], failed


async def get_events(call: Call, args: m.GetEventsArgs) -> tuple[BaseModel, str]:
    ns = scoped(call, args.application, args.app_namespace)
    target = ""
    pods: list[Mapping[str, Any]] = []
    claims: list[Mapping[str, Any]] = []
    pods_left_out = 0
    notes: list[str] = []
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

        found, items = await with_node(call, lookup, fetch)
        target = f"{found.node.get('kind')}/{args.name}"
        related = await _related_pods(call, args, ns, found)
        named = _claims_named(found.node, found.nodes, items)
        if related:
            ordered = unhealthy_first(related)
            pods, pods_left_out = ordered[:MAX_PODS], len(ordered) - MAX_PODS
        claims = named[:_MAX_CLAIMS]
        if len(named) > _MAX_CLAIMS:
            notes.append(
                f"[{len(named) - _MAX_CLAIMS} more PersistentVolumeClaims of the namespace not read]"
            )
        if pods or claims:
            warnings, failed = await _warnings_of(call, args, ns, [*pods, *claims])
            items = [*items, *warnings]
            notes += [f"[could not read the events of {f}]" for f in failed]
    else:
        items = await call.client.events(
            call.caller.token, args.application, app_namespace=ns, project=args.project
        )
    summaries, omitted = shaping.summarize_events(items, call.settings.mcp_max_events)
    lines = [shaping.format_event(e) for e in summaries]
    keep = cap_rows(lines, call.settings.mcp_max_result_bytes)
    about = target or f"Application {args.application}"
    pod_names = [str(p.get("name")) for p in pods]
    claim_names = [str(c.get("name")) for c in claims]
    if pods:
        # each event line names its pod, so the header only counts them, unless no line does or some
        # pods were not read (the names say which were)
        name_pods = not lines or pods_left_out > 0 or len(pods) == 1
        others = (
            f"its pod{'s' if len(pods) > 1 else ''} {', '.join(pod_names)}"
            if name_pods
            else f"its {len(pods)} pods"
        )
    else:
        others = f"PersistentVolumeClaim{'s' if len(claims) > 1 else ''} {', '.join(claim_names)}"
    if lines:
        with_others = f" with the Warning events of {others}" if pods or claims else ""
        header = f"Events of {about}{with_others}, newest first, duplicates merged:"
    else:
        header = f"No events for {about}" + (f", nor Warning events of {others}." if pods or claims else ".")
    if pods_left_out > 0:
        notes.insert(
            0,
            f"[{pods_left_out} more pods not included (unhealthy pods are read first); get_events kind=Pod "
            "name=<pod> reads one]",
        )
    text = "\n".join([header, *notes, *lines[:keep]])
    left_out = omitted + len(lines) - keep
    if left_out:
        text += f"\n[truncated: {left_out} older distinct events not shown]"
    events = [m.Event(**e.__dict__) for e in summaries[:keep]]
    result = m.Events(
        application=args.application,
        object=target,
        events=events,
        pods=pod_names,
        claims=claim_names,
        pods_left_out=max(0, pods_left_out),
        truncated=left_out > 0 or pods_left_out > 0,
    )
    return result, text
