"""An Application's conditions and last sync operation as a person reads them: why it is OutOfSync or
failing, without another call. Shared by get_application and the relay's context of an Application."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp_server import models as m
from mcp_server.shaping import redact

__all__ = ["conditions_of", "format_operation", "initiator", "operation_of", "sync_health_line"]

_MAX_CONDITIONS = 10
_MAX_FAILED = 10
_MESSAGE_CHARS = 500
# A result worth naming: a resource that did not apply, or a hook that did not succeed.
# PruneSkipped: a resource that requires pruning, left alone because the sync did not prune (not a failure)
_GOOD_STATUS = ("Synced", "Pruned", "PruneSkipped", "")
_GOOD_HOOK_PHASE = ("Succeeded", "")


def _tidy(text: str) -> str:
    """A message without its blank lines and trailing spaces (Kyverno's denial is blank-line separated), so a
    multi-line message reads as a few lines."""
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def _operation_message(status: Mapping[str, Any]) -> str:
    state = status.get("operationState")
    return str(state.get("message") or "") if isinstance(state, Mapping) else ""


def conditions_of(status: Mapping[str, Any]) -> list[str]:
    """`Type: message` per condition, errors and warnings as Argo CD wrote them, redacted. A SyncError
    repeats the last sync's message, which the operation's lines show: it is referred to, not repeated."""
    repeated = _operation_message(status)
    out = []
    for c in (status.get("conditions") or [])[:_MAX_CONDITIONS]:
        if not isinstance(c, Mapping):
            continue
        message = str(c.get("message", ""))
        if repeated and message.endswith(repeated) and len(message) > len(repeated):
            message = message[: -len(repeated)] + "(the last sync's message, below)"
        out.append(_tidy(redact(f"{c.get('type', '')}: {message}"))[:_MESSAGE_CHARS])
    return out


def sync_health_line(status: Mapping[str, Any]) -> str:
    """`Sync: <status> at <revision> | Health: <status> (<message>)`, as Argo CD reports them."""
    sync, health = status.get("sync") or {}, status.get("health") or {}
    message = redact(str(health.get("message") or ""))[:_MESSAGE_CHARS]
    return (
        f"Sync: {sync.get('status') or 'Unknown'}"
        + (f" at {str(sync['revision'])[:12]}" if sync.get("revision") else "")
        + f" | Health: {health.get('status') or 'Unknown'}"
        + (f" ({message})" if message else "")
    )


def initiator(initiated_by: Any) -> str:
    """Who started an operation or a deployment: the user's name, or `automated` for auto-sync."""
    if not isinstance(initiated_by, Mapping):
        return ""
    if initiated_by.get("automated"):
        return "automated"
    return str(initiated_by.get("username") or "")


def _failed(result: Mapping[str, Any]) -> bool:
    """A resource that did not apply, or a hook that has not succeeded (failed, or still running)."""
    if (result.get("status") or "") not in _GOOD_STATUS:
        return True
    return bool(result.get("hookType")) and (result.get("hookPhase") or "") not in _GOOD_HOOK_PHASE


def operation_of(status: Mapping[str, Any]) -> m.Operation | None:
    """The last (or current) sync operation, with the resources and hooks that failed."""
    state = status.get("operationState")
    if not isinstance(state, Mapping):
        return None
    operation = state.get("operation") or {}
    sync_op = operation.get("sync") or {}
    sync_result = state.get("syncResult") or {}
    revision = sync_op.get("revision") or sync_result.get("revision") or ""
    revisions = sync_op.get("revisions") or sync_result.get("revisions") or []
    if not revision and isinstance(revisions, list):  # a multi-source application
        revision = ",".join(str(r) for r in revisions)
    phase = str(state.get("phase", ""))
    results = [r for r in sync_result.get("resources") or [] if isinstance(r, Mapping)]
    failed_results = [r for r in results if _failed(r)][:_MAX_FAILED]
    messages = [_tidy(redact(str(r.get("message") or ""))) for r in failed_results]
    # Argo CD repeats a failed resource's message in the operation's: said once, found on the whole texts
    # (cut first, a long message no longer matches)
    message = _tidy(redact(str(state.get("message", ""))))
    for r, text in zip(failed_results, messages, strict=True):
        if len(text) > 40 and text in message:
            message = message.replace(text, f"(see {r.get('kind', '')} {r.get('name', '')} below)")
    failed = [
        m.SyncResult(
            kind=str(r.get("kind", "")),
            namespace=str(r.get("namespace") or ""),
            name=str(r.get("name", "")),
            status=str(r.get("status") or ""),
            message=text[:_MESSAGE_CHARS],
            hook_type=str(r.get("hookType") or ""),
            hook_phase=str(r.get("hookPhase") or ""),
            sync_phase=str(r.get("syncPhase") or ""),
        )
        for r, text in zip(failed_results, messages, strict=True)
    ]
    return m.Operation(
        phase=phase,
        message=message[:_MESSAGE_CHARS],
        started_at=str(state.get("startedAt", "")),
        finished_at=str(state.get("finishedAt") or ""),
        revision=str(revision),
        initiated_by=initiator(operation.get("initiatedBy")),
        retry_count=int(state.get("retryCount") or 0),
        retry_limit=int((operation.get("retry") or {}).get("limit") or 0),
        failed=failed,
        results=len(results),
    )


def _result_line(r: m.SyncResult) -> str:
    what = f"{r.kind} {r.namespace or '-'}/{r.name}"
    if r.hook_type:
        state = f"{r.hook_type} hook {what}: {r.hook_phase or r.status}"
    else:
        state = f"{what}: {r.status}" + (f" in {r.sync_phase}" if r.sync_phase else "")
    return f"  {state}" + (f": {r.message}" if r.message else "")


def format_operation(op: m.Operation) -> list[str]:
    """The operation in a few lines: the outcome, then each failed resource or hook with its message."""
    when = f"{op.started_at}..{op.finished_at}" if op.finished_at else f"started {op.started_at}"
    by = f" by {op.initiated_by}" if op.initiated_by else ""
    retry = f", retried {op.retry_count} of {op.retry_limit}" if op.retry_limit else ""
    lines = [f"Last sync: {op.phase} {when} rev {op.revision[:12]}{by}{retry}: {op.message}"]
    if op.failed:
        lines.append(f"Failed or unfinished ({len(op.failed)} of {op.results} results):")
        lines += [_result_line(r) for r in op.failed]
    return lines
