"""Output shaping: what a model reads. Pure functions shared by the MCP tools and the relay's context.

Everything here is bounded: each function that can produce text takes a byte cap and says so in the text
(an explicit truncation note) when it cut something.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from mcp_server.k8s_defaults import drop_defaults
from mcp_server.redaction import redact
from mcp_server.stack_frames import fold_library_frames

__all__ = [
    "MASK",
    "EventSummary",
    "cap_bytes",
    "clean_manifest",
    "format_event",
    "manifest_to_yaml",
    "redact",
    "redact_log_lines",
    "shape_events",
    "shape_log_lines",
    "summarize_events",
    "truncation_note",
]

MASK = "********"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# Metadata that changes on every write and tells a reader nothing about why something is broken.
_NOISY_METADATA = ("managedFields", "resourceVersion", "uid", "generation", "selfLink")
_NOISY_ANNOTATIONS = (LAST_APPLIED, "deployment.kubernetes.io/revision-history")
# Per-container status fields that are ids, not state.
_NOISY_CONTAINER_STATUS = ("containerID", "imageID")


def truncation_note(shown: int, total: int, unit: str = "bytes", *, at_least: bool = False) -> str:
    of = f"at least {total}" if at_least else str(total)
    return f"[truncated: showing {shown} of {of} {unit}; ask for less (a narrower filter) to see the rest]"


def cap_bytes(text: str, max_bytes: int, *, total_at_least: int | None = None) -> tuple[str, bool]:
    """Cuts `text` to at most `max_bytes` UTF-8 bytes, note included; returns (text, truncated).

    `total_at_least`: `text` is itself a head of something larger, at least this many bytes (for the note).
    """
    data = text.encode()
    if len(data) <= max_bytes:
        return text, False
    total = max(len(data), total_at_least or 0)
    at_least = total_at_least is not None
    note = "\n" + truncation_note(0, total, at_least=at_least)
    room = max(0, max_bytes - len(note.encode()) - 8)
    head = data[:room].decode("utf-8", "ignore")
    note = "\n" + truncation_note(len(head.encode()), total, at_least=at_least)
    return head + note, True


# -- manifests ----------------------------------------------------------------------------------------


def _is_secret(obj: Mapping[str, Any]) -> bool:
    return obj.get("kind") == "Secret" and str(obj.get("apiVersion", "v1")) == "v1"


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_drop_empty(v) for v in value]
    return value


def _is_pod(obj: Mapping[str, Any]) -> bool:
    return obj.get("kind") == "Pod" and str(obj.get("apiVersion", "v1")) == "v1"


def _same_condition(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all(a.get(k) == b.get(k) for k in ("status", "reason", "message"))


def _trim_pod_status(status: dict[str, Any], images: set[tuple[Any, Any]]) -> None:
    """What a Pod's status says that a reader needs: its True conditions (PodScheduled, Initialized,
    PodReadyToStartContainers, ContainersReady, Ready) go, so do ContainersReady when Ready says the same,
    a container status's image when its spec names the same (`images`: (name, image) pairs), and
    hostIPs/podIPs when they only repeat hostIP/podIP."""
    # a container's status names the image its spec names (unless a tag was resolved to another)
    for key in ("containerStatuses", "initContainerStatuses"):
        for cs in status.get(key) or []:
            if isinstance(cs, dict) and (cs.get("name"), cs.get("image")) in images:
                del cs["image"]
    conditions = status.get("conditions")
    if isinstance(conditions, list):
        kept = [c for c in conditions if not (isinstance(c, dict) and c.get("status") == "True")]
        ready = next((c for c in kept if isinstance(c, dict) and c.get("type") == "Ready"), None)
        if ready is not None:
            kept = [
                c
                for c in kept
                if not (
                    isinstance(c, dict) and c.get("type") == "ContainersReady" and _same_condition(c, ready)
                )
            ]
        if kept:
            status["conditions"] = kept
        else:
            del status["conditions"]
    for many, one in (("hostIPs", "hostIP"), ("podIPs", "podIP")):
        if status.get(many) == [{"ip": status.get(one)}]:
            del status[many]


# A Job's interim condition that its final one repeats (Kubernetes 1.31+ writes both)
_INTERIM_CONDITION = {"FailureTarget": "Failed", "SuccessCriteriaMet": "Complete"}


def _trim_conditions(status: dict[str, Any]) -> None:
    """Conditions without what repeats: a probe or update time equal to the transition time, a Job's interim
    condition (FailureTarget, SuccessCriteriaMet) that its final one (Failed, Complete) says again."""
    conditions = status.get("conditions")
    if not isinstance(conditions, list):
        return
    by_type = {c.get("type"): c for c in conditions if isinstance(c, dict)}
    kept = []
    for c in conditions:
        if isinstance(c, dict):
            final = by_type.get(_INTERIM_CONDITION.get(str(c.get("type")), ""))
            if final is not None and _same_condition(c, final):
                continue
            for when in ("lastProbeTime", "lastUpdateTime"):
                if when in c and c[when] == c.get("lastTransitionTime"):
                    del c[when]
        kept.append(c)
    status["conditions"] = kept


def clean_manifest(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A copy without managedFields, the last-applied annotation, write-noise metadata, empty fields and
    what Kubernetes fills in by default (`k8s_defaults`); owner references as apiVersion, kind and name (and
    `controller: false`); conditions without what repeats (`_trim_conditions`); a Pod's status without what
    repeats or says all is well (`_trim_pod_status`);
    Secret `data`/`stringData` values masked (again: Argo CD's own masking is not relied upon)."""
    # _drop_empty copies every container (much cheaper than copy.deepcopy); what the cleaning below empties
    # is dropped by hand.
    out: dict[str, Any] = _drop_empty(dict(obj))
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for key in _NOISY_METADATA:
            meta.pop(key, None)
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            for key in _NOISY_ANNOTATIONS:
                annotations.pop(key, None)
            if not annotations:
                del meta["annotations"]
        if not meta:
            del out["metadata"]
        for ref in meta.get("ownerReferences") or []:
            if isinstance(ref, dict):
                ref.pop("uid", None)
                ref.pop("blockOwnerDeletion", None)
                if ref.get("controller") is True:
                    del ref["controller"]
    status = out.get("status")
    if isinstance(status, dict):
        for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
            for cs in status.get(key) or []:
                if isinstance(cs, dict):
                    for noisy in _NOISY_CONTAINER_STATUS:
                        cs.pop(noisy, None)
                    for state in (cs.get("state"), cs.get("lastState")):  # {terminated: {containerID: …}}
                        for detail in (state or {}).values() if isinstance(state, dict) else ():
                            if isinstance(detail, dict):
                                detail.pop("containerID", None)
        _trim_conditions(status)
        if _is_pod(out):
            spec = out.get("spec")
            images = {
                (c.get("name"), c.get("image"))
                for key in ("containers", "initContainers")
                for c in (spec.get(key) if isinstance(spec, dict) else None) or []
                if isinstance(c, dict)
            }
            _trim_pod_status(status, images)
            if not status:
                del out["status"]
    drop_defaults(out)
    if _is_secret(out):
        for key in ("data", "stringData"):
            original = obj.get(key)
            if isinstance(original, dict) and original:
                out[key] = dict.fromkeys(original, MASK)
    return out


