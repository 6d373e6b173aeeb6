"""get_diff: what a sync would change, resource by resource, from Argo CD's own comparison."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import BaseModel

from mcp_server import models as m
from mcp_server import shaping
from mcp_server.diff import ABSENT, MASKED, FieldChange, changes, clean_state, render_value
from mcp_server.tools.base import Call, scoped

_MAX_FIELDS = 40  # per resource
_MAX_VALUE_BYTES = 600  # per rendered value
_MAX_RESOURCES = 100


def _state(item: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """One of the item's states; Argo CD sends each as a JSON string ("null" when there is none)."""
    raw = item.get(key)
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
    return clean_state(raw)


def _ref(item: Mapping[str, Any]) -> str:
    group = str(item.get("group") or "")
    kind = f"{group}/{item.get('kind', '')}" if group else str(item.get("kind", ""))
    return f"{kind} {item.get('namespace') or '-'}/{item.get('name', '')}"


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


def _row(item: Mapping[str, Any], change: FieldChange) -> m.FieldChangeRow:
    def show(value: Any) -> str | None:
        if value is ABSENT:
            return None
        if _is_secret_data(item, change):
            return MASKED  # Argo CD masks them already; never rely on it
        return render_value(value, _MAX_VALUE_BYTES)

    return m.FieldChangeRow(path=change.path, live=show(change.live), desired=show(change.desired))


def _resource_diff(item: Mapping[str, Any]) -> tuple[m.ResourceDiff, list[FieldChange]] | None:
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
    shown: list[FieldChange] = []
    total = 0
    for change in found:
        total += 1
        if len(shown) < _MAX_FIELDS:
            shown.append(change)
    rows = [_row(item, c) for c in shown]
    return m.ResourceDiff(**base, change="modified", fields=rows, total_fields=total), shown


def _hunks(diff: m.ResourceDiff, shown: list[FieldChange]) -> list[str]:
    """The resource's changes as unified-diff hunks, one per parent path."""
    lines: list[str] = []
    parent = None
    for row, change in zip(diff.fields, shown, strict=True):
        if change.parent != parent:
            lines.append(f"@@ {change.parent or '(top level)'} @@")
            parent = change.parent
        if row.live is not None:
            lines.append(f"-{change.key}: {row.live}")
        if row.desired is not None:
            lines.append(f"+{change.key}: {row.desired}")
    if diff.total_fields > len(diff.fields):
        lines.append(f"[{diff.total_fields - len(diff.fields)} more changed fields not shown]")
    return lines


def _describe(diff: m.ResourceDiff, shown: list[FieldChange]) -> list[str]:
    ref = _ref(diff.model_dump())
    if diff.change == "create":
        return [f"{ref}: in Git but missing live; a sync creates it"]
    if diff.change == "prune":
        return [f"{ref}: live but no longer in Git (requires pruning); a sync with prune deletes it"]
    if not diff.total_fields:
        return [f"{ref}: Argo CD reports a difference only in fields this view leaves out (metadata, status)"]
    secret = " (Secret values masked)" if not diff.group and diff.kind == "Secret" else ""
    noun = "field differs" if diff.total_fields == 1 else "fields differ"
    return [f"{ref}: {diff.total_fields} {noun}{secret}", *_hunks(diff, shown)]


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
    for diff, shown in found[:_MAX_RESOURCES]:
        lines += _describe(diff, shown)
    text, cut = shaping.cap_bytes("\n".join(lines), call.settings.mcp_max_result_bytes)
    result = m.Diff(
        application=args.application,
        resources=diffs[:_MAX_RESOURCES],
        in_sync=in_sync,
        truncated=cut or len(diffs) > _MAX_RESOURCES or any(d.total_fields > len(d.fields) for d in diffs),
    )
    return result, text
