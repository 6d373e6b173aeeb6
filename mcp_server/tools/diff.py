"""get_diff: what a sync would change, resource by resource, from Argo CD's own comparison."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson
from pydantic import BaseModel

from mcp_server import models as m
from mcp_server import shaping
from mcp_server.diff import ABSENT, CUT_MARK, MASKED, FieldChange, changes, clean_state, render_value
from mcp_server.field_owners import Writer, writer_of
from mcp_server.tools.base import Call, scoped

_MAX_FIELDS = 40  # per resource
_MAX_VALUE_BYTES = 600  # per rendered value
_MAX_RESOURCES = 300


def _raw_state(item: Mapping[str, Any], key: str) -> Any:
    """One of the item's states as sent; Argo CD sends each as a JSON string ("null" when there is none)."""
    raw = item.get(key)
    if isinstance(raw, str):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
    return raw


def _state(item: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    return clean_state(_raw_state(item, key))


def _with_managers(item: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The live object whose managedFields say who wrote what: `liveState` (normalization may drop them)."""
    for key in ("liveState", "normalizedLiveState"):
        obj = _raw_state(item, key)
        if not isinstance(obj, Mapping):
            continue
        meta = obj.get("metadata")
        if isinstance(meta, Mapping) and meta.get("managedFields"):
            return obj
    return None


def _ref(diff: m.ResourceDiff) -> str:
    kind = f"{diff.group}/{diff.kind}" if diff.group else diff.kind
    return f"{kind} {diff.namespace or '-'}/{diff.name}"


def _is_secret_data(item: Mapping[str, Any], change: FieldChange) -> bool:
    return (
        not item.get("group")
        and item.get("kind") == "Secret"
        and change.path.split(".")[0]
        in (
            "data",
            "stringData",
        )
    )


def _row(item: Mapping[str, Any], change: FieldChange, writer: Writer | None) -> m.FieldChangeRow:
    def show(value: Any) -> str | None:
        if value is ABSENT:
            return None
        if _is_secret_data(item, change):
            return MASKED  # Argo CD masks them already; never rely on it
        return render_value(value, _MAX_VALUE_BYTES)

    return m.FieldChangeRow(
        path=change.path,
        live=show(change.live),
        desired=show(change.desired),
        changed_by=writer.label if writer else None,
    )


class _Shown(NamedTuple):
    change: FieldChange
    writer: Writer | None  # who changed it live, when not Argo CD


def _resource_diff(item: Mapping[str, Any]) -> tuple[m.ResourceDiff, list[_Shown]] | None:
    """The item's differences (and the changes shown), or None when Argo CD found it equal to Git."""
    live, target = _state(item, "normalizedLiveState"), _state(item, "targetState")
    base = {
        "kind": str(item.get("kind", "")),
        "group": str(item.get("group") or ""),
        "namespace": str(item.get("namespace") or ""),
        "name": str(item.get("name", "")),
    }
    if target is None and live is not None:
        return m.ResourceDiff(**base, change="prune", fields=[], total_fields=0), []
    if live is None and target is not None:
        return m.ResourceDiff(**base, change="create", fields=[], total_fields=0), []
    if not item.get("modified") or live is None or target is None:
        return None
    predicted = _state(item, "predictedLiveState")
    found = changes(live, predicted, subset=False) if predicted else changes(live, target, subset=True)
    managed = _with_managers(item)
    shown: list[_Shown] = []
    total = 0
    for change in found:
        total += 1
        if len(shown) < _MAX_FIELDS:
            shown.append(_Shown(change, writer_of(managed, change.trail)))
    rows = [_row(item, s.change, s.writer) for s in shown]
    return m.ResourceDiff(**base, change="modified", fields=rows, total_fields=total), shown


def _field_lines(row: m.FieldChangeRow, change: FieldChange, header: str | None) -> list[str]:
    lines = [header] if header else []
    if row.live is not None:
        lines.append(f"-{change.key}: {row.live}")
    if row.desired is not None:
        lines.append(f"+{change.key}: {row.desired}")
    return lines


def _size(lines: list[str]) -> int:
    return sum(len(line.encode()) + 1 for line in lines)


def _describe(diff: m.ResourceDiff, shown: list[_Shown], budget: int) -> tuple[list[str], bool]:
    """The resource in at most `budget` bytes: what differs, then its changes as unified-diff hunks, one per
    parent path; (lines, whether something was left out). Who changed the fields live is said once: on the
    resource's line when one manager changed all of them, else on each hunk's. Fields that do not fit are
    dropped from `diff` too, so its structured rows and the text show the same."""
    ref = _ref(diff)
    if diff.change == "create":
        return [f"{ref}: in Git but missing live; a sync creates it"], False
    if diff.change == "prune":
        return [f"{ref}: live but no longer in Git (requires pruning); a sync with prune deletes it"], False
    if not diff.total_fields:
        return [
            f"{ref}: Argo CD reports a difference only in fields this view leaves out (metadata, status)"
        ], False
    secret = " (Secret values masked)" if not diff.group and diff.kind == "Secret" else ""
    noun = "field differs" if diff.total_fields == 1 else "fields differ"
    notes = {s.writer.note if s.writer else "" for s in shown}
    one = notes.pop() if len(notes) == 1 and diff.total_fields == len(shown) else ""
    lines = [f"{ref}: {diff.total_fields} {noun}{secret}" + (f"; {one}" if one else "")]
    used, hunk, kept = _size(lines), "", 0
    for row, (change, writer) in zip(diff.fields, shown, strict=True):
        # a new hunk for another parent, or another writer to name
        note = f" {writer.note}" if writer and not one else ""
        header = f"@@ {change.parent or '(top level)'} @@{note}"
        more = _field_lines(row, change, header if header != hunk else None)
        if used + _size(more) > budget:
            break
        lines += more
        used += _size(more)
        hunk, kept = header, kept + 1
    diff.fields = diff.fields[:kept]
    if diff.total_fields > kept:
        lines.append(f"[{diff.total_fields - kept} more changed fields not shown; filter by kind and name]")
    cut = any(CUT_MARK in (r.live or "") or CUT_MARK in (r.desired or "") for r in diff.fields)
    return lines, cut or diff.total_fields > kept


async def get_diff(call: Call, args: m.GetDiffArgs) -> tuple[BaseModel, str]:
    ns = scoped(call, args.application, args.app_namespace)
    items = await call.client.managed_resources(
        call.caller.token,
        args.application,
        kind=args.kind,
        resource_name=args.name,
        namespace=args.namespace,
        group=args.group,
        app_namespace=ns,
        project=args.project,
    )
    items = [i for i in items if isinstance(i, Mapping) and not i.get("hook")]
    found = [d for d in (_resource_diff(i) for i in items) if d is not None]
    diffs = [d for d, _ in found]
    in_sync = len(items) - len(diffs)
    what = " ".join(p for p in (args.kind, args.name) if p) or "managed resources"
    if not items:
        header = f"{args.application}: no {what} matched (get_resource_tree lists what the application has)."
    elif not diffs:
        header = f"{args.application}: {len(items)} {what} matched, all equal to Git (Synced)."
    else:
        header = (
            f"{args.application}: {len(diffs)} of {len(items)} {what} differ from Git "
            "(- live, + desired: what a sync would set)."
        )
    lines = [header]
    budget = call.settings.mcp_max_result_bytes - 300  # room for the notes
    shown_diffs: list[m.ResourceDiff] = []
    truncated = False
    for diff, shown in found[:_MAX_RESOURCES]:
        more, cut = _describe(diff, shown, budget - _size(lines))
        if _size(more) > budget - _size(lines):
            break
        lines += more
        shown_diffs.append(diff)
        truncated |= cut
    if len(shown_diffs) < len(diffs):
        rest = [_ref(d) for d in diffs[len(shown_diffs) :]]
        names = ", ".join(rest[:20]) + (", …" if len(rest) > 20 else "")
        lines.append(f"[{len(rest)} more differing resources not shown: {names}; filter by kind or name]")
        truncated = True
    text, cut = shaping.cap_bytes("\n".join(lines), call.settings.mcp_max_result_bytes)
    result = m.Diff(
        application=args.application, resources=shown_diffs, in_sync=in_sync, truncated=truncated or cut
    )
    return result, text