# libyaml's emitter is about 6x faster than the pure-Python one (and 80x on a 2 MiB ConfigMap); both write
# valid YAML of the same data (line folding of long quoted strings may differ). Pure Python when absent.
_BaseDumper: type[yaml.SafeDumper] = yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper  # type: ignore[assignment]


class _Dumper(_BaseDumper):  # type: ignore[valid-type,misc]
    pass


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data and len(data) < 20000 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_representer)

_SCALARS = (str, int, float, bool, type(None))


def _leaves(value: Any, out: list[Any]) -> bool:
    """Collects the scalars of `value` into `out`; False when something cannot go on one line."""
    if isinstance(value, dict):
        out.extend(value.keys())
        return all(_leaves(v, out) for v in value.values()) and len(out) <= 8
    if isinstance(value, list):
        return all(_leaves(v, out) for v in value) and len(out) <= 8
    out.append(value)
    return isinstance(value, _SCALARS) and "\n" not in str(value)


def _small(value: dict[Any, Any] | list[Any]) -> bool:
    """A collection of a few short scalars, nested or not, reads well on one line
    (`resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 256Mi}}`)."""
    leaves: list[Any] = []
    return bool(value) and _leaves(value, leaves) and sum(len(str(v)) for v in leaves) <= 120


def _dict_representer(dumper: yaml.SafeDumper, data: dict[Any, Any]) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=_small(data))


