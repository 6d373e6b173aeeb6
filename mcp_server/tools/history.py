"""get_history: what was deployed when, and what a revision changed and who wrote it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
from pydantic import BaseModel

from mcp_server import models as m
from mcp_server import shaping
from mcp_server.app_status import initiator, operation_of
from mcp_server.argocd_errors import ArgoCDError
from mcp_server.tools.base import Call, scoped

_MAX_DEPLOYMENTS = 10
_MESSAGE_BYTES = 800


def _first(entry: Mapping[str, Any], single: str, plural: str) -> Any:
    """A history entry's `source`/`revision`, or the first of a multi-source entry's `sources`/`revisions`."""
    value = entry.get(single)
    if value:
        return value
    values = entry.get(plural)
    return values[0] if isinstance(values, list) and values else None


def _source_text(source: Any) -> str:
    if not isinstance(source, Mapping):
        return ""
    if source.get("chart"):
        return f"{source.get('repoURL', '')} chart {source['chart']}"
    return f"{source.get('repoURL', '')} {source.get('path') or ''}".strip()


def _deployment(entry: Mapping[str, Any]) -> m.Deployment:
    return m.Deployment(
        id=int(entry.get("id") or 0),
        revision=str(_first(entry, "revision", "revisions") or ""),
        deployed_at=str(entry.get("deployedAt") or ""),
        initiated_by=initiator(entry.get("initiatedBy")),
        source=_source_text(_first(entry, "source", "sources")),
    )


def _is_chart(source: Any) -> bool:
    return isinstance(source, Mapping) and bool(source.get("chart"))


async def _describe(
    call: Call, args: m.GetHistoryArgs, ns: str | None, revision: str, role: str, chart: bool
) -> m.RevisionInfo:
    info = m.RevisionInfo(revision=revision, role=role, author="", date="", message="", tags=[], error="")
    token = call.caller.token
    try:
        if chart:
            details = await call.client.chart_details(
                token, args.application, revision, app_namespace=ns, project=args.project
            )
            maintainers = ", ".join(str(x) for x in details.get("maintainers") or [])
            info.author = shaping.redact(maintainers)[:300]
            info.message = shaping.redact(str(details.get("description") or ""))[:_MESSAGE_BYTES]
            return info
        meta = await call.client.revision_metadata(
            token, args.application, revision, app_namespace=ns, project=args.project
        )
    except ArgoCDError as exc:
        info.error = exc.message[:300]
        return info
    info.author = shaping.redact(str(meta.get("author") or ""))[:300]
    info.date = str(meta.get("date") or "")
    info.tags = [str(t)[:100] for t in (meta.get("tags") or [])[:10]]
    message = shaping.redact(str(meta.get("message") or "").strip())
    info.message, _ = shaping.cap_bytes(message, _MESSAGE_BYTES)
    return info


def _wanted(
    args: m.GetHistoryArgs, deployments: list[m.Deployment], status: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """(revision, role) to describe: the one asked for, else the newest deployed one and a failed (or
    running) sync's revision that never deployed."""
    by_revision = {d.revision: d for d in reversed(deployments)}
    if args.revision:
        deployed = by_revision.get(args.revision)
        return [(args.revision, f"deployed #{deployed.id}" if deployed else "asked for")]
    wanted = [(deployments[0].revision, f"deployed #{deployments[0].id}")] if deployments else []
    op = operation_of(status)
    failed_revision = op.revision if op and op.phase != "Succeeded" and "," not in op.revision else ""
    if failed_revision and (not deployments or failed_revision != deployments[0].revision):
        assert op is not None
        wanted.append((op.revision, f"last sync ({op.phase}), not deployed"))
    return wanted


def _revision_lines(info: m.RevisionInfo) -> list[str]:
    head = f"Revision {info.revision[:12]} ({info.role})"
    if info.error:
        return [f"{head}: Argo CD could not describe it: {info.error}"]
    who = ", ".join(p for p in (info.author, info.date) if p)
    tags = f" tags {', '.join(info.tags)}" if info.tags else ""
    message = info.message.splitlines() or [""]
    return [f"{head}: {who}{tags}: {message[0]}", *(f"  {line}" for line in message[1:] if line.strip())]


async def get_history(call: Call, args: m.GetHistoryArgs) -> tuple[BaseModel, str]:
    ns = scoped(call, args.application, args.app_namespace)
    app = await call.client.get_application(
        call.caller.token, args.application, app_namespace=ns, project=args.project
    )
    status = app.get("status") or {}
    entries = [h for h in status.get("history") or [] if isinstance(h, Mapping)]
    entries.sort(key=lambda h: int(h.get("id") or 0), reverse=True)
    deployments = [_deployment(h) for h in entries]
    spec = app.get("spec") or {}
    chart = _is_chart(spec.get("source") or (spec.get("sources") or [None])[0])
    wanted = _wanted(args, deployments, status)
    infos: list[m.RevisionInfo | None] = [None] * len(wanted)

    async def describe(i: int, revision: str, role: str) -> None:
        infos[i] = await _describe(call, args, ns, revision, role, chart)

    async with anyio.create_task_group() as group:
        for i, (revision, role) in enumerate(wanted):
            group.start_soon(describe, i, revision, role)
    revisions = [i for i in infos if i is not None]

    shown = deployments[:_MAX_DEPLOYMENTS]
    source = shown[0].source if shown else ""
    lines = [
        f"Deployment history of {args.application} (newest first, {len(deployments)} in all"
        + (f"; source {source}" if source else "")
        + "):"
    ]
    lines += [
        f"#{d.id} {d.deployed_at} {d.revision[:12]} "
        + ("(auto-sync)" if d.initiated_by == "automated" else f"by {d.initiated_by or 'unknown'}")
        + (f" from {d.source}" if d.source != source else "")
        for d in shown
    ]
    if not deployments:
        lines.append("No deployments recorded yet.")
    if len(deployments) > len(shown):
        lines.append(f"[{len(deployments) - len(shown)} older deployments not shown]")
    for info in revisions:
        lines += _revision_lines(info)
    text, cut = shaping.cap_bytes("\n".join(lines), call.settings.mcp_max_result_bytes)
    result = m.History(
        application=args.application,
        deployments=shown,
        revisions=revisions,
        truncated=cut or len(deployments) > len(shown),
    )
    return result, text
