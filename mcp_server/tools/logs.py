"""get_logs: a bounded, redacted tail of one pod's or one workload's logs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Mapping
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

from mcp_server import models as m
from mcp_server import shaping
from mcp_server.argocd_client import ArgoCDError, BadRequest, LogTail, PermissionDeniedOrNotFound
from mcp_server.tools.base import Call, scoped
from mcp_server.tools.errors import permission_denied
from mcp_server.tools.lookup import Lookup, with_node


async def get_logs(call: Call, args: m.GetLogsArgs) -> tuple[BaseModel, str]:
    ns = scoped(call, args.application, args.app_namespace)
    if call.caller.scope is not None:
        raise ToolError(
            "Refused: logs are not read in the scoped service mode, because Argo CD checked only that "
            "the user may view this application, not its logs. Attach logs in the Assistant tab (they "
            "are fetched with the user's own permissions) or use get_events and get_manifest."
        )
    settings = call.settings
    tail = args.tail_lines or settings.mcp_default_log_lines
    if tail > settings.mcp_max_log_lines:
        raise ToolError(f"tail_lines may be at most {settings.mcp_max_log_lines} on this server.")
    query: dict[str, Any] = {
        "container": args.container,
        "tail_lines": tail,
        "since_seconds": args.since_seconds,
        "previous": args.previous,
        "filter": args.filter,
        "app_namespace": ns,
        "project": args.project,
    }
    if args.pod:
        lookup = Lookup(args.application, ns, args.project, "Pod", args.pod, args.namespace)
        target = f"Pod/{args.pod}"
    else:
        assert args.kind is not None
        assert args.name is not None
        lookup = Lookup(args.application, ns, args.project, args.kind, args.name, args.namespace)
        target = f"{args.kind}/{args.name}"

    def fetch(node: Mapping[str, Any]) -> Awaitable[LogTail]:
        nonlocal target
        if args.pod:
            where = {"pod_name": args.pod, "namespace": node.get("namespace") or None}
        else:
            where = {
                "kind": node.get("kind"),
                "group": node.get("group") or "",
                "resource_name": args.name,
                "namespace": node.get("namespace") or None,
            }
            target = f"{node.get('kind')}/{args.name}"
        return call.client.logs(
            call.caller.token,
            args.application,
            max_lines=tail * 10 if not args.pod else tail,
            max_bytes=settings.mcp_max_log_read_bytes,
            deadline_seconds=settings.argocd_logs_timeout,
            **query,
            **where,
        )

    try:
        _, log = await with_node(call, lookup, fetch)
    except BadRequest as exc:
        if "max pods" in exc.message:
            raise ToolError(
                f"Too many pods match {target} (Argo CD shows logs of at most 10 at once): pass "
                "pod=<one pod name> (see get_resource_tree kind=Pod) or a narrower workload."
            ) from None
        raise
    except PermissionDeniedOrNotFound:
        # The application is readable when get works: then it is the logs permission that is missing.
        try:
            await call.client.get_application(
                call.caller.token, args.application, app_namespace=ns, project=args.project
            )
        except ArgoCDError:
            raise permission_denied(args.application, args.project) from None
        raise ToolError(
            f"Permission denied: you may read application '{args.application}' but not its logs "
            "(Argo CD RBAC 'logs, get'). Use get_events and get_manifest instead."
        ) from None
    lines_per_pod = Counter(line.pod for line in log.lines)
    pods = sorted(pod for pod in lines_per_pod if pod)
    text, cut = shaping.shape_log_lines(
        ((ln.pod, ln.content) for ln in log.lines),
        settings.mcp_max_result_bytes - 400,
        show_pod=len(pods) > 1,
    )
    lines = text.split("\n") if text else []
    header = (
        f"Logs of {target} ({args.application}), container {args.container or 'default'}, last {tail} "
        f"lines{' of the previous instance' if args.previous else ''}. {m.UNTRUSTED_LOGS}"
    )
    notes = []
    # Argo CD sends at most `tail` lines per pod: a pod with that many may have earlier ones
    tail_reached = max(lines_per_pod.values(), default=0) >= tail
    if log.stopped:
        notes.append(f"[truncated: stopped reading, {log.stopped}]")
    elif tail_reached:
        notes.append(
            f"[truncated: only the last {tail} lines per pod were asked for; earlier lines may exist "
            f"(tail_lines up to {settings.mcp_max_log_lines}, or since_seconds)]"
        )
    if not log.lines:
        notes.append("(no log lines)")
    result = m.Logs(
        application=args.application,
        target=target,
        container=args.container or "",
        pods=pods,
        line_count=len(lines),
        truncated=cut or log.truncated or tail_reached,
    )
    return result, "\n".join([header, *notes, text] if text else [header, *notes])