def _list_representer(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_small(data))


_Dumper.add_representer(dict, _dict_representer)
_Dumper.add_representer(list, _list_representer)


def manifest_to_yaml(obj: Mapping[str, Any], max_bytes: int) -> tuple[str, bool]:
    """Cleaned (see `clean_manifest`) YAML of a Kubernetes object, capped; returns (yaml, truncated).

    Only what can appear before the cap is dumped (see `_Budget`), so time and memory stay proportional to
    the cap, not to the object: a 2 MiB ConfigMap costs what a 50 KiB one does.
    """
    budget = _Budget(max_bytes)
    kept = budget.keep(clean_manifest(obj))
    text = yaml.dump(kept, Dumper=_Dumper, sort_keys=False, width=200, allow_unicode=True)
    if text.endswith("\n...\n"):  # libyaml's explicit document end after some scalars: noise for a reader
        text = text[:-4]
    if budget.dropped:
        return cap_bytes(text, max_bytes, total_at_least=len(text.encode()) + budget.dropped)
    return cap_bytes(text, max_bytes)


class _Budget:
    """Walks an object in document order, cutting string values longer than the whole output may be and
    dropping every mapping entry and list item after the point where the output must already exceed the
    cap. Sizes are counted as lower bounds of their YAML bytes (key + colon, string characters, 1 per other
    scalar or list item; no indentation or quoting), so once the budget is spent the YAML of what was kept
    is longer than the cap and cutting it gives the very text the full dump would have given when cut."""

    def __init__(self, max_bytes: int) -> None:
        self.limit = max_bytes
        self.left = max_bytes
        self.dropped = 0  # lower bound of the YAML bytes left out

    def _short(self, value: str) -> str:
        if len(value) > self.limit:
            return value[: self.limit] + f"... [value cut: {len(value)} characters]"
        return value

    def _size(self, value: Any) -> int:
        if isinstance(value, str):
            return min(len(value), self.limit)
        if isinstance(value, dict):
            return sum(len(str(k)) + 1 + self._size(v) for k, v in value.items())
        if isinstance(value, list):
            return sum(1 + self._size(v) for v in value)
        return 1

    def keep(self, value: Any) -> Any:
        if isinstance(value, str):
            value = self._short(value)
            self.left -= len(value)
            return value
        if isinstance(value, dict):
            out: dict[Any, Any] = {}
            for k, v in value.items():
                if self.left < 0:
                    self.dropped += len(str(k)) + 1 + self._size(v)
                    continue
                self.left -= len(str(k)) + 1
                out[k] = self.keep(v)
            return out
        if isinstance(value, list):
            items: list[Any] = []
            for v in value:
                if self.left < 0:
                    self.dropped += 1 + self._size(v)
                    continue
                self.left -= 1
                items.append(self.keep(v))
            return items
        self.left -= 1
        return value


# -- events -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventSummary:
    last_seen: str
    type: str
    reason: str
    object: str
    message: str
    count: int


def _event_time(ev: Mapping[str, Any]) -> str:
    series = ev.get("series") if isinstance(ev.get("series"), dict) else {}
    return str(
        ev.get("lastTimestamp")
        or (series or {}).get("lastObservedTime")
        or ev.get("eventTime")
        or ev.get("firstTimestamp")
        or (ev.get("metadata") or {}).get("creationTimestamp")
        or ""
    )


def _event_count(ev: Mapping[str, Any]) -> int:
    series = ev.get("series") if isinstance(ev.get("series"), dict) else None
    count = (series or {}).get("count") or ev.get("count") or 1
    try:
        return max(1, int(count))
    except (TypeError, ValueError):
        return 1


