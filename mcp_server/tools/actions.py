"""The action tools: sync, refresh, rollback, resource actions (restart, …), and the list of a resource's
actions. Off unless the server is started with them (`MCP_READ_ONLY=false`); in the relay every call waits
for the person's approval first (relay/approvals.py).

Each runs with the caller's own identity, never a service credential: in the scoped service mode they are
refused. Argo CD's RBAC decides (`applications, sync`, `applications, action/<group>/<kind>/<action>`) and
its refusal is passed on in its own words. A sync or rollback then waits a little for the operation to end
(`MCP_ACTION_WAIT_SECONDS`), so the answer says how it went, not only that it started.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Mapping
from typing import Any

import anyio
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

from mcp_server import models as m
from mcp_server import models_actions as a
from mcp_server.action_words import describe_action
from mcp_server.app_status import format_operation, operation_of, sync_health_line
from mcp_server.argocd_errors import ArgoCDError, PermissionDeniedOrNotFound
from mcp_server.argocd_writes import ArgoCDWrites
from mcp_server.shaping import redact
from mcp_server.tools.base import Call, scoped
from mcp_server.tools.errors import permission_denied
from mcp_server.tools.lookup import Lookup, with_node

__all__ = ["list_resource_actions", "refresh_application", "rollback_application", "run_resource_action",
           "sync_application"]  # fmt: skip

_POLL_SECONDS = 0.5


def _writer(call: Call) -> ArgoCDWrites:
    if call.caller.scope is not None:
        raise ToolError(
            "Refused: actions run only with your own Argo CD identity, and this session uses the assistant's "
            "service credential (scoped mode). Sign in to the Assistant with your own session to act."
        )
    if not isinstance(call.client, ArgoCDWrites):
        raise ToolError("Refused: this server cannot carry out actions.")
    return call.client


_GRANT = re.compile(r"permission denied: applications, (?P<grant>[\w/.-]+),")


async def _refused(call: Call, exc: ArgoCDError, what: str, args: m.AppArgs, grant: str) -> ToolError | None:
    """Argo CD's refusal of an action, in its own words and with the RBAC line that grants it. Argo CD names
    the permission only for a sync; otherwise a 403 of an application the caller can read means the same."""
    if not isinstance(exc, PermissionDeniedOrNotFound):
        return None
    detail = exc.message.split(": ", 1)[1] if exc.message.startswith("Argo CD answered") else exc.message
    named = _GRANT.search(detail)
    if named is None:
        try:
            await call.client.get_application(
                call.caller.token, args.application, app_namespace=args.app_namespace, project=args.project
            )
        except ArgoCDError:
            return permission_denied(args.application, args.project)
    needed = named["grant"] if named else grant
    return ToolError(
        f"Argo CD refused to {what}: {detail}. Your Argo CD role lacks `applications, {needed}` on this "
        "application; an Argo CD admin grants it in argocd-rbac-cm."
    )


async def _act[T](call: Call, what: str, args: m.AppArgs, act: Awaitable[T], grant: str = "sync") -> T:
    try:
        return await act
    except ArgoCDError as exc:
        refusal = await _refused(call, exc, what, args, grant)
        if refusal is not None:
            raise refusal from None
        raise


async def _until_done(
    call: Call, args: a.SyncApplicationArgs | a.RollbackApplicationArgs, ns: str | None
) -> dict[str, Any]:
    """The Application once its operation ended, or as it is when the wait runs out."""
    deadline = time.monotonic() + call.settings.mcp_action_wait_seconds
    app: dict[str, Any] = {}
    while True:
        app = await call.client.get_application(
            call.caller.token, args.application, app_namespace=ns, project=args.project
        )
        state = (app.get("status") or {}).get("operationState") or {}
        if not app.get("operation") and state.get("phase") not in (None, "Running", "Terminating"):
            return app
        if time.monotonic() + _POLL_SECONDS > deadline:
            return app
        await anyio.sleep(_POLL_SECONDS)


def _outcome(args: m.AppArgs, what: str, app: Mapping[str, Any]) -> tuple[BaseModel, str]:
    status = app.get("status") or {}
    operation = operation_of(status)
    done = not app.get("operation") and operation is not None and operation.phase not in ("Running", "")
    lines = [f"{what}: {'done' if done else 'started, still running'}."]
    if operation is not None:
        lines += format_operation(operation)
    if getattr(args, "dry_run", False) and done:
        lines += _preview(status)
    lines.append(sync_health_line(status))
    if not done:
        lines.append("get_application shows how it ends.")
    result = a.ActionOutcome(application=args.application, action=what, done=done, operation=operation)
    return result, "\n".join(lines)


_MAX_PREVIEW = 30


def _preview(status: Mapping[str, Any]) -> list[str]:
    """A dry run's result: what a real sync would do to each resource, as Argo CD reported it."""
    results = ((status.get("operationState") or {}).get("syncResult") or {}).get("resources") or []
    lines = [
        f"  {r.get('kind')} {r.get('namespace') or '-'}/{r.get('name')}: "
        + redact(str(r.get("message") or ""))[:200]
        for r in results[:_MAX_PREVIEW]
        if isinstance(r, Mapping)
    ]
    more = f" ({len(results) - _MAX_PREVIEW} more not shown)" if len(results) > _MAX_PREVIEW else ""
    return [f"What a sync would do (dry run, nothing applied){more}:", *lines] if lines else []


