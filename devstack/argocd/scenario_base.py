"""What every scenario builder shares: BuildError, how long the API server keeps events, placeholders
(`{{pod}}`, `{{time}}`, `{{ago:40m}}`), RFC 7386 merge patches, the age and readiness of a built object,
and the events a scenario writes out itself.

It depends on no other scenario module, so the builders of the Application, objects, workloads, jobs,
pods and containers can all use it without importing each other.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any

from devstack.argocd import scenario_schema as schema
from devstack.argocd.kube import JSON, NOW, ago, rfc3339
from devstack.argocd.world_kube import event

EVENT_TTL = 3600.0  # the API server keeps events an hour: older one-off events are gone


class BuildError(ValueError):
    """The scenario cannot be built as written (the message says where and why)."""


# --- placeholders ----------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{(\w+)(?::([^}]*))?\}\}")
_AGO = re.compile(r"\{\{ago:([^}]+)\}\}")


def fill(text: str, values: dict[str, str], moment: datetime | None = None) -> str:
    """Replaces `{{pod}}`, `{{podIP}}`, `{{node}}`, `{{namespace}}`, `{{startEpoch}}` (when the pod was
    created) and, in log lines, `{{time}}` (RFC 3339 with milliseconds), `{{time:<strftime format>}}`,
    `{{epoch}}`, `{{epoch_ms}}` (the line's own time)."""

    def one(match: re.Match[str]) -> str:
        key, fmt = match.group(1), match.group(2)
        if key in values and fmt is None:
            return values[key]
        if moment is not None and key == "time":
            if fmt:
                return moment.astimezone(UTC).strftime(fmt)
            return (
                moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
            )
        if moment is not None and key in ("epoch", "epoch_ms"):
            return str(int(moment.timestamp() * (1000 if key == "epoch_ms" else 1)))
        raise BuildError(f"unknown placeholder {match.group(0)} in {text!r}")

    return _PLACEHOLDER.sub(one, text)


def with_times(value: Any) -> Any:
    """`{{ago:40m}}` in the strings of a written-out spec or status -> that moment (RFC 3339)."""
    if isinstance(value, str):

        def moment(match: re.Match[str]) -> str:
            try:
                seconds = schema.seconds(match.group(1))
            except ValueError as exc:
                raise BuildError(str(exc)) from None
            return rfc3339(ago(seconds))

        return _AGO.sub(moment, value)
    if isinstance(value, dict):
        return {k: with_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_times(v) for v in value]
    return value


# --- merge patches ---------------------------------------------------------------------------------------


def _named(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and "name" in i for i in items)


def merge_patch(target: Any, patch: Any, *, by_name: bool = False) -> Any:
    """RFC 7386 JSON merge patch: objects merge, `null` deletes, anything else replaces. With `by_name`,
    lists of named items (containers, env, volumes, ports) merge item by item as a strategic merge does."""
    if by_name and _named(patch) and _named(target):
        out_list = [copy.deepcopy(i) for i in target]
        for item in patch:
            match = next((i for i, t in enumerate(out_list) if t["name"] == item["name"]), None)
            if match is None:
                out_list.append(merge_patch({}, item, by_name=True))
            else:
                out_list[match] = merge_patch(out_list[match], item, by_name=True)
        return out_list
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value, by_name=by_name)
    return out


# --- built objects ---------------------------------------------------------------------------------------


def parse_time(stamp: str) -> datetime:
    """An RFC 3339 timestamp as the builders write them (whole seconds, UTC)."""
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def age_of(obj: JSON) -> float:
    """Seconds since `obj` was created."""
    return float((NOW - parse_time(obj["metadata"]["creationTimestamp"])).total_seconds())


def is_ready(pod: JSON) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))


def authored_event(
    involved: JSON, ev: schema.Event, host: str = "worker-2", values: dict[str, str] | None = None
) -> JSON:
    """An event the scenario wrote out, about `involved` (pod placeholders filled in for a pod's)."""
    first = ev.first if ev.first is not None else ev.last + (ev.count - 1) * 30
    return event(
        involved,
        ev.reason,
        fill(ev.message, values or {}),
        type_=ev.type,
        count=ev.count,
        first_ago=max(first, ev.last),
        last_ago=ev.last,
        component=ev.source,
        host=host,
        seed=ev.message,
    )