def summarize_events(items: Iterable[Mapping[str, Any]], max_items: int) -> tuple[list[EventSummary], int]:
    """Events newest first, deduplicated on (reason, message, object) with counts summed, redacted;
    returns (at most `max_items` summaries, how many distinct events were left out)."""
    merged: dict[tuple[str, str, str], EventSummary] = {}
    for ev in items:
        obj = ev.get("involvedObject") or ev.get("regarding") or {}
        ref = f"{obj.get('kind', '')}/{obj.get('name', '')}".strip("/")
        message = redact(" ".join(str(ev.get("message") or ev.get("note") or "").split()))
        reason = str(ev.get("reason") or "")
        key = (reason, message, ref)
        summary = EventSummary(
            last_seen=_event_time(ev),
            type=str(ev.get("type") or "Normal"),
            reason=reason,
            object=ref,
            message=message,
            count=_event_count(ev),
        )
        if key in merged:
            prev = merged[key]
            summary = EventSummary(
                last_seen=max(prev.last_seen, summary.last_seen),
                type=summary.type,
                reason=reason,
                object=ref,
                message=message,
                count=prev.count + summary.count,
            )
        merged[key] = summary
    ordered = sorted(merged.values(), key=lambda e: e.last_seen, reverse=True)
    return ordered[:max_items], max(0, len(ordered) - max_items)


def format_event(ev: EventSummary, *, show_object: bool = True) -> str:
    count = f" (x{ev.count})" if ev.count > 1 else ""
    about = f" {ev.object}" if show_object else ""
    return f"{ev.last_seen} {ev.type} {ev.reason}{about}{count}: {ev.message}"


def shape_events(items: Iterable[Mapping[str, Any]], max_items: int, max_bytes: int) -> tuple[str, bool]:
    """Events as compact text lines (newest first, deduplicated, redacted), capped in items and bytes; the
    object each is about is named only when they are not all about the same one."""
    events, omitted = summarize_events(items, max_items)
    if not events:
        return "No events.", False
    one_object = len({ev.object for ev in events}) == 1
    lines = [f"All about {events[0].object}:"] if one_object else []
    lines += [format_event(ev, show_object=not one_object) for ev in events]
    if omitted:
        lines.append(f"[{omitted} older distinct events not shown]")
    text, cut = cap_bytes("\n".join(lines), max_bytes)
    return text, cut or omitted > 0


# -- logs ---------------------------------------------------------------------------------------------


_KEY_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_KEY_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY-----")
_BASE64_LINE = re.compile(r"^\s*[A-Za-z0-9+/]{40,}={0,2}\s*$")


def redact_log_lines(contents: Iterable[str]) -> list[str]:
    """Redacts log lines one by one, plus what spans lines: a private key block logged line by line (and
    bare base64 blobs, e.g. the middle of a key whose BEGIN line is outside the tail) is replaced whole."""
    out: list[str] = []
    in_key = False
    for content in contents:
        if in_key:
            if _KEY_END.search(content):
                in_key = False
                continue
            if _BASE64_LINE.match(content):
                continue
            in_key = False
        if _KEY_BEGIN.search(content) and not _KEY_END.search(content):
            in_key = True
            out.append("[REDACTED PRIVATE KEY]")
            continue
        if _BASE64_LINE.match(content):
            out.append("[REDACTED BASE64 DATA]")
            continue
        out.append(redact(content))
    return out


def shape_log_lines(lines: Iterable[tuple[str, str]], max_bytes: int, *, show_pod: bool) -> tuple[str, bool]:
    """(pod, content) pairs → redacted text with library stack frames folded (`stack_frames`), keeping the
    NEWEST lines within `max_bytes` (a tail)."""
    pairs = list(lines)
    by_pod: dict[str, list[int]] = {}
    for i, (pod, _) in enumerate(pairs):
        by_pod.setdefault(pod, []).append(i)
    rendered: list[str] = [""] * len(pairs)
    # Key blocks and stack traces are read per pod (pods interleave); a collapsed key block or folded frames
    # leave the pod's last slots empty.
    for pod, indexes in by_pod.items():
        shaped = fold_library_frames(redact_log_lines(pairs[i][1] for i in indexes))
        for i, text in zip(indexes, shaped, strict=False):
            rendered[i] = f"{pod} | {text}" if show_pod else text
    rendered = [r for r in rendered if r]
    total = sum(len(r.encode()) + 1 for r in rendered)
    if total <= max_bytes:
        return "\n".join(rendered), False
    kept: list[str] = []
    budget = max_bytes - 120
    for line in reversed(rendered):
        size = len(line.encode()) + 1
        if size > budget:
            break
        kept.append(line)
        budget -= size
    kept.reverse()
    note = f"[truncated: oldest {len(rendered) - len(kept)} of {len(rendered)} lines not shown (byte limit)]"
    return "\n".join([note, *kept]), True