async def sync_application(call: Call, args: a.SyncApplicationArgs) -> tuple[BaseModel, str]:
    writer = _writer(call)
    ns = scoped(call, args.application, args.app_namespace)
    what = describe_action("sync_application", args.model_dump())
    resources = [r.model_dump(exclude_none=True) for r in args.resources or []]
    await _act(
        call,
        f"sync application {args.application}",
        args,
        writer.sync(
            call.caller.token,
            args.application,
            app_namespace=ns,
            project=args.project,
            revision=args.revision,
            prune=args.prune,
            dry_run=args.dry_run,
            resources=[{**r, "group": r.get("group", "")} for r in resources] or None,
        ),
    )
    return _outcome(args, what, await _until_done(call, args, ns))


async def rollback_application(call: Call, args: a.RollbackApplicationArgs) -> tuple[BaseModel, str]:
    writer = _writer(call)
    ns = scoped(call, args.application, args.app_namespace)
    what = describe_action("rollback_application", args.model_dump())
    await _act(
        call,
        f"roll back application {args.application}",
        args,
        writer.rollback(
            call.caller.token,
            args.application,
            history_id=args.history_id,
            app_namespace=ns,
            project=args.project,
            prune=args.prune,
            dry_run=args.dry_run,
        ),
    )
    return _outcome(args, what, await _until_done(call, args, ns))


async def refresh_application(call: Call, args: a.RefreshApplicationArgs) -> tuple[BaseModel, str]:
    writer = _writer(call)
    ns = scoped(call, args.application, args.app_namespace)
    what = describe_action("refresh_application", args.model_dump())
    app: dict[str, Any] = await _act(
        call,
        f"refresh application {args.application}",
        args,
        writer.refresh(
            call.caller.token, args.application, hard=args.hard, app_namespace=ns, project=args.project
        ),
    )
    status = app.get("status") or {}
    result = a.ActionOutcome(application=args.application, action=what, done=True, operation=None)
    return result, f"{what}: done.\n{sync_health_line(status)}"


async def _resource(
    call: Call, args: a.ListResourceActionsArgs | a.RunResourceActionArgs, ns: str | None
) -> dict[str, str | None]:
    lookup = Lookup(args.application, ns, args.project, args.kind, args.name, args.namespace, args.group)

    async def node_of(node: Mapping[str, Any]) -> dict[str, str | None]:
        return {
            k: (str(node[k]) if node.get(k) else None)
            for k in ("group", "version", "kind", "namespace", "name")
        }

    _, resource = await with_node(call, lookup, node_of)
    return resource


def _target(resource: Mapping[str, str | None]) -> str:
    return f"{resource.get('kind')} {resource.get('namespace') or '-'}/{resource.get('name')}"


async def list_resource_actions(call: Call, args: a.ListResourceActionsArgs) -> tuple[BaseModel, str]:
    writer = _writer(call)
    ns = scoped(call, args.application, args.app_namespace)
    resource = await _resource(call, args, ns)
    actions = await writer.resource_actions(
        call.caller.token, args.application, resource, app_namespace=ns, project=args.project
    )
    rows = [a.ResourceAction(name=str(x.get("name", "")), disabled=bool(x.get("disabled"))) for x in actions]
    target = _target(resource)
    result = a.ResourceActions(application=args.application, target=target, actions=rows)
    if not rows:
        return result, f"{target} ({args.application}) has no Argo CD resource actions."
    names = ", ".join(r.name + (" (disabled now)" if r.disabled else "") for r in rows)
    return result, f"Actions on {target} ({args.application}): {names}. run_resource_action runs one."


async def run_resource_action(call: Call, args: a.RunResourceActionArgs) -> tuple[BaseModel, str]:
    writer = _writer(call)
    ns = scoped(call, args.application, args.app_namespace)
    resource = await _resource(call, args, ns)
    what = describe_action(
        "run_resource_action", {**args.model_dump(), "namespace": resource.get("namespace")}
    )
    await _act(
        call,
        f"run '{args.action}' on {_target(resource)}",
        args,
        writer.run_resource_action(
            call.caller.token, args.application, resource, args.action, app_namespace=ns, project=args.project
        ),
        grant=f"action/{resource.get('group') or ''}/{resource.get('kind')}/{args.action}",
    )
    result = a.ActionOutcome(application=args.application, action=what, done=True, operation=None)
    return result, f"{what}: done (Argo CD accepted it). get_events on the resource shows what followed."
