"""list_applications and get_application."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from mcp_server import models as m
from mcp_server import shaping
from mcp_server.app_status import conditions_of, format_operation, operation_of, sync_health_line
from mcp_server.tools.base import MAX_ROWS, Call, cap_rows, cut_note, refused_outside_scope, scoped

_HISTORY = 5
_ATTENTION = 20

# What the rows need of each listed application (Argo CD's `fields=`: the rest is left out of the answer;
# a Helm application's inline values alone can be many kilobytes, twice).
_SOURCE_FIELDS = ("repoURL", "path", "chart", "targetRevision")
LIST_FIELDS = (
    "items.metadata.name",
    "items.metadata.namespace",
    "items.spec.project",
    *(f"items.spec.{s}.{f}" for s in ("source", "sources") for f in _SOURCE_FIELDS),
    "items.spec.destination.name",
    "items.spec.destination.server",
    "items.spec.destination.namespace",
    "items.status.sync.status",
    "items.status.health.status",
)


def _dest(spec: Mapping[str, Any]) -> str:
    dest = spec.get("destination") or {}
    server = dest.get("name") or dest.get("server") or ""
    if server == "https://kubernetes.default.svc":
        server = "in-cluster"
    return f"{server}/{dest.get('namespace') or ''}"


def _source(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    source = spec.get("source") or (spec.get("sources") or [{}])[0]
    return source if isinstance(source, Mapping) else {}


def app_row(app: Mapping[str, Any]) -> m.AppRow:
    meta, spec, status = app.get("metadata") or {}, app.get("spec") or {}, app.get("status") or {}
    source = _source(spec)
    return m.AppRow(
        name=str(meta.get("name", "")),
        app_namespace=str(meta.get("namespace", "")),
        project=str(spec.get("project", "")),
        sync=str((status.get("sync") or {}).get("status") or "Unknown"),
        health=str((status.get("health") or {}).get("status") or "Unknown"),
        repo=str(source.get("repoURL", "")),
        path=str(source.get("path") or source.get("chart") or ""),
        revision=str(source.get("targetRevision") or "HEAD"),
        destination=_dest(spec),
    )


async def list_applications(call: Call, args: m.ListApplicationsArgs) -> tuple[BaseModel, str]:
    scope = call.caller.scope
    projects = [args.project] if args.project else None
    if scope is not None:
        if args.app_namespace not in (None, scope.app_namespace):
            raise refused_outside_scope(call)
        items = await call.client.list_applications(
            call.caller.token,
            name=scope.app_name,
            app_namespace=scope.app_namespace,
            projects=projects,
            selector=args.selector,
            fields=LIST_FIELDS,
        )
    else:
        items = await call.client.list_applications(
            call.caller.token,
            projects=projects,
            selector=args.selector,
            app_namespace=args.app_namespace,
            fields=LIST_FIELDS,
        )
    rows = [app_row(a) for a in items]
    lines = [
        f"{r.app_namespace}/{r.name} | {r.project} | {r.sync}/{r.health} | {r.repo} {r.path}@{r.revision} "
        f"| {r.destination}"
        for r in rows
    ]
    keep = min(cap_rows(lines, call.settings.mcp_max_result_bytes), MAX_ROWS)
    header = (
        f"{len(rows)} applications (app-namespace/name | project | sync/health | repo path@revision | "
        "destination):"
        if rows
        else "No applications match (or you may not read any)."
    )
    text = "\n".join([header, *lines[:keep]])
    if keep < len(rows):
        text += "\n" + cut_note(keep, len(rows), "applications")
    return m.ApplicationList(applications=rows[:keep], total=len(rows), truncated=keep < len(rows)), text


def _key(r: Mapping[str, Any] | m.SyncResult) -> tuple[str, str, str]:
    if isinstance(r, m.SyncResult):
        return (r.kind, r.namespace, r.name)
    return (str(r.get("kind", "")), str(r.get("namespace") or ""), str(r.get("name", "")))


def _needs_attention(
    status: Mapping[str, Any], resources: list[dict[str, Any]], operation: m.Operation | None
) -> list[str]:
    """What to look at, failures of the last sync first: each hook that failed (a hook Job in
    `status.resources` is named when it is Degraded, or when the last sync says it failed), each resource
    the sync failed to apply, then the resources not Healthy or not Synced."""
    failed = {_key(r): r for r in (operation.failed if operation else [])}
    out: list[str] = []
    hooks = [r for r in status.get("resources") or [] if isinstance(r, dict) and r.get("hook")]
    named: set[tuple[str, str, str]] = set()
    for r in hooks:
        health = (r.get("health") or {}).get("status")
        result = failed.get(_key(r))
        if health not in ("Degraded", "Missing") and not (result and result.hook_type):
            continue
        named.add(_key(r))
        out.append(_hook_line(_key(r), result, health))
    for key, result in failed.items():  # a failed hook no longer listed (deleted since), or not yet
        if result.hook_type and key not in named and result.hook_phase in ("Failed", "Error"):
            named.add(key)
            out.append(_hook_line(key, result, None))
    apply_lines: list[str] = []
    other_lines: list[str] = []
    for r in resources:
        h = (r.get("health") or {}).get("status")
        result = failed.get(_key(r))
        apply_failed = result is not None and not result.hook_type
        if (h not in (None, "Healthy")) or r.get("status") not in (None, "Synced") or apply_failed:
            ref = f"{r.get('kind')} {r.get('namespace') or '-'}/{r.get('name')}"
            msg = shaping.redact(str((r.get("health") or {}).get("message") or ""))[:200]
            line = f"{ref}: health {h or 'n/a'}, sync {r.get('status') or 'n/a'}" + (
                f" ({msg})" if msg else ""
            )
            if result is not None and apply_failed:
                apply_lines.append(line + f"; the last sync: {result.status or result.hook_phase}")
            else:
                other_lines.append(line)
    return out + apply_lines + other_lines


def _hook_line(key: tuple[str, str, str], result: m.SyncResult | None, health: Any) -> str:
    kind, namespace, name = key
    ref = f"{kind} {namespace or '-'}/{name}"
    if result is not None:
        phase = result.hook_phase or result.status or "failed"
        line = f"{ref}: {result.hook_type} hook {phase} in the last sync"
        return line + (f" ({result.message})" if result.message else "")
    return f"{ref}: hook, health {health}"


async def get_application(call: Call, args: m.GetApplicationArgs) -> tuple[BaseModel, str]:
    ns = scoped(call, args.application, args.app_namespace)
    app = await call.client.get_application(
        call.caller.token, args.application, app_namespace=ns, project=args.project
    )
    row = app_row(app)
    status = app.get("status") or {}
    sync, health = status.get("sync") or {}, status.get("health") or {}
    conditions = conditions_of(status)
    operation = operation_of(status)
    history = [
        m.HistoryEntry(
            id=int(h.get("id", 0)),
            revision=str(h.get("revision", "")),
            deployed_at=str(h.get("deployedAt", "")),
        )
        for h in sorted(status.get("history") or [], key=lambda h: int(h.get("id", 0)), reverse=True)[
            :_HISTORY
        ]
    ]
    # hooks (Jobs run around a sync) are listed too, without sync or health: the operation speaks for them
    resources = [r for r in status.get("resources") or [] if isinstance(r, dict) and not r.get("hook")]
    by_health = Counter(str((r.get("health") or {}).get("status") or "None") for r in resources)
    by_sync = Counter(str(r.get("status") or "Unknown") for r in resources)
    attention = _needs_attention(status, resources, operation)
    summary = m.ResourceSummary(
        total=len(resources),
        by_health=dict(by_health),
        by_sync=dict(by_sync),
        attention=attention[:_ATTENTION],
    )
    detail = m.ApplicationDetail(
        name=row.name,
        app_namespace=row.app_namespace,
        project=row.project,
        sync=row.sync,
        sync_revision=str(sync.get("revision") or ""),
        health=row.health,
        health_message=shaping.redact(str(health.get("message") or ""))[:500],
        repo=row.repo,
        path=row.path,
        revision=row.revision,
        destination=row.destination,
        conditions=conditions,
        operation=operation,
        history=history,
        resources=summary,
    )
    lines = [
        f"Application {row.app_namespace}/{row.name} (project {row.project})",
        sync_health_line(status),
        f"Source: {row.repo} {row.path}@{row.revision} -> {row.destination}",
    ]
    if conditions:
        lines.append("Conditions: " + "; ".join(conditions))
    if operation:
        lines += format_operation(operation)
    if history:
        lines.append(
            "History (newest first): "
            + ", ".join(f"#{h.id} {h.revision[:12]} {h.deployed_at}" for h in history)
        )
    counts = ", ".join(f"{k} {v}" for k, v in sorted(by_health.items()))
    syncs = ", ".join(f"{k} {v}" for k, v in sorted(by_sync.items()))
    lines.append(f"Resources: {len(resources)} (health: {counts or 'n/a'}; sync: {syncs or 'n/a'})")
    if attention:
        lines.append("Needs attention:")
        lines += [f"  {a}" for a in attention[:_ATTENTION]]
        if len(attention) > _ATTENTION:
            lines.append(f"  [{len(attention) - _ATTENTION} more not shown]")
    text, cut = shaping.cap_bytes("\n".join(lines), call.settings.mcp_max_result_bytes)
    detail.truncated = cut or len(attention) > _ATTENTION
    return detail, text
